"""100 people reporting at once while an admin reads progress: nobody sees an error, nothing is lost."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from domain.messages import Incoming, IncomingFile, Reply
from handlers import router
from storage import plans, reports
from tests.support import ShellBot

UNITS = ["郑州", "开封", "洛阳", "平顶山", "安阳", "鹤壁", "新乡", "焦作", "濮阳", "许昌"]


def _file(i: int) -> IncomingFile:
    async def read() -> AsyncIterator[bytes]:
        for _ in range(4):
            yield f"report {i} ".encode() * 512
            await asyncio.sleep(0)

    return IncomingFile(name=f"材料{i}.pdf", mime="application/pdf", size=None, read=read)


async def test_hundred_reporters_and_an_admin_at_once(bot: ShellBot) -> None:
    people = [(f"p{i}", UNITS[i % len(UNITS)]) for i in range(100)]
    for user, unit in people:
        await bot.invite_and_bind(unit, user)
    codes = ["1", "2.1", "2.2", "2.3", "3.1", "3.2", "4.1", "4.2", "4.3", "5"]

    async def report(i: int, user: str) -> list[Reply]:
        text = f"/report {codes[i // len(UNITS)]} 第{i}份"
        msg = Incoming(channel="shell", user_ref=user, chat_ref=user, text=text, files=(_file(i),))
        return await router.handle(bot.app.services, msg)

    async def admin_reads() -> list[Reply]:
        out: list[Reply] = []
        for text in ["/status", "/pending", "/overdue", "/status 郑州"] * 5:
            out += await router.handle(
                bot.app.services,
                Incoming(channel="shell", user_ref="admin", chat_ref="admin", text=text),
            )
        return out

    results = await asyncio.gather(
        *(report(i, user) for i, (user, _) in enumerate(people)), admin_reads()
    )
    replies = [r for batch in results for r in batch]
    assert not [r.text for r in replies if r.is_error]
    assert sum("已报送 [" in r.text for r in replies) == 100
    async with bot.app.store.read() as db:
        plan = await plans.active(db)
        assert plan is not None
        stored = 0
        for unit_id in range(2, 12):
            for row in await reports.of_unit(db, plan.id, unit_id, limit=100):
                assert len(await reports.files(db, row.id)) == 1
                stored += 1
    assert stored == 100
