"""Configuration problems WeCom reports (untrusted IP, visible range…) told to the admins."""

from __future__ import annotations

import logging

from bot.wecom.errors import CONFIG_PROBLEMS, LOG_FIXES
from handlers import channel_events
from handlers.context import Services

log = logging.getLogger(__name__)


async def report_config_problem(services: Services, code: int) -> int:
    """Queue the fix, in words, to every province admin (once a day per problem); returns how many."""
    key = CONFIG_PROBLEMS.get(code)
    if key is None:
        return 0
    log.error("WeCom set-up problem %d: %s", code, LOG_FIXES.get(code, ""))
    return await channel_events.setup_problem(services, key, code)
