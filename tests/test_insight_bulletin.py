"""The 通报: drafted from the store, previewed, remarked, posted to subscribed groups once, recorded.

What the groups read is a short summary with the document (tests/test_bulletin_doc.py reads the
document); the whole text is what /bulletins keeps, checked here.
"""

from __future__ import annotations

import re
from datetime import timedelta

from storage import units
from tests.insight_world import ON_TIME_OR_DONE, PRAISED, World

GROUP = "全省安监工作群"
UNITS_29 = 29


def section(text: str, header: str) -> list[str]:
    """The lines of one numbered section of the bulletin, up to the next blank line."""
    start = text.index(header) + len(header)
    return text[start:].strip("\n").split("\n\n", 1)[0].splitlines()


def named_units(text: str) -> set[str]:
    lines = section(text, "三、存在逾期的单位")
    return {m.group(1) for line in lines if (m := re.match(r"^\s+(\S+?):", line))}


async def subscribe(world: World) -> None:
    await world.bot.shell.handle_line(f":group {GROUP}")
    assert "本群已订阅" in await world.bot.say("/subscribe", as_="admin")
    await world.bot.shell.handle_line(":private")


async def test_draft_names_exactly_the_overdue_units_and_praises_the_punctual(world: World) -> None:
    preview = await world.bot.say("/bulletin", as_="admin")
    assert "将发布到0个订阅群" in preview and "通报-全省-20160729.docx" in preview
    await subscribe(world)
    await world.bot.say("/bulletin", as_="admin")
    sent = await world.bot.say("/bulletin send", as_="admin")
    number = re.search(r"通报 #(\d+) 已发布", sent)
    assert number, sent
    draft = await world.bot.say(f"/bulletins {number.group(1)}", as_="admin")
    assert "关于《2016年度全省安全监管系统推进服务型行政执法建设工作方案》工作进度的通报" in draft
    # 28 units × 16 materials + the province's own 3.2, less 洛阳's 4.2 (not applicable).
    assert "截至2016年7月29日,全省29个单位全年应报材料448项,已审核通过10项" in draft
    assert "逾期未报48项,涉及25个单位" in draft
    assert "  1. 年度方案制定情况:已通过4/28(14%)" in draft

    # The world is built so that every unit but those on time owes something overdue.
    async with world.store.read() as db:
        everyone = {u.label for u in await units.all_units(db) if not u.retired}
    assert len(everyone) == UNITS_29
    late = everyone - ON_TIME_OR_DONE
    assert len(late) == 25
    assert named_units(draft) == late
    assert "  开封市:6.1(逾期49天)" in draft
    assert "  兰考县:1(逾期59天)、6.1(逾期49天)" in draft

    praise = section(draft, "二、予以表扬的单位")
    assert praise == ["以下单位到期任务全部按时完成,予以表扬:郑州市、洛阳市、巩义市。"]
    assert set(praise[0].split(":")[1].rstrip("。").split("、")) == PRAISED
    assert "第1名 巩义市" in draft
    assert "省局" not in draft.split("二、予以表扬的单位", 1)[1]  # the issuer is not judged


async def test_remark_send_record_and_list(world: World) -> None:
    await subscribe(world)
    await world.bot.say("/bulletin", as_="admin")
    asked = await world.bot.say("/bulletin note", as_="admin")
    assert "请发送要附在通报末尾的备注" in asked
    preview = await world.bot.say("请各逾期单位于8月5日前补报。", as_="admin")
    assert "工作要求:请各逾期单位于8月5日前补报。" in preview
    assert "发布到1个群" in preview and "通报-全省-20160729.docx" in preview

    sent = await world.bot.say("/bulletin send", as_="admin")
    assert "通报 #1 已发布到1个订阅群" in sent
    assert f"推送给 group:{GROUP}" in sent
    pushed = sent.split(f"推送给 group:{GROUP}:", 1)[1]
    assert "逾期48项,涉及25个单位" in pushed and "请各逾期单位于8月5日前补报。" in pushed
    assert "通报-全省-20160729.docx" in pushed and "三、存在逾期的单位" not in pushed

    # Sending again posts nothing twice.
    again = await world.bot.say("/bulletin send", as_="admin")
    assert "没有待发布的通报草稿" in again and "推送给" not in again

    listing = await world.bot.say("/bulletins", as_="admin")
    assert "#1 2016年7月29日 09:00 · admin · 发至1个群 · 关于《2016年度" in listing
    full = await world.bot.say("/bulletins 1", as_="admin")
    assert "五、工作要求\n请各逾期单位于8月5日前补报。\n\n2016年7月29日" in full
    assert "开封市:6.1" in full
    history = await world.bot.say("/log 省局", as_="admin")
    assert "admin · 发布通报" in history and "发至1个群" in history


async def test_nothing_is_sent_without_groups_or_with_a_stale_draft(world: World) -> None:
    await world.bot.say("/bulletin", as_="admin")
    assert "尚无订阅群可发布" in await world.bot.say("/bulletin send", as_="admin")
    assert "尚未发布过通报" in await world.bot.say("/bulletins", as_="admin")
    await subscribe(world)
    world.bot.clock.advance(timedelta(hours=25))
    assert "草稿已超过24小时" in await world.bot.say("/bulletin send", as_="admin")
    assert "尚未发布过通报" in await world.bot.say("/bulletins", as_="admin")
    assert "已取消通报草稿" in await world.bot.say("/bulletin cancel", as_="admin")
    assert "没有待发布的通报草稿" in await world.bot.say("/bulletin note 补充", as_="admin")
    assert "用法:/bulletin" in await world.bot.say("/bulletin 发给谁", as_="admin")
    assert "没有使用该命令的权限" in await world.bot.say("/bulletin", as_="zz")


async def test_city_admin_bulletin_covers_its_subtree_and_its_own_groups(world: World) -> None:
    await subscribe(world)  # the province's group: not the city admin's to post to
    await world.bot.say("/bulletin", as_="admin")
    assert "通报 #1 已发布" in await world.bot.say("/bulletin send", as_="admin")
    await world.bot.invite_and_bind("郑州市", "zzadmin", "admin")
    draft = await world.bot.say("/bulletin", as_="zzadmin")
    assert "截至7月29日,郑州市应报16项" in draft and "逾期0项" in draft
    assert "逾期最多" not in draft
    assert "将发布到0个订阅群" in draft
    assert "尚无订阅群可发布" in await world.bot.say("/bulletin send", as_="zzadmin")
    await world.bot.shell.handle_line(":group 郑州市安监群")
    await world.bot.say("/subscribe", as_="zzadmin")
    await world.bot.shell.handle_line(":private")
    await world.bot.say("/bulletin", as_="zzadmin")
    sent = await world.bot.say("/bulletin send", as_="zzadmin")
    assert "通报 #2 已发布到1个订阅群" in sent
    assert "推送给 group:郑州市安监群" in sent and f"推送给 group:{GROUP}" not in sent
    mine = await world.bot.say("/bulletins", as_="zzadmin")
    assert "#2 " in mine and "#1 " not in mine
    assert "找不到通报 #1" in await world.bot.say("/bulletins 1", as_="zzadmin")
    everything = await world.bot.say("/bulletins", as_="admin")
    assert "#2 " in everything and "#1 " in everything
