"""Several plans at once: a draft seen by admins only, publishing with notices, one /todo
over all of them with codes that can be typed back, asking which plan when a code is
ambiguous, /status per plan, and closing a plan."""

from __future__ import annotations

from pathlib import Path

from bot import plan_cli
from domain.plan_file import Overrides
from locales import Translator
from tests.support import NOTICE_PDF, ROOT_PLAN, ShellBot


def second_plan(tmp_path: Path) -> Path:
    """A campaign with the sample's units and items (so `2.1` exists in both plans)."""
    text = ROOT_PLAN.read_text("utf-8")
    text = text.replace("code: henan-fwxzf", "code: henan-zxzz").replace("short: fw", "short: zx")
    text = text.replace(
        "title: 2016年度全省安全监管系统推进服务型行政执法建设工作方案",
        "title: 2016年危险化学品专项整治方案",
    )
    path = tmp_path / "zx.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def zh(bot: ShellBot) -> Translator:
    return Translator("zh_CN", bot.app.settings.tz)


async def import_file(bot: ShellBot, path: Path, publish: bool = False) -> int:
    """`python main.py plan import PATH [--publish]`, beside the running bot."""
    return await plan_cli.run_import(bot.app.settings, zh(bot), path, Overrides(), False, publish)


async def import_second(
    bot: ShellBot,
    tmp_path: Path,
    publish: bool = False,
    edit: tuple[str, str] = ("", ""),
    exit_code: int = 0,
) -> None:
    """The second plan (with one edit made to its text) imported, exiting as expected."""
    path = second_plan(tmp_path)
    old, new = edit
    if old:
        text = path.read_text("utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    assert await import_file(bot, path, publish) == exit_code


HEAD = "  applies_to: [city, county]"


async def test_an_imported_plan_is_a_draft_until_published(bot: ShellBot, tmp_path: Path) -> None:
    await bot.invite_and_bind("郑州", "zz")
    await import_second(bot, tmp_path)
    listed = await bot.say("/plans", as_="admin")
    assert "[fw]" in listed and "[zx]" in listed and "草稿" in listed
    # A draft is nobody's business but the admins': the unit's to-do keeps plain codes.
    todo = await bot.say("/todo", as_="zz")
    assert "专项整治" not in todo and "fw-" not in todo and "2.1 " in todo
    published = await bot.say("/plan publish zx", as_="admin")
    assert "已发布" in published and "1 位联系人" in published
    assert "新任务:2016年危险化学品专项整治方案" in bot.out.getvalue()
    assert "签收" in await bot.say("/ack zx", as_="zz")


async def test_one_todo_over_every_plan_with_codes_typed_back(
    bot: ShellBot, tmp_path: Path
) -> None:
    await bot.invite_and_bind("郑州", "zz")
    await import_second(bot, tmp_path, publish=True)
    todo = await bot.say("/todo", as_="zz")
    assert "【fw】" in todo and "【zx】" in todo
    assert "fw-2.1" in todo and "zx-2.1" in todo
    # A bare code that both plans have is asked back, one button per plan.
    asked = await bot.say("/report 2.1 说明", as_="zz", files=[NOTICE_PDF])
    assert "多个计划都有编号 2.1" in asked
    assert "[1] zx-2.1" in asked and "[2] fw-2.1" in asked
    picked = await bot.say("1", as_="zz")  # the file sent with the command is kept
    assert "1 个" in picked, picked
    done = await bot.say("/report_done", as_="zz")  # 完成 files it at once
    assert "已报送 [2.1]" in done and "附件 1 个" in done
    async with bot.app.store.read() as db:
        rows = await db.execute_fetchall(
            "SELECT p.short, m.code FROM reports r JOIN assignments a ON a.id = r.assignment_id"
            " JOIN materials m ON m.id = a.material_id JOIN plans p ON p.id = a.plan_id"
        )
    assert [tuple(r) for r in rows] == [("zx", "2.1")]
    again = await bot.say("/todo", as_="zz")
    assert "zx-2.1" not in again and "fw-2.1" in again


async def test_status_names_each_plan_then_remembers_the_one_chosen(
    bot: ShellBot, tmp_path: Path
) -> None:
    await import_second(bot, tmp_path, publish=True)
    overview = await bot.say("/status", as_="admin")
    assert "[fw]" in overview and "[zx]" in overview and "[1] zx 进度" in overview
    table = await bot.say("1", as_="admin")
    assert "专项整治" in table and "郑州" in table
    # The plan named last is the default of the next command.
    assert "有多个计划" not in await bot.say("/overdue", as_="admin")


async def test_an_ambiguous_command_asks_which_plan(bot: ShellBot, tmp_path: Path) -> None:
    await import_second(bot, tmp_path, publish=True)
    asked = await bot.say("/overdue", as_="admin")
    assert "有多个计划" in asked and "[1] zx" in asked and "[2] fw" in asked
    assert "没有逾期" in await bot.say("2", as_="admin")
    chosen = await bot.say("/overdue", as_="admin")  # the plan tapped is now the default
    assert "有多个计划" not in chosen


async def test_closing_a_plan_stops_its_reports_and_keeps_its_history(
    bot: ShellBot, tmp_path: Path
) -> None:
    await bot.invite_and_bind("郑州", "zz")
    await import_second(bot, tmp_path, publish=True)
    await bot.say("/report zx-2.1", as_="zz", files=[NOTICE_PDF])
    warned = await bot.say("/plan close zx", as_="admin")
    assert "1 份报送待审核" in warned and "[1] 仍然结束" in warned
    closed = await bot.say("1", as_="admin")
    assert "已结束" in closed
    refused = await bot.say("/report zx-2.2", as_="zz", files=[NOTICE_PDF])
    assert "没有名为" in refused or "编号" in refused
    todo = await bot.say("/todo", as_="zz")
    assert "【zx】" not in todo and "zx-" not in todo and "2.1" in todo
    assert "2.1" in await bot.say("/history", as_="zz")
    assert "已结束" in await bot.say("/plans", as_="admin")


async def test_only_a_province_admin_publishes(bot: ShellBot, tmp_path: Path) -> None:
    await bot.invite_and_bind("郑州", "zzadmin", "unit_admin")
    await import_second(bot, tmp_path)
    scoped = await bot.say("/plans", as_="zzadmin")  # progress over its own subtree
    assert "[fw]" in scoped and "完成0%" in scoped
    refused = await bot.say("/plan publish zx", as_="zzadmin")
    assert "无权" in refused or "权限" in refused
    assert "草稿" in await bot.say("/plans", as_="admin")


async def test_ack_without_a_plan_acknowledges_the_one_not_yet_acknowledged(
    bot: ShellBot, tmp_path: Path
) -> None:
    await bot.invite_and_bind("郑州", "zz")
    await bot.say("/ack", as_="zz")  # the sample plan
    await import_second(bot, tmp_path, publish=True)
    done = await bot.say("/ack", as_="zz")
    assert "专项整治" in done and "有多个计划" not in done


async def test_pending_lists_every_open_plan_unless_one_is_named(
    bot: ShellBot, tmp_path: Path
) -> None:
    await bot.invite_and_bind("郑州", "zz")
    await import_second(bot, tmp_path, publish=True)
    await bot.say("/report fw-2.1", as_="zz", files=[NOTICE_PDF])
    await bot.say("/report zx-2.2", as_="zz", files=[NOTICE_PDF])
    both = await bot.say("/pending", as_="admin")
    assert "待审核:报送 2 份" in both
    one = await bot.say("/pending zx", as_="admin")
    assert "待审核:报送 1 份" in one and "2.2" in one


async def test_a_plan_addressed_to_some_units_only(bot: ShellBot, tmp_path: Path) -> None:
    await bot.invite_and_bind("郑州", "zz")
    await bot.invite_and_bind("开封", "kf")
    only = (HEAD, HEAD + "\n  addressed_units: [zhengzhou]")
    await import_second(bot, tmp_path, publish=True, edit=only)
    assert "【zx】" in await bot.say("/todo", as_="zz")
    assert "【zx】" not in await bot.say("/todo", as_="kf")


async def test_a_plan_naming_an_unknown_unit_is_refused_with_its_line(
    bot: ShellBot, tmp_path: Path, capsys: object
) -> None:
    bad = (HEAD, HEAD + "\n  addressed_units: [zhengzhou, atlantis]")
    await import_second(bot, tmp_path, edit=bad, exit_code=2)
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    text = (tmp_path / "zx.yaml").read_text("utf-8")
    line = text.splitlines().index("  addressed_units: [zhengzhou, atlantis]") + 1
    assert "atlantis" in err and f"第{line}行" in err, err
    assert "[zx]" not in await bot.say("/plans", as_="admin")


async def test_the_issuer_owes_only_what_the_plan_says_it_owes(
    bot: ShellBot, tmp_path: Path
) -> None:
    unsaid = (HEAD + "\n", "")  # the plan names nobody
    await import_second(bot, tmp_path, edit=unsaid)
    async with bot.app.store.read() as db:
        rows = await db.execute_fetchall(
            "SELECT m.code FROM assignments a JOIN plans p ON p.id = a.plan_id"
            " JOIN materials m ON m.id = a.material_id JOIN units u ON u.id = a.unit_id"
            " WHERE p.short = 'zx' AND u.parent_id IS NULL"
        )
    assert [r[0] for r in rows] == ["3.2"]  # the province's own 50 cases, and nothing else


async def test_plan_list_and_publish_from_the_command_line(
    bot: ShellBot, tmp_path: Path, capsys: object
) -> None:
    await bot.invite_and_bind("郑州", "zz")
    await import_second(bot, tmp_path)
    t = zh(bot)
    assert await plan_cli.run_list(bot.app.settings, t) == 0
    listed = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "zx\thenan-zxzz 2016\t草稿" in listed and "fw\thenan-fwxzf 2016\t进行中" in listed
    assert await plan_cli.run_state(bot.app.settings, t, "publish", "zx") == 0
    assert "已发布" in capsys.readouterr().out  # type: ignore[attr-defined]
    assert await plan_cli.run_state(bot.app.settings, t, "publish", "zx") == 2
    async with bot.app.store.read() as db:  # queued on the real clock, the CLI's
        queued = await db.execute_fetchall(
            "SELECT o.body FROM outbox o JOIN contacts c ON c.id = o.contact_id"
            " WHERE c.user_ref = 'zz' AND o.kind = 'publish'"
        )
    assert len(queued) == 1 and "危险化学品专项整治方案" in str(queued[0][0])
    assert "【zx】" in await bot.say("/todo", as_="zz")
    assert await plan_cli.run_state(bot.app.settings, t, "close", "henan-zxzz/2016") == 0
    assert await plan_cli.run_state(bot.app.settings, t, "close", "nope") == 2


async def test_todo_beside_other_plans_fits_a_screen_and_shows_the_rest_on_request(
    bot: ShellBot, tmp_path: Path
) -> None:
    await bot.invite_and_bind("郑州", "zz")
    await import_second(bot, tmp_path, publish=True)
    todo = await bot.say("/todo", as_="zz")
    assert "待报送材料 32 项" in todo
    assert todo.count("zx-") - todo.count("报送 zx-") == 8  # the 8 soonest of 16 listed
    assert "另有 8 项,发送 /todo zx 查看全部" in todo
    whole = await bot.say("/todo zx", as_="zz")
    assert "待报送材料 16 项" in whole and "另有" not in whole and "fw-" not in whole
    assert "没有名为" in await bot.say("/todo nope", as_="zz")
