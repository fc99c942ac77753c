"""The lock files cannot drift from pyproject.toml unnoticed: every dependency named there is
pinned (within its range) with hashes, and the test set runs on the same pins as the bot."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
REGENERATE = "run scripts/lock (see README: Install on a server → Offline) and commit the locks"


def pins(lock: Path) -> dict[str, tuple[str, int]]:
    """name → (version, number of hashes) for each pin; a name pinned twice under markers
    (numpy for 3.11 and for 3.12) keeps its last version."""
    text = re.sub(r"\\\n", " ", lock.read_text(encoding="utf-8"))
    found: dict[str, tuple[str, int]] = {}
    for line in text.splitlines():
        hit = re.match(r"([A-Za-z0-9._-]+)==([^\s;]+)", line)
        if hit:
            found[canonicalize_name(hit[1])] = (hit[2], line.count("--hash=sha256:"))
    return found


def declared(dev: bool = False) -> list[Requirement]:
    """The dependencies and every extra but dev (replica), or with dev: the test set too."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    listed = list(project["dependencies"])
    for extra, requirements in project.get("optional-dependencies", {}).items():
        if dev or extra != "dev":
            listed += requirements
    return [Requirement(text) for text in listed]


def missing_from(lock: Path, wanted: list[Requirement]) -> list[str]:
    locked = pins(lock)
    problems = []
    for req in wanted:
        name = canonicalize_name(req.name)
        if name not in locked:
            problems.append(f"{req.name} is not in {lock.name}")
        elif not req.specifier.contains(locked[name][0], prereleases=True):
            problems.append(f"{req.name}=={locked[name][0]} in {lock.name} is outside {req}")
    return problems


def test_the_runtime_lock_pins_every_dependency_and_extra_within_its_range() -> None:
    problems = missing_from(ROOT / "requirements.lock", declared())
    assert not problems, "\n".join([*problems, REGENERATE])


def test_the_test_lock_pins_the_runtime_and_the_dev_extra() -> None:
    problems = missing_from(ROOT / "requirements-dev.lock", declared(dev=True))
    assert not problems, "\n".join([*problems, REGENERATE])


def test_every_pin_carries_hashes_and_the_test_set_uses_the_bots_pins() -> None:
    runtime = pins(ROOT / "requirements.lock")
    dev = pins(ROOT / "requirements-dev.lock")
    assert runtime and dev
    unhashed = [name for name, (_, hashes) in {**runtime, **dev}.items() if hashes == 0]
    assert not unhashed, f"pins without --hash: {unhashed}; {REGENERATE}"
    differ = [f"{n}: {runtime[n][0]} vs {dev[n][0]}" for n in runtime if dev[n][0] != runtime[n][0]]
    assert not differ, f"the test lock pins other versions than the bot's: {differ}"


def test_the_locks_say_how_to_regenerate_them() -> None:
    for lock in ("requirements.lock", "requirements-dev.lock"):
        head = (ROOT / lock).read_text(encoding="utf-8").splitlines()[:3]
        assert "#    scripts/lock" in head, f"{lock} was not made by scripts/lock"
