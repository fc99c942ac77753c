"""The 通报 as a Word document in 公文 form, read back with python-docx: its 文号, title, date,
exactly the overdue units, the fonts it names and the page it sets; the short summary beside it."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Length, Pt
from docx.text.run import Run

from insight.bulletin_doc import doc_number, level2, subject_of
from locales import Translator
from storage import units
from tests.fake_bot_api import Call
from tests.fake_telegram import FakeTelegram
from tests.insight_world import FILE, ON_TIME_OR_DONE, PRAISED, World, sent_file
from tests.telegram_harness import TelegramBot, texts

GROUP = "全省安监工作群"
TITLE = "关于2016年度全省安全监管系统推进服务型行政执法建设工作进展情况的通报"
SUMMARY_LINES = 8
UNITS_29 = 29
TG_GROUP = -100_700
DOCX_NAME = "通报-全省-20160520.docx"


def paragraphs(path: Path) -> list[str]:
    return [p.text for p in Document(str(path)).paragraphs]


def named_units(lines: list[str]) -> set[str]:
    """The units the section on overdue materials names, one numbered paragraph each."""
    start = lines.index("四、存在逾期未报材料的单位")
    end = next(i for i, line in enumerate(lines) if i > start and line.startswith("五、"))
    return {m.group(1) for line in lines[start:end] if (m := re.match(r"^\d+\.(\S+?):", line))}


def mm(length: Length | None) -> float:
    assert length is not None
    return round(length.mm, 1)


def east_asia(run: Run) -> str | None:
    rpr = run._r.rPr
    fonts = None if rpr is None else rpr.find(qn("w:rFonts"))
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


def summary_of(reply: str) -> list[str]:
    """The chat lines before the preview's hint (or the file line)."""
    return reply.split("\n\n", 1)[0].splitlines()


async def subscribe(world: World) -> None:
    await world.bot.shell.handle_line(f":group {GROUP}")
    assert "本群已订阅" in await world.bot.say("/subscribe", as_="admin")
    await world.bot.shell.handle_line(":private")


async def test_document_has_number_title_date_and_exactly_the_overdue_units(world: World) -> None:
    reply = await world.bot.say("/bulletin", as_="admin")
    assert "通报-全省-20160729.docx" in reply
    lines = paragraphs(sent_file(reply))
    assert lines[:6] == [
        "河南省安全生产监督管理局文件",
        "豫安监管〔2016〕1号",
        "",
        TITLE,
        "",
        "各省辖市、省直管县(市)安全生产监督管理局:",
    ]
    assert lines[-2:] == ["河南省安全生产监督管理局", "2016年7月29日"]
    assert (
        "全省29个单位全年应报材料448项,已审核通过10项,完成率2%;其中已到期56项,已通过7项,"
        "到期完成率12%;已报送待审核4项;逾期未报48项,涉及25个单位。"
    ) in lines
    assert "(一)年度方案制定情况。已审核通过4项,应报28项,完成率14%。" in lines

    # The world is built so that every unit but those on time owes something overdue.
    async with world.store.read() as db:
        everyone = {u.label for u in await units.all_units(db) if not u.retired}
    assert len(everyone) == UNITS_29
    late = everyone - ON_TIME_OR_DONE
    assert len(late) == 25
    assert named_units(lines) == late
    assert "1.开封市:6.1(逾期49天)。" in lines
    assert "17.兰考县:1(逾期59天)、6.1(逾期49天)。" in lines
    praised = next(line for line in lines if line.startswith("以下3个单位到期任务全部按时完成"))
    assert set(praised.split(":")[1].rstrip("。").split("、")) == PRAISED
    assert "第1名:巩义市,90.7分。" in lines

    # The chat gets a few lines: the headline figures and the three most behind.
    summary = summary_of(reply)
    assert len(summary) <= SUMMARY_LINES
    assert summary[0] == f"📄 {TITLE}(豫安监管〔2016〕1号)"
    assert summary[1] == "截至7月29日,全省应报448项,已通过10项(2%);逾期48项,涉及25个单位。"
    worst = re.findall(r"(?:^|、)(\S+?)2项", summary[2].split(":", 1)[1])
    assert worst == ["平顶山市", "鹤壁市", "新乡市"]  # two overdue each, in the plan's order
    assert "开封市" not in reply  # one overdue material: not among the worst three


