"""The progress board picture from the 2016 sample: size, colours, rows, scope, and real Chinese glyphs."""

from __future__ import annotations

import warnings
from pathlib import Path

from PIL import Image

from domain.model import Light
from domain.palette import PALETTE
from domain.plan_file import load_plan_file
from handlers.board import draw
from handlers.insight_data import Scope
from insight.board_png import ROW_H, WIDTH, BoardPicture
from insight.canvas import face_for
from insight.fonts import cjk_font, fallback, family_name, missing_glyphs
from storage import plans
from tests.insight_world import PRAISED, World, sent_file
from tests.support import ROOT_PLAN, local


def pixels(path: Path) -> dict[str, int]:
    """How many pixels of each colour the picture has."""
    image = Image.open(path).convert("RGB")
    counts = image.getcolors(maxcolors=1 << 22) or []
    return {f"#{r:02x}{g:02x}{b:02x}": n for n, (r, g, b) in counts}


def colours_in(path: Path) -> set[str]:
    return set(pixels(path))


LEGEND_SWATCH = 24 * 22


async def province_board(world: World) -> BoardPicture:
    """The whole province's board on 29 July 2016, drawn straight from the world's store."""
    async with world.store.read() as db:
        plan = await plans.active(db)
    assert plan is not None
    settings = world.bot.app.settings
    return draw(
        settings.db_path,
        plan,
        Scope("/", "全省", None),
        local("2016-07-29T09:00"),
        settings.due_soon_days,
        None,
        world.bot.shell.t,
        settings.data_dir / "board.png",
    )


async def test_board_is_a_phone_width_png_with_every_state_coloured(world: World) -> None:
    out = await world.bot.say("/board", as_="admin")
    assert "全省进度看板(截至2016年7月29日 09:00)" in out
    path = sent_file(out)
    assert path.parent == world.bot.app.settings.data_dir / "exports"
    image = Image.open(path)
    assert image.format == "PNG"
    assert image.width == WIDTH == 1080
    # 29 rows of 40 px plus title, legend and footer: readable on a phone, not a poster.
    assert 29 * 40 < image.height < 29 * 40 + 500
    found = colours_in(path)
    for light in Light:
        assert PALETTE[light].solid in found, light


async def test_board_cells_have_their_states_colour(world: World) -> None:
    picture = await province_board(world)
    image = Image.open(picture.path).convert("RGB")

    def colour(unit: str, material: str) -> str:
        # A point inside the cell, clear of the white rules and of a mark drawn at its centre.
        x, y, w, h = picture.cell(unit, material)
        r, g, b = image.getpixel((round(x + w * 0.25), round(y + h * 0.3)))  # type: ignore[misc]
        return f"#{r:02x}{g:02x}{b:02x}"

    assert colour("郑州市", "1") == PALETTE[Light.ACCEPTED].solid
    assert colour("郑州市", "2.2") == PALETTE[Light.PENDING].solid
    assert colour("郑州市", "4.1") == PALETTE[Light.NOT_DUE].solid
    assert colour("开封市", "3.1") == PALETTE[Light.DUE_SOON].solid
    assert colour("平顶山市", "1") == PALETTE[Light.OVERDUE].solid
    assert colour("开封市", "6.1") == PALETTE[Light.OVERDUE].solid  # returned: still owed
    # Not applicable: its pale fill crossed by diagonal lines in the hatch colour.
    x, y, w, h = picture.cell("洛阳市", "4.2")
    inside = image.crop((round(x) + 2, round(y) + 2, round(x + w) - 2, round(y + h) - 2))
    found = {f"#{r:02x}{g:02x}{b:02x}" for _, (r, g, b) in inside.getcolors() or []}
    assert found == {PALETTE[Light.NOT_APPLICABLE].solid, PALETTE[Light.NOT_APPLICABLE].hatch}
    # The province owes nothing of item 1: its cell is left white.
    assert colour("省局", "1") == "#ffffff"


async def test_board_draws_chinese_with_the_bundled_ofl_font_and_no_boxes(world: World) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        picture = await province_board(world)
    assert family_name(picture.font) == "Noto Sans SC Subset"
    assert picture.font == cjk_font()
    assert picture.font.parent == Path(__file__).resolve().parent.parent / "insight" / "fonts"
    drawn = "".join(picture.texts)
    for text in (
        "2016年度全省安全监管系统推进服务型行政执法建设工作方案",
        "三门峡市",
        "已报送待审",
        "驻马店市",
    ):
        assert text in drawn
    # Every character drawn has a glyph in the font used: no tofu boxes anywhere.
    assert picture.missing == set()
    assert missing_glyphs(picture.font, drawn) == set()
    assert not [w for w in caught if "missing from" in str(w.message)]


