"""English reads as English: nouns agree with their numbers, plans' measure words and dates
are written the English way (issue 12, row 25)."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from locales import Translator, catalog
from tests.support import ShellBot, local

EN = Translator("en", ZoneInfo("Asia/Shanghai"))


@pytest.mark.parametrize(
    ("key", "params", "expected"),
    [
        ("listing.overdue_days", {"days": 1}, "1 day overdue"),
        ("listing.overdue_days", {"days": 3}, "3 days overdue"),
        ("shell.attached", {"count": 1}, "The next message carries 1 file."),
        ("pending.header", {"reports": 1, "requests": 2}, "1 report, 2 requests"),
    ],
)
def test_nouns_agree_with_their_numbers(key: str, params: dict, expected: str) -> None:
    assert expected in EN(key, **params)


def test_no_catalog_text_hedges_with_s_in_brackets() -> None:
    assert [k for k, text in catalog("en").items() if "(s)" in text] == []


async def test_an_english_reporter_reads_counts_measures_and_dates_in_english(
    bot: ShellBot, pdf: Path
) -> None:
    await bot.invite_and_bind("郑州", "zz")
    await bot.say("/lang en", as_="zz")
    out = await bot.say("/report 1", as_="zz", files=[pdf])
    assert "1 file." in out and "file(s)" not in out
    tasks = await bot.say("/tasks", as_="zz")
    targets = next(line for line in tasks.splitlines() if "[3.2]" in line).split("targets:")[1]
    assert targets.endswith(", county ≥50 cases") and "例" not in targets
    await bot.say("/extend 2.1 2016-10-20 观摩会推迟", as_="zz")
    bot.clock.set(local("2016-05-21T10:00"))
    told = await bot.say("/approve 1", as_="admin")
    pushed = told.split("zz", 1)[-1]
    assert "20 Oct 2016" in pushed and "2016-10-20" not in pushed
