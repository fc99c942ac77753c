"""The progress counters (migration 027) on a real store: after any sequence of changes they
equal a fresh GROUP BY over the assignments, and what /status, /plans and the bulletin read off
them equals what the GROUP BY said; a store from before 027 is backfilled when it opens; a
transaction rolled back leaves them as they were."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import aiosqlite
import pytest

from domain.model import PlanState, ReportStatus
from domain.plan_file import load_plan
from handlers.plan_import import import_plan
from handlers.plan_replace import ReplaceRefused, replace_plan
from storage import acks, assignments, progress, reports, units
from storage.db import fetch_all, to_db
from storage.models import UnitSummary
from tests.support import SHANGHAI, ShellBot, local

UNITS = """\
units:
  - {code: root, name: 省局, kind: province}
  - {code: zz, name: 郑州市局, short: 郑州市, kind: city, parent: root}
  - {code: zz1, name: 中牟县局, short: 中牟县, kind: county, parent: zz}
  - {code: zz2, name: 巩义市局, short: 巩义市, kind: county, parent: zz}
  - {code: kf, name: 开封市局, short: 开封市, kind: city, parent: root}
  - {code: kf1, name: 兰考县局, short: 兰考县, kind: county, parent: kf}
  - {code: kf2, name: 杞县局, short: 杞县, kind: county, parent: kf}
"""
PLAN = (
    """\
plan:
  code: demo
  short: sl
  year: 2016
  title: 2016年度示例计划
  applies_to: [province, city, county]
"""
    + UNITS
    + """\
items:
  - no: 1
    title: 年度方案
    deadline: 5月底
    materials:
      - title: 年度方案文件
      - title: 分解表
        deadline: 6月上旬
  - no: 2
    title: 县级观摩
    deadline: 7月底
    applies_to: [county]
    materials:
      - title: 观摩通知
  - no: 3
    title: 宣传工作
    deadline: 按要求报送
    materials:
      - title: 微视频
  - no: 4
    title: 总结
    deadline: 10月底
    materials:
      - title: 年度总结
"""
)
# The same plan corrected: 1.1 later, 3 given a date, 4 dropped, 5 new.
CORRECTED = (
    PLAN.replace("    deadline: 5月底", "    deadline: 6月底")
    .replace("    deadline: 按要求报送", "    deadline: 11月底")
    .replace(
        "  - no: 4\n    title: 总结\n    deadline: 10月底",
        "  - no: 5\n    title: 总结\n    deadline: 年底",
    )
)
OTHER = (
    """\
plan:
  code: other
  short: qt
  year: 2016
  title: 2016年度另一计划
  applies_to: [city, county]
"""
    + UNITS
    + """\
items:
  - no: 1
    title: 专项整治
    deadline: 6月底
    materials:
      - title: 整治方案
      - title: 整治总结
        deadline: 9月底
