"""`/rank`: the assessment (考评) ranking of the units in the asker's scope."""

from __future__ import annotations

from domain import screen
from domain.messages import Choice, Reply
from handlers import paging
from handlers.context import Context
from handlers.insight_data import collect, heavy, scope_of
from handlers.lookup import require_plan
from insight.score import Score
from locales import Translator

LEGEND_WORDS = ("说明", "legend")  # `/rank 说明`: how the scores are made


def _percent(t: Translator, part: float | None) -> str:
    return t("insight.rank_not_measured") if part is None else f"{part:.0%}"


def _line(t: Translator, s: Score, label: str, praised: bool) -> str:
    line = t(
        "insight.rank_line",
        rank=s.rank,
        unit=label,
        score=f"{s.total:.1f}",
        completeness=_percent(t, s.completeness),
        timeliness=_percent(t, s.timeliness),
        first_pass=_percent(t, s.first_pass),
        ack=_percent(t, s.acknowledgement),
    )
    if praised:
        line += " 🚩"
    if s.tied > 1:
        line += " · " + t("insight.rank_tied", count=s.tied)
    if s.award:
        line += " · " + t("insight.rank_award", award=s.award)
    if s.at_cut:
        line += " · " + t("insight.rank_at_cut", award=s.at_cut)
    return line


async def rank(ctx: Context, args: str) -> Reply:
    """Scores from completeness, timeliness, first-pass acceptance and 签收, weighted by the plan;
    a phone screen a page (`/rank p2`); `/rank 说明` says how the scores are made."""
    plan = require_plan(ctx)
    query, number = paging.split_page(args)
    if query.lower() in LEGEND_WORDS:
        return Reply("\n".join(screen.wrap(ctx.t("insight.rank_legend"))), private=True)
    scope = scope_of(ctx)
    settings = ctx.app.settings
    data = await heavy(collect, settings.db_path, plan, scope.path, ctx.now, settings.due_soon_days)
    if not data.scores:
        return Reply(ctx.t("insight.rank_none", scope=scope.label), private=True)
    t = ctx.t
    ranked = [s for s in data.scores if s.rank is not None]
    unranked = [s for s in data.scores if s.rank is None]
    lines = [t("insight.rank_header", scope=scope.label, at=t.moment(ctx.now))]
    if not ranked:
        lines.append(t("insight.rank_nobody", count=len(unranked)))
        return Reply("\n".join(lines), private=True)
    shown = paging.page(ranked, number)
    for s in shown.items:
        praised = data.progress.praised(s.unit_id)
        lines.append(_line(t, s, data.units[s.unit_id].label, praised))
    lines += paging.footer(ctx, shown)
    if unranked:
        names = [data.units[s.unit_id].label for s in unranked]
        listed = t.listed(names, screen.fitting(names))
        lines.append(t("insight.rank_unranked", count=len(unranked), units=listed))
    if data.withheld:
        lines.append(t("insight.rank_no_awards"))
    lines.append(t("screen.rank_legend_hint"))
    word = f"{plan.prefix} " if ctx.plan_named else ""
    choices = paging.nav(ctx, f"/rank {word}".strip(), shown)
    choices.append([Choice(t("screen.rank_legend_button"), f"/rank {word}{LEGEND_WORDS[0]}")])
    return Reply("\n".join(lines), choices=choices, private=True)
