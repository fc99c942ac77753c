"""`/rank`: the assessment (考评) ranking of the units in the asker's scope."""

from __future__ import annotations

from domain.messages import Reply
from handlers.context import Context
from handlers.insight_data import collect, heavy, scope_of
from handlers.lookup import require_plan

LISTED = 50


async def rank(ctx: Context, args: str) -> Reply:
    """Scores from completeness, timeliness, first-pass acceptance and 签收, weighted by the plan."""
    plan = require_plan(ctx)
    scope = scope_of(ctx)
    settings = ctx.app.settings
    data = await heavy(collect, settings.db_path, plan, scope.path, ctx.now, settings.due_soon_days)
    if not data.scores:
        return Reply(ctx.t("insight.rank_none", scope=scope.label), private=True)
    lines = [ctx.t("insight.rank_header", scope=scope.label, at=ctx.t.moment(ctx.now))]
    dash = ctx.t("insight.rank_not_measured")
    for s in data.scores[:LISTED]:
        line = ctx.t(
            "insight.rank_line",
            rank=s.rank,
            unit=data.units[s.unit_id].label,
            score=f"{s.total:.1f}",
            completeness=f"{s.completeness:.0%}",
            timeliness=f"{s.timeliness:.0%}",
            first_pass=dash if s.first_pass is None else f"{s.first_pass:.0%}",
            ack=dash if s.acknowledgement is None else f"{s.acknowledgement:.0%}",
        )
        if data.progress.praised(s.unit_id):
            line += " 🚩"
        if s.award:
            line += " · " + ctx.t("insight.rank_award", award=s.award)
        lines.append(line)
    if len(data.scores) > LISTED:
        lines.append(ctx.t("insight.rank_more", shown=LISTED, total=len(data.scores)))
    lines.append(ctx.t("insight.rank_legend"))
    return Reply("\n".join(lines), private=True)
