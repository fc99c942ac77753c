"""How `/assign` (交办) reads its words: the title, the deadline, the units (names or
全部省辖市 / 全部直管县 / 全部), whether a file is required, and the notice files carried
between the guided steps.

Free words are read forgivingly: the one that reads as a deadline is the deadline, those that
name units are the units, 需附件 or 无需附件 says whether a file is required, and the rest is the
title (or a 「quoted」 one). The guided steps re-issue the command in a marked form (`标题: …
时限: 2016-12-10 附件: 需要 单位: … 通知: SHA NAME`), where a marked part runs to the next
marker and is read strictly: a unit it does not name, or a deadline it cannot read, is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from domain.deadlines import DeadlineError, parse_relative
from domain.file_names import sanitize_name
from domain.model import UnitKind
from handlers.context import Context
from handlers.errors import UserError
from handlers.lookup import match_units, norm
from schedules.calendar_text import due_day
from schedules.workdays import is_workday
from storage.models import Unit

NAMED = 10  # units named in a reply before "等 N 个"

# The marked form of the command, as the guided steps re-issue it.
TITLE, DEADLINE, FILE, UNITS, NOTICE = "标题", "时限", "附件", "单位", "通知"
_MARKER = re.compile(r"(标题|时限|附件|单位|通知)\s*[:：]")
_QUOTED = re.compile(r"「([^」]*)」|“([^”]*)”|\"([^\"]*)\"")
_SEPARATORS = re.compile(r"[、，,;；]+")
_SHA = re.compile(r"[0-9a-f]{64}")

CITIES, DIRECT, EVERYONE = "全部省辖市", "全部直管县", "全部"
GROUPS = {
    **dict.fromkeys((CITIES, "各省辖市", "所有省辖市", "全部市", "各市"), CITIES),
    **dict.fromkeys((DIRECT, "各直管县", "省直管县", "全部省直管县", "直管县"), DIRECT),
    **dict.fromkeys((EVERYONE, "全部单位", "所有单位", "全体"), EVERYONE),
}
FILE_NEEDED, FILE_NOT_NEEDED = "需附件", "无需附件"
FILE_WORDS = {
    **dict.fromkeys((FILE_NEEDED, "需要附件", "要附件", "附件必填", "需上传附件"), True),
    **dict.fromkeys((FILE_NOT_NEEDED, "不需附件", "不需要附件", "无附件", "免附件"), False),
}
YES, NO = "需要", "不需要"  # the answers after 附件:
FILE_ANSWERS = {
    **FILE_WORDS,
    **dict.fromkeys((YES, "要", "是", "需", "必须", "yes", "y"), True),
    **dict.fromkeys((NO, "不要", "否", "无需", "不需", "no", "n"), False),
}


@dataclass(frozen=True)
class Notice:
    """A notice document carried from step to step: its stored content and its name."""

    sha256: str
    name: str


@dataclass
class Draft:
    """What the command says so far."""

    title: str | None = None
    due: date | None = None
    needs_file: bool | None = None
    unit_words: list[str] = field(default_factory=list)  # group words and unit codes
    units: list[Unit] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)

    def words(self, asking: str | None = None) -> str:
        """The marked arguments for what is known, the part asked for last (empty)."""
        parts = []
        if self.title is not None:
            parts.append(f"{TITLE}: {self.title}")
        if self.due is not None:
            parts.append(f"{DEADLINE}: {self.due.isoformat()}")
        if self.needs_file is not None:
            parts.append(f"{FILE}: {YES if self.needs_file else NO}")
        if self.unit_words:
            parts.append(f"{UNITS}: {'、'.join(self.unit_words)}")
        parts += [f"{NOTICE}: {n.sha256} {n.name}" for n in self.notices]
        if asking is not None:
            parts.append(f"{asking}:")
        return " ".join(parts)

    def command(self, asking: str | None = None) -> str:
        return f"/assign {self.words(asking)}".strip()


class Scope:
    """The units an admin may assign to: below its own unit (the province admin: every unit),
    never its own, never a retired one."""

    def __init__(self, every: list[Unit], issuer: Unit, province: bool) -> None:
        self.live = [u for u in every if not u.retired]
        self.issuer = issuer
        self.province = province
        self.root = next((u for u in every if u.parent_id is None), None)

    def allows(self, unit: Unit) -> bool:
        if unit.id == self.issuer.id:
            return False
        return self.province or unit.path.startswith(self.issuer.path)

    def group(self, word: str) -> list[Unit]:
        which = GROUPS[word]
        inside = [u for u in self.live if self.allows(u)]
        if which == CITIES:
            return [u for u in inside if u.kind is UnitKind.CITY]
        if which == DIRECT:
            root_id = self.root.id if self.root else None
            return [u for u in inside if u.kind is UnitKind.COUNTY and u.parent_id == root_id]
        return inside

    def named(self, word: str) -> list[Unit]:
        return match_units(self.live, word)


def read(ctx: Context, args: str, scope: Scope) -> Draft:
    """The draft a command's words make; a refusal for words that cannot be right."""
    pieces = _MARKER.split(args)
    free, marked = pieces[0], list(zip(pieces[1::2], pieces[2::2], strict=True))
    draft = Draft()
    titles: list[str] = []
    quoted = [next(g for g in m.groups() if g is not None) for m in _QUOTED.finditer(free)]
    titles += quoted
    deadlines: list[str] = []
    for token in _QUOTED.sub(" ", free).split():
        _classify(ctx, token, scope, draft, titles, deadlines)
    for marker, content in marked:
        content = content.strip()
        if marker == TITLE:
            titles.append(content)
        elif marker == DEADLINE:
            if content:
                deadlines.append(content)
        elif marker == FILE:
            answer = FILE_ANSWERS.get(norm(content).lower()) if content else None
            if content and answer is None:
                raise UserError("assign.bad_file_word", word=content[:20])
            if answer is not None:
                draft.needs_file = answer
        elif marker == UNITS:
            for word in _SEPARATORS.split(content.replace(" ", "、")):
                if word.strip():
                    _add_units(ctx, word.strip(), scope, draft)
        else:
            draft.notices.append(_notice(content))
    if titles:
        draft.title = " ".join(" ".join(t.split()) for t in titles).strip(" 。.，,;；:：")
    if len(deadlines) > 1:
        raise UserError("assign.two_deadlines", first=deadlines[0][:20], second=deadlines[1][:20])
    if deadlines:
        draft.due = _due(ctx, deadlines[0])
    return draft


