"""Shared fixtures: a fresh bot on a temp dir for every test."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fake_telegram import FakeTelegram
from tests.insight_world import World, build, reopen
from tests.support import ShellBot
from tests.telegram_harness import TelegramBot


@pytest.fixture(scope="session")
def started_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir as `ShellBot.start` leaves it (migrated, the sample plan seeded, the shell
    admin bound), built once: a copy opens in ~7 ms, building it takes ~70 ms every test."""
    data = tmp_path_factory.mktemp("started") / "data"

    async def start_and_stop() -> None:
        await (await ShellBot.start(data)).stop()

    asyncio.run(start_and_stop())
    return data


@pytest.fixture
async def bot(tmp_path: Path, started_data: Path) -> AsyncIterator[ShellBot]:
    shutil.copytree(started_data, tmp_path / "data")
    shell_bot = await ShellBot.start(tmp_path / "data")
    yield shell_bot
    await shell_bot.stop()


@pytest.fixture
def pdf(tmp_path: Path) -> Path:
    path = tmp_path / "现场会通知.pdf"
    path.write_bytes(b"%PDF-1.4 notice of the site meeting\n")
    return path


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "现场照片.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0 a jpeg of the site meeting")
    return path


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """A fake Telegram Bot API server on 127.0.0.1."""
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def tg(tmp_path: Path, fake: FakeTelegram) -> AsyncIterator[TelegramBot]:
    """The real Telegram channel, running against the fake server."""
    bot = await TelegramBot.start(tmp_path / "data", fake)
    yield bot
    await bot.stop()


@pytest.fixture(scope="session")
def built_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[int]]:
    """`build` once per session (~0.2 s): its directory and report ids."""
    root = tmp_path_factory.mktemp("world")

    async def build_and_stop() -> list[int]:
        built = await build(root)
        await built.bot.stop()
        return built.report_ids

    return root, asyncio.run(build_and_stop())


@pytest.fixture
async def world(tmp_path: Path, built_world: tuple[Path, list[int]]) -> AsyncIterator[World]:
    """The 2016 sample with reports in every state, for the admin outputs (a copy)."""
    copy = await reopen(*built_world, tmp_path)
    yield copy
    await copy.bot.stop()
