"""The 2016 sample on 29 July 2016 with reports in every state, for the insight output tests.

Reports are written through the storage functions (with their real files and audit rows), so
submission and review times can lie in the past of the bot's clock.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from domain.model import ReportStatus, Role
from storage import assignments, audit, blobs, contacts, plans, reports, units
from storage.files import read_path
from tests.cli_run import clean_env, main_py
from tests.support import ShellBot, local

NOW = "2016-07-29T09:00"


@dataclass(frozen=True)
class Sent:
    unit: str  # unit code
    code: str  # material code
    at: str  # local time of submission
    files: tuple[str, ...] = ()
    status: ReportStatus = ReportStatus.PENDING
    reviewed: str | None = None
    reason: str | None = None
    count: int | None = None
    note: str | None = None


REPORTERS = {
    "henan": ("sj", "刘洋"),
    "zhengzhou": ("zz", "张伟"),
    "kaifeng": ("kf", "李娜"),
    "luoyang": ("ly", "王强"),
    "anyang": ("ay", "赵敏"),
    "gongyi": ("gy", "陈刚"),
    "lankao": ("lk", "孙丽"),
    "nanyang": ("ny", "周杰"),
}

A, P, R, W = (
    ReportStatus.ACCEPTED,
    ReportStatus.PENDING,
    ReportStatus.RETURNED,
    ReportStatus.WITHDRAWN,
)
PLAN = [
    Sent("zhengzhou", "1", "2016-05-27T10:00", ("年度方案.pdf",), A, "2016-05-28T09:30"),
    Sent("zhengzhou", "6.1", "2016-06-08T16:00", ("示范点培育方案.docx",), A, "2016-06-09T10:00"),
    Sent(
        "zhengzhou",
        "2.1",
        "2016-07-20T11:00",
        ("现场会通知.pdf", "现场照片.jpg", "现场照片.jpg"),
        A,
        "2016-07-21T09:00",
        note="7月18日召开全市观摩会",
    ),
    Sent(
        "zhengzhou",
        "2.2",
        "2016-07-20T11:05",
        ("观摩照片.jpg",),
        R,
        "2016-07-21T09:05",
        "照片不清晰",
    ),
    Sent("zhengzhou", "2.2", "2016-07-25T15:00", ("观摩照片.jpg",)),
    Sent(
        "zhengzhou",
        "3.2",
        "2016-07-26T10:00",
        ("行政指导案例汇编.pdf",),
        A,
        "2016-07-27T11:00",
        count=35,
    ),
    Sent("zhengzhou", "3.1", "2016-07-28T17:00", ("评查通知.pdf",)),
    Sent("kaifeng", "1", "2016-06-03T09:00", ("开封方案.pdf",), A, "2016-06-04T10:00"),
    Sent("kaifeng", "6.1", "2016-06-12T09:00", ("示范点.pdf",), R, "2016-06-13T10:00", "缺少盖章"),
    Sent("luoyang", "1", "2016-05-30T14:00", ("洛阳方案.pdf",)),
    Sent("luoyang", "6.1", "2016-06-10T10:00", ("方案.pdf",), A, "2016-06-11T10:00"),
    Sent("anyang", "1", "2016-05-31T15:00", ("安阳方案.pdf",), A, "2016-06-01T09:00"),
    Sent("gongyi", "1", "2016-05-25T09:00", ("巩义方案.pdf",), A, "2016-05-26T09:00"),
    Sent("gongyi", "6.1", "2016-06-06T09:00", ("方案.pdf",), A, "2016-06-07T09:00"),
    Sent("gongyi", "3.2", "2016-07-27T09:00", (), P, count=20),
    Sent("lankao", "1", "2016-05-29T09:00", ("兰考方案.pdf",), W, "2016-05-29T10:00"),
    Sent("nanyang", "1", "2016-05-30T09:00", ("南阳方案.pdf",), R, "2016-06-01T09:00", "内容不全"),
    # The issuing province owes only 3.2 (its own 50-case target), handed in and accepted.
    Sent(
        "henan",
        "3.2",
        "2016-07-22T09:00",
        ("省局行政指导案例.pdf",),
        A,
        "2016-07-25T09:00",
        count=52,
    ),
]
NOT_APPLICABLE = [("luoyang", "4.2", "本地未开展行政调解试点", "2016-06-20T10:00")]

PRAISED = {"郑州市", "洛阳市", "巩义市"}
ON_TIME_OR_DONE = PRAISED | {"省局"}  # 省局 owes only 3.2, accepted; never praised: it issues


@dataclass
class World:
    bot: ShellBot
    source_dir: Path
    accepted: dict[str, bytes] = field(default_factory=dict)  # expected archive path → bytes
    report_ids: list[int] = field(default_factory=list)

    @property
    def store(self):  # type: ignore[no-untyped-def]
        return self.bot.app.store


ON_DISK = "开封方案.pdf"  # large enough to be a file on disk; the others live in the database


def _content(sent: Sent, name: str, n: int) -> bytes:
    line = f"{sent.unit} {sent.code} {sent.at} {name} #{n}\n".encode()
    return line * (2000 if name == ON_DISK else 40)


async def build(tmp: Path) -> World:
    """Start the bot at NOW on the sample plan and write every report of PLAN."""
    bot = await ShellBot.start(tmp / "data", at=NOW)
    world = World(bot=bot, source_dir=tmp / "sources")
    world.source_dir.mkdir()
    store, files = bot.app.store, bot.app.services.files
    async with store.write() as db:
        plan = await plans.active(db)
        assert plan is not None
        materials = {m.code: m for m in await plans.materials(db, plan.id)}
        admin = await contacts.find(db, "shell", "admin")
        assert admin is not None
        people = {}
        for code, (ref, name) in REPORTERS.items():
            unit = await units.by_code(db, code)
            assert unit is not None
            contact = await contacts.ensure(db, "shell", ref, name, local("2016-05-10T09:00"))
            await contacts.bind(db, contact.id, unit.id, Role.REPORTER, local("2016-05-10T09:00"))
            people[code] = (unit, contact)
    for n, sent in enumerate(PLAN):
        unit, contact = people[sent.unit]
        material = materials[sent.code]
        stored = []
        for k, name in enumerate(sent.files):
            path = world.source_dir / f"{n}-{k}" / name
            path.parent.mkdir()
            path.write_bytes(_content(sent, name, k))
            stored.append(await files.save(name, None, read_path(path), path.stat().st_size))
        async with store.write() as db:
            row = await assignments.find(db, plan.id, unit.id, material.id)
            assert row is not None
            await blobs.record(db, stored, files.relative, local(sent.at))
            report_id = await reports.insert(
                db,
                assignment_id=row.id,
                contact_id=contact.id,
                count=sent.count,
                note=sent.note,
                files=stored,
                now=local(sent.at),
            )
            await audit.record(
                db,
                at=local(sent.at),
                actor_id=contact.id,
                action="report",
                unit_id=unit.id,
                subject=sent.code,
                detail={"report": report_id, "files": len(stored), "count": sent.count},
            )
            if sent.status is not ReportStatus.PENDING:
                assert sent.reviewed is not None
                withdrawn = sent.status is ReportStatus.WITHDRAWN
                await reports.set_status(
                    db,
                    report_id,
                    sent.status,
                    expected=ReportStatus.PENDING,
                    reviewer_id=None if withdrawn else admin.id,
                    reason=sent.reason,
                    now=local(sent.reviewed),
                )
                action = {A: "accept", R: "return", W: "withdraw"}[sent.status]
                detail: dict[str, object] = {"report": report_id}
                if sent.reason:
                    detail["reason"] = sent.reason
                await audit.record(
                    db,
                    at=local(sent.reviewed),
                    actor_id=contact.id if withdrawn else admin.id,
                    action=action,
                    unit_id=unit.id,
                    subject=sent.code,
                    detail=detail,
                )
        world.report_ids.append(report_id)
    for code, mcode, reason, at in NOT_APPLICABLE:
        unit, contact = people[code]
        async with store.write() as db:
            row = await assignments.find(db, plan.id, unit.id, materials[mcode].id)
            assert row is not None
            await assignments.set_not_applicable(db, row.id, reason)
            await audit.record(
                db,
                at=local(at),
                actor_id=admin.id,
                action="approve_na",
                unit_id=unit.id,
                subject=mcode,
                detail={"reason": reason},
            )
    world.accepted = expected_archive()
    return world


async def reopen(built: Path, report_ids: list[int], tmp: Path) -> World:
    """The world `build(built)` made (its bot stopped), copied to `tmp` and started again."""
    for part in ("data", "sources"):
        shutil.copytree(built / part, tmp / part)
    bot = await ShellBot.start(tmp / "data", at=NOW)
    return World(bot, tmp / "sources", expected_archive(), list(report_ids))


ITEM_FOLDERS = {
    "1": "1 年度方案制定情况",
    "2": "2 组织开展观摩、交流等情况",
    "3": "3 推行行政指导情况",
    "6": "6 培育服务型行政执法示范点情况",
}
LABELS = {
    "henan": "省局",
    "zhengzhou": "郑州市",
    "kaifeng": "开封市",
    "luoyang": "洛阳市",
    "anyang": "安阳市",
    "gongyi": "巩义市",
}


def expected_archive() -> dict[str, bytes]:
    """Archive path → bytes for every file of an accepted report (duplicates numbered)."""
    found: dict[str, bytes] = {}
    for sent in PLAN:
        if sent.status is not ReportStatus.ACCEPTED:
            continue
        folder = f"{ITEM_FOLDERS[sent.code.split('.')[0]]}/{LABELS[sent.unit]}"
        for k, name in enumerate(sent.files):
            path = f"{folder}/{sent.code} {name}"
            if path in found:
                stem, _, ext = path.rpartition(".")
                path = f"{stem} (2).{ext}"
            found[path] = _content(sent, name, k)
    return found


ROOT = Path(__file__).resolve().parent.parent


async def run_cli(args: list[str], data_dir: Path, real: bool = False) -> tuple[int, str, str]:
    """`python main.py ARGS` on this data dir: (exit code, stdout, stderr); in this process
    (tests/cli_run.py) unless `real`."""
    env = clean_env(BOT_DATA_DIR=str(data_dir))
    if not real:
        done = main_py(args, env)
        return done.returncode, done.stdout, done.stderr
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "main.py",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


FILE = re.compile(r"📎 \S+ (.+?)\((/[^)]+)\)")


def sent_file(out: str) -> Path:
    """The path of the file the shell printed as sent (`📎 文件 name(path)`)."""
    found = FILE.search(out)
    assert found, out
    return Path(found.group(2))
