"""Read-only snapshot queries for the insight outputs (board, export, archive, scores).

These run in a worker thread on a second, read-only connection: a national export reads
200,000 reports for seconds, and holding the store's one connection that long would stall
every chat. In WAL mode the snapshot sees one consistent state and never blocks a writer.
"""

from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

from domain.export_records import AuditRecord, ReportBatch
from domain.model import AssignmentState, UnitKind
from domain.progress_rows import (
    AcceptedFile,
    Cell,
    MaterialCol,
    UnitActivity,
    UnitRow,
)

BATCH = 5000


@dataclass(frozen=True)
class Within:
    """The units under any of `paths` but under none of `without`: a part of a scope sent on
    its own (`/export` past a channel's file limit)."""

    paths: tuple[str, ...]
    without: tuple[str, ...] = ()


Where = str | Within  # a path prefix, or a part of the tree as above


def covers_root(where: Where) -> bool:
    """Whether `where` starts at the top ("/"): plan-wide entries (no unit) belong to it."""
    return "/" in where.paths if isinstance(where, Within) else where == "/"


def _under(where: Where, column: str = "u.path") -> tuple[str, tuple[str, ...]]:
    """The SQL condition for units in `where`, and its parameters."""
    if isinstance(where, str):
        return f"{column} LIKE ?", (where + "%",)
    under = " OR ".join(f"{column} LIKE ?" for _ in where.paths)
    left_out = "".join(f" AND {column} NOT LIKE ?" for _ in where.without)
    params = (*(p + "%" for p in where.paths), *(w + "%" for w in where.without))
    return f"(({under}){left_out})", params


