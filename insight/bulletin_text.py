"""The 通报 text: overall figures, per-item completion, units praised and named, the ranking."""

from __future__ import annotations

from collections import defaultdict
from itertools import groupby

from domain.progress_rows import UnitRow
from insight.progress import Progress, Tally
from insight.score import Score
from locales import Translator

TOP = 5


def overdue_units(progress: Progress) -> list[UnitRow]:
    """Exactly the units with an overdue material, in plan order. The issuer publishes the
    通报: it names the units it addresses, never itself."""
    return [u for u in progress.units if progress.by_unit[u.id].overdue and u.id != progress.issuer]


def overall(progress: Progress, t: Translator, scope: str) -> dict[str, object]:
    """The overall figures both 通报 open with (the chat text and the .docx)."""
    whole = progress.totals()
    due, due_done = progress.due_so_far()
    return {
        "scope": scope,
        "units": len(progress.units),
        "total": whole.applicable,
        "done": whole.accepted,
        "percent": t.percent(whole.accepted, whole.applicable),
        "due": due,
        "due_done": due_done,
        "due_percent": t.percent(due_done, due),
        "pending": whole.pending,
        "overdue": whole.overdue,
        "late_units": len(overdue_units(progress)),
    }


def compose(
    progress: Progress,
    scores: list[Score],
    units: dict[int, UnitRow],
    t: Translator,
    title: str,
    scope: str,
) -> str:
    """The bulletin as the bureau would word it, dated by the progress snapshot."""
    today = t.day(progress.now.astimezone(t.tz).date(), with_year=True)
    named = overdue_units(progress)
    praised = [u for u in progress.units if progress.praised(u.id)]
    lines = [
        t("insight.bulletin_heading", title=title),
        "",
        t("insight.bulletin_overall", date=today, **overall(progress, t, scope)),
        "",
        t("insight.bulletin_items_header"),
    ]
    by_item: dict[int, Tally] = defaultdict(Tally)
    item_titles: dict[int, str] = {}
    for m in progress.materials:
        tally = progress.by_material[m.id]
        item = by_item[m.item_no]
        item.accepted += tally.accepted
        item.total += tally.total
        item.not_applicable += tally.not_applicable
        item.overdue += tally.overdue
        item_titles[m.item_no] = m.item_title
    for no, tally in by_item.items():
        lines.append(
            t(
                "insight.bulletin_item_line",
                no=no,
                title=item_titles[no],
                done=tally.accepted,
                total=tally.applicable,
                percent=t.percent(tally.accepted, tally.applicable),
            )
        )
    sep = t("insight.list_sep")
    lines += ["", t("insight.bulletin_praise_header")]
    if praised:
        lines.append(t("insight.bulletin_praise", units=sep.join(u.label for u in praised)))
    else:
        lines.append(t("insight.bulletin_praise_none"))
    lines += ["", t("insight.bulletin_named_header")]
    if named:
        lines.append(t("insight.bulletin_named_intro", count=len(named)))
        for unit in named:
            items = sep.join(
                t("insight.bulletin_named_item", code=m.code, days=days)
                for m, days in progress.overdue_codes(unit.id)
            )
            lines.append(t("insight.bulletin_named_line", unit=unit.label, items=items))
    else:
        lines.append(t("insight.bulletin_named_none"))
    lines += ["", t("insight.bulletin_rank_header"), *ranking(scores, units, t)]
    lines += ["", t("insight.bulletin_signature", date=today)]
    return "\n".join(lines)


def ranking(
    scores: list[Score],
    units: dict[int, UnitRow],
    t: Translator,
    keys: str = "insight.bulletin_rank",
) -> list[str]:
    """The ranks down to TOP, a tie on one line: a tie is never cut to fit the count. `keys`:
    the catalogue's `{keys}_line`, `{keys}_tie` and `{keys}_none` (chat text or the 通报)."""
    lines = []
    for rank, tie in groupby((s for s in scores if s.rank is not None), key=lambda s: s.rank):
        if rank is None or rank > TOP:
            break
        members = list(tie)
        score = f"{members[0].total:.1f}"
        if len(members) == 1:
            unit = units[members[0].unit_id].label
            lines.append(t(f"{keys}_line", rank=rank, unit=unit, score=score))
            continue
        names = t.join(units[s.unit_id].label for s in members)
        lines.append(t(f"{keys}_tie", rank=rank, count=len(members), units=names, score=score))
    return lines or [t(f"{keys}_none")]


def with_remark(t: Translator, text: str, remark: str | None) -> str:
    """The draft with the admin's remark set in before the signature."""
    if not remark:
        return text
    body, sep, signature = text.rpartition("\n\n")
    if not sep:
        body, signature = text, ""
    block = f"{t('insight.bulletin_remark_header')}\n{remark}"
    return f"{body}\n\n{block}\n\n{signature}" if signature else f"{body}\n\n{block}"
