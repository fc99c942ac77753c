"""`python main.py wecom menu`: the app's menu (待办 · 报送 · 更多), set through `menu/create`.

Every item is a `click` whose key is the command it runs, as if typed; admins' commands stay in
text and cards (one menu serves everyone, and WeCom cannot show it per person).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bot.wecom.api_error import WeComError
from bot.wecom.departments import api_for
from domain.settings import Settings
from locales import Translator

TOP_BYTES = 16  # a top-level name: 4 Chinese characters
SUB_BYTES = 40  # a sub-item's name
KEY_BYTES = 128  # a click's key
TOP_ITEMS = 3
SUB_ITEMS = 5

# (label key, command) or (label key, [(label key, command), …])
LAYOUT: list[tuple[str, str | list[tuple[str, str]]]] = [
    ("wecom_menu.todo", "/todo"),
    ("wecom_menu.report", "/report"),
    (
        "wecom_menu.more",
        [
            ("wecom_menu.progress", "/progress"),
            ("wecom_menu.history", "/history"),
            ("wecom_menu.help", "/help"),
        ],
    ),
]


def build(t: Translator) -> dict[str, Any]:
    """The menu/create body, its labels in `t`'s language."""
    buttons: list[dict[str, Any]] = []
    for label, action in LAYOUT:
        if isinstance(action, str):
            buttons.append({"type": "click", "name": t(label), "key": action})
        else:
            subs = [{"type": "click", "name": t(sub), "key": key} for sub, key in action]
            buttons.append({"name": t(label), "sub_button": subs})
    return {"button": buttons}


def problems(menu: dict[str, Any]) -> list[str]:
    """What WeCom would refuse: too many items, names or keys over their byte limits."""
    found: list[str] = []
    top = menu["button"]
    if not 1 <= len(top) <= TOP_ITEMS:
        found.append(f"{len(top)} top-level items (1-{TOP_ITEMS})")
    for button in top:
        found += _over(button["name"], TOP_BYTES)
        subs = button.get("sub_button")
        if subs is None:
            found += _over(button["key"], KEY_BYTES)
            continue
        if not 1 <= len(subs) <= SUB_ITEMS:
            found.append(f"{len(subs)} items under {button['name']} (1-{SUB_ITEMS})")
        for sub in subs:
            found += _over(sub["name"], SUB_BYTES) + _over(sub["key"], KEY_BYTES)
    return found


def _over(text: str, limit: int) -> list[str]:
    size = len(text.encode("utf-8"))
    return [f"{text!r}: {size} bytes (at most {limit})"] if size > limit or not text else []


def add_parser(tasks: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    menu = tasks.add_parser("menu", help="set the app's menu (待办 · 报送 · 更多) in WeCom")
    menu.add_argument("--dry-run", action="store_true", help="print the menu JSON, send nothing")
    menu.set_defaults(wecom_task=run)


async def run(settings: Settings, t: Translator, args: argparse.Namespace) -> int:
    menu = build(t)
    wrong = problems(menu)
    if wrong:
        print(t("wecom_menu.too_long", problems="; ".join(wrong)), file=sys.stderr)
        return 1
    if args.dry_run:
        print(json.dumps(menu, ensure_ascii=False, indent=2))
        return 0
    api = api_for(settings)
    try:
        await api.call(
            "POST",
            "/cgi-bin/menu/create",
            payload=menu,
            params={"agentid": str(settings.wecom_agent_id)},
        )
    except WeComError as err:
        print(t("wecom_menu.failed", code=err.code, message=err.message), file=sys.stderr)
        return 1
    finally:
        await api.close()
    print(t("wecom_menu.created", labels=" · ".join(b["name"] for b in menu["button"])))
    return 0
