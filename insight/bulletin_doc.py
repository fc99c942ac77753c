"""The 通报 as a 公文: its elements worded from the figures, and the short chat summary beside it.

The layout (page, fonts, lines) is `insight.gongwen`'s; this module only says what is written.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from domain.model import UnitKind
from domain.progress_rows import UnitRow
from insight.bulletin_text import overall, overdue_units, ranking
from insight.progress import Progress, Tally
from insight.score import Score
from locales import Translator

TOP = 5  # ranks shown
WORST = 3  # units the chat summary names
# A 文号's year sits in brackets (﹝2016﹞, 〔2016〕, [2016]): what comes before is the organ's 代字.
_BRACKET = re.compile(r"[﹝〔\[（(【]")
# The level-2 numbers of 公文: (一) (二) …
_CN_DIGITS = "零一二三四五六七八九"


class Kind(StrEnum):
    BODY = "body"  # 仿宋, indented two characters
    HEADING = "heading"  # level 1 (一、): 黑体


@dataclass(frozen=True)
class Para:
    text: str
    kind: Kind = Kind.BODY
    lead: str = ""  # a run-in level-2 heading ((一)…): 楷体, before the text


@dataclass
class Notice:
    """The elements GB/T 9704-2012 names, in their order on the page."""

    issuer: str  # 发文机关署名 (落款)
    banner: str  # 发文机关标志: 河南省安全生产监督管理局文件
    number: str | None  # 发文字号: 豫安监管〔2016〕1号
    title: str
    addressees: str  # 主送机关, with its colon
    body: list[Para] = field(default_factory=list)
    dated: str = ""  # 成文日期: 2016年7月29日 (Arabic numerals since 2012)
    overdue_units: list[str] = field(default_factory=list)  # as named in the body, for readers
    latin: bool = False  # an English document: Latin text in a Latin face


def doc_number(t: Translator, document: str | None, year: int, seq: int) -> str | None:
    """`豫安监管〔2016〕3号`: the plan's 文号 代字, the year, the running number; None when the
    plan carries no 文号 (a number is not made up)."""
    if not document:
        return None
    found = _BRACKET.search(document)
    prefix = document[: found.start()].strip() if found else ""
    if not prefix:
        return None
    return t("bulletin_doc.number", prefix=prefix, year=year, seq=seq)


def level2(n: int) -> str:
    """一 … 九十九: the level-2 numbers of a 公文 (Chinese only; English uses 1, 2…)."""
    if n >= 100:  # no plan has a hundred items; a number still reads
        return str(n)
    if n < 10:
        word = _CN_DIGITS[n]
    else:
        tens, ones = divmod(n, 10)
        word = ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")
    return word


def subject_of(plan_title: str) -> str:
    """What the title reports progress on: the plan's title without its trailing 方案."""
    for tail in ("实施方案", "工作方案", "方案"):
        if plan_title.endswith(tail) and len(plan_title) > len(tail):
            stem = plan_title[: -len(tail)]
            return stem if tail == "方案" else f"{stem}工作"
    return plan_title


def addressees(t: Translator, progress: Progress) -> str:
    """主送机关: the kinds of unit addressed and the name they share (各省辖市、省直管县(市)
    安全生产监督管理局); 各有关单位 when they share none."""
    addressed = [u for u in progress.units if u.id != progress.issuer]
    if not addressed:
        return t("bulletin_doc.to_all")
    kinds: list[str] = []
    for unit in addressed:
        direct = unit.parent_id is not None and unit.parent_id == progress.issuer
        key = _kind_key(unit, direct)
        if key not in kinds:
            kinds.append(key)
    suffix = _common_suffix([u.name for u in addressed]).lstrip("省市县区")
    if not suffix:
        return t("bulletin_doc.to_all")
    names = t("bulletin_doc.kind_sep").join(t(k) for k in kinds)
    return t("bulletin_doc.to", kinds=names, suffix=suffix)


def _kind_key(unit: UnitRow, direct: bool) -> str:
    if unit.kind is UnitKind.COUNTY:
        return "bulletin_doc.kind_county_direct" if direct else "bulletin_doc.kind_county"
    if unit.kind is UnitKind.DEPARTMENT:
        return "bulletin_doc.kind_department"
    return "bulletin_doc.kind_city"


def _common_suffix(names: list[str]) -> str:
    first = names[0]
    n = 0
    while n < len(first) and all(len(x) > n and x[-1 - n] == first[-1 - n] for x in names):
        n += 1
    return first[len(first) - n :] if n else ""


