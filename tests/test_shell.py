"""The shell channel's own conventions: numbered choices and the `:attach` meta-command."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support import ShellBot, report_id


async def test_numbers_are_unique_across_one_answer(bot: ShellBot, pdf: Path) -> None:
    await bot.invite_and_bind("郑州", "zz")
    await bot.invite_and_bind("开封", "kf")
    first = report_id(await bot.say("/report 1", as_="zz", files=[pdf]))
    second = report_id(await bot.say("/report 1", as_="kf", files=[pdf]))

    pending = await bot.say("/pending", as_="admin")
    numbers = [int(n) for n in re.findall(r"(?m)(?:^|  )\[(\d+)\] ", pending)]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 6, pending
    # Each report's buttons follow its own text; [N] is the accept printed under the first.
    first_block = pending[pending.index(f"#{first}") : pending.index(f"#{second}")]
    accept_first = re.search(r"\[(\d+)\] 通过", first_block)
    assert accept_first, pending

    accepted = await bot.say(accept_first.group(1), as_="admin")
    assert f"已通过报送 #{first}" in accepted, accepted
    assert "已通过" in await bot.say("/history", as_="zz")
    assert "待审" in await bot.say("/history", as_="kf")


async def test_attach_takes_quoted_paths_with_spaces(bot: ShellBot, tmp_path: Path) -> None:
    await bot.invite_and_bind("郑州", "zz")
    spaced = tmp_path / "现场 会 通知.pdf"
    spaced.write_bytes(b"%PDF-1.4 a notice\n")
    plain = tmp_path / "签到表.pdf"
    plain.write_bytes(b"%PDF-1.4 a sign-in sheet\n")

    await bot.shell.handle_line(":as zz")
    start = bot.out.tell()
    await bot.shell.handle_line(f":attach \"{spaced}\" '{plain}'")
    assert "下一条消息将附带 2 个文件" in bot.out.getvalue()[start:]
    done = await bot.say("/report 1")
    assert "已报送 [1]" in done and "附件 2 个" in done
    detail = await bot.say(f"/report_detail {report_id(done)}", as_="admin")
    assert "现场 会 通知.pdf" in detail or "现场_会_通知.pdf" in detail, detail

    start = bot.out.tell()
    await bot.shell.handle_line(f':attach "{spaced}')
    refused = bot.out.getvalue()[start:]
    assert "引号没有配对" in refused and "附带" not in refused
