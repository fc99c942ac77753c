"""The shell channel: a terminal chat with the bot, the default with no token and no network."""

from __future__ import annotations

import asyncio
import shlex
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TextIO

from domain.channels import SHELL, SHELL_GROUP
from domain.clock import SystemClock
from domain.deadlines import DeadlineError, parse_user_date
from domain.messages import ChatKind, Choice, Incoming, IncomingFile, Reply
from handlers import router
from handlers.context import Services
from schedules.delivery import RateLimits
from storage.files import read_path

CHANNEL = SHELL
OPERATOR = "admin"
NOW_WORDS = frozenset({"now", "现在"})  # `:time now`: back to the real clock


def _file(path: Path) -> IncomingFile:
    return IncomingFile(
        name=path.name, mime=None, size=path.stat().st_size, read=lambda: read_path(path)
    )


@dataclass
class ShellState:
    user: str = OPERATOR
    group: str | None = None
    attachments: list[Path] = field(default_factory=list)
    # Per chat, what the number printed at [N] does; one answer numbers all its choices.
    choices: dict[str, dict[int, Choice]] = field(default_factory=dict)


class ShellChannel:
    """Reads lines, sends them as messages, prints replies and pushes addressed to anyone."""

    name = CHANNEL
    limits = RateLimits()

    def __init__(
        self,
        services: Services,
        out: TextIO | None = None,
        after_line: Callable[[], object] | None = None,
    ) -> None:
        self.services = services
        self.out = sys.stdout if out is None else out  # the stdout of now, not of the import
        self.state = ShellState()
        self.after_line = after_line
        self.t = services.translator_for()
        self.back_to_real_time = False  # `:time now` was typed: the runner skips the jobs between

    def demo(self, at: datetime) -> None:
        """The demo's first line: the clock reads the sample plan's calendar, not today."""
        moment = f"{at.astimezone(self.services.settings.tz):%Y-%m-%d %H:%M}"
        self.out.write(self.t("shell.demo", at=moment) + "\n")
        self.out.flush()

    # --- the Channel protocol, used by the outbox sender ---
    def is_group(self, chat_ref: str) -> bool:
        return chat_ref.startswith(SHELL_GROUP)

    async def deliver(self, chat_ref: str, reply: Reply) -> None:
        self._print(reply, self.t("shell.push_to", to=chat_ref), chat_ref, _Numbering())

    # --- input ---
    async def run(self, source: TextIO = sys.stdin) -> None:
        interactive = source.isatty()
        if interactive:
            self.out.write(self.t("shell.banner") + "\n")
        async for line in _lines(source, interactive, self._prompt):
            await self.handle_line(line)
            if self.after_line is not None:
                result = self.after_line()
                if asyncio.iscoroutine(result):
                    await result

    def _prompt(self) -> str:
        where = f"#{self.state.group}" if self.state.group else ""
        return f"{self.state.user}{where}> "

    async def handle_line(self, line: str) -> None:
        text = line.rstrip("\r\n")
        if text.startswith(":"):
            self._meta(text)
            return
        if not text.strip() and not self.state.attachments:
            return
        chat = self._chat_ref()
        action = self._choice_action(chat, text)
        msg = Incoming(
            channel=CHANNEL,
            user_ref=self.state.user,
            chat_ref=chat,
            chat_kind=ChatKind.GROUP if self.state.group else ChatKind.PRIVATE,
            text=action or text,
            files=tuple(_file(p) for p in self.state.attachments),
            user_name=self.state.user,
            chat_title=self.state.group,
            via_choice=action is not None,
        )
        self.state.attachments = []
        numbering = _Numbering()
        for reply in await router.handle(self.services, msg):
            if reply.private and self.state.group:
                header = self.t("shell.private_to", to=self.state.user)
                self._print(reply, header, self.state.user, numbering)
            else:
                self._print(reply, "", chat, numbering)

    def _chat_ref(self) -> str:
        return f"group:{self.state.group}" if self.state.group else self.state.user

    def _choice_action(self, chat: str, text: str) -> str | None:
        number = text.strip()
        if not (number.isascii() and number.isdigit()):
            return None
        choice = self.state.choices.get(chat, {}).get(int(number))
        return choice.action if choice is not None else None

    def _print(self, reply: Reply, header: str, chat: str, numbering: _Numbering) -> None:
        lines = [header] if header else []
        lines.append(reply.text)
        numbered = numbering.number([c for row in reply.choices for c in row])
        if numbered:
            self.state.choices[chat] = numbering.printed
            lines.append("  ".join(f"[{i}] {c.label}" for i, c in numbered))
        for f in reply.files:
            lines.append(self.t("shell.file", name=f.name, path=f.path))
        self.out.write("\n".join(lines) + "\n\n")
        self.out.flush()

    # --- meta-commands ---
    def _meta(self, text: str) -> None:
        word, _, rest = text[1:].partition(" ")
        rest = rest.strip()
        if word == "as" and rest:
            self.state.user = rest
            self._say("shell.as", user=rest)
        elif word == "as":
            self.state.user = OPERATOR
            self._say("shell.as", user=OPERATOR)
        elif word == "group" and rest:
            self.state.group = rest
            self._say("shell.group", group=rest)
        elif word == "private":
            self.state.group = None
            self._say("shell.private")
        elif word == "attach" and rest:
            try:
                paths = shlex.split(rest)
            except ValueError:
                self._say("shell.attach_quotes", text=rest[:80])
                return
            self._attach(paths)
        elif word == "time" and rest:
            self._time(rest)
        elif word == "whoami":
            where = self.state.group or self.t("shell.private_chat")
            self._say("shell.whoami", user=self.state.user, chat=where)
        else:
            self._say("shell.meta_help")

    def _attach(self, paths: list[str]) -> None:
        missing = [p for p in paths if not Path(p).is_file()]
        if missing:
            self._say("shell.attach_missing", path=missing[0])
            return
        self.state.attachments = [Path(p) for p in paths]
        self._say("shell.attached", count=len(paths))

    def _time(self, text: str) -> None:
        tz = self.services.settings.tz
        if text.lower() in NOW_WORDS:
            self._real_time()
            return
        try:
            instant = datetime.fromisoformat(text)
        except ValueError:
            try:
                day = parse_user_date(text, self.services.clock.now().astimezone(tz).date())
            except DeadlineError:
                self._say("shell.time_bad", text=text[:40])
                return
            instant = datetime(day.year, day.month, day.day, 9, 0)
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=tz)
        setter = getattr(self.services.clock, "set", None)
        if setter is None:
            self._say("shell.time_fixed")
            return
        setter(instant)
        self._say("shell.time_set", at=self.t.moment(instant))

    def _real_time(self) -> None:
        clock = self.services.clock
        reset = getattr(clock, "reset", None)
        setter = getattr(clock, "set", None)
        if reset is not None:
            reset()
        elif setter is not None:
            setter(SystemClock().now())
        else:
            self._say("shell.time_fixed")
            return
        self.back_to_real_time = True
        self._say("shell.time_real", at=self.t.moment(clock.now()))

    def _say(self, key: str, **params: object) -> None:
        self.out.write("· " + self.t(key, **params) + "\n")
        self.out.flush()


class _Numbering:
    """Numbers the choices of one answer consecutively, across all its replies."""

    def __init__(self) -> None:
        self.printed: dict[int, Choice] = {}

    def number(self, choices: list[Choice]) -> list[tuple[int, Choice]]:
        start = len(self.printed) + 1
        numbered = list(enumerate(choices, start))
        self.printed.update(numbered)
        return numbered


async def _lines(
    source: TextIO, interactive: bool, prompt: Callable[[], str]
) -> AsyncIterator[str]:
    """Lines from a terminal (with a prompt) or from a pipe, until end of input."""
    while True:
        if interactive:
            try:
                line = await asyncio.to_thread(input, prompt())
            except EOFError:
                return
            yield line
        else:
            raw = await asyncio.to_thread(source.readline)
            if not raw:
                return
            yield raw
