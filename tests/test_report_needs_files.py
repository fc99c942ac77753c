"""A material is a document: reported without a file, the draft stays open for the files
(issue 12, row 3); a plan can mark a material as text or count only."""

from __future__ import annotations

from pathlib import Path

from tests.support import ROOT_PLAN, ShellBot


async def _reports(bot: ShellBot) -> list[tuple[str, int | None, str | None]]:
    async with bot.app.store.read() as db:
        rows = await db.execute_fetchall(
            "SELECT m.code, r.count, r.note FROM reports r"
            " JOIN assignments a ON a.id = r.assignment_id JOIN materials m ON m.id = a.material_id"
        )
    return [(r[0], r[1], r[2]) for r in rows]


async def test_a_report_without_a_file_waits_for_the_files(bot: ShellBot, pdf: Path) -> None:
    await bot.invite_and_bind("郑州", "zz")
    asked = await bot.say("/report 2.1 在群里报", as_="zz")
    assert "需附上材料文件" in asked and "已报送" not in asked
    assert await _reports(bot) == []
    async with bot.app.store.read() as db:
        kept = await db.execute_fetchall(
            "SELECT d.note FROM drafts d JOIN contacts c ON c.id = d.contact_id"
            " WHERE c.user_ref = 'zz'"
        )
    assert [row[0] for row in kept] == ["在群里报"]
    assert "还没有附件" in await bot.say("/report_confirm", as_="zz")
    added = await bot.say("通知见附件", as_="zz", files=[pdf])
    assert "完成" in added
    done = await bot.say("/report_done", as_="zz")  # 完成 files it at once
    assert "已报送 [2.1]" in done and "附件 1 个" in done
    assert [code for code, _, _ in await _reports(bot)] == ["2.1"]


async def test_a_text_only_material_is_reported_without_files(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        ROOT_PLAN.read_text("utf-8").replace(
            "      - title: 推进服务型行政执法建设年度方案",
            "      - title: 推进服务型行政执法建设年度方案\n        text_only: true",
        ),
        encoding="utf-8",
    )
    bot = await ShellBot.start(tmp_path / "data", BOT_SAMPLE_PLAN=plan)
    try:
        await bot.invite_and_bind("郑州", "zz")
        assert "已报送 [1]" in await bot.say("/report 1 3 已印发", as_="zz")
        assert await _reports(bot) == [("1", 3, "已印发")]
    finally:
        await bot.stop()
