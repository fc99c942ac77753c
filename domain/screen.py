"""What fits a phone: the limits every chat answer keeps, in one place for the renderers that
cut lists into pages and for the test that checks every command's answer against them.

A phone shows about 20 Chinese characters (40 display columns) on a row. An answer is at most
`MAX_LINES` lines and `MAX_BYTES` bytes (one Telegram message, one WeCom text); a line wraps
at most into `MAX_LINE_ROWS` phone rows (list lines carry a material's full title, which alone
can fill a row); web addresses and file names are not counted, they cannot be shortened."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

MAX_LINES = 40
MAX_BYTES = 4096
ROW_COLUMNS = 40  # a phone row: ~20 CJK characters
MAX_LINE_ROWS = 3
MAX_LINE_COLUMNS = ROW_COLUMNS * MAX_LINE_ROWS
PAGE_LINES = 30  # the entries of one page of a list (units, materials), beside its header
BUTTONS = 16  # detail buttons under a compact answer: with 上一页/下一页, a WeCom vote card (20)

_UNCOUNTED = re.compile(r"\S*://\S*|[^\s:：,，、()()]+\.[A-Za-z0-9]{2,5}\b")


def columns(text: str) -> int:
    """Display width: wide (CJK) characters and emoji count 2, others 1."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def counted(line: str) -> str:
    """The part of a line its width is judged on: without addresses and file names."""
    return _UNCOUNTED.sub("", line)


@dataclass(frozen=True)
class Breach:
    what: str  # "lines", "bytes", "width"
    detail: str


def breaches(text: str) -> list[Breach]:
    """How an answer's text exceeds the limits (none when it fits)."""
    lines = text.splitlines()
    found = []
    if len(lines) > MAX_LINES:
        found.append(Breach("lines", f"{len(lines)} lines > {MAX_LINES}"))
    size = len(text.encode())
    if size > MAX_BYTES:
        found.append(Breach("bytes", f"{size} bytes > {MAX_BYTES}"))
    for line in lines:
        width = columns(counted(line))
        if width > MAX_LINE_COLUMNS:
            found.append(Breach("width", f"{width} columns > {MAX_LINE_COLUMNS}: {line[:60]}"))
    return found


def page_of(items: Iterable[object], page: int, size: int = PAGE_LINES) -> tuple[int, int]:
    """The page actually shown (1-based, clamped) and the number of pages of `items`."""
    count = len(list(items))
    pages = max(1, -(-count // size))
    return min(max(page, 1), pages), pages


PAGE_WORD = re.compile(r"^[pP第]?(\d{1,4})页?$")


def page_arg(word: str) -> int | None:
    """`p2` / `第2页` as a page number; None for any other word."""
    match = PAGE_WORD.match(word)
    if match is None or not (word[0] in "pP第" or word.endswith("页")):
        return None
    return int(match.group(1))


def fitting(names: list[str], width: int = ROW_COLUMNS) -> int:
    """How many of `names` (at least one) fit in `width` columns, a separator after each."""
    used = 0
    for n, name in enumerate(names):
        used += columns(name) + 2
        if used > width:
            return max(n, 1)
    return len(names)


def wrap(text: str, width: int = ROW_COLUMNS * 2) -> list[str]:
    """Prose cut into lines of at most `width` columns, at a space where the text has them."""
    lines: list[str] = []
    current = ""
    for char in text:
        if columns(current + char) > width:
            cut = current.rfind(" ") if " " in current else -1
            if cut > len(current) // 2:
                lines.append(current[:cut])
                current = current[cut + 1 :]
            else:
                lines.append(current)
                current = ""
        current += char
    if current:
        lines.append(current)
    return lines