"""
)

OUTSTANDING = "('not_submitted', 'returned')"
COUNTERS = (
    "SELECT plan_id, unit_id, total, done, pending, returned, not_applicable, outstanding,"
    " first_due, unacked FROM unit_progress ORDER BY plan_id, unit_id"
)
FRESH = (
    "SELECT plan_id, unit_id, COUNT(*), SUM(state = 'accepted'), SUM(state = 'pending'),"
    " SUM(state = 'returned'), SUM(state = 'not_applicable'),"
    f" SUM(state IN {OUTSTANDING}), MIN(CASE WHEN state IN {OUTSTANDING} THEN due_at END),"
    " SUM(acked = 0) FROM assignments GROUP BY plan_id, unit_id ORDER BY plan_id, unit_id"
)
PLAN_COUNTERS = (
    "SELECT plan_id, units, total, done, pending, returned, not_applicable, outstanding"
    " FROM plan_progress ORDER BY plan_id"
)
PLAN_FRESH = (
    "SELECT plan_id, COUNT(DISTINCT unit_id), COUNT(*), SUM(state = 'accepted'),"
    " SUM(state = 'pending'), SUM(state = 'returned'), SUM(state = 'not_applicable'),"
    f" SUM(state IN {OUTSTANDING}) FROM assignments GROUP BY plan_id ORDER BY plan_id"
)
DUE_COUNTERS = "SELECT plan_id, due_at, outstanding FROM plan_due ORDER BY plan_id, due_at"
DUE_FRESH = (
    "SELECT plan_id, due_at, COUNT(*) FROM assignments"
    f" WHERE state IN {OUTSTANDING} AND due_at IS NOT NULL"
    " GROUP BY plan_id, due_at ORDER BY plan_id, due_at"
)
FIRST_COUNTERS = "SELECT plan_id, first_due, units FROM plan_first_due ORDER BY plan_id, first_due"
FIRST_FRESH = (
    "SELECT plan_id, first_due, COUNT(*) FROM (SELECT plan_id, unit_id,"
    f" MIN(CASE WHEN state IN {OUTSTANDING} THEN due_at END) AS first_due"
    " FROM assignments GROUP BY plan_id, unit_id) WHERE first_due IS NOT NULL"
    " GROUP BY plan_id, first_due ORDER BY plan_id, first_due"
)
SNAPSHOT = (COUNTERS, PLAN_COUNTERS, DUE_COUNTERS, FIRST_COUNTERS)
# What /status ran before the counters: every unit's counts, overdue now, under a path.
OLD_SUMMARIES = (
    "SELECT a.unit_id, COUNT(*), SUM(a.state = 'accepted'), SUM(a.state = 'pending'),"
    " SUM(a.state = 'returned'), SUM(a.state = 'not_applicable'),"
    f" SUM(a.state IN {OUTSTANDING} AND a.due_at < ?) FROM assignments a"
    " JOIN units u ON u.id = a.unit_id WHERE u.path LIKE ? AND a.plan_id = ?"
    " GROUP BY a.unit_id ORDER BY u.sort, u.id"
)
# The units yet to 签收 a plan, as /status and the reminders read them before the counters.
OLD_UNACKED = (
    "SELECT DISTINCT unit_id FROM assignments WHERE plan_id = ? AND acked = 0"
    " AND unit_id NOT IN (SELECT id FROM units WHERE parent_id IS NULL)"
)
STAFFED = "SELECT unit_id FROM contacts WHERE unit_id IS NOT NULL AND role IS NOT NULL"
IN_ORDER = "SELECT id FROM units WHERE path LIKE ? ORDER BY sort, id"
MOMENTS = [local(t) for t in ("2016-05-01T09:00", "2016-06-05T09:00", "2016-08-15T09:00")]
MOMENTS.append(local("2017-02-01T09:00"))


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[ShellBot]:
    sample = tmp_path / "demo.yaml"
    sample.write_text(PLAN, encoding="utf-8")
    shell_bot = await ShellBot.start(tmp_path / "data", BOT_SAMPLE_PLAN=sample)
    other = load_plan(OTHER, source="other.yaml")
    await import_plan(
        shell_bot.app.store, other, SHANGHAI, shell_bot.clock.now(), state=PlanState.PUBLISHED
    )
    yield shell_bot
    await shell_bot.stop()


async def rows(db: aiosqlite.Connection, sql: str, args: tuple[object, ...] = ()) -> list[tuple]:
    return [tuple(r) for r in await fetch_all(db, sql, args)]


async def assert_counted(db: aiosqlite.Connection) -> None:
    """The counters equal a fresh GROUP BY over the assignments."""
    assert await rows(db, COUNTERS) == await rows(db, FRESH)
    assert await rows(db, PLAN_COUNTERS) == await rows(db, PLAN_FRESH)
    assert await rows(db, DUE_COUNTERS) == await rows(db, DUE_FRESH)
    assert await rows(db, FIRST_COUNTERS) == await rows(db, FIRST_FRESH)


async def assert_reads_agree(db: aiosqlite.Connection) -> None:
    """Whatever is read off the counters equals what the GROUP BY said, for every scope (the
    province and every unit's subtree) at instants before, among and after the deadlines."""
    plan_ids = [int(r[0]) for r in await fetch_all(db, "SELECT id FROM plans ORDER BY id")]
    paths = ["/", *(str(r[0]) for r in await fetch_all(db, "SELECT path FROM units"))]
    labels = {u.id: u.label for u in await units.all_units(db)}
    staffed = {r[0] for r in await rows(db, STAFFED)}
    for plan_id in plan_ids:
        old_unacked = {r[0] for r in await rows(db, OLD_UNACKED, (plan_id,))}
        assert await acks.unacknowledged_units(db, plan_id) == old_unacked
        for path in paths:
            behind = [
                (labels[r[0]], r[0] in staffed)
                for r in await rows(db, IN_ORDER, (path + "%",))
                if r[0] in old_unacked
            ]
            for first in (1, 2, 40):
                assert await progress.unacknowledged(db, plan_id, path, first) == (
                    sum(1 for _, s in behind if s),
                    [label for label, s in behind if s][:first],
                    sum(1 for _, s in behind if not s),
                    [label for label, s in behind if not s][:first],
                )
    for now in MOMENTS:
        at = to_db(now)
        for path in paths:
            by_plan = await assignments.progress_by_plan(db, plan_ids, now, path)
            for plan_id in plan_ids:
                old = [
                    UnitSummary(*(int(v) for v in r))
                    for r in await rows(db, OLD_SUMMARIES, (at, path + "%", plan_id))
                ]
                got = await progress.summaries(db, plan_id, now, path)
                assert sorted(got, key=lambda s: s.unit_id) == sorted(old, key=lambda s: s.unit_id)
                totals = await progress.totals(db, plan_id, now, path)
                assert totals == progress.Totals(
                    len(old),
                    sum(s.total for s in old),
                    sum(s.done for s in old),
                    sum(s.pending for s in old),
                    sum(s.not_applicable for s in old),
                    sum(1 for s in old if s.overdue),
                )
                late = await progress.late_units(db, plan_id, now, path)
                assert late == {s.unit_id for s in old if s.overdue}
                for offset in range(0, len(old) + 1, 2):  # pages of two, in the official order
                    page = await progress.page(db, plan_id, now, path, offset, 2)
                    assert page == [(labels[s.unit_id], s) for s in old[offset : offset + 2]]
                if old:
                    assert by_plan[plan_id] == assignments.PlanProgress(
                        sum(s.total for s in old),
                        sum(s.done + s.not_applicable for s in old),
                        sum(s.pending for s in old),
                        sum(s.overdue for s in old),
                    )
                else:
                    assert plan_id not in by_plan


async def pick(db: aiosqlite.Connection, rng: random.Random, sql: str) -> list[int]:
    found = [int(r[0]) for r in await fetch_all(db, sql)]
    return [rng.choice(found)] if found else []


async def step(bot: ShellBot, rng: random.Random, replaced: list[bool]) -> str:
    """One random change, in its own transaction, as a command or an import would make it."""
    now = bot.clock.now()
    kind = rng.choice(
        [
            "report", "report", "accept", "accept", "return", "withdraw", "not_applicable",
            "due", "due_in_scope", "follow", "move_assignment", "move_unit", "drop",
            "other_plan", "replace", "ack",
        ]
    )  # fmt: skip
    if kind == "replace":  # the corrected file, or back; refused when it would drop work
        text = PLAN if replaced[0] else CORRECTED
        try:
            await replace_plan(bot.app.store, load_plan(text, source="demo.yaml"), SHANGHAI, now)
        except ReplaceRefused:
            return "replace refused"
        replaced[0] = not replaced[0]
        return kind
    async with bot.app.store.write() as db:
        if kind == "report":
            for a in await pick(db, rng, "SELECT id FROM assignments"):
                await reports.insert(
                    db, assignment_id=a, contact_id=None, count=None, note=None, files=[], now=now
                )
        elif kind in ("accept", "return", "withdraw"):
            wanted = {
                "accept": ReportStatus.ACCEPTED,
                "return": ReportStatus.RETURNED,
                "withdraw": ReportStatus.WITHDRAWN,
            }[kind]
            for r in await pick(db, rng, "SELECT id FROM reports WHERE status = 'pending'"):
                await reports.set_status(
                    db, r, wanted, expected=ReportStatus.PENDING, reviewer_id=None, reason=None,
                    now=now,
                )  # fmt: skip
        elif kind == "ack":  # a unit acknowledges (签收) a whole plan
            for a in await pick(db, rng, "SELECT id FROM assignments"):
                plan_id, unit_id = (
                    await rows(db, "SELECT plan_id, unit_id FROM assignments WHERE id = ?", (a,))
                )[0]
                await acks.acknowledge(db, plan_id, unit_id, None, now)
        elif kind == "not_applicable":
            for a in await pick(db, rng, "SELECT id FROM assignments"):
                await assignments.set_not_applicable(db, a, "不适用")
        elif kind == "due":
            for a in await pick(db, rng, "SELECT id FROM assignments"):
                day = date(2016, rng.randint(4, 12), rng.randint(1, 28))
                await assignments.set_due(db, a, day, local(f"{day}T17:30"))
        elif kind == "due_in_scope":
            for a in await pick(db, rng, "SELECT id FROM assignments"):
                row = (
                    await rows(
                        db, "SELECT plan_id, material_id FROM assignments WHERE id = ?", (a,)
                    )
                )[0]
                path = rng.choice(await rows(db, "SELECT path FROM units"))[0]
                day = date(2016, rng.randint(4, 12), rng.randint(1, 28))
                await assignments.set_due_in_scope(
                    db, row[0], row[1], path, None, day, local(f"{day}T17:30")
                )
        elif kind == "follow":
            for m in await pick(db, rng, "SELECT id FROM materials"):
                old = await rows(db, "SELECT due_date FROM assignments WHERE material_id = ?", (m,))
                old_due = date.fromisoformat(old[0][0]) if old and old[0][0] else None
                new_due = (old_due or date(2016, 6, 1)) + timedelta(days=rng.randint(-20, 20))
                await assignments.follow_material(
                    db, m, old_due, new_due, local(f"{new_due}T23:59")
                )
        elif kind == "move_assignment":  # to a unit of the plan that does not owe it yet
            moves = await rows(
                db,
                "SELECT a.id, u.id FROM assignments a JOIN units u WHERE NOT EXISTS (SELECT 1"
                " FROM assignments b WHERE b.material_id = a.material_id AND b.unit_id = u.id)",
            )
            if moves:
                assignment_id, unit_id = rng.choice(moves)
                await db.execute(
                    "UPDATE assignments SET unit_id = ? WHERE id = ?", (unit_id, assignment_id)
                )
        elif kind == "move_unit":  # a county to the other city: the scopes' sums follow
            counties = await rows(db, "SELECT id FROM units WHERE kind = 'county'")
            cities = await rows(db, "SELECT id FROM units WHERE kind = 'city'")
            await units.move(db, rng.choice(counties)[0], rng.choice(cities)[0])
        elif kind == "drop":
            for a in await pick(
                db, rng, "SELECT id FROM assignments a WHERE NOT EXISTS"
                " (SELECT 1 FROM reports r WHERE r.assignment_id = a.id)",
            ):  # fmt: skip
                await assignments.drop(db, [a])
        elif kind == "other_plan":  # no command does it, but the triggers follow even that
            for a in await pick(db, rng, "SELECT id FROM assignments"):
                swap = (
                    "UPDATE assignments SET plan_id = (SELECT MAX(id) + MIN(id) - plan_id"
                    " FROM plans) WHERE id = ?"
                )
                await db.execute(swap, (a,))
                await assert_counted(db)
                await db.execute(swap, (a,))  # back: a plan replacement expects its own
    return kind


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_counters_equal_a_fresh_group_by_after_random_changes(
    bot: ShellBot, seed: int
) -> None:
    rng = random.Random(seed)
    replaced = [False]
    await bot.invite_and_bind("兰考", "lk")  # a unit with a contact, among those without
    async with bot.app.store.read() as db:
        await assert_counted(db)
        await assert_reads_agree(db)
    done = set()
    for n in range(60):
        done.add(await step(bot, rng, replaced))
        async with bot.app.store.read() as db:
            await assert_counted(db)
            if n % 10 == 9:
                await assert_reads_agree(db)
    assert {"report", "accept", "return", "not_applicable", "due", "drop", "ack"} <= done


async def test_a_store_from_before_the_counters_is_backfilled(
    bot: ShellBot, tmp_path: Path
) -> None:
    rng = random.Random(5)
    for _ in range(30):
        await step(bot, rng, [False])
    async with bot.app.store.write() as db:  # as the store was before migration 027 …
        for name in (
            "assignments_progress_on_insert", "assignments_progress_on_update",
            "assignments_progress_on_delete", "unit_progress_to_plan_on_insert",
            "unit_progress_to_plan_on_update", "unit_progress_to_plan_on_delete",
            "assignments_progress_on_ack", "unit_progress_first_due_on_update",
        ):  # fmt: skip
            await db.execute(f"DROP TRIGGER {name}")
        for table in ("unit_progress", "plan_progress", "plan_due", "plan_first_due"):
            await db.execute(f"DROP TABLE {table}")
        await db.execute("DROP INDEX units_sort")
        await db.execute("DROP INDEX contacts_unit_role")
        await db.execute("DELETE FROM schema_migrations WHERE version = 27")
        # … and changed after, as an older version of the bot would have
        await db.execute("UPDATE assignments SET state = 'not_applicable' WHERE id % 5 = 0")
        await db.execute(
            "UPDATE assignments SET due_at = ? WHERE id % 3 = 0",
            (to_db(local("2016-06-20T09:00")),),
        )
        await db.execute(
            "DELETE FROM assignments WHERE id % 7 = 0 AND id NOT IN"
            " (SELECT assignment_id FROM reports UNION SELECT assignment_id FROM requests)"
        )
        await db.execute("UPDATE assignments SET acked = 1 WHERE id % 4 = 0")
    await bot.stop()
    reopened = await ShellBot.start(tmp_path / "data", BOT_SAMPLE_PLAN=tmp_path / "demo.yaml")
    try:
        async with reopened.app.store.read() as db:
            assert await rows(db, "SELECT version FROM schema_migrations WHERE version = 27")
            assert await rows(db, COUNTERS)
            await assert_counted(db)
            await assert_reads_agree(db)
        for _ in range(20):  # and kept from then on
            await step(reopened, rng, [False])
        async with reopened.app.store.read() as db:
            await assert_counted(db)
    finally:
        await reopened.stop()


async def test_a_rolled_back_transaction_leaves_the_counters_as_they_were(bot: ShellBot) -> None:
    rng = random.Random(9)
    for _ in range(15):
        await step(bot, rng, [False])
    async with bot.app.store.read() as db:
        before = [await rows(db, sql) for sql in SNAPSHOT]
    with pytest.raises(RuntimeError):
        async with bot.app.store.write() as db:
            now = bot.clock.now()
            ids = [int(r[0]) for r in await fetch_all(db, "SELECT id FROM assignments")]
            await reports.insert(
                db, assignment_id=ids[0], contact_id=None, count=None, note=None, files=[], now=now
            )
            await assignments.set_not_applicable(db, ids[1], "不适用")
            await assignments.set_due(db, ids[2], date(2016, 5, 2), local("2016-05-02T17:30"))
            await db.execute("DELETE FROM assignments WHERE id = ?", (ids[3],))
            changed = await rows(db, COUNTERS)
            assert changed != before[0]  # the counters moved inside the transaction
            raise RuntimeError("the command failed half-way")
    async with bot.app.store.read() as db:
        assert [await rows(db, sql) for sql in SNAPSHOT] == before
        await assert_counted(db)


async def test_status_pages_read_the_counters(bot: ShellBot, pdf: Path) -> None:
    """Through the chat: the header and the page follow a report and its acceptance, for the
    province and for a city admin, whose page holds its own units only."""
    await bot.invite_and_bind("兰考", "lk")
    await bot.invite_and_bind("开封", "kfa", role="unit_admin")
    bot.clock.set(local("2016-06-05T09:00"))
    before = await bot.say("/status sl", as_="admin")
    assert "7个单位,已完成 0/" in before and "有逾期的单位 7 个" in before
    sent = await bot.say("/report sl-1.1 方案", as_="lk", files=[pdf])
    assert "报送编号 #1" in sent, sent
    city = await bot.say("/status sl", as_="kfa")
    assert "3个单位,已完成 0/14" in city, city
    listed = city.split("各单位完成情况:")[1]
    assert "⚪ 兰考县 0/5 · 待审1" in listed and "郑州" not in listed and "中牟" not in listed
    assert "已通过" in await bot.say("/accept 1", as_="admin")
    after = await bot.say("/status sl", as_="admin")
    assert "7个单位,已完成 1/" in after and "有逾期的单位 6 个" in after, after
    assert "⚪ 兰考县 1/5\n" in after, after
