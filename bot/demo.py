"""The shell demo: the sample plan on its own calendar, so that nothing is years overdue.

`python main.py` on an empty store loads the sample and sets the clock to the day after the
sample was issued; time flows from there. The store keeps the demo's time after every line, so
the next run continues the demo where it stopped, until `:time now` returns to the real clock
(the years in between are skipped, not played). A store with any other plan is never a demo."""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.app import App, open_app
from bot.shell import ShellChannel
from domain.clock import OffsetClock
from domain.settings import BUNDLED_SAMPLE, Settings
from schedules.jobs import JobEnv
from schedules.runtime import skip_to
from storage import plans, schedule_marks

# In the data folder: the sample plan's code and year, by the sha256 of the file it came from.
SAMPLE_NOTE = ".sample-plan.json"


@dataclass
class ShellTime:
    """The shell's app and whether its clock is on the sample's calendar."""

    app: App
    clock: OffsetClock
    demo_at: datetime | None  # where the demo started or resumed; None: the real clock

    @classmethod
    async def open(cls, settings: Settings, clock: OffsetClock) -> ShellTime:
        app = await open_app(settings, clock, seed_sample=True, demo_clock=clock, exclusive=True)
        try:
            shell_time = cls(app, clock, app.demo_at)
            if shell_time.demo_at is None:
                shell_time.demo_at = await shell_time._resume()
            else:  # the sample just loaded: note it now, the next start resumes without reading it
                sample_identity(settings.sample_plan or BUNDLED_SAMPLE, settings.data_dir)
            await shell_time._keep()
        except BaseException:
            await app.close()
            raise
        return shell_time

    async def _resume(self) -> datetime | None:
        """The demo's kept time, when the store still holds nothing but the sample."""
        async with self.app.store.read() as db:
            at = await schedule_marks.demo_clock(db)
            every = await plans.every(db)
        if at is None:
            return None
        settings = self.app.settings
        sample = sample_identity(settings.sample_plan or BUNDLED_SAMPLE, settings.data_dir)
        if not every or any((p.code, p.year) != sample for p in every):
            async with self.app.store.write() as db:
                await schedule_marks.set_demo_clock(db, None)  # a real plan: the real clock
            return None
        self.clock.set(at)
        return at

    async def after_line(self, shell: ShellChannel, jobs: JobEnv) -> None:
        """Before the jobs run: after `:time now` the jobs count as run up to the real time
        and the demo is over; otherwise the demo's time is kept for the next run."""
        if shell.back_to_real_time:
            shell.back_to_real_time = False
            await skip_to(jobs, self.clock.now())
            if self.demo_at is not None:
                self.demo_at = None
                async with self.app.store.write() as db:
                    await schedule_marks.set_demo_clock(db, None)
        await self._keep()

    async def _keep(self) -> None:
        if self.demo_at is not None:
            async with self.app.store.write() as db:
                await schedule_marks.set_demo_clock(db, self.clock.now())


def sample_identity(path: Path, data_dir: Path) -> tuple[str, int]:
    """The sample plan's (code, year). Parsing the plan is most of a resumed demo's start-up,
    so the answer is kept in the data folder for the file's content and read back while the
    file is unchanged."""
    try:
        content = path.read_bytes()
    except OSError:
        content = None  # load_plan_file says what is wrong with the file
    digest = hashlib.sha256(content).hexdigest() if content is not None else None
    note = data_dir / SAMPLE_NOTE
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        kept = json.loads(note.read_text(encoding="utf-8"))
        if digest is not None and kept["sha256"] == digest and kept["suffix"] == path.suffix:
            return str(kept["code"]), int(kept["year"])
    from domain.plan_file import load_plan_file  # only now: the checks are a big import

    sample = load_plan_file(path)
    if digest is not None:
        kept = {"sha256": digest, "suffix": path.suffix, "code": sample.code, "year": sample.year}
        with contextlib.suppress(OSError):  # a folder we cannot write: parse again next time
            draft = note.with_name(note.name + ".tmp")
            draft.write_text(json.dumps(kept), encoding="utf-8")
            draft.replace(note)
    return sample.code, sample.year
