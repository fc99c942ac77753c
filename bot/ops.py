"""Operator commands: `backup`, `restore`, `doctor`; the one line for a store that cannot be used."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from bot import backup_cli, holidays_cli
from domain.channels import SHELL, TELEGRAM, WECOM
from domain.clock import SystemClock
from domain.settings import Settings
from locales import Translator, locale_for
from storage import backup as backups
from storage import verify
from storage.db import Store
from storage.failures import StoreDamaged, StoreError

MIN_FREE_MB = 500
NAMED = 5  # bad attachments named in one line; the rest are counted


async def run_backup(settings: Settings, t: Translator, dest_root: Path) -> int:
    """`python main.py backup DIR`: a consistent online copy, safe while the bot runs."""
    if not settings.db_path.exists():
        print(t("ops.no_database", path=settings.db_path), file=sys.stderr)
        return 2
    store = Store(settings.db_path)
    await store.open()
    stamp = SystemClock().now().astimezone(settings.tz).strftime("%Y%m%d-%H%M%S")
    try:
        result = await backups.backup(store, settings.files_dir, dest_root / f"duban-{stamp}")
    finally:
        await store.close()
    print(
        t("ops.backup_done", path=result.path, files=result.files, mb=f"{result.bytes / 1e6:.1f}")
    )
    return 0


async def run_restore(settings: Settings, t: Translator, source: Path, force: bool) -> int:
    """`python main.py restore BACKUP`: put a backup back in place (with the bot stopped)."""
    verdict = await backups.check_backup(source)
    if verdict != "ok":
        print(t("ops.restore_bad_backup", path=source, verdict=verdict), file=sys.stderr)
        return 2
    if settings.db_path.exists() and not force:
        print(t("ops.restore_needs_force", path=settings.db_path), file=sys.stderr)
        return 2
    _, bad = await verify.bad_blobs(source / backups.DB_NAME, source / backups.FILES_DIR)
    if bad:  # before anything is moved: a restore is all or nothing
        files = _named(t, bad)
        print(
            t("store.restore_blobs_bad", path=source, count=len(bad), files=files), file=sys.stderr
        )
        return 2
    restored = backups.restore(source, settings.data_dir, settings.files_dir)
    print(t("ops.restore_done", path=source, files=restored))
    return 0


async def run_doctor(settings: Settings, t: Translator, as_json: bool = False) -> int:
    """`python main.py doctor`: config, database integrity, disk space, channel reachability;
    exit 1 on a problem. `--json`: the same checks as a list of {name, ok, level, message}."""
    checks: list[dict[str, object]] = []

    def line(name: str, ok: bool, key: str, **params: object) -> None:
        note(name, "ok" if ok else "problem", t(key, **params))

    def note(name: str, level: str, message: str) -> None:
        checks.append({"name": name, "ok": level != "problem", "level": level, "message": message})
        if not as_json:
            print({"ok": "✅ ", "warning": "⚠️ ", "problem": "❌ "}[level] + message)

    line(
        "config",
        True,
        "ops.doctor_config",
        data_dir=settings.data_dir,
        tz=settings.timezone,
        locale=settings.locale,
    )
    channels = [SHELL]
    if settings.telegram_bot_token is not None:
        channels.append(TELEGRAM)
    if getattr(settings, "wecom_corp_id", None):
        channels.append(WECOM)
    line("channels", True, "ops.doctor_channels", channels=", ".join(channels))
    if settings.db_path.exists():
        # Read as it is, not opened as the bot's store: that would migrate a sound file and
        # refuse a damaged one, and doctor is what says how it is damaged.
        check = await verify.check_database(settings.db_path)
        if check.ok:
            line("database", True, "ops.doctor_db", verdict=check.verdict, version=check.version)
            checked, bad = await verify.bad_blobs(settings.db_path, settings.files_dir)
            if bad:
                line(
                    "attachments",
                    False,
                    "store.doctor_blobs_bad",
                    count=len(bad),
                    files=_named(t, bad),
                )
            else:
                line("attachments", True, "store.doctor_blobs_ok", count=checked)
            fine, said = await holidays_cli.doctor_line(settings, t)
            note("holidays", "ok" if fine else "warning", said)  # Monday–Friday works
        else:
            line(
                "database",
                False,
                "store.doctor_damaged",
                path=settings.db_path,
                detail=check.verdict,
            )
    else:
        line("database", True, "ops.doctor_db_new", path=settings.db_path)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    free_mb = shutil.disk_usage(settings.data_dir).free // (1024 * 1024)
    line("disk", free_mb >= MIN_FREE_MB, "ops.doctor_disk", free=free_mb, minimum=MIN_FREE_MB)
    # Imported here: the reachability checks load aiohttp, PTB and httpx, which only doctor needs.
    from bot import reach
    from bot.wecom import doctor as wecom_doctor

    for found in await reach.configured(settings):
        line(found.channel, found.ok, found.key, who=found.who, detail=found.detail)
    for finding in await wecom_doctor.findings(settings, SystemClock().now):
        level = {"warning": "warning", "ok": "ok"}.get(finding.level, "problem")
        note(finding.key.removeprefix("doctor."), level, t(finding.key, **finding.params))
    for finding in backup_cli.findings(settings, SystemClock().now()):
        note(backup_cli.check_name(finding), finding.level, backup_cli.message(t, finding))
    problems = sum(1 for check in checks if not check["ok"])
    if as_json:
        print(json.dumps(checks, ensure_ascii=False, indent=2))
    else:
        print(t("ops.doctor_summary", problems=problems, at=t.moment(SystemClock().now())))
    return 1 if problems else 0


def _named(t: Translator, bad: list[verify.BadBlob]) -> str:
    names = t("store.list_separator").join(
        t(f"store.blob_{blob.problem}", name=blob.name) for blob in bad[:NAMED]
    )
    return names if len(bad) <= NAMED else t("store.list_more", names=names, count=len(bad))


def store_failure(err: StoreError) -> str:
    """The one line an entry point prints when the store cannot be opened or written."""
    settings = Settings()
    t = Translator(locale_for(configured=settings.locale), settings.tz)
    key = "store.damaged" if isinstance(err, StoreDamaged) else "store.unwritable"
    return t(key, path=err.path, detail=err.detail)
