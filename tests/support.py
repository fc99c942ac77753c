"""Test drivers: a bot on a temp dir with a manual clock, talked to through the shell channel."""

from __future__ import annotations

import io
import re
import shlex
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import App, open_app
from bot.shell import ShellChannel
from domain.clock import ManualClock
from domain.settings import Settings
from handlers.setup import bootstrap_admins
from schedules.jobs import JobEnv
from schedules.runtime import ensure_marks, run_due
from schedules.sender import Sender
from storage.files import FileStore

SHANGHAI = ZoneInfo("Asia/Shanghai")
ROOT_PLAN = Path(__file__).resolve().parent.parent / "plans" / "henan-2016.yaml"  # the sample
NOTICE_PDF = Path(__file__).resolve().parent / "files" / "notice.pdf"  # a report's attachment


def local(text: str) -> datetime:
    """`2016-05-30T09:00` in the bureau's time zone."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def settings_for(data_dir: Path, **overrides: object) -> Settings:
    return Settings(BOT_DATA_DIR=data_dir, **overrides)  # type: ignore[call-arg]


class ShellBot:
    """The real app behind the real shell channel; `say` returns what the terminal printed."""

    def __init__(self, app: App, clock: ManualClock) -> None:
        self.app = app
        self.clock = clock
        self.out = io.StringIO()
        self.shell = ShellChannel(app.services, out=self.out)
        self.sender = Sender(app.store, clock, [self.shell])
        settings = app.settings
        self.jobs = JobEnv(app.store, clock, settings.tz, settings.locale)
        self.schedules = False  # run scheduled jobs after every line, as the shell does

    @classmethod
    async def start(
        cls,
        data_dir: Path,
        at: str = "2016-05-20T09:00",
        schedules: bool = False,
        **settings: object,
    ) -> ShellBot:
        clock = ManualClock(local(at))
        app = await open_app(settings_for(data_dir, **settings), clock, seed_sample=True)
        await bootstrap_admins(app.services, ["shell:admin"])
        bot = cls(app, clock)
        if schedules:
            await ensure_marks(bot.jobs)
            bot.schedules = True
        return bot

    async def stop(self) -> None:
        await self.app.store.close()

    async def say(self, text: str, as_: str | None = None, files: list[Path] | None = None) -> str:
        """Send one line (as someone, with files) and deliver any pushes it caused."""
        if as_ is not None:
            await self.shell.handle_line(f":as {as_}")
        if files:
            await self.shell.handle_line(":attach " + shlex.join(str(f) for f in files))
        start = self.out.tell()
        await self.shell.handle_line(text)
        if self.schedules:
            await run_due(self.jobs, self.clock.now(), simulate=True, deliver=self.sender.drain)
        await self.sender.drain()
        return self.out.getvalue()[start:]

    async def invite_and_bind(self, unit: str, user: str, role: str = "reporter") -> None:
        out = await self.say(f"/invite {unit} {role}", as_="admin")
        code = find_code(out)
        bound = await self.say(f"/bind {code}", as_=user)
        assert "绑定成功" in bound, bound


CODE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")


def find_code(text: str) -> str:
    match = CODE.search(text)
    assert match, f"no invite code in {text!r}"
    return match.group(0)


def report_id(text: str) -> int:
    match = re.search(r"#(\d+)", text)
    assert match, f"no report id in {text!r}"
    return int(match.group(1))


async def stored_bytes(files: FileStore, sha256: str) -> bytes:
    """A stored attachment's bytes, wherever the store keeps them."""
    return b"".join([chunk async for chunk in files.chunks(sha256)])
