"""`python main.py wecom departments`: the corp's departments as a tree (id, parent, name), and
the unit each is linked to (`/unit link`, a unit file's `wecom_department`).

The tree comes from `department/simplelist` (ids and parents: what a self-built app may read in
its visible range); names from `department/list`, which WeCom may withhold (then shown as -).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.app import read_store
from bot.wecom.api_error import WeComError
from domain.clock import SystemClock
from domain.settings import Settings
from locales import Translator
from storage import units
from storage.models import Unit

if TYPE_CHECKING:
    from bot.wecom.api import WeComApi

ROOT = 1  # WeCom's root department


@dataclass(frozen=True)
class Department:
    id: int
    parent: int  # 0 for the root
    order: int  # WeCom's order among siblings: the larger first


async def tree(api: WeComApi) -> list[Department]:
    """Every department the app may see (`department/simplelist`)."""
    data = await api.call("GET", "/cgi-bin/department/simplelist")
    return [
        Department(int(d["id"]), int(d.get("parentid") or 0), int(d.get("order") or 0))
        for d in data.get("department_id") or []
    ]


async def names(api: WeComApi) -> dict[int, str]:
    """Department names (`department/list`); empty when WeCom refuses them."""
    try:
        data = await api.call("GET", "/cgi-bin/department/list")
    except WeComError:
        return {}
    return {int(d["id"]): str(d["name"]) for d in data.get("department") or [] if d.get("name")}


def depths(departments: list[Department]) -> dict[int, int]:
    """Each department's depth below the top of the tree the app sees (its top: 1)."""
    parent = {d.id: d.parent for d in departments}
    found: dict[int, int] = {}
    for d in departments:
        chain: list[int] = []
        node = d.id
        while node in parent and node not in found and node not in chain:
            chain.append(node)
            node = parent[node]
        base = found.get(node, 0)
        for level, walked in enumerate(reversed(chain), 1):
            found[walked] = base + level
    return found


def ordered(departments: list[Department]) -> list[tuple[int, Department]]:
    """(depth, department) in tree order: parents first, siblings by WeCom's order."""
    known = {d.id for d in departments}
    children: dict[int, list[Department]] = {}
    for d in departments:
        children.setdefault(d.parent if d.parent in known else 0, []).append(d)
    out: list[tuple[int, Department]] = []
    stack = [(1, d) for d in sorted(children.get(0, []), key=lambda d: (d.order, -d.id))]
    while stack:
        level, d = stack.pop()
        out.append((level, d))
        below = sorted(children.get(d.id, []), key=lambda c: (c.order, -c.id))
        stack += [(level + 1, c) for c in below]
    return out


def api_for(settings: Settings) -> WeComApi:
    """The app's API client, for the `wecom` set-up tasks."""
    from bot.wecom.api import WeComApi  # httpx loads only when a task calls WeCom

    assert settings.wecom_corp_id and settings.wecom_agent_id and settings.wecom_secret
    return WeComApi(
        settings.wecom_api_base_url,
        settings.wecom_corp_id,
        settings.wecom_secret.get_secret_value(),
        settings.wecom_agent_id,
        SystemClock(),
    )


def add_parser(tasks: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    listing = tasks.add_parser(
        "departments", help="list the corp's departments (id, parent, name) and linked units"
    )
    listing.set_defaults(wecom_task=run)


async def run(settings: Settings, t: Translator, args: argparse.Namespace) -> int:
    api = api_for(settings)
    try:
        every = await tree(api)
        named = await names(api)
    except WeComError as err:
        print(t("wecom_dept.failed", code=err.code, message=err.message), file=sys.stderr)
        return 1
    finally:
        await api.close()
    links: dict[int, Unit] = await read_store(settings, units.wecom_links)
    if not every:
        print(t("wecom_dept.empty"))
        return 0
    print(t("wecom_dept.header", count=len(every), linked=sum(d.id in links for d in every)))
    for level, d in ordered(every):
        line = t("wecom_dept.line", id=d.id, parent=d.parent, name=named.get(d.id, "-"))
        unit = links.get(d.id)
        if unit is not None:
            line += " " + t("wecom_dept.linked", unit=unit.label, code=unit.code)
        print("  " * (level - 1) + line)
    return 0
