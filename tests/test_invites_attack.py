"""Invite codes under attack: entropy, rate limit, single use under a race, expiry."""

from __future__ import annotations

import asyncio
import math
from datetime import timedelta

from domain.messages import Incoming
from handlers import router
from handlers.invites import _ALPHABET, CODE_CHARS, code_hash, new_code
from storage import contacts
from tests.support import ShellBot, find_code


def test_codes_carry_at_least_64_bits_and_are_stored_hashed() -> None:
    assert CODE_CHARS * math.log2(len(_ALPHABET)) >= 64
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    code = new_code()
    assert code_hash(code) == code_hash(code.lower().replace("-", " "))
    assert code.replace("-", "") not in code_hash(code)


async def test_stored_invite_is_not_the_code(bot: ShellBot) -> None:
    code = find_code(await bot.say("/invite 郑州 reporter", as_="admin"))
    async with bot.app.store.read() as db:
        async with db.execute("SELECT code_hash FROM invites") as cur:
            stored = [r[0] for r in await cur.fetchall()]
    assert stored == [code_hash(code)] and code not in stored[0]


async def test_two_simultaneous_binds_use_a_code_once(bot: ShellBot) -> None:
    code = find_code(await bot.say("/invite 郑州 reporter", as_="admin"))

    def attempt(user: str) -> Incoming:
        return Incoming(channel="shell", user_ref=user, chat_ref=user, text=f"/bind {code}")

    results = await asyncio.gather(
        *(router.handle(bot.app.services, attempt(f"racer{i}")) for i in range(8))
    )
    texts = [r[0].text for r in results]
    assert sum("绑定成功" in t for t in texts) == 1
    assert sum("已被使用" in t for t in texts) == 7
    async with bot.app.store.read() as db:
        bound = [c for c in await contacts.of_unit(db, 2) if c.user_ref.startswith("racer")]
    assert len(bound) == 1


async def test_wrong_attempts_are_limited_per_identity(bot: ShellBot) -> None:
    for i in range(5):
        out = await bot.say(f"/bind ZZZZ-ZZZZ-ZZZZ-ZZZ{i}", as_="mallory")
        assert "无效" in out
    good = find_code(await bot.say("/invite 郑州 reporter", as_="admin"))
    assert "尝试次数过多" in await bot.say(f"/bind {good}", as_="mallory")
    # The window passes: the same person may try again.
    bot.clock.advance(timedelta(minutes=16))
    assert "绑定成功" in await bot.say(f"/bind {good}", as_="mallory")


async def test_expired_codes_fail_and_bind_nothing(bot: ShellBot) -> None:
    code = find_code(await bot.say("/invite 郑州 admin", as_="admin"))
    bot.clock.advance(timedelta(hours=168, seconds=1))
    assert "已过期" in await bot.say(f"/bind {code}", as_="late")
    assert "尚未绑定" in await bot.say("/status", as_="late")
