"""The authorization matrix of tests/test_authorization.py, checked again end to end over Telegram.

The tables are imported, not copied: one place says who may do what. Each actor talks in their
own private chat (the group-only commands also in a group) with the real channel against the
fake Bot API; chats run side by side. A denial is recognised by what the user reads: for a
targeted command it must read exactly like the answer about a unit or id that does not exist.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from locales import Translator
from tests.fake_telegram import FakeTelegram
from tests.support import SHANGHAI
from tests.telegram_harness import ADMIN_ID, TelegramBot
from tests.test_authorization import (
    ACTORS,
    GROUP_ONLY,
    MATERIALS,
    NAMES,
    PLAN,
    TARGETED,
    UNITS,
    UNTARGETED,
    missing,
)

GROUP = -100_777
IDS = {
    "stranger": 2001,
    "reporter@guancheng": 2002,
    "admin@zhengzhou": 2003,
    "admin@guancheng": 2004,
    "province": ADMIN_ID,
} | {f"rep@{unit}": 2100 + i for i, unit in enumerate(UNITS)}
_t = Translator("zh_CN", SHANGHAI)
DENIED = {_t("error.not_registered"), _t("error.forbidden"), _t("group.only_in_group")}


class TelegramWorld:
    """The matrix's tree on the real Telegram channel: actors bound through invite links."""

    def __init__(self, tg: TelegramBot) -> None:
        self.tg = tg
        self.fake = tg.fake
        self.users = {
            actor: tg.admin if uid == ADMIN_ID else tg.fake.user(uid, actor)
            for actor, uid in IDS.items()
        }
        self.group = tg.fake.group(GROUP, "权限测试群")
        self.next_material = dict.fromkeys(UNITS, 1)

    async def ask(self, actor: str, text: str, group: bool = False) -> str:
        """What the actor reads first in the chat the command was sent in."""
        user = self.users[actor]
        chat_id = GROUP if group else user["id"]
        mark = self.fake.mark()
        update = self.fake.message(user, text, chat=self.group if group else None)
        await self.tg.handled(update, within=20)
        answers = [o.message for o in self.fake.since(mark, chat_id)]
        assert answers, f"{actor}: no answer to {text}"
        return str(answers[0].get("text") or answers[0].get("caption") or "")

    async def pending(self, unit: str, kind: str, count: int) -> list[str]:
        """`count` new pending reports (or not-applicable requests) of `unit`; their ids."""
        ids = []
        for _ in range(count):
            code = self.next_material[unit]
            self.next_material[unit] += 1
            assert code < MATERIALS
            text = f"/report {code}" if kind == "report" else f"/na {code} 无此事项"
            reply = await self.ask("rep@" + unit, text)
            found = re.search(r"#(\d+)", reply)
            assert found, reply
            ids.append(found.group(1))
        return ids


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[TelegramWorld]:
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN, encoding="utf-8")
    async with FakeTelegram() as fake:
        tg = await TelegramBot.start(tmp_path / "data", fake, BOT_SAMPLE_PLAN=plan)
        # Pushes (e.g. "a report came in" to admins) would land between an actor's answers.
        tg.sender.stop()
        world = TelegramWorld(tg)
        try:
            for unit in UNITS:
                await tg.bind(NAMES[unit], world.users[f"rep@{unit}"])
            await tg.bind("郑州市", world.users["admin@zhengzhou"], "admin")
            await tg.bind("管城区", world.users["admin@guancheng"], "admin")
            await tg.bind("管城区", world.users["reporter@guancheng"])
            yield world
        finally:
            await tg.stop()


def _neutral(text: str, token: str) -> str:
    return text.replace(token, "<target>")


async def _targeted(
    world: TelegramWorld, template: str, actor: str, targets: dict[str, str]
) -> list[str]:
    """Ask `template` about every unit (`targets`: unit → report/request id); what went wrong."""
    wrong = []
    ghost_text = missing(template)
    ghost = _neutral(await world.ask(actor, ghost_text), ghost_text.split()[1])
    allowed = TARGETED[template].get(actor, set())
    for unit in UNITS:
        target = targets.get(unit, "")
        text = template.format(unit=NAMES[unit], report=target, request=target)
        reply = await world.ask(actor, text)
        refused = _neutral(reply, text.split()[1]) == ghost
        if refused == (unit in allowed):
            wrong.append(f"{actor}: {text} → {reply}")
    return wrong


async def test_targeted_commands_follow_the_matrix_over_telegram(world: TelegramWorld) -> None:
    wrong: list[str] = []
    for template in sorted(TARGETED):
        kind = "report" if "{report}" in template else "request" if "{request}" in template else ""
        # A fresh target per actor and unit, made first so the actors can then ask side by side.
        made: list[list[str]] = [[""] * len(ACTORS) for _ in UNITS]
        if kind:
            made = await asyncio.gather(*(world.pending(u, kind, len(ACTORS)) for u in UNITS))
        per_actor = [{unit: made[u][i] for u, unit in enumerate(UNITS)} for i in range(len(ACTORS))]
        found = await asyncio.gather(
            *(_targeted(world, template, actor, per_actor[i]) for i, actor in enumerate(ACTORS))
        )
        wrong += [line for lines in found for line in lines]
    assert not wrong, "\n".join(wrong)


async def test_untargeted_commands_follow_the_matrix_over_telegram(world: TelegramWorld) -> None:
    wrong: list[str] = []

    async def check(actor: str, command: str) -> str:
        reply = await world.ask(actor, command)
        if (reply in DENIED) == (actor in UNTARGETED[command]):
            wrong.append(f"{actor}: {command} → {reply}")
        return reply

    async def in_turn(actor: str) -> None:
        for command in sorted(UNTARGETED):
            if not command.startswith("/report"):
                await check(actor, command)

    await asyncio.gather(*(in_turn(actor) for actor in ACTORS))
    reports = [c for c in UNTARGETED if c.startswith("/report")]
    for command in reports:  # two actors share a unit: one at a time, each taking it back
        for actor in ACTORS:
            reply = await check(actor, command)
            if found := re.search(r"#(\d+)", reply):
                await world.ask(actor, f"/withdraw {found.group(1)}")
    assert not wrong, "\n".join(wrong)


async def test_group_commands_follow_the_matrix_over_telegram(world: TelegramWorld) -> None:
    wrong: list[str] = []
    for command, allowed in sorted(GROUP_ONLY.items()):
        for actor in ACTORS:  # one group: its answers come in order
            in_group = await world.ask(actor, command, group=True)
            if (in_group in DENIED) == (actor in allowed):
                wrong.append(f"{actor} in the group: {command} → {in_group}")

        async def in_private(actor: str, command: str = command) -> None:
            reply = await world.ask(actor, command)
            if reply not in DENIED:
                wrong.append(f"{actor} in private: {command} → {reply}")

        await asyncio.gather(*(in_private(actor) for actor in ACTORS))
    assert not wrong, "\n".join(wrong)
