"""The long export sheets (reports, audit trail) rendered in a separate process.

Started as `python -m handlers.export_worker ARGS-JSON` rather than by multiprocessing: a
spawned pool process first imports the parent's main module (the whole bot, or a benchmark),
which cost more CPU than the rows. This imports only what rendering needs and writes both
sheets one after the other from one snapshot (one start, one read of units and contacts; the
bot's own share takes about as long as the reports sheet). For each sheet, as soon as it is
written, it prints how many rows each of its parts holds, as a JSON line.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from domain.export_records import AuditRecord, ReportBatch
from insight.xlsx_long import render_audit, render_reports
from locales import Translator
from storage import insight as snap

ROOT = str(Path(__file__).resolve().parent.parent)


@dataclass(frozen=True)
class Job:
    """A long sheet to write: `reports` or `audit`, to `dest` (then `dest.2`… past a sheet's
    rows, at most `max_sheets` sheets: the ones laid out)."""

    kind: str
    dest: Path
    max_sheets: int


@dataclass(frozen=True)
class Target:
    """What the long sheets are of, and how they are written."""

    db_path: Path
    plan_id: int
    plan_year: int
    scope_path: str
    locale: str
    zone: str
    per_sheet: int
    scope_more: tuple[str, ...] = ()  # other subtrees in the scope
    scope_without: tuple[str, ...] = ()  # subtrees left out of it

    @property
    def where(self) -> snap.Where:
        if not self.scope_more and not self.scope_without:
            return self.scope_path
        # Lists, when read back from JSON.
        paths = (self.scope_path, *self.scope_more)
        return snap.Within(paths, tuple(self.scope_without))


@dataclass
class Written:
    """A long sheet written: the rows each of its parts holds; for the reports, per unit, the
    reports made (not withdrawn) and returned among them, which the scores need."""

    rows: list[int]
    made: dict[int, tuple[int, int]] = field(default_factory=dict)


def render_long_sheets(jobs: list[Job], target: Target) -> Iterator[Written]:
    """Write each job's rows, in order, from one snapshot; gives each as soon as written."""
    t = Translator(target.locale, ZoneInfo(target.zone))
    with snap.snapshot(target.db_path) as conn:
        for job in jobs:
            yield render_sheet(
                conn, job.kind, target.plan_id, target.plan_year, target.where, t,
                job.dest, target.per_sheet, job.max_sheets,
            )  # fmt: skip


class SheetProcess:
    """`render_long_sheets` in a process of its own, while the bot's writes the rest."""

    def __init__(self, jobs: list[Job], target: Target) -> None:
        args = {
            "jobs": [[j.kind, str(j.dest.resolve()), j.max_sheets] for j in jobs],
            "target": {**vars(target), "db_path": str(target.db_path.resolve())},
        }
        # The bot may run from any directory and need not be installed: find this package.
        path = os.pathsep.join(filter(None, [ROOT, os.getenv("PYTHONPATH")]))
        self.jobs = len(jobs)
        self.done: list[Written] = []
        # stderr goes to a file, read once the process has failed: a pipe nobody reads while
        # waiting for stdout could fill and stall both processes.
        self.errors = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__, json.dumps(args)],
            env={**os.environ, "PYTHONPATH": path},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self.errors,
        )

    def counts(self, job: int) -> list[int]:
        """Wait until the `job`th job (0-based) is written; the rows each of its sheets holds."""
        return self.written(job).rows

    def made(self, job: int) -> dict[int, tuple[int, int]]:
        """Wait until the `job`th job is written: reports made and returned, per unit."""
        return self.written(job).made

    def written(self, job: int) -> Written:
        out = self.process.stdout
        assert out is not None
        while len(self.done) <= job:
            line = out.readline()
            if not line:
                code = self.process.wait()
                self.errors.seek(0)
                tail = self.errors.read().decode("utf-8", "replace").splitlines()[-5:]
                raise RuntimeError(f"export sheet process failed ({code}): {tail}")
            found = json.loads(line)
            made = {int(unit): (n[0], n[1]) for unit, n in found["made"].items()}
            self.done.append(Written(found["rows"], made))
        return self.done[job]

    def close(self) -> None:
        """Reap the process; one still at work (the export failed) is stopped first."""
        if len(self.done) < self.jobs and self.process.poll() is None:
            self.process.kill()
        self.process.communicate()
        self.errors.close()


def render_sheet(
    conn: sqlite3.Connection,
    kind: str,
    plan_id: int,
    plan_year: int,
    scope_path: snap.Where,
    t: Translator,
    dest: Path,
    per_sheet: int,
    max_sheets: int,
) -> Written:
    """Write the rows of the `reports` or `audit` sheet, read from `conn`, to `dest` (and
    `dest.2`… past `per_sheet` rows)."""
    units = {u.id: u for u in snap.units_under(conn, scope_path)}
    people = snap.contact_labels(conn)
    if kind == "reports":
        materials = {m.id: m for m in snap.materials(conn, plan_id)}
        made: Counter[int] = Counter()
        returned: Counter[int] = Counter()
        batches = _counted(snap.report_batches(conn, plan_id, scope_path), made, returned)
        rows = render_reports(t, materials, units, people, batches, dest, per_sheet, max_sheets)
        return Written(rows, {unit: (n, returned[unit]) for unit, n in made.items()})
    audit = audit_of(conn, plan_year, scope_path, t)
    return Written(render_audit(t, units, people, audit, dest, per_sheet, max_sheets))


def _counted(
    batches: Iterator[ReportBatch], made: Counter[int], returned: Counter[int]
) -> Iterator[ReportBatch]:
    """The batches, counting per unit the reports made (not withdrawn) and returned."""
    for batch in batches:
        rows = batch[0]
        made.update(dict.fromkeys({r[1] for r in rows}, 0))  # every unit with a report, as SQL
        made.update([r[1] for r in rows if r[7] != "withdrawn"])
        returned.update([r[1] for r in rows if r[7] == "returned"])
        yield batch


def audit_since(plan_year: int, t: Translator) -> datetime:
    """An export's audit trail starts with the plan's year."""
    return datetime(plan_year, 1, 1, tzinfo=t.tz)


def audit_of(
    conn: sqlite3.Connection, plan_year: int, scope_path: snap.Where, t: Translator
) -> Iterator[list[AuditRecord]]:
    """This plan year's audit trail in scope; a province-wide export adds plan-wide entries
    (as does the part of one that is the province's own)."""
    since = audit_since(plan_year, t)
    unitless = snap.covers_root(scope_path)
    return snap.audit_batches(conn, scope_path, with_unitless=unitless, since=since)


def main(argv: list[str]) -> None:
    args = json.loads(argv[0])
    jobs = [Job(kind, Path(dest), max_sheets) for kind, dest, max_sheets in args["jobs"]]
    target = Target(**{**args["target"], "db_path": Path(args["target"]["db_path"])})
    for written in render_long_sheets(jobs, target):
        # A line per sheet as soon as it is written: the bot splices it in meanwhile.
        sys.stdout.write(json.dumps({"rows": written.rows, "made": written.made}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