async def test_document_names_the_gongwen_fonts_and_sets_the_page(world: World) -> None:
    doc = Document(str(sent_file(await world.bot.say("/bulletin", as_="admin"))))
    section = doc.sections[0]
    width, height = mm(section.page_width), mm(section.page_height)
    assert (width, height) == (210, 297)  # A4 (stored in twips: to the tenth of a mm)
    assert (mm(section.top_margin), mm(section.left_margin)) == (37, 28)
    # The 版心 156 × 225 mm.
    assert width - mm(section.left_margin) - mm(section.right_margin) == 156
    assert height - mm(section.top_margin) - mm(section.bottom_margin) == 225
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "linesAndChars"
    assert grid.get(qn("w:linePitch")) == "579"  # 225 mm / 22 lines, in twentieths of a point

    by_text = {p.text: p for p in doc.paragraphs}
    banner = by_text["河南省安全生产监督管理局文件"].runs[0]
    assert east_asia(banner) == "方正小标宋简体" and str(banner.font.color.rgb) == "FF0000"
    assert east_asia(by_text[TITLE].runs[0]) == "方正小标宋简体"
    assert by_text[TITLE].runs[0].font.size == Pt(22)
    body = by_text["1.开封市:6.1(逾期49天)。"].runs[0]
    assert east_asia(body) == "仿宋_GB2312" and body.font.size == Pt(16)
    assert east_asia(by_text["一、总体情况"].runs[0]) == "黑体"
    lead = by_text["(一)年度方案制定情况。已审核通过4项,应报28项,完成率14%。"].runs
    assert [east_asia(r) for r in lead] == ["楷体_GB2312", "仿宋_GB2312"]
    # Each run of the body names its face, so no theme font can stand in for it.
    for p in doc.paragraphs:
        for run in p.runs:
            assert east_asia(run) in {"方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312"}
    # Where a face is missing, the font table says what to use instead; nothing is embedded.
    table = next(r.target_part for r in doc.part.rels.values() if r.reltype.endswith("/fontTable"))
    text = table.blob.decode()
    assert '<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>' in text
    assert "embed" not in text.lower()


async def test_send_posts_summary_and_document_and_numbers_run_on(world: World) -> None:
    await subscribe(world)
    await world.bot.say("/bulletin", as_="admin")
    await world.bot.say("/bulletin note 请各逾期单位于8月5日前补报。", as_="admin")
    sent = await world.bot.say("/bulletin send", as_="admin")
    assert "通报 #1 已发布到1个订阅群" in sent
    pushed = sent.split(f"推送给 group:{GROUP}:", 1)[1]
    text = pushed.split("📎", 1)[0].strip().splitlines()
    assert len(text) <= SUMMARY_LINES
    assert text[0] == f"📄 {TITLE}(豫安监管〔2016〕1号)"
    assert "工作要求:请各逾期单位于8月5日前补报。" in text
    files = dict(FILE.findall(pushed))
    assert "通报-全省-20160729.docx" in files
    lines = paragraphs(Path(files["通报-全省-20160729.docx"]))
    assert lines[1] == "豫安监管〔2016〕1号"
    at = lines.index("六、工作要求")
    assert lines[at + 1] == "请各逾期单位于8月5日前补报。"
    assert len(named_units(lines)) == 25
    # /bulletins keeps the whole text of what went out.
    assert "请各逾期单位于8月5日前补报。" in await world.bot.say("/bulletins 1", as_="admin")

    # The next bulletin this year takes the next number.
    draft = await world.bot.say("/bulletin", as_="admin")
    assert "豫安监管〔2016〕2号" in summary_of(draft)[0]
    again = await world.bot.say("/bulletin send", as_="admin")
    files = dict(FILE.findall(again.split(f"推送给 group:{GROUP}:", 1)[1]))
    assert paragraphs(Path(files["通报-全省-20160729.docx"]))[1] == "豫安监管〔2016〕2号"


