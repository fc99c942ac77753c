"""The authorization matrix: every command × role × target, written once, checked end to end.

Targets sit in a small tree: 省局 (henan) → 郑州 (city) → 管城区, 中原区 (counties); 开封 (city).
A denial must reveal nothing: it reads exactly like the answer for a unit or id that does not exist.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from domain.messages import ChatKind, Incoming, Reply
from handlers import router
from tests.support import ShellBot, report_id

MATERIALS = 40
PLAN = (
    "plan: {code: authz, year: 2016, title: 权限测试方案, applies_to: [province, city, county]}\n"
    "units:\n"
    "  - {code: henan, name: 河南省安全生产监督管理局, short: 省局, kind: province}\n"
    "  - {code: zhengzhou, name: 郑州市安全生产监督管理局, short: 郑州市, kind: city, parent: henan}\n"
    "  - {code: guancheng, name: 郑州市管城区安全生产监督管理局, short: 管城区, kind: county, parent: zhengzhou}\n"
    "  - {code: zhongyuan, name: 郑州市中原区安全生产监督管理局, short: 中原区, kind: county, parent: zhengzhou}\n"
    "  - {code: kaifeng, name: 开封市安全生产监督管理局, short: 开封市, kind: city, parent: henan}\n"
    "items:\n"
    + "".join(
        f"  - {{no: {n}, title: 事项{n}, materials: [{{title: 材料{n}, deadline: 8月底, text_only: true}}]}}\n"
        for n in range(1, MATERIALS + 1)
    )
)

UNITS = ["henan", "zhengzhou", "guancheng", "zhongyuan", "kaifeng"]
NAMES = {
    "henan": "省局",
    "zhengzhou": "郑州市",
    "guancheng": "管城区",
    "zhongyuan": "中原区",
    "kaifeng": "开封市",
}
ACTORS = ["stranger", "reporter@guancheng", "admin@zhengzhou", "admin@guancheng", "province"]
ADMINS = {"admin@zhengzhou", "admin@guancheng", "province"}
MEMBERS = set(ACTORS) - {"stranger"}
ALL = set(UNITS)
ZZ_TREE = {"zhengzhou", "guancheng", "zhongyuan"}
ZZ_BELOW = {"guancheng", "zhongyuan"}

# command template → actor → the target units it may act on. Absent actor: allowed on none.
# {unit} is a unit name, {report} a pending report of the target unit, {request} a pending
# not-applicable request of the target unit.
TARGETED: dict[str, dict[str, set[str]]] = {
    "/status {unit}": {
        "admin@zhengzhou": ZZ_TREE,
        "admin@guancheng": {"guancheng"},
        "province": ALL,
    },
    "/invite {unit} reporter": {
        "admin@zhengzhou": ZZ_TREE,
        "admin@guancheng": {"guancheng"},
        "province": ALL,
    },
    "/accept {report}": {"admin@zhengzhou": ZZ_BELOW, "province": ALL},
    "/return {report} 缺材料": {"admin@zhengzhou": ZZ_BELOW, "province": ALL},
    "/withdraw {report}": {
        "reporter@guancheng": {"guancheng"},
        "admin@guancheng": {"guancheng"},
        "admin@zhengzhou": {"zhengzhou"},
        "province": {"henan"},
    },
    "/approve {request}": {"admin@zhengzhou": ZZ_BELOW, "province": ALL},
    "/refuse {request} 不同意": {"admin@zhengzhou": ZZ_BELOW, "province": ALL},
}
# command → actors allowed (private chat; no target).
UNTARGETED: dict[str, set[str]] = {
    "/help": set(ACTORS),
    "/lang zh": set(ACTORS),
    "/start": set(ACTORS),
    "/tasks": MEMBERS,
    "/todo": MEMBERS,
    "/history": MEMBERS,
    "/report 40 说明": MEMBERS,
    "/status": ADMINS,
    "/overdue": ADMINS,
    "/pending": ADMINS,
    "/units": ADMINS,
}
# command → actors allowed in a group chat; in a private chat nobody may.
GROUP_ONLY: dict[str, set[str]] = {"/subscribe": ADMINS, "/unsubscribe": ADMINS}


def user_of(actor: str) -> str:
    return "admin" if actor == "province" else actor.replace("@", "_")


class World:
    """The tree above with a reporter per unit, the actors bound, and fresh pending targets."""

    def __init__(self, bot: ShellBot) -> None:
        self.bot = bot
        self.next_material = dict.fromkeys(UNITS, 1)

    async def ask(self, actor: str, text: str, group: bool = False) -> list[Reply]:
        user = user_of(actor)
        return await router.handle(
            self.bot.app.services,
            Incoming(
                channel="shell",
                user_ref=user,
                chat_ref="group:g" if group else user,
                chat_kind=ChatKind.GROUP if group else ChatKind.PRIVATE,
                text=text,
                chat_title="g" if group else None,
            ),
        )

    async def pending(self, unit: str, kind: str) -> str:
        """A new pending report or request of `unit`, made by its own reporter; returns its id."""
        code = self.next_material[unit]
        self.next_material[unit] += 1
        assert code < MATERIALS
        text = f"/report {code}" if kind == "report" else f"/na {code} 无此事项"
        (reply,) = await self.ask("rep@" + unit, text)
        assert not reply.is_error, reply.text
        return str(report_id(reply.text))

    async def fill(self, template: str, unit: str) -> str:
        if "{report}" in template:
            return template.format(report=await self.pending(unit, "report"))
        if "{request}" in template:
            return template.format(request=await self.pending(unit, "request"))
        return template.format(unit=NAMES[unit])


def missing(template: str) -> str:
    return template.format(unit="不存在的单位", report="987654", request="987654")


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN, encoding="utf-8")
    bot = await ShellBot.start(tmp_path / "data", BOT_SAMPLE_PLAN=plan)
    for unit in UNITS:
        await bot.invite_and_bind(NAMES[unit], f"rep_{unit}")
    await bot.invite_and_bind("郑州市", "admin_zhengzhou", "admin")
    await bot.invite_and_bind("管城区", "admin_guancheng", "admin")
    await bot.invite_and_bind("管城区", "reporter_guancheng")
    yield World(bot)
    await bot.stop()


def _strip_ids(text: str, *tokens: str) -> str:
    for token in tokens:
        text = text.replace(token, "<target>")
    return text


@pytest.mark.parametrize("template", sorted(TARGETED))
async def test_targeted_commands_follow_the_matrix(world: World, template: str) -> None:
    for actor in ACTORS:
        allowed = TARGETED[template].get(actor, set())
        for unit in UNITS:
            text = await world.fill(template, unit)
            replies = await world.ask(actor, text)
            refused = replies[0].is_error
            assert refused != (unit in allowed), f"{actor}: {text} → {replies[0].text}"
            if refused:
                token = text.split()[1]
                ghost = await world.ask(actor, missing(template))
                assert _strip_ids(replies[0].text, token) == _strip_ids(
                    ghost[0].text, missing(template).split()[1]
                ), f"{actor}: denial of {text} reveals more than a missing target"


@pytest.mark.parametrize("command", sorted(UNTARGETED))
async def test_untargeted_commands_follow_the_matrix(world: World, command: str) -> None:
    for actor in ACTORS:
        replies = await world.ask(actor, command)
        refused = replies[0].is_error
        assert refused != (actor in UNTARGETED[command]), f"{actor}: {command} → {replies[0].text}"
        if not refused and command.startswith("/report"):
            # Two actors share a unit: take the report back so the next may make it.
            await world.ask(actor, f"/withdraw {report_id(replies[0].text)}")


@pytest.mark.parametrize("command", sorted(GROUP_ONLY))
async def test_group_commands_follow_the_matrix(world: World, command: str) -> None:
    for actor in ACTORS:
        in_group = await world.ask(actor, command, group=True)
        assert in_group[0].is_error != (actor in GROUP_ONLY[command]), (actor, in_group[0].text)
        in_private = await world.ask(actor, command)
        assert in_private[0].is_error, (actor, in_private[0].text)


async def test_unit_details_asked_in_a_group_go_to_the_asker_privately(world: World) -> None:
    for command in ("/todo", "/history", "/status 管城区", "/overdue", "/units"):
        replies = await world.ask("admin@guancheng", command, group=True)
        details = [r for r in replies if not r.is_error]
        assert details and all(r.private for r in details[:-1]), command
        assert not details[-1].private  # the public note says the details went privately
