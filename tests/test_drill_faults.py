"""Network fault drill: dropped connections, timeouts, 500s, 429s and getUpdates batches twice.

What is asserted, precisely:
- every report update is stored exactly once, with its file;
- every report is acknowledged at least once; a second acknowledgement of the same report is
  allowed only where Telegram itself allows one: a sendMessage the bot gave up waiting for
  (client timeout) that the server still delivered late — so, per chat, extra acknowledgements
  ≤ the late deliveries in that chat;
- no user sees an internal error or a "already reported" answer (a repeated update handled twice);
- nothing stays in the durable inbox once the bot is idle;
- after a short outage (three failed polls), the message waiting at Telegram is answered
  within RECOVERY seconds of the network coming back.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from locales import Translator
from storage import telegram as store_telegram
from tests import inspect_store
from tests.drill_world import ACK, PLAN, UNITS, reporters
from tests.fake_telegram import Failure, FakeTelegram
from tests.support import SHANGHAI
from tests.telegram_harness import TelegramBot, eventually

READ_TIMEOUT = 0.5  # the bot's patience with one Bot API call (TELEGRAM_READ_TIMEOUT)
# PTB waits 1 s after a failed poll, then 1.5×, 2.25×… (at most 30 s): after three failed polls
# (about 2.5 s of outage) it sleeps 2.25 s before trying again.
OUTAGE_POLLS = 3
RECOVERY = 4.0  # seconds from "network back" to the next answer
REPORTS_PER_UNIT = 6


class FlakyTelegram(FakeTelegram):
    """Adds what `fail()` cannot: answers later than the client waits, and repeated batches."""

    def __init__(self) -> None:
        super().__init__()
        self.late_every = 0  # every n-th sendMessage is answered late (0: none)
        self.sends = 0
        self.repeat_share = 0.0
        self.late: Counter[int] = Counter()  # chat → sendMessage answered past the timeout
        self.repeated = 0  # getUpdates answers that carried an earlier batch again
        self._last_batch: list[dict[str, Any]] = []

    async def _m_sendmessage(self, params: dict, uploads: dict) -> dict:
        self.sends += 1
        if self.late_every and self.sends % self.late_every == 0:
            await asyncio.sleep(READ_TIMEOUT * 2)  # Telegram was slow, yet delivers it
            self.late[int(params.get("chat_id", 0))] += 1
        return await super()._m_sendmessage(params, uploads)

    async def _m_getupdates(self, params: dict, uploads: dict) -> list[dict]:
        batch = await super()._m_getupdates(params, uploads)
        earlier = self._last_batch
        if batch:
            self._last_batch = batch
        if earlier and self._random.random() < self.repeat_share:
            self.repeated += 1
            return sorted({u["update_id"]: u for u in earlier + batch}.values(), key=_id)
        return batch


def _id(update: dict[str, Any]) -> int:
    return int(update["update_id"])


def faults_on(fake: FlakyTelegram) -> list[Failure]:
    calls = {"sendMessage", "getUpdates", "answerCallbackQuery"}
    fake.late_every = 15
    fake.repeat_share = 0.3
    return [
        fake.fail(500, methods=calls, share=0.06),
        fake.fail(drop=True, methods=calls, share=0.03),
        fake.fail(methods={"sendMessage"}, retry_after=1, times=2),
        fake.fail(500, methods={"getFile"}, times=2),
        fake.fail(drop=True, methods={"getFile"}, times=1),
    ]


def faults_off(fake: FlakyTelegram) -> None:
    fake.clear_failures()
    fake.late_every = 0
    fake.repeat_share = 0.0


@pytest.mark.slow
async def test_the_bot_keeps_serving_through_network_faults(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN, encoding="utf-8")
    async with FlakyTelegram() as fake:
        tg = await TelegramBot.start(
            tmp_path / "data", fake, BOT_SAMPLE_PLAN=plan, TELEGRAM_READ_TIMEOUT=READ_TIMEOUT
        )
        try:
            people = reporters()[::2]  # two reporters per unit
            users = {uid: fake.user(uid, f"报送员{uid}") for uid, _ in people}
            for uid, unit in people:
                await tg.bind(f"演练{unit}", users[uid])

            failures = faults_on(fake)
            started = time.monotonic()
            sent: dict[int, tuple[int, str]] = {}  # update id → (chat, material)
            for n in range(REPORTS_PER_UNIT):  # in waves, so that there are many batches
                for i, unit in enumerate(UNITS):
                    uid = people[2 * i + n % 2][0]
                    doc = fake.document(f"{unit}-{n}.pdf", f"%PDF {unit} {n}".encode() * 200)
                    update = fake.message(users[uid], document=doc, caption=f"/report {n + 1}")
                    sent[update["update_id"]] = (uid, str(n + 1))
                fake.message(users[people[0][0]], "/todo")  # read-only traffic in between

                def acknowledged() -> bool:
                    return set(_acks(fake)) >= set(sent.values())

                await fake.wait_for(acknowledged, within=60)
            under_faults = time.monotonic() - started
            faults_off(fake)
            await _idle(tg)

            # An outage: every poll fails for a while and a message waits at Telegram. Recovery
            # is the time from the network coming back to the bot's answer.
            outage = fake.fail(drop=True, methods={"getUpdates"}, times=None)
            probe = fake.user(60_001, "新同事")
            fake.message(probe, "/help")  # ends the long poll already under way
            await fake.wait_for(lambda: outage.hits >= OUTAGE_POLLS, within=30)
            fake.message(probe, "/start")
            mark = fake.mark()
            faults_off(fake)
            back = time.monotonic()
            await fake.expect(probe["id"], "邀请码", after=mark, within=RECOVERY + 30)
            recovered = time.monotonic() - back
            await _idle(tg)

            async with tg.app.store.read() as db:
                stored = await inspect_store.all_reports(db)
                inbox = await store_telegram.inbox_pending(db)
        finally:
            await tg.stop()

    summary = (
        f"{len(sent)} reports in {under_faults:.1f} s under faults; "
        f"{sum(f.hits for f in failures)} refused calls; late {sum(fake.late.values())}, "
        f"repeated batches {fake.repeated}; recovered in {recovered:.2f} s"
    )
    print(summary)
    assert sorted(str(r.source_key) for r in stored) == sorted(f"telegram:{u}" for u in sent)
    assert all(len(r.files) == 1 for r in stored)
    extra = Counter(chat for chat, _ in _acks(fake)) - Counter(chat for chat, _ in sent.values())
    for chat, more in extra.items():
        assert more <= fake.late[chat], f"chat {chat}: {more} extra acknowledgement(s); {summary}"
    t = Translator("zh_CN", SHANGHAI)
    told = [str(o.message.get("text") or o.message.get("caption") or "") for o in fake.outputs]
    assert t("error.internal") not in told and not [x for x in told if "正在审核" in x], summary
    assert inbox == [], f"{len(inbox)} update(s) left in the inbox; {summary}"
    assert fake.repeated > 0 and sum(fake.late.values()) > 0, summary
    assert {0, 429, 500} <= {c.status for c in fake.calls}, summary
    assert recovered < RECOVERY, summary


def _acks(fake: FakeTelegram) -> list[tuple[int, str]]:
    found = []
    for o in fake.outputs:
        text = str(o.message.get("text") or o.message.get("caption") or "")
        if o.kind == "send" and (m := ACK.search(text)):
            found.append((o.chat_id, m.group(1)))
    return found


async def _idle(tg: TelegramBot) -> None:
    """Wait until no update is being handled and the inbox has been written off."""

    async def quiet() -> bool:
        await tg.channel.lanes.idle()
        await tg.channel.journal.flush()
        return not tg.channel.lanes.busy and not tg.fake.pending

    await eventually(quiet, within=30)
