"""The plan notice imported in chat over the real channels: the admin sends the notice (with
`/plan import` as its caption, or first and the command after), reads the preview, taps 发布,
and the people of the addressed units get the 签收 notice.

Over Telegram through the fake Bot API; over WeCom through encrypted callbacks to the fake
WeCom API — whose app is never sent files, so there `/plan import` gives a link to the upload
page (the notice POSTed to it over real HTTP), or without a public URL says to import it on the
server, and the draft is shown and published from WeCom.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from bot import http_server
from handlers.upload_links import LinkClaims, sign, verify
from storage import plans, uploads
from tests.fake_telegram import FakeTelegram
from tests.plan_documents import SENT, Builder
from tests.support import find_code
from tests.telegram_harness import TelegramBot, buttons, texts
from tests.test_cli import run
from tests.test_upload_page import CHROMIUM, CHROMIUM_ARGS, free_port, link_in
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


@pytest.fixture
async def page_bot(tmp_path: Path) -> AsyncIterator[WeComBot]:
    """The WeCom bot with its upload page reachable (BOT_PUBLIC_URL), 郑州 and 开封 bound."""
    port = free_port()
    bot = await WeComBot.start(
        tmp_path / "data",
        BOT_HTTP_PORT=port,
        BOT_PUBLIC_URL=f"http://127.0.0.1:{port}",
        BOT_MAX_ATTACHMENT_MB=2,
    )
    try:
        for unit, user in (("郑州", "zz"), ("开封", "kf")):
            code = find_code(await bot.say("admin", f"/invite {unit} reporter"))
            assert "绑定成功" in await bot.say(user, f"/bind {code}")
        yield bot
    finally:
        await bot.stop()


def sent_file(path: Path) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("files", (path.name, path.read_bytes(), "application/octet-stream"))]


async def stored_plans(bot: WeComBot) -> list[tuple[str, str]]:
    async with bot.app.store.read() as db:
        return sorted((p.code, p.state.value) for p in await plans.every(db))


@pytest.mark.parametrize("build", SENT, ids=lambda b: b.__name__)
async def test_wecom_admin_uploads_the_notice_on_the_page_and_publishes_it(
    page_bot: WeComBot, tmp_path: Path, build: Builder
) -> None:
    bot = page_bot
    offered = await bot.say("admin", "/plan import")
    assert "企业微信应用收不到文件" in offered and "仅限本人,一次有效" in offered, offered
    url = link_in(offered)
    notice = build(tmp_path)
    async with httpx.AsyncClient(timeout=30) as web:
        page = await web.get(url)
        assert page.status_code == 200 and "上传计划通知" in page.text
        assert "Word、PDF、Excel、文本或 YAML" in page.text and "不超过 2MB" in page.text
        assert 'type="file"' in page.text and "multiple" not in page.text  # one file
        done = await web.post(url, files=sent_file(notice))
    assert done.status_code == 200, done.text
    assert "上传成功" in done.text and "预览已发到聊天" in done.text, done.text
    await bot.settle()
    preview = bot.news("admin")
    preview_shows_the_notice(preview)
    assert "[发布]  [修改]  [取消]" in preview, preview

    published = await bot.tap("admin", "发布")
    assert "已发布" in published and "已通知 2 位联系人" in published, published
    for user in ("zz", "kf"):
        got = bot.news(user)
        assert "新任务:2016年度全省安全监管系统" in got and "共 16 项材料" in got, got
        assert "[签收]" in got
    assert "已签收" in await bot.tap("zz", "签收")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
async def test_the_notice_uploaded_in_a_real_browser(page_bot: WeComBot, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    notice = SENT[0](tmp_path)
    url = link_in(await page_bot.say("admin", "/plan import"))
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            await page.goto(url)
            assert await page.inner_text("h1") == "上传计划通知"
            assert "计划通知:Word、PDF、Excel、文本或 YAML 文件" in await page.inner_text("main")
            await page.set_input_files("#files", [str(notice)])
            assert notice.name in await page.inner_text("#list")
            await page.click("#go")
            await page.wait_for_selector("text=上传成功", timeout=60_000)
            assert "预览已发到聊天" in await page.inner_text("main")
        finally:
            await browser.close()
    await page_bot.settle()
    preview_shows_the_notice(page_bot.news("admin"))


async def test_a_plan_link_is_used_once_expires_and_is_its_admins_alone(
    page_bot: WeComBot, tmp_path: Path
) -> None:
    bot = page_bot
    notice = SENT[0](tmp_path)
    before = await stored_plans(bot)
    # A reporter is given no link (the command is a province admin's).
    refused = await bot.say("zz", "/plan import")
    assert "权限" in refused and "http://" not in refused, refused

    url = link_in(await bot.say("admin", "/plan import"))
    async with httpx.AsyncClient(timeout=30) as web:
        assert (await web.post(url, files=sent_file(notice))).status_code == 200
        await bot.settle()
        assert "已导入草稿" in bot.news("admin")
        after = await stored_plans(bot)
        assert len(after) == len(before) + 1
        again = await web.get(url)
        assert again.status_code == 410 and "链接已使用" in again.text
        assert "/plan import" in again.text  # how to get a new one
        twice = await web.post(url, files=sent_file(notice))
        assert twice.status_code == 410
        await bot.settle()
        assert bot.news("admin") == "" and await stored_plans(bot) == after

        stale = link_in(await bot.say("admin", "/plan import"))
        bot.clock.advance(timedelta(hours=25))
        expired = await web.get(stale)
        assert expired.status_code == 410 and "链接已过期" in expired.text
        late = await web.post(stale, files=sent_file(notice))
        assert late.status_code == 410

        # Another person's: the link's row is bound to the admin, a signature alone is not
        # enough; nor can a report link be turned into a plan link.
        fresh = link_in(await bot.say("admin", "/plan import"))
        report = link_in(await bot.say("zz", "/upload 2.1"))
        async with bot.app.store.write() as db:
            secret = await uploads.signing_key(db)
        mine = verify(secret, fresh.rsplit("/", 1)[1])
        theirs = verify(secret, report.rsplit("/", 1)[1])
        assert mine is not None and theirs is not None
        base = fresh.rsplit("/", 1)[0]
        forged = [
            LinkClaims(mine.link_id, theirs.contact_id, theirs.unit_id, None, mine.expires_at),
            LinkClaims(theirs.link_id, theirs.contact_id, theirs.unit_id, None, mine.expires_at),
        ]
        for claims in forged:
            other = f"{base}/{sign(secret, claims)}"
            assert (await web.get(other)).status_code == 404
            posted = await web.post(other, files=sent_file(notice))
            assert posted.status_code == 404 and "链接无效" in posted.text
        assert (await web.get(fresh)).status_code == 200  # the admin's own still works
    await bot.settle()
    assert await stored_plans(bot) == after


async def test_an_unreadable_notice_shows_its_problems_and_stores_nothing(
    page_bot: WeComBot, tmp_path: Path
) -> None:
    bot = page_bot
    before = await stored_plans(bot)
    url = link_in(await bot.say("admin", "/plan import"))
    broken = tmp_path / "通知.docx"
    broken.write_bytes(b"PK\x03\x04 not a document")
    prose = tmp_path / "通知.txt"
    prose.write_text("请各单位认真做好有关工作。\n", encoding="utf-8")
    big = tmp_path / "细则.pdf"
    big.write_bytes(b"%PDF-1.4 " + b"x" * (5 * 1024 * 1024 // 2))
    async with httpx.AsyncClient(timeout=30) as web:
        bad = await web.post(url, files=sent_file(broken))
        assert bad.status_code == 422, bad.text
        assert "未能导入" in bad.text and "通知.docx" in bad.text, bad.text
        assert "未导入任何内容" in bad.text and "可在本页重新上传" in bad.text, bad.text
        unread = await web.post(url, files=sent_file(prose))
        assert unread.status_code == 422 and "通知.txt" in unread.text, unread.text
        too_big = await web.post(url, files=sent_file(big))
        assert too_big.status_code == 400 and "细则.pdf" in too_big.text, too_big.text
        two = await web.post(url, files=sent_file(broken) + sent_file(prose))
        assert two.status_code == 400 and "一次只能导入一个计划文件" in two.text, two.text
        await bot.settle()
        assert bot.news("admin") == ""  # the chat is told nothing of a file not imported
        assert await stored_plans(bot) == before
        assert (await web.get(url)).status_code == 200  # the link is kept for the right file
        good = await web.post(url, files=sent_file(SENT[0](tmp_path)))
        assert good.status_code == 200 and "预览已发到聊天" in good.text
    await bot.settle()
    assert "已导入草稿" in bot.news("admin")


async def test_telegram_admin_without_a_file_is_offered_the_page_as_a_button(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    port = free_port()
    tg = await TelegramBot.start(
        tmp_path / "data", fake, BOT_HTTP_PORT=port, BOT_PUBLIC_URL=f"http://127.0.0.1:{port}"
    )
    server = http_server.build(tg.app.services, [])
    assert server is not None
    await server.start()
    try:
        answer = await tg.say(tg.admin, "/plan import")
        offer = next(m for m in answer if "/plan import" in (m.get("text") or ""))
        assert "连同 /plan import 一起发送" in offer["text"] and "网页上传" in offer["text"]
        assert [label for label, _ in buttons(offer)] == ["网页上传"]
        url = link_in(texts(await tg.tap(tg.admin, offer, "网页上传")))
        mark = fake.mark()
        async with httpx.AsyncClient(timeout=30) as web:
            done = await web.post(url, files=sent_file(SENT[0](tmp_path)))
        assert done.status_code == 200 and "预览已发到聊天" in done.text, done.text
        preview = await fake.expect(tg.admin["id"], "已导入草稿", after=mark)
        preview_shows_the_notice(preview["text"])
        assert [label for label, _ in buttons(preview)] == ["发布", "修改", "取消"]
    finally:
        await server.stop()
        await tg.stop()


OLD_LINKS = """
CREATE TABLE upload_links_old (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contacts(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    material_id INTEGER NOT NULL REFERENCES materials(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    claimed_at TEXT,
    used_at TEXT,
    files INTEGER
);
INSERT INTO upload_links_old SELECT id, contact_id, unit_id, material_id, created_at,
    expires_at, claimed_at, used_at, files FROM upload_links;
DROP TABLE upload_links;
ALTER TABLE upload_links_old RENAME TO upload_links;
DELETE FROM schema_migrations WHERE version = 19;
"""


async def test_a_report_link_given_before_migration_019_still_works(tmp_path: Path) -> None:
    """019 rebuilds upload_links (a plan link has no material): the links already given keep
    working, as report links."""
    data = tmp_path / "data"

    async def started() -> WeComBot:
        port = free_port()
        return await WeComBot.start(
            data, BOT_HTTP_PORT=port, BOT_PUBLIC_URL=f"http://127.0.0.1:{port}"
        )

    bot = await started()
    try:
        code = find_code(await bot.say("admin", "/invite 郑州 reporter"))
        await bot.say("zz", f"/bind {code}")
        token = link_in(await bot.say("zz", "/upload 2.1")).rsplit("/", 1)[1]
    finally:
        await bot.stop()
    with contextlib.closing(sqlite3.connect(bot.app.settings.db_path)) as conn, conn:
        conn.executescript(OLD_LINKS)  # the table as 005 made it, 019 not yet applied
    bot = await started()
    try:
        async with bot.app.store.read() as db:
            async with db.execute("SELECT purpose, material_id FROM upload_links") as cur:
                rows = [tuple(row) for row in await cur.fetchall()]
        assert len(rows) == 1 and rows[0][0] == "report" and rows[0][1] is not None
        url = f"{bot.server.base_url}/upload/{token}"
        async with httpx.AsyncClient(timeout=30) as web:
            assert (await web.get(url)).status_code == 200
            sent = await web.post(url, files=[("files", ("通知.pdf", b"%PDF-1.4 n", "x"))])
        assert sent.status_code == 200 and "上传成功" in sent.text, sent.text
        await bot.settle()
        assert "已报送 [2.1]" in bot.news("zz")
    finally:
        await bot.stop()
