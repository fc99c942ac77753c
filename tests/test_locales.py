"""The zh_CN and en catalogs must agree, and every key the code uses must exist."""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from handlers.errors import UserError
from handlers.registry import COMMANDS
from locales import LOCALES, Translator, catalog, placeholders

ROOT = Path(__file__).resolve().parent.parent
CODE_DIRS = ["bot", "handlers", "schedules", "domain", "storage"]
LITERAL_KEY = re.compile(r"""\b(?:t|UserError|_say|tell)\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']""")


def test_catalogs_have_the_same_keys() -> None:
    zh, en = catalog("zh_CN"), catalog("en")
    assert sorted(set(zh) - set(en)) == []
    assert sorted(set(en) - set(zh)) == []


@pytest.mark.parametrize("key", sorted(catalog("zh_CN")))
def test_placeholders_agree(key: str) -> None:
    assert placeholders(catalog("zh_CN")[key]) == placeholders(catalog("en")[key])


def test_every_literal_key_in_code_exists() -> None:
    missing = []
    for folder in CODE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            for key in LITERAL_KEY.findall(path.read_text("utf-8")):
                for locale in LOCALES:
                    if key not in catalog(locale):
                        missing.append(f"{path.relative_to(ROOT)}: {key} ({locale})")
    assert missing == []


def test_every_command_has_a_help_line() -> None:
    for command in COMMANDS:
        for locale in LOCALES:
            assert f"cmd.{command.name}" in catalog(locale), (command.name, locale)


def test_enum_labels_exist() -> None:
    from domain.model import AssignmentState, ReportStatus, Role, UnitKind

    for locale in LOCALES:
        texts = catalog(locale)
        for role in Role:
            assert f"role.{role.value}" in texts
        for kind in UnitKind:
            assert f"kind.{kind.value}" in texts
        for state in AssignmentState:
            assert f"state.{state.value}" in texts
        for status in ReportStatus:
            assert f"report_status.{status.value}" in texts


@pytest.mark.parametrize("key", sorted(catalog("zh_CN")))
def test_any_placeholder_name_can_be_passed(key: str) -> None:
    """A placeholder named like a parameter (`key`, `locale`) must not clash with it."""
    params = dict.fromkeys(placeholders(catalog("zh_CN")[key]), "x")
    for locale in LOCALES:
        Translator(locale, ZoneInfo("Asia/Shanghai"))(key, **params)
    assert UserError(key, **params).params == params