def _classify(
    ctx: Context,
    token: str,
    scope: Scope,
    draft: Draft,
    titles: list[str],
    deadlines: list[str],
) -> None:
    """One free word: a file word, a deadline, units, or a word of the title."""
    word = norm(token)
    if word in FILE_WORDS:
        draft.needs_file = FILE_WORDS[word]
        return
    if _reads_as_deadline(ctx, word):
        deadlines.append(word)
        return
    parts = [p for p in _SEPARATORS.split(word) if p]
    if parts and any(p in GROUPS or len(scope.named(p)) == 1 for p in parts if len(p) >= 2):
        for part in parts:
            _add_units(ctx, part, scope, draft)
        return
    titles.append(token)


def _reads_as_deadline(ctx: Context, word: str) -> bool:
    try:
        parse_relative(word, ctx.today, is_workday)
    except DeadlineError:
        return False
    return True


def _add_units(ctx: Context, word: str, scope: Scope, draft: Draft) -> None:
    """Units a word names, checked against the sender's scope; a refusal names the word."""
    if word in GROUPS:
        draft.unit_words.append(GROUPS[word])
        _extend(draft, scope.group(word))
        return
    found = scope.named(word)
    if not found:
        raise UserError("assign.unit_unknown", name=word[:40])
    if len(found) > 1:
        names = ctx.t.listed([u.label for u in found], NAMED)
        raise UserError("assign.unit_ambiguous", name=word[:40], names=names)
    unit = found[0]
    if unit.id == scope.issuer.id:
        raise UserError("assign.own_unit", name=unit.name)
    if not scope.allows(unit):
        raise UserError("assign.out_of_scope", name=unit.name)
    draft.unit_words.append(unit.code)
    _extend(draft, [unit])


def _extend(draft: Draft, units: Iterable[Unit]) -> None:
    have = {u.id for u in draft.units}
    draft.units += [u for u in units if u.id not in have]


def _notice(content: str) -> Notice:
    sha, _, name = content.strip().partition(" ")
    if not _SHA.fullmatch(sha):
        raise UserError("assign.notice_missing", name=content[:40])
    return Notice(sha, sanitize_name(name.strip(), fallback="notice"))


def _due(ctx: Context, expr: str) -> date:
    try:
        due = parse_relative(expr, ctx.today, is_workday)
    except DeadlineError:
        raise UserError("assign.bad_deadline", expr=expr[:30]) from None
    if due < ctx.today:
        raise UserError("assign.past", due=due_day(ctx.t, due))
    return due
