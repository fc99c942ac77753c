"""The plan notice imported in chat over the real channels: the admin sends the notice (with
`/plan import` as its caption, or first and the command after), reads the preview, taps 发布,
and the people of the addressed units get the 签收 notice.

Over Telegram through the fake Bot API; over WeCom through encrypted callbacks to the fake
WeCom API — whose app is never sent files, so there the notice is imported on the server and
the draft found, shown and published from WeCom.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fake_telegram import FakeTelegram
from tests.plan_documents import SENT, Builder
from tests.support import find_code
from tests.telegram_harness import TelegramBot, buttons, texts
from tests.test_cli import run
from tests.wecom_support import WeComBot

# What the admin must see of the seed notice before publishing it.
COUNTS = "9 个事项,16 项材料"
MATERIAL = "2.1 开展观摩会或现场会等活动的通知 · 截止 8月31日(周三)"


def preview_shows_the_notice(text: str) -> None:
    assert "已导入草稿(尚未发布)" in text, text
    assert "2016年度全省安全监管系统推进服务型行政执法建设工作方案" in text
    assert COUNTS in text and MATERIAL in text
    assert "郑州市" in text and "开封市" in text  # among the addressees


@pytest.mark.parametrize("build", SENT, ids=lambda b: b.__name__)
@pytest.mark.parametrize("how", ["caption", "file_first"])
async def test_telegram_admin_imports_the_notice_and_publishes_it(
    tg: TelegramBot, fake: FakeTelegram, tmp_path: Path, build: Builder, how: str
) -> None:
    zz, kf = fake.user(1001, "郑州联系人"), fake.user(1002, "开封联系人")
    await tg.bind("郑州", zz)
    await tg.bind("开封", kf)
    notice = build(tmp_path)
    document = fake.document(notice.name, notice.read_bytes())
    if how == "caption":
        answer = await tg.say(tg.admin, document=document, caption="/plan import")
    else:
        alone = texts(await tg.say(tg.admin, document=document))
        assert f"已收到文件“{notice.name}”" in alone and "/plan import" in alone, alone
        answer = await tg.say(tg.admin, "/plan import")
    preview = next(m for m in answer if "已导入草稿" in (m.get("text") or ""))
    preview_shows_the_notice(preview["text"])
    labels = [label for label, _ in buttons(preview)]
    assert labels == ["发布", "修改", "取消"], labels

    mark = fake.mark()
    published = texts(await tg.tap(tg.admin, preview, "发布"))
    assert "已发布" in published and "已通知 2 位联系人" in published, published
    for person in (zz, kf):
        notice_sent = await fake.expect(person["id"], "新任务", after=mark)
        assert "2016年度全省安全监管系统" in notice_sent["text"]
        assert "共 16 项材料" in notice_sent["text"] and "签收" in notice_sent["text"]
        assert "签收" in [label for label, _ in buttons(notice_sent)]
    assert "已签收" in texts(await tg.tap(zz, await fake.expect(zz["id"], "新任务"), "签收"))


@pytest.mark.parametrize("build", SENT, ids=lambda b: b.__name__)
async def test_wecom_admin_is_told_where_to_import_then_publishes_the_draft(
    tmp_path: Path, build: Builder
) -> None:
    bot = await WeComBot.start(tmp_path / "data")
    try:
        for unit, user in (("郑州", "zz"), ("开封", "kf")):
            code = find_code(await bot.say("admin", f"/invite {unit} reporter"))
            assert "绑定成功" in await bot.say(user, f"/bind {code}")
        # WeCom hands the app no file: the admin who tries is told what works instead.
        response = await bot.post(bot.message("admin", "file", MediaId="M1", FileName="细则.xlsx"))
        assert response.status_code == 200
        await bot.settle()
        assert "暂不支持这类消息" in bot.news("admin")
        told = await bot.say("admin", "/plan import")
        assert "企业微信应用收不到文件" in told and "python main.py plan import" in told, told

        notice = build(tmp_path)
        done = run(["plan", "import", str(notice)], tmp_path / "data")  # on the server
        assert done.returncode == 0, done.stderr
        listed = await bot.say("admin", "/plans")
        assert "[doc] 2016年度全省安全监管系统推进服务型行政执法建设工作方案" in listed, listed
        assert "草稿" in listed
        shown = await bot.say("admin", "/plan show doc")
        assert "豫安监管﹝2016﹞41号" in shown and "[发布]" in shown, shown
        published = await bot.tap("admin", "发布")
        assert "已发布" in published and "已通知 2 位联系人" in published, published
        for user in ("zz", "kf"):
            got = bot.news(user)
            assert "新任务:2016年度全省安全监管系统" in got and "共 16 项材料" in got, got
            assert "[签收]" in got
        assert "已签收" in await bot.tap("zz", "签收")
    finally:
        await bot.stop()