def notice(
    progress: Progress,
    scores: list[Score],
    units: dict[int, UnitRow],
    t: Translator,
    *,
    plan_title: str,
    scope: str,
    issuer: str,
    number: str | None,
    dated: date,
    remark: str | None = None,
) -> Notice:
    """The 通报's elements, worded in `t`'s language from one snapshot."""
    as_of = t.day(progress.now.astimezone(t.tz).date(), with_year=True)
    late = overdue_units(progress)
    praised = [u for u in progress.units if progress.praised(u.id)]
    sep = t("insight.list_sep")
    en = t.locale == "en"
    body = [
        Para(t("bulletin_doc.opening", title=plan_title, date=as_of)),
        Para(t("bulletin_doc.h_overall"), Kind.HEADING),
        Para(t("bulletin_doc.overall", **overall(progress, t, scope))),
        Para(t("bulletin_doc.h_items"), Kind.HEADING),
    ]
    for n, (title, tally) in enumerate(_items(progress), start=1):
        body.append(
            Para(
                t(
                    "bulletin_doc.item",
                    done=tally.accepted,
                    total=tally.applicable,
                    percent=t.percent(tally.accepted, tally.applicable),
                ),
                lead=t("bulletin_doc.item_lead", n=str(n) if en else level2(n), title=title),
            )
        )
    body.append(Para(t("bulletin_doc.h_praised"), Kind.HEADING))
    if praised:
        text = t(
            "bulletin_doc.praised", count=len(praised), units=sep.join(u.label for u in praised)
        )
        body.append(Para(text))
    else:
        body.append(Para(t("bulletin_doc.praised_none")))
    body.append(Para(t("bulletin_doc.h_named"), Kind.HEADING))
    if late:
        body.append(Para(t("bulletin_doc.named_intro", count=len(late))))
        for n, unit in enumerate(late, start=1):
            items = sep.join(
                t("bulletin_doc.named_item", code=m.code, days=days)
                for m, days in progress.overdue_codes(unit.id)
            )
            body.append(Para(t("bulletin_doc.named_line", n=n, unit=unit.label, items=items)))
    else:
        body.append(Para(t("bulletin_doc.named_none")))
    body.append(Para(t("bulletin_doc.h_rank"), Kind.HEADING))
    body += [Para(line) for line in ranking(scores, units, t, "bulletin_doc.rank")]
    if remark:
        body.append(Para(t("bulletin_doc.h_remark"), Kind.HEADING))
        body += [Para(line.strip()) for line in remark.splitlines() if line.strip()]
    return Notice(
        issuer=issuer,
        banner=t("bulletin_doc.banner", issuer=issuer),
        number=number,
        title=t("bulletin_doc.title", subject=subject_of(plan_title)),
        addressees=addressees(t, progress),
        body=body,
        dated=t.day(dated, with_year=True),
        overdue_units=[u.label for u in late],
        latin=en,
    )


def _items(progress: Progress) -> list[tuple[str, Tally]]:
    by_item: dict[int, Tally] = defaultdict(Tally)
    titles: dict[int, str] = {}
    for m in progress.materials:
        tally = progress.by_material[m.id]
        item = by_item[m.item_no]
        item.accepted += tally.accepted
        item.total += tally.total
        item.not_applicable += tally.not_applicable
        titles[m.item_no] = m.item_title
    return [(titles[no], tally) for no, tally in by_item.items()]


def worst(progress: Progress, limit: int = WORST) -> list[tuple[UnitRow, int, int]]:
    """The units most behind: (unit, overdue materials, most days overdue), most first."""
    found = []
    for order, unit in enumerate(overdue_units(progress)):
        codes = progress.overdue_codes(unit.id)
        found.append((-len(codes), -max(d for _, d in codes), order, unit))
    found.sort(key=lambda x: x[:3])
    return [(unit, -count, -days) for count, days, _, unit in found[:limit]]


def summary(progress: Progress, t: Translator, doc: Notice, scope: str) -> str:
    """The few lines that go to the chat with the document: headline figures, the worst three."""
    whole = progress.totals()
    late = overdue_units(progress)
    head = (
        t("bulletin_doc.chat_head_numbered", title=doc.title, number=doc.number)
        if doc.number
        else t("bulletin_doc.chat_head", title=doc.title)
    )
    lines = [
        head,
        t(
            "bulletin_doc.chat_figures",
            date=t.day(progress.now.astimezone(t.tz).date()),
            scope=scope,
            total=whole.applicable,
            done=whole.accepted,
            percent=t.percent(whole.accepted, whole.applicable),
            overdue=whole.overdue,
            late_units=len(late),
        ),
    ]
    behind = worst(progress)
    if behind:
        parts = [
            t("bulletin_doc.chat_worst_one", unit=u.label, count=c, days=d) for u, c, d in behind
        ]
        lines.append(t("bulletin_doc.chat_worst", units=t.join(parts)))
    praised = sum(1 for u in progress.units if progress.praised(u.id))
    lines.append(t("bulletin_doc.chat_praised", count=praised))
    lines.append(t("bulletin_doc.chat_attached"))
    return "\n".join(lines)