async def test_a_city_bulletin_carries_no_province_number(world: World) -> None:
    await world.bot.invite_and_bind("郑州市", "zzadmin", "admin")
    reply = await world.bot.say("/bulletin", as_="zzadmin")
    lines = paragraphs(sent_file(reply))
    assert lines[0] == "郑州市安全生产监督管理局文件"
    assert lines[1] == ""  # no 文号: the plan's 代字 is the province's, not the city's
    assert "豫安监管" not in reply
    assert lines[-2:] == ["郑州市安全生产监督管理局", "2016年7月29日"]
    assert named_units(lines) == set()
    assert "暂无逾期未报材料的单位。" in lines


async def test_an_english_admin_gets_an_english_document(world: World) -> None:
    await world.bot.say("/lang en", as_="admin")
    reply = await world.bot.say("/bulletin", as_="admin")
    assert "bulletin-the-whole-province-20160729.docx" in reply
    assert len(summary_of(reply)) <= SUMMARY_LINES
    doc = Document(str(sent_file(reply)))
    lines = [p.text for p in doc.paragraphs]
    assert lines[1] == "豫安监管〔2016〕No. 1"
    assert lines[3] == (
        "Bulletin on the progress of 2016年度全省安全监管系统推进服务型行政执法建设工作"
    )
    assert "4. Units with overdue materials" in lines
    assert "1. 开封市: 6.1 (49 days overdue)." in lines
    assert lines[-1] == "29 Jul 2016"
    run = next(p for p in doc.paragraphs if p.text == "1. Overall").runs[0]
    rpr = run._r.rPr
    assert rpr is not None
    fonts = rpr.find(qn("w:rFonts"))
    assert (
        fonts is not None
        and fonts.get(qn("w:ascii")) == "Times New Roman"
        and east_asia(run) == "黑体"
    )


async def test_telegram_group_gets_the_summary_and_the_document(
    tg: TelegramBot, fake: FakeTelegram
) -> None:
    group = fake.group(TG_GROUP, "全省安监工作群")
    await tg.say(tg.admin, "/subscribe", chat=group)
    draft = await tg.say(tg.admin, "/bulletin")
    assert any(m.get("document", {}).get("file_name") == DOCX_NAME for m in draft)
    mark = fake.mark()
    await tg.say(tg.admin, "/bulletin send")
    tg.sender.wake()

    def posted() -> list[Call]:
        return [
            c
            for c in fake.calls_to("sendDocument")
            if str(c.params.get("chat_id")) == str(TG_GROUP)
            and c.uploads["document"][0] == DOCX_NAME
        ]

    (call,) = await fake.wait_for(posted)
    lines = [p.text for p in Document(BytesIO(call.uploads["document"][1])).paragraphs]
    assert lines[1] == "豫安监管〔2016〕1号" and lines[3] == TITLE
    assert lines[-1] == "2016年5月20日"
    said = [o.message for o in fake.since(mark, TG_GROUP)]
    summary = next(texts([m]) for m in said if TITLE in texts([m]))
    assert len(summary.splitlines()) <= SUMMARY_LINES


def test_numbers_titles_and_level2_headings() -> None:
    zh = Translator("zh_CN", ZoneInfo("Asia/Shanghai"))
    assert doc_number(zh, "豫安监管﹝2016﹞41号", 2016, 3) == "豫安监管〔2016〕3号"
    assert doc_number(zh, "豫安监管[2017]5号", 2017, 12) == "豫安监管〔2017〕12号"
    assert doc_number(zh, None, 2016, 1) is None  # no 文号 is made up
    assert doc_number(zh, "〔2016〕41号", 2016, 1) is None
    assert [level2(n) for n in (1, 9, 10, 11, 20, 25, 99, 100)] == [
        "一",
        "九",
        "十",
        "十一",
        "二十",
        "二十五",
        "九十九",
        "100",
    ]
    assert subject_of("2016年度服务型行政执法建设工作方案") == "2016年度服务型行政执法建设工作"
    assert subject_of("2017年度安全生产实施方案") == "2017年度安全生产工作"
    assert subject_of("年度重点任务") == "年度重点任务"
