"""The signed one-time upload page: in a real browser, and its refusals over plain HTTP."""

from __future__ import annotations

import os
import re
import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from bot import http_server
from storage import reports
from storage.staging import StagedFiles
from tests.support import ShellBot, find_code, report_id
from tests.wecom_support import WeComBot

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Records every progress text the page shows while it uploads.
WATCH_STATUS = """
window.statusSeen = [];
const status = document.getElementById('status');
new MutationObserver(() => window.statusSeen.push(status.textContent))
  .observe(status, {childList: true, characterData: true, subtree: true});
"""
LINK = re.compile(r"http://127\.0\.0\.1:\d+/upload/[A-Za-z0-9_.-]+")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def link_in(text: str) -> str:
    found = LINK.search(text)
    assert found, f"no upload link in {text!r}"
    return found.group(0)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[WeComBot]:
    port = free_port()
    wecom_bot = await WeComBot.start(
        tmp_path / "data", BOT_HTTP_PORT=port, BOT_PUBLIC_URL=f"http://127.0.0.1:{port}"
    )
    code = find_code(await wecom_bot.say("admin", "/invite 郑州 reporter"))
    await wecom_bot.say("zz", f"/bind {code}")
    yield wecom_bot
    await wecom_bot.stop()


async def report_files(bot: WeComBot | ShellBot, number: int) -> list[tuple[str, int]]:
    async with bot.app.store.read() as db:
        return sorted((f.name, f.size) for f in await reports.files(db, number))


async def count_reports(bot: WeComBot) -> int:
    async with bot.app.store.read() as db:
        async with db.execute("SELECT COUNT(*) FROM reports") as cur:
            row = await cur.fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
