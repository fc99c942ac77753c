"""Configuration problems WeCom reports (untrusted IP, visible range…) told to the admins."""

from __future__ import annotations

import logging

from bot.wecom.errors import CONFIG_PROBLEMS, LOG_FIXES
from handlers.context import Services
from handlers.notify import body
from locales import DEFAULT_LOCALE, Translator
from storage import outbox, wecom

log = logging.getLogger(__name__)


async def report_config_problem(services: Services, code: int) -> int:
    """Queue the fix, in words, to every province admin (once a day per problem); returns how many."""
    key = CONFIG_PROBLEMS.get(code)
    if key is None:
        return 0
    log.error("WeCom set-up problem %d: %s", code, LOG_FIXES.get(code, ""))
    settings = services.settings
    now = services.clock.now()
    day = now.astimezone(settings.tz).date().isoformat()
    queued = 0
    async with services.store.write() as db:
        for admin in await wecom.province_admins(db):
            if admin.unreachable:
                continue
            t = Translator(admin.locale or settings.locale or DEFAULT_LOCALE, settings.tz)
            if await outbox.enqueue(
                db,
                idem_key=f"wecom-config:{code}:{day}:{admin.id}",
                channel=admin.channel,
                chat_ref=admin.user_ref,
                contact_id=admin.id,
                kind="wecom_config",
                body=body(t(key, code=code)),
                now=now,
            ):
                queued += 1
    if queued:
        services.outbox_changed()
    return queued
