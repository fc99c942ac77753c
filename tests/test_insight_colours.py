"""One meaning per colour: the chat's lights, the board's cells and the export's fills agree."""

from __future__ import annotations

import colorsys
from collections import defaultdict

from openpyxl import load_workbook

from domain.palette import PALETTE
from tests.insight_world import World, sent_file
from tests.test_insight_board import LEGEND_SWATCH, pixels, province_board

# What each state must look like everywhere, written down independently of the code.
MEANING = {
    "已通过": "green",
    "已报送待审": "blue",
    "未到期": "grey",
    "将到期": "yellow",
    "逾期": "red",
    "不适用": "hatched",
}
ICON = {"🟢": "green", "🔵": "blue", "🟡": "yellow", "🔴": "red", "⚪": "grey", "➖": "hatched"}


def family(rgb: str) -> str:
    """The colour a person would name: `#d64541` and `F4B6B3` are both red."""
    r, g, b = (int(rgb.lstrip("#")[-6:][i : i + 2], 16) / 255 for i in (0, 2, 4))
    if max(r, g, b) - min(r, g, b) < 0.1:
        return "grey"
    hue = colorsys.rgb_to_hls(r, g, b)[0] * 360
    if hue < 20 or hue >= 330:
        return "red"
    if hue < 70:
        return "yellow"
    if hue < 170:
        return "green"
    return "blue" if hue < 260 else "other"


def line_of(text: str, code: str) -> str:
    """The listing line of one material: `🔵 2.2 组织观摩会… · 已报送(待审)`."""
    return next(x for x in text.splitlines() if x.split()[1:2] == [code])


def chat_legend(text: str) -> dict[str, str]:
    """`🟢已通过、🔵已报送待审…` (the last line of /status) → label: colour."""
    line = text.strip().splitlines()[-1]
    items = line.split("、")
    assert len(items) == len(MEANING), line
    return {item[1:]: ICON[item[0]] for item in items}


async def test_chat_board_and_export_give_each_state_one_colour(world: World) -> None:
    status = await world.bot.say("/status", as_="admin")
    assert chat_legend(status) == MEANING
    legend_line = status.strip().splitlines()[-1]

    # The chat lights each material as its legend says: in review blue, overdue red even if returned.
    zhengzhou = await world.bot.say("/status 郑州", as_="admin")
    assert chat_legend(zhengzhou) == MEANING
    assert line_of(zhengzhou, "2.2").startswith("🔵 ")  # 已报送(待审)
    assert line_of(zhengzhou, "3.2").startswith("🟢 ")  # 已通过
    assert line_of(zhengzhou, "5").startswith("⚪ ")  # 9月底
    assert "逾期报送" not in line_of(zhengzhou, "1")  # 5/27 for 5月底
    kaifeng = await world.bot.say("/status 开封", as_="admin")
    returned = line_of(kaifeng, "6.1")
    assert returned.startswith("🔴 ") and "已退回" in returned and "逾期" in returned
    assert line_of(kaifeng, "3.1").startswith("🟡 ")  # 7月底, two days away
    # Handed in late (6/3 for 5月底) is still green once accepted, and says it was late.
    assert line_of(kaifeng, "1").startswith("🟢 ") and "逾期报送" in line_of(kaifeng, "1")
    luoyang = await world.bot.say("/status 洛阳", as_="admin")
    assert line_of(luoyang, "4.2").startswith("➖ ")  # 不适用

    # The board: its legend's swatches, checked against the pixels of the real picture.
    board = await world.bot.say("/board", as_="admin")
    assert legend_line in board
    picture = await province_board(world)
    drawn = pixels(picture.path)
    seen = {}
    for light, label in picture.legend:
        colour = PALETTE[light]
        assert drawn[colour.solid] > LEGEND_SWATCH, label  # in the grid, not only the legend
        if colour.hatch:
            assert colour.hatch in drawn
        seen[label] = "hatched" if colour.hatch else family(colour.solid)
    assert seen == MEANING

    # The export: every state cell of the progress sheet, its text and its real fill.
    path = sent_file(await world.bot.say("/export", as_="admin"))
    sheet = load_workbook(path)["进度"]
    fills: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for row in sheet.iter_rows(min_row=2, max_row=30, min_col=3, max_col=18):
        for cell in row:
            if isinstance(cell.value, str):
                fills[cell.value].add((cell.fill.patternType, cell.fill.fgColor.rgb))
    returned_fills = fills.pop("已退回")
    assert set(fills) == set(MEANING)
    named = {}
    for label, found in fills.items():
        assert len(found) == 1, (label, found)  # one fill per state
        pattern, rgb = next(iter(found))
        named[label] = family(rgb) if pattern == "solid" else "hatched"
    assert named == MEANING
    # A returned material takes its deadline's colour; the text says it was returned.
    owed = {next(iter(fills[x])) for x in ("未到期", "将到期", "逾期")}
    assert returned_fills <= owed


def test_family_tells_the_colours_apart() -> None:
    assert [family(x) for x in ("#2e9d5b", "CFE2F3", "#c9cdd3", "FFE699", "F4B6B3")] == [
        "green",
        "blue",
        "grey",
        "yellow",
        "red",
    ]