async def test_browser_upload_of_two_files_one_of_50_mb(bot: WeComBot, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    video = tmp_path / "观摩会现场视频.mp4"
    video.write_bytes(os.urandom(50 * 1024 * 1024))
    notice = tmp_path / "现场会通知.pdf"
    notice.write_bytes(b"%PDF-1.4 notice of the site meeting\n")
    answer = await bot.say("zz", "/upload 2.1")
    assert "仅限本人,一次有效" in answer
    url = link_in(answer)

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            await page.goto(url)
            assert await page.inner_text("h1") == "上传报送材料"
            assert "[2.1] 开展观摩会或现场会等活动的通知" in await page.inner_text("main")
            await page.set_input_files("#files", [str(video), str(notice)])
            assert "观摩会现场视频.mp4 · 50.0 MB" in await page.inner_text("#list")
            await page.fill("#note", "观摩会视频和通知")
            await page.evaluate(WATCH_STATUS)
            await page.click("#go")
            await page.wait_for_selector("text=上传成功", timeout=60_000)
            result = await page.inner_text("main")
            assert "已收到 2 个文件" in result and "已报送 [2.1]" in result
            shown = await page.evaluate("window.statusSeen")
            assert any(re.fullmatch(r"正在上传 \d+%", text) for text in shown), shown

            again = await page.goto(url)
            assert again is not None and again.status == 410
            assert "链接已使用" in await page.inner_text("main")
        finally:
            await browser.close()

    await bot.settle()
    told = bot.news("zz")
    assert "已报送 [2.1]" in told and "附件 2 个" in told  # the chat confirms
    number = report_id(told)
    assert await report_files(bot, number) == sorted(
        [("观摩会现场视频.mp4", 50 * 1024 * 1024), ("现场会通知.pdf", notice.stat().st_size)]
    )
    async with bot.app.store.read() as db:
        found = await reports.get(db, number)
    assert found is not None and found.note == "观摩会视频和通知"


async def test_forged_tampered_and_expired_links_store_nothing(bot: WeComBot) -> None:
    url = link_in(await bot.say("zz", "/upload 2.1"))
    base, token = url.rsplit("/", 1)
    async with httpx.AsyncClient(timeout=30) as web:
        forged = await web.get(f"{base}/eyJ4IjoxfQ.c2lnbmF0dXJl")
        assert forged.status_code == 404 and "链接无效" in forged.text
        body, mac = token.split(".")
        flipped = mac[:-2] + ("A" if mac[-2] != "A" else "B") + mac[-1]
        tampered = await web.get(f"{base}/{body}.{flipped}")
        assert tampered.status_code == 404

        form = await web.get(url)
        assert form.status_code == 200 and 'type="file"' in form.text
        assert form.headers["Referrer-Policy"] == "no-referrer"
        english = await web.get(url, params={"lang": "en"})
        assert "Upload report material" in english.text

        bot.clock.advance(timedelta(hours=25))
        expired = await web.get(url)
        assert expired.status_code == 410 and "链接已过期" in expired.text
        posted = await web.post(url, files=[("files", ("a.pdf", b"%PDF-1.4 x", "application/pdf"))])
        assert posted.status_code == 410
    assert await count_reports(bot) == 0


async def test_a_rejected_file_stores_nothing_and_keeps_the_link(bot: WeComBot) -> None:
    url = link_in(await bot.say("zz", "/upload 2.1"))
    async with httpx.AsyncClient(timeout=30) as web:
        bad = await web.post(url, files=[("files", ("setup.exe", b"MZ...", "application/x-msdos"))])
        assert bad.status_code == 400 and "不接受文件“setup.exe”的类型" in bad.text
        empty = await web.post(url, data={"note": "没选文件"}, files=[("files", ("", b"", "x"))])
        assert empty.status_code == 400 and "请先选择" in empty.text
        many = [("files", (f"{n}.pdf", b"%%PDF-1.4 %d" % n, "application/pdf")) for n in range(11)]
        too_many = await web.post(url, files=many)
        assert too_many.status_code == 400 and "一次最多上传 10 个文件" in too_many.text
        assert (await web.get(url)).status_code == 200
        ok = await web.post(
            url,
            data={"note": "通知"},
            files=[("files", ("通知.pdf", b"%PDF-1.4 notice", "application/pdf"))],
        )
        assert ok.status_code == 200 and "上传成功" in ok.text
        assert (await web.post(url, files=[("files", ("b.pdf", b"%PDF", "x"))])).status_code == 410
    assert await count_reports(bot) == 1


async def test_the_upload_joins_the_report_being_put_together(bot: WeComBot) -> None:
    await bot.say("zz", "/report")
    step = await bot.say("zz", "5")  # the fifth outstanding, soonest first: 2.1
    assert "报送 [2.1]" in step and "[网页上传]" in step
    offered = await bot.tap("zz", "网页上传")
    url = link_in(offered)
    async with httpx.AsyncClient(timeout=30) as web:
        page = await web.get(url)
        assert "加入您正在聊天中准备的报送" in page.text
        done = await web.post(
            url, files=[("files", ("现场.mp4", b"\x00\x00\x00\x18ftypmp42 video", "video/mp4"))]
        )
        assert done.status_code == 200
    await bot.settle()
    assert "已添加 1 个附件(共 1 个)" in bot.news("zz")
    confirmed = await bot.tap("zz", "完成")  # files it at once
    assert "已报送 [2.1]" in confirmed and "附件 1 个" in confirmed


async def test_any_channel_gets_the_link_the_shell_too(tmp_path: Path) -> None:
    port = free_port()
    bot = await ShellBot.start(
        tmp_path / "data", BOT_HTTP_PORT=port, BOT_PUBLIC_URL=f"http://127.0.0.1:{port}"
    )
    server = http_server.build(bot.app.services, [])
    assert server is not None
    await server.start()
    try:
        await bot.invite_and_bind("洛阳", "ly")
        await bot.say("/report", as_="ly")
        step = await bot.say("1", as_="ly")
        assert "网页上传" in step
        url = link_in(await bot.say("/upload 1", as_="ly"))
        async with httpx.AsyncClient(timeout=30) as web:
            sent = await web.post(
                url, files=[("files", ("方案.docx", b"PK\x03\x04 docx", "application/msword"))]
            )
        assert sent.status_code == 200
        pushed = await bot.say(":whoami", as_="ly")
        assert "推送给 ly" in pushed and "已添加 1 个附件(共 1 个)" in pushed
        assert "已报送 [1]" in await bot.say("1", as_="ly")  # 完成 files it at once
    finally:
        await server.stop()
        await bot.stop()


BIG = 200 * 1024  # above what the database keeps inline: these land under files/


def on_disk(bot: WeComBot) -> list[Path]:
    """Every file under files/ (the staging area included)."""
    root = bot.app.settings.files_dir
    return sorted(p for p in root.rglob("*") if p.is_file())


async def blob_rows(bot: WeComBot) -> int:
    async with bot.app.store.read() as db:
        async with db.execute("SELECT COUNT(*) FROM blobs") as cur:
            row = await cur.fetchone()
    assert row is not None
    return int(row[0])


def multipart(parts: list[tuple[str, bytes]], boundary: str = "b0undary") -> tuple[bytes, str]:
    """A raw multipart body from (headers, content) pairs, for what no client would send."""
    body = b"".join(
        b"--%s\r\n%s\r\n\r\n%s\r\n"
        % (boundary.encode(), head.encode("utf-8", "surrogateescape"), data)
        for head, data in parts
    )
    body += b"--%s--\r\n" % boundary.encode()
    return body, f"multipart/form-data; boundary={boundary}"


async def test_a_refused_form_leaves_nothing_behind(bot: WeComBot) -> None:
    kept = os.urandom(BIG)
    first = link_in(await bot.say("zz", "/upload 1"))
    async with httpx.AsyncClient(timeout=30) as web:
        ok = await web.post(first, files=[("files", ("方案.pdf", kept, "application/pdf"))])
        assert ok.status_code == 200 and "上传成功" in ok.text
    before, blobs_before = on_disk(bot), await blob_rows(bot)
    assert len(before) == 1

    url = link_in(await bot.say("zz", "/upload 2.1"))
    fresh = [os.urandom(BIG) for _ in range(3)]
    pdf = "application/pdf"
    too_many = [("files", (f"{n}.pdf", fresh[n % 3] + bytes([n]), pdf)) for n in range(10)]
    refused_forms = [
        # too many: one with the content of the report above, ten good ones, then one more
        [("files", ("same.pdf", kept, pdf)), *too_many],
        # a bad type after two good files
        [
            ("files", ("a.pdf", fresh[0], pdf)),
            ("files", ("b.pdf", fresh[1], pdf)),
            ("files", ("setup.exe", b"MZ" + fresh[2], "application/x-msdos")),
        ],
        # too big after a good one
        [("files", ("a.pdf", fresh[0], pdf)), ("files", ("big.pdf", b"x" * (51 << 20), pdf))],
    ]
    async with httpx.AsyncClient(timeout=60) as web:
        for form in refused_forms:
            refused = await web.post(url, files=form)
            assert refused.status_code == 400 and "未能上传" in refused.text, refused.text
            assert on_disk(bot) == before
            assert await blob_rows(bot) == blobs_before
    assert await count_reports(bot) == 1
    assert before[0].read_bytes() == kept  # the report's own file, same content, untouched


async def test_a_nul_in_a_name_or_a_huge_part_header_gets_the_page_400(bot: WeComBot) -> None:
    url = link_in(await bot.say("zz", "/upload 2.1"))
    good = ('Content-Disposition: form-data; name="files"; filename="a.pdf"', b"%PDF-1.4 a")
    nul = ('Content-Disposition: form-data; name="files"; filename="b\x00.pdf"', b"%PDF-1.4 b")
    huge = (
        'Content-Disposition: form-data; name="files"; filename="c.pdf"\r\nX-Pad: '
        + "p" * (1024 * 1024),
        b"%PDF-1.4 c",
    )
    async with httpx.AsyncClient(timeout=30) as web:
        for bad in (nul, huge):
            body, kind = multipart([good, bad])
            refused = await web.post(url, content=body, headers={"Content-Type": kind})
            assert refused.status_code == 400, (refused.status_code, refused.text[:300])
            assert "未能上传" in refused.text
        assert (await web.get(url)).status_code == 200
        assert await count_reports(bot) == 0 and await blob_rows(bot) == 0
        assert on_disk(bot) == []
        # Encoded (RFC 5987), the NUL is a name's character: cleaned like any chat file name.
        encoded = (
            "Content-Disposition: form-data; name=\"files\"; filename*=UTF-8''b%00.pdf",
            b"%PDF",
        )
        body, kind = multipart([encoded])
        taken = await web.post(url, content=body, headers={"Content-Type": kind})
        assert taken.status_code == 200 and "上传成功" in taken.text
    await bot.settle()
    assert await report_files(bot, report_id(bot.news("zz"))) == [("b.pdf", 4)]


async def test_files_staged_when_the_server_stopped_are_removed_at_start(tmp_path: Path) -> None:
    first = await ShellBot.start(tmp_path / "data")
    files_dir = first.app.settings.files_dir

    async def content() -> AsyncIterator[bytes]:
        yield os.urandom(BIG)

    try:
        await StagedFiles(first.app.services.files).save("方案.pdf", "application/pdf", content())
    finally:
        await first.stop()  # as if killed mid-form: neither kept nor dropped
    assert [p for p in files_dir.rglob("*") if p.is_file()]

    second = await ShellBot.start(tmp_path / "data")
    await second.stop()
    assert not [p for p in files_dir.rglob("*") if p.is_file()]