async def test_missing_glyph_check_can_fail() -> None:
    # A character outside the font (an emoji) is reported, so the check above has teeth.
    assert missing_glyphs(cjk_font(), "郑州🚩") == {"🚩"}


def gb2312() -> str:
    """Every character GB 2312 encodes (6,763 hanzi, punctuation, kana, Greek, Cyrillic…)."""
    chars = []
    for cp in range(0x80, 0x10000):
        try:
            chr(cp).encode("gb2312")
        except UnicodeEncodeError:
            continue
        chars.append(chr(cp))
    return "".join(chars)


async def test_bundled_font_covers_all_of_gb2312_ascii_and_cjk_punctuation() -> None:
    hanzi = [ch for ch in gb2312() if "\u4e00" <= ch <= "\u9fff"]
    assert len(hanzi) == 6763
    ascii_ = "".join(chr(cp) for cp in range(0x21, 0x7F))
    punctuation = "、。〈〉《》「」『』【】〔〕〖〗〜〝〞,:;!?()%~·—…“”‘’"
    assert missing_glyphs(cjk_font(), gb2312(), ascii_, punctuation) == set()
    # GBK's whole CJK Unified Ideographs block too: 20,902 hanzi a Chinese keyboard types.
    unified = "".join(chr(cp) for cp in range(0x4E00, 0x9FA6))
    assert missing_glyphs(cjk_font(), unified) == set()


async def test_a_character_outside_the_subset_falls_back_or_is_reported() -> None:
    rare = "㐀"  # Extension A: not in GBK, so not in the bundled subset
    assert missing_glyphs(cjk_font(), rare) == {rare}
    assert face_for("郑州市").path == cjk_font()
    full = fallback()
    if full is None:  # no fonts-noto-cjk here: drawn with the subset, reported as missing
        assert face_for(f"{rare}县").path == cjk_font()
    else:
        assert face_for(f"{rare}县") == full
        assert missing_glyphs(full.path, f"{rare}县", index=full.index) == set()


async def test_board_rows_follow_the_plans_order_and_flags(world: World) -> None:
    picture = await province_board(world)
    labels = [t for t in picture.texts if t.endswith(("市", "县", "局"))]
    # The plan's own order: the province, the 18 cities, then the 10 counties it runs directly.
    assert labels == [u.short for u in load_plan_file(ROOT_PLAN).units]
    assert "已通过 10/448(2%) · 逾期 48 项 · 红旗单位 3 个" in picture.texts
    assert len(PRAISED) == 3


async def test_board_of_one_item_and_of_one_city(world: World) -> None:
    item = await world.bot.say("/board 2", as_="admin")
    one_item = Image.open(sent_file(item))
    everything = Image.open(sent_file(await world.bot.say("/board", as_="admin")))
    # Fewer (wider) columns, and one row fewer: the province owes nothing of item 2.
    assert one_item.width == everything.width
    assert everything.height - one_item.height == ROW_H
    assert colours_in(sent_file(item)) >= {
        PALETTE[Light.ACCEPTED].solid,
        PALETTE[Light.PENDING].solid,
    }
    # Item 2 is due 8月底: nothing overdue, so red appears in the legend only.
    assert pixels(sent_file(item))[PALETTE[Light.OVERDUE].solid] <= LEGEND_SWATCH
    assert pixels(sent_file(item))[PALETTE[Light.NOT_DUE].solid] > 50 * LEGEND_SWATCH

    city = await world.bot.say("/board 郑州", as_="admin")
    assert "郑州市进度看板" in city
    assert Image.open(sent_file(city)).height < everything.height


async def test_city_admin_board_covers_only_its_subtree(world: World) -> None:
    await world.bot.invite_and_bind("郑州市", "zzadmin", "admin")
    out = await world.bot.say("/board", as_="zzadmin")
    assert "郑州市进度看板" in out
    assert Image.open(sent_file(out)).height < 600  # one row
    assert "找不到单位" in await world.bot.say("/board 开封", as_="zzadmin")


async def test_board_refuses_bad_input_and_reporters(world: World) -> None:
    before = set((world.bot.app.settings.data_dir / "exports").glob("*"))
    assert "没有编号为“99”的材料" in await world.bot.say("/board 99", as_="admin")
    assert "找不到单位“火星”" in await world.bot.say("/board 火星", as_="admin")
    assert "没有使用该命令的权限" in await world.bot.say("/board", as_="zz")
    assert set((world.bot.app.settings.data_dir / "exports").glob("*")) == before
