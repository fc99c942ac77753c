"""Lists cut into pages that fit a phone (domain.screen): the page asked for, its slice, the
`第 2/5 页` line and the 上一页/下一页 buttons that send the command back with `pN`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from domain import screen
from domain.messages import Choice
from handlers.context import Context

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    number: int
    pages: int
    start: int  # index of the first item shown in the whole list


def split_page(args: str) -> tuple[str, int]:
    """`2.1 p2` → ("2.1", 2): the arguments without a trailing page word, and the page (1)."""
    words = args.split()
    if words:
        number = screen.page_arg(words[-1])
        if number is not None:
            return " ".join(words[:-1]), number
    return args.strip(), 1


def page(items: Sequence[T], number: int, size: int = screen.PAGE_LINES) -> Page[T]:
    shown, pages = screen.page_of(items, number, size)
    start = (shown - 1) * size
    return Page(items[start : start + size], shown, pages, start)


def place(count: int, number: int, size: int = screen.PAGE_LINES) -> tuple[int, int]:
    """The page shown (the one asked for, kept in range) and the number of pages, of a list of
    `count` entries read a page at a time."""
    pages = max(1, -(-count // size))
    return min(max(number, 1), pages), pages


def footer(ctx: Context, p: Page[T]) -> list[str]:
    """`第 2/5 页(共 130 个)`; nothing for a list of one page."""
    if p.pages <= 1:
        return []
    return [ctx.t("screen.page", page=p.number, pages=p.pages)]


def nav(ctx: Context, command: str, p: Page[T]) -> list[list[Choice]]:
    """上一页/下一页 as `COMMAND pN`; none for a list of one page."""
    row = []
    if p.number > 1:
        row.append(Choice(ctx.t("screen.previous"), f"{command} p{p.number - 1}".strip()))
    if p.number < p.pages:
        row.append(Choice(ctx.t("screen.next"), f"{command} p{p.number + 1}".strip()))
    return [row] if row else []
