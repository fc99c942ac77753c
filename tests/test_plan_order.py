"""Units appear in the plan's official order (郑州, 开封, 洛阳 … then the 直管县) in every
listing: /status, /overdue, the board (whole and one item), the export and the 通报."""

from __future__ import annotations

import re

from openpyxl import load_workbook

from domain.plan_file import load_plan_file
from handlers.board import draw
from handlers.insight_data import Scope
from storage import plans
from tests.bulletin_support import document_lines, section
from tests.insight_world import NOW, World, sent_file
from tests.support import ROOT_PLAN, local

UNITS = load_plan_file(ROOT_PLAN).units
OFFICIAL = [u.short or u.name for u in UNITS]
SHORT = {u.name: u.short or u.name for u in UNITS}


def in_plan_order(listed: list[str]) -> bool:
    """`listed` names distinct units, in the order the plan gives them."""
    return listed == [name for name in OFFICIAL if name in set(listed)]


async def board_rows(world: World, item: int | None = None) -> list[str]:
    """The unit labels the board draws, top to bottom."""
    async with world.store.read() as db:
        plan = await plans.active(db)
        assert plan is not None
        chosen = {m.id for m in await plans.materials(db, plan.id) if m.item_no == item}
    settings = world.bot.app.settings
    picture = draw(
        settings.db_path,
        plan,
        Scope("/", "全省", None),
        local(NOW),
        settings.due_soon_days,
        chosen or None,
        world.bot.shell.t,
        settings.data_dir / "board.png",
    )
    return [text for text in picture.texts if text in set(OFFICIAL)]


async def test_every_listing_follows_the_plans_order(world: World) -> None:
    bot = world.bot
    status = await bot.say("/status", as_="admin")
    status_units = re.findall(r"^\S+ (\S+) \d+/\d+", status, re.M)
    assert status_units == OFFICIAL

    # /overdue is by material; a material's late units (one tap on) are in the plan's order.
    overdue = await bot.say("/overdue", as_="admin")
    assert "涉及 25 个单位" in overdue
    late = {}
    for code in ("1", "6.1"):
        named = re.findall(r"[^、\s]+", await bot.say(f"/overdue {code}", as_="admin"))
        late[code] = [name for name in named if name in set(OFFICIAL)]
        assert in_plan_order(late[code]), late[code]
    # 开封 owes only 6.1 (due 10 June), the others 1 (due 31 May) too.
    assert "开封市" in late["6.1"] and "开封市" not in late["1"]
    assert late["6.1"][:2] == ["开封市", "平顶山市"]

    board = await board_rows(world)
    assert board == OFFICIAL
    item3 = await board_rows(world, item=3)
    assert item3 == OFFICIAL  # 3.2 is the province's too

    book = load_workbook(sent_file(await bot.say("/export", as_="admin")))
    sheet = [row[0] for row in book["进度"].iter_rows(min_row=2, max_row=30, values_only=True)]
    assert sheet == OFFICIAL
    overdue_sheet = [row[0] for row in book["逾期"].iter_rows(min_row=2, values_only=True)]
    assert in_plan_order(list(dict.fromkeys(overdue_sheet)))

    document = document_lines(await bot.say("/bulletin", as_="admin"))
    named = section(document, "四、存在逾期未报材料的单位")
    named_units = [m.group(1) for line in named if (m := re.match(r"^\d+\.(\S+?):", line))]
    assert named_units == [name for name in OFFICIAL if name in {*late["1"], *late["6.1"]}]
    assert len(named_units) == 25
    draft = "\n".join(document)
    praised = draft.split("予以表扬:", 1)[1].split("。", 1)[0].split("、")
    assert in_plan_order(praised) and praised == ["郑州市", "洛阳市", "巩义市"]
