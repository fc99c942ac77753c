"""考评: scores from the plan's weights, the /rank listing, and 签收 counted once asked for."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from domain.model import AssignmentState, UnitKind
from domain.progress_rows import Cell, MaterialCol, UnitActivity, UnitRow
from insight import progress
from insight.score import rules_from, scores
from tests.insight_world import World

NOW = datetime(2016, 7, 29, 1, 0, tzinfo=UTC)


ROOT = 100  # the issuing province: not on these boards


def unit(uid: int) -> UnitRow:
    return UnitRow(
        uid, f"u{uid}", f"单位{uid}", None, UnitKind.CITY, ROOT, None, f"/{ROOT}/{uid}/", uid
    )


def material(mid: int) -> MaterialCol:
    return MaterialCol(mid, str(mid), mid, f"事项{mid}", f"材料{mid}", None, None, "date", {}, None)


def cell(uid: int, mid: int, state: AssignmentState, due_days: int, sent_days: int | None) -> Cell:
    due = NOW + timedelta(days=due_days)
    sent = NOW + timedelta(days=sent_days) if sent_days is not None else None
    return Cell(uid, mid, state, due, sent, 0, None)


def matrix() -> progress.Progress:
    a, p = AssignmentState.ACCEPTED, AssignmentState.PENDING
    cells = [
        cell(1, 1, a, -10, -12),  # on time
        cell(1, 2, a, -10, -12),
        cell(2, 1, a, -10, -4),  # six days late
        cell(2, 2, p, -10, -11),  # in review, on time
        cell(3, 1, AssignmentState.NOT_SUBMITTED, -10, None),  # ten days overdue
        cell(3, 2, AssignmentState.NOT_SUBMITTED, 20, None),  # not due: not judged
    ]
    return progress.build([unit(1), unit(2), unit(3)], [material(1), material(2)], cells, NOW, 3)


def test_scores_follow_the_plans_weights() -> None:
    busy = {1: UnitActivity(reports=2), 2: UnitActivity(reports=3, returns=1)}
    ranked = scores(matrix(), rules_from({}), busy)
    by_unit = {s.unit_id: s for s in ranked}
    assert [s.unit_id for s in ranked] == [1, 2, 3]
    assert by_unit[1].total == 100.0
    # 2: completeness (1 + 0.5)/2, timeliness (1 - 6/30 + 1)/2, first pass 2/3; weights 50/30/10.
    assert by_unit[2].completeness == 0.75 and by_unit[2].timeliness == pytest.approx(0.9)
    assert by_unit[2].total == round(100 * (50 * 0.75 + 30 * 0.9 + 10 * 2 / 3) / 90, 1)
    assert by_unit[3].first_pass is None and by_unit[3].acknowledgement is None
    # 3 never reported: ten days overdue earns no timeliness, so nothing at all.
    assert by_unit[3].timeliness == 0.0 and by_unit[3].total == 0.0

    only_done = rules_from({"weights": {"completeness": 1, "timeliness": 0, "first_pass": 0}})
    again = {s.unit_id: s for s in scores(matrix(), only_done, busy)}
    assert again[2].total == 75.0 and again[3].total == 0.0

    strict = rules_from(
        {"pending_credit": 0, "full_late_days": 5, "awards": [{"title": "单项奖", "top": 1}]}
    )
    third = {s.unit_id: s for s in scores(matrix(), strict, busy)}
    assert third[2].completeness == 0.5 and third[3].timeliness == 0.0
    assert third[1].award == "单项奖" and third[2].award is None


def test_acknowledgement_counts_only_where_asked() -> None:
    acked = {1: UnitActivity(reports=2, noticed=4, acked=1), 2: UnitActivity(reports=3)}
    by_unit = {s.unit_id: s for s in scores(matrix(), rules_from({}), acked)}
    assert by_unit[1].acknowledgement == 0.25
    assert by_unit[1].total == round(100 * (50 + 30 + 10 + 10 * 0.25) / 100, 1)
    assert by_unit[2].acknowledgement is None


def test_bad_assessment_settings_fall_back_to_defaults(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        rules = rules_from({"weights": {"completness": 40}, "pending_credit": 2})
    assert rules.weights.completeness == 50 and rules.pending_credit == 0.5
    assert "assessment settings ignored" in caplog.text


async def test_rank_lists_scope_with_flags_and_awards(world: World) -> None:
    out = await world.bot.say("/rank", as_="admin")
    lines = out.strip().splitlines()
    assert lines[0] == "全省考评排名(截至2016年7月29日 09:00):"
    assert lines[1].startswith("1. 巩义市 90.7分(完成度83% · 及时性100% · 一次通过100% · 签收—)")
    assert "拟推荐:服务型行政执法单项奖" in lines[1]
    flagged = {line.split()[1] for line in lines if "🚩" in line}
    assert flagged == {"郑州市", "洛阳市", "巩义市"}
    assert lines[-2:] == ["评分方法:/rank 说明。", "[1] 评分说明"]  # the legend one tap on
    ranks = [int(line.split(".")[0]) for line in lines[1:-2]]
    # The 28 cities and counties; the province issues the plan and is not ranked.
    assert len(ranks) == 28 and ranks == sorted(ranks) and " 省局 " not in out
    assert ranks.count(ranks[-1]) > 1  # units with nothing done share the last place
    await world.bot.invite_and_bind("郑州市", "zzadmin", "admin")
    mine = await world.bot.say("/rank", as_="zzadmin")
    assert "郑州市考评排名" in mine and "开封市" not in mine
    assert "没有使用该命令的权限" in await world.bot.say("/rank", as_="zz")


async def test_acknowledging_shows_in_the_ranking(world: World) -> None:
    before = await world.bot.say("/rank", as_="admin")
    assert "签收100%" not in before
    await world.bot.say("/ack", as_="zz")
    after = await world.bot.say("/rank", as_="admin")
    zhengzhou = next(line for line in after.splitlines() if " 郑州市 " in line)
    assert "签收100%" in zhengzhou
    kaifeng = next(line for line in after.splitlines() if " 开封市 " in line)
    assert "签收—" in kaifeng