@contextmanager
def snapshot(db_path: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection holding one read transaction for its whole life."""
    conn = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA query_only = ON")
        conn.execute("BEGIN")
        yield conn
        conn.execute("ROLLBACK")
    finally:
        conn.close()


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def units_under(conn: sqlite3.Connection, path: Where) -> list[UnitRow]:
    """Units whose path starts with `path`, in tree order."""
    under, params = _under(path, "path")
    rows = conn.execute(
        "SELECT id, code, name, short_name, kind, parent_id, region_id, path, sort FROM units"
        f" WHERE {under} ORDER BY sort, id",
        params,
    ).fetchall()
    return [UnitRow(r[0], r[1], r[2], r[3], UnitKind(r[4]), r[5], r[6], r[7], r[8]) for r in rows]


def materials(conn: sqlite3.Connection, plan_id: int) -> list[MaterialCol]:
    """The plan's materials in plan order."""
    rows = conn.execute(
        "SELECT m.id, m.code, i.no, i.title, m.title, m.due_date, m.window_start,"
        " m.deadline_kind, m.targets, m.target_unit FROM materials m"
        " JOIN items i ON i.id = m.item_id WHERE m.plan_id = ? ORDER BY m.sort",
        (plan_id,),
    ).fetchall()
    return [
        MaterialCol(
            r[0], r[1], r[2], r[3], r[4], _day(r[5]), _day(r[6]), r[7], json.loads(r[8]), r[9]
        )
        for r in rows
    ]


def cells(conn: sqlite3.Connection, plan_id: int, path: Where) -> list[Cell]:
    """Every assignment of the plan for units under `path`."""
    under, params = _under(path)
    cur = conn.execute(
        "SELECT a.unit_id, a.material_id, a.state, a.due_at, a.submitted_at, a.reported_count,"
        " a.na_reason FROM assignments a JOIN units u ON u.id = a.unit_id"
        f" WHERE a.plan_id = ? AND {under}",
        (plan_id, *params),
    )
    states = {s.value: s for s in AssignmentState}
    due: dict[str, datetime] = {}  # a plan has a handful of distinct deadlines
    parse = datetime.fromisoformat
    # One int per unit, not one per row (30,000 units × 30 materials at national scale).
    same: dict[int, int] = {}
    found = []
    # In batches: 900,000 rows at national scale held at once as well as their cells took
    # 300 MB more at the export's peak.
    while rows := cur.fetchmany(BATCH):
        for r in rows:
            due_at = due.get(r[3])
            if due_at is None and r[3] is not None:
                due_at = due[r[3]] = parse(r[3])
            submitted = parse(r[4]) if r[4] else None
            unit_id = same.setdefault(r[0], r[0])
            found.append(Cell(unit_id, r[1], states[r[2]], due_at, submitted, r[5], r[6]))
    return found


def activity(
    conn: sqlite3.Connection,
    plan_id: int,
    path: Where,
    made: dict[int, tuple[int, int]] | None = None,
) -> dict[int, UnitActivity]:
    """Per unit: reports made (not withdrawn), reports returned, 签收 asked for and given.

    `made`: the first two per unit, counted already from the same reports (the export counts
    them as it writes them: the query below reads every report again, 4 CPU-s at 30,000
    units); a unit left out made none."""
    if made is None:
        made = {}
        under, params = _under(path)
        for unit_id, reports, returned in conn.execute(
            "SELECT a.unit_id, SUM(r.status != 'withdrawn'), SUM(r.status = 'returned')"
            " FROM reports r JOIN assignments a ON a.id = r.assignment_id"
            f" JOIN units u ON u.id = a.unit_id WHERE a.plan_id = ? AND {under}"
            " GROUP BY a.unit_id",
            (plan_id, *params),
        ):
            made[unit_id] = (reports or 0, returned or 0)
    acks = _acks(conn, plan_id, path)
    return {
        unit_id: UnitActivity(
            reports=made.get(unit_id, (0, 0))[0],
            returns=made.get(unit_id, (0, 0))[1],
            noticed=acks.get(unit_id, (0, 0))[0],
            acked=acks.get(unit_id, (0, 0))[1],
        )
        for unit_id in made.keys() | acks.keys()
    }


def _acks(conn: sqlite3.Connection, plan_id: int, path: Where) -> dict[int, tuple[int, int]]:
    """unit → (materials announced for 签收, of which acknowledged); empty before any notice."""
    under, params = _under(path)
    try:
        rows = conn.execute(
            "SELECT k.unit_id, COUNT(*), COUNT(k.acked_at) FROM acks k"
            " JOIN materials m ON m.id = k.material_id JOIN units u ON u.id = k.unit_id"
            f" WHERE m.plan_id = ? AND {under} GROUP BY k.unit_id",
            (plan_id, *params),
        ).fetchall()
    except sqlite3.OperationalError:  # a store from before 签收 was introduced
        return {}
    return {int(r[0]): (int(r[1]), int(r[2])) for r in rows}


def contact_labels(conn: sqlite3.Connection) -> dict[int, str]:
    """Every contact's name as lists show it."""
    return {
        r[0]: r[1]
        for r in conn.execute("SELECT id, COALESCE(display_name, user_ref) FROM contacts")
    }


def _attachment_names(conn: sqlite3.Connection) -> Iterator[tuple[int, str]]:
    """(report id, "a.pdf; b.jpg") for every report with files, in report order."""
    cur = conn.execute("SELECT report_id, name FROM attachments ORDER BY report_id, id")
    current: int | None = None
    names: list[str] = []
    while batch := cur.fetchmany(BATCH):
        for report_id, name in batch:
            if report_id != current:
                if current is not None:
                    yield current, "; ".join(names)
                current, names = report_id, []
            names.append(name)
    if current is not None:
        yield current, "; ".join(names)


def report_batches(conn: sqlite3.Connection, plan_id: int, path: Where) -> Iterator[ReportBatch]:
    """Every report of units under `path`, oldest first, as stored (instants stay UTC text,
    people are contact ids: `contact_labels` names them), a few thousand at a time, each
    batch with the "; "-joined names of its reports' attachments by report id. The export
    renders these without an object or even a tuple of its own per report."""
    files = _attachment_names(conn)
    under, params = _under(path)
    # Walking reports in id order (CROSS JOIN keeps them the outer loop) needs no sort, and
    # lets the attachment names, also in report order, be merged in rather than looked up.
    cur = conn.execute(
        "SELECT r.id, a.unit_id, a.material_id, r.submitted_at, r.contact_id, r.count, r.note,"
        " r.status, r.reviewer_id, r.reviewed_at, r.return_reason"
        " FROM reports r CROSS JOIN assignments a ON a.id = r.assignment_id"
        f" JOIN units u ON u.id = a.unit_id WHERE a.plan_id = ? AND {under} ORDER BY r.id",
        (plan_id, *params),
    )
    pending = next(files, None)
    while batch := cur.fetchmany(BATCH):
        last = batch[-1][0]
        names: dict[int, str] = {}
        while pending is not None and pending[0] <= last:
            names[pending[0]] = pending[1]
            pending = next(files, None)
        yield batch, names


def audit_batches(
    conn: sqlite3.Connection, path: Where, with_unitless: bool, since: datetime
) -> Iterator[list[AuditRecord]]:
    """The audit trail since `since` of units under `path` (and plan-wide entries if asked),
    in order, as stored: (at as UTC text, unit id, actor's contact id, action, subject,
    detail JSON text), a few thousand at a time."""
    # Here, not at the top: storage.db brings asyncio and aiosqlite (30 ms) into the export's
    # sheet process, which needs neither.
    from storage.db import to_db

    under, params = _under(path)
    cur = conn.execute(
        "SELECT au.at, au.unit_id, au.actor_id, au.action, au.subject, au.detail FROM audit au"
        " LEFT JOIN units u ON u.id = au.unit_id"
        f" WHERE au.at >= ? AND ({under} OR (au.unit_id IS NULL AND ?)) ORDER BY au.id",
        (to_db(since), *params, int(with_unitless)),
    )
    while batch := cur.fetchmany(BATCH):
        yield batch


def accepted_files(
    conn: sqlite3.Connection, plan_id: int, path: str, material_ids: list[int]
) -> Iterator[AcceptedFile]:
    """Attachments of accepted reports for these materials in units under `path`."""
    from storage.db import marks

    cur = conn.execute(
        "SELECT r.id, a.unit_id, a.material_id, r.reviewed_at, f.name, f.sha256, f.size"
        " FROM reports r JOIN assignments a ON a.id = r.assignment_id"
        " JOIN units u ON u.id = a.unit_id JOIN attachments f ON f.report_id = r.id"
        f" WHERE a.plan_id = ? AND r.status = 'accepted' AND u.path LIKE ?"
        f" AND a.material_id IN ({marks(material_ids)}) ORDER BY r.id, f.id",
        (plan_id, path + "%", *material_ids),
    )
    while batch := cur.fetchmany(BATCH):
        for r in batch:
            yield AcceptedFile(r[0], r[1], r[2], _instant(r[3]), r[4], r[5], r[6])


def open_blob(
    conn: sqlite3.Connection, locate: Callable[[str], Path], sha256: str
) -> BinaryIO | None:
    """A stored file opened for reading in a worker thread, wherever it is kept; None if gone."""
    row = conn.execute("SELECT content FROM blobs WHERE sha256 = ?", (sha256,)).fetchone()
    if row is not None and row[0] is not None:
        return io.BytesIO(row[0])
    path = locate(sha256)
    return path.open("rb") if path.is_file() else None


def report_count(conn: sqlite3.Connection, plan_id: int) -> int:
    """How many reports the plan has (to judge whether an export is large)."""
    row = conn.execute(
        "SELECT COUNT(*) FROM reports r JOIN assignments a ON a.id = r.assignment_id"
        " WHERE a.plan_id = ?",
        (plan_id,),
    ).fetchone()
    return int(row[0]) if row else 0


def report_count_under(conn: sqlite3.Connection, plan_id: int, path: Where) -> int:
    """How many reports units under `path` filed for the plan."""
    under, params = _under(path)
    row = conn.execute(
        "SELECT COUNT(*) FROM reports r JOIN assignments a ON a.id = r.assignment_id"
        f" JOIN units u ON u.id = a.unit_id WHERE a.plan_id = ? AND {under}",
        (plan_id, *params),
    ).fetchone()
    return int(row[0]) if row else 0


def audit_last_id(conn: sqlite3.Connection) -> int:
    """The audit trail's last row id: no scope holds more rows than that (one index probe)."""
    row = conn.execute("SELECT MAX(id) FROM audit").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def audit_count(conn: sqlite3.Connection, path: Where, with_unitless: bool, since: datetime) -> int:
    """How many rows `audit_batches` gives for the same arguments."""
    from storage.db import to_db

    under, params = _under(path)
    row = conn.execute(
        "SELECT COUNT(*) FROM audit au LEFT JOIN units u ON u.id = au.unit_id"
        f" WHERE au.at >= ? AND ({under} OR (au.unit_id IS NULL AND ?))",
        (to_db(since), *params, int(with_unitless)),
    ).fetchone()
    return int(row[0]) if row else 0
