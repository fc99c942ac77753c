"""Telling the province admins that the database cannot be written, over the channels directly."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from domain.messages import Reply
from locales import Translator
from schedules.delivery import Channel
from storage import contacts
from storage.db import Store
from storage.failures import StoreUnwritable

log = logging.getLogger(__name__)


async def tell_admins(
    store: Store,
    channels: Mapping[str, Channel],
    failure: StoreUnwritable,
    since: datetime,
    tz: ZoneInfo,
    locale: str | None,
) -> int:
    """Send the alarm to every reachable province admin at once; returns how many got it.

    Not through `schedules.outbox.queue`: the outbox is a table of the store that cannot be
    written, so a queued alarm would leave only once nobody needs it any more. Reads still
    work, so the admins are found as usual; a send that fails is not retried (there is
    nowhere to keep it), and the sender sounds the alarm again if the store keeps failing.
    Quiet hours do not hold it: every message people send meanwhile is refused.
    """
    async with store.read() as db:
        admins = await contacts.province_admins(db)
    told = 0
    for admin in admins:
        channel = channels.get(admin.channel)
        if channel is None or admin.unreachable:
            continue
        t = Translator.for_person(admin, locale, tz)
        text = t("store.alarm", path=failure.path, detail=failure.detail, since=t.moment(since))
        try:
            await channel.deliver(admin.user_ref, Reply(text))
        except Exception as err:  # a delivery error or a channel's bug: on to the next admin
            log.warning("store alarm not delivered to contact %d: %s", admin.id, err)
            continue
        told += 1
    return told
