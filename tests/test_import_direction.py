"""Imports flow one way: each package lists the packages it must never import."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["bot", "handlers", "storage", "schedules", "domain", "locales", "insight"]

# (package, imports it must not make): a prefix forbids the package and all its modules.
# Several rows may name the same package; each is checked on its own.
FORBIDDEN: list[tuple[str, tuple[str, ...]]] = [
    ("storage", ("insight", "handlers", "bot")),
    ("storage", ("schedules",)),
    ("domain", ("insight", "handlers", "bot")),
    ("domain", ("storage", "schedules")),
    ("insight", ("storage", "handlers", "bot", "schedules")),
    ("schedules", ("bot", "handlers", "insight")),
    ("handlers", ("bot",)),
    ("locales", ("bot", "handlers", "schedules", "storage", "domain", "insight")),
]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(source: str, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    """Every module `source` imports, with its line: nested, lazy and TYPE_CHECKING ones too."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.append((node.lineno, name))
    return sorted(found)


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def sources() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package,forbidden", FORBIDDEN, ids=[row[0] for row in FORBIDDEN])
def test_package_does_not_import(package: str, forbidden: tuple[str, ...]) -> None:
    wrong = []
    for path in sources():
        module = module_name(path)
        if not within(module, package):
            continue
        source = path.read_text("utf-8")
        for line, name in imported(source, module, path.name == "__init__.py"):
            for prefix in forbidden:
                if within(name, prefix):
                    where = path.relative_to(ROOT)
                    wrong.append(
                        f"{where}:{line} imports {name} ({package}/ must not import {prefix})"
                    )
    assert wrong == []


def test_every_source_parses() -> None:
    for path in sources():
        ast.parse(path.read_text("utf-8"), filename=str(path))


def test_the_check_sees_hidden_and_relative_imports() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from insight.progress import Row\n"
        "def later():\n"
        "    import bot.app\n"
        "from .. import handlers\n"
        "from .files import x\n"
    )
    names = [name for _, name in imported(source, "storage.sub.mod")]
    assert names == ["typing", "insight.progress", "bot.app", "storage", "storage.sub.files"]
