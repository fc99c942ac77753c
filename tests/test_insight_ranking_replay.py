"""考评 on the 2016 sample replayed through the shell: no award, score or credit for work not done."""

from __future__ import annotations

import re
from pathlib import Path

from tests.bulletin_support import document_lines, section
from tests.support import ShellBot, report_id

AWARD = "拟推荐:"
FIVE_ALIKE = {"洛阳": "ly", "安阳": "ay", "巩义": "gy", "兰考": "lk", "南阳": "ny"}


def rank_lines(out: str) -> dict[str, str]:
    """The ranking's lines by unit name (`3. 开封市 0.0分…`)."""
    return {m.group(1): m.group(0) for m in re.finditer(r"^\d+\. (\S+) .*$", out, re.M)}


async def report_and_accept(bot: ShellBot, user: str, code: str, pdf: Path) -> None:
    sent = await bot.say(f"/report {code} 已完成", as_=user, files=[pdf])
    assert "已报送" in sent, sent
    assert "已通过报送" in await bot.say(f"/accept {report_id(sent)}", as_="admin")


async def test_nothing_due_ranks_and_proposes_nobody(bot: ShellBot, pdf: Path) -> None:
    # 2016-05-20: the plan was issued on 5/9 and nothing is due before 5月底.
    ranking = await bot.say("/rank", as_="admin")
    # 28: the cities and counties; the province issues the plan and is not ranked.
    assert "尚无可排名的单位:28个单位都还没有到期或已报送的材料" in ranking
    assert AWARD not in ranking and "100.0分" not in ranking
    ranked = section(
        document_lines(await bot.say("/bulletin", as_="admin")), "五、考评排名(前五名)"
    )
    assert ranked == ["暂无可排名的单位(尚无到期或已报送的材料)。"]

    # One unit hands in early and is accepted: it alone is ranked, the others wait.
    await bot.invite_and_bind("郑州", "zz")
    await report_and_accept(bot, "zz", "1", pdf)
    ranking = await bot.say("/rank", as_="admin")
    lines = rank_lines(ranking)
    assert list(lines) == ["郑州市"]
    assert lines["郑州市"].startswith("1. 郑州市 100.0分(完成度100% · 及时性100%")
    assert f"{AWARD}服务型行政执法单项奖" in lines["郑州市"]
    assert "暂不排名(27个单位,尚无到期或已报送的材料):开封市、洛阳市、平顶山市" in ranking


async def test_november_ranking_gives_nothing_for_nothing_and_never_splits_a_tie(
    bot: ShellBot, pdf: Path
) -> None:
    await bot.invite_and_bind("郑州", "zz")
    await bot.invite_and_bind("开封", "kf")  # bound, but never reports anything
    for city, user in FIVE_ALIKE.items():
        await bot.invite_and_bind(city, user)
    await bot.say(":time 2016-05-27T10:00")
    await report_and_accept(bot, "zz", "1", pdf)
    for user in FIVE_ALIKE.values():
        await report_and_accept(bot, user, "1", pdf)
    await bot.say(":time 2016-06-08T10:00")
    await report_and_accept(bot, "zz", "6.1", pdf)

    await bot.say(":time 2016-11-04T09:00")
    ranking = await bot.say("/rank", as_="admin")
    lines = rank_lines(ranking)
    assert len(lines) == 28 and "省局" not in lines  # the issuer is not ranked
    # 郑州 did most: first, alone, and proposed.
    assert lines["郑州市"].startswith("1. 郑州市 ")
    assert f"{AWARD}服务型行政执法单项奖" in lines["郑州市"]
    # Five units with the same record share second place: five do not fit the four places
    # left, so none is proposed over the others; the province decides.
    for city in ("洛阳市", "安阳市", "巩义市", "兰考县", "南阳市"):
        assert lines[city].startswith(f"2. {city} "), lines[city]
        assert "并列5个单位" in lines[city]
        assert AWARD not in lines[city]
        assert "名额线,不自动推荐,由省局确定" in lines[city]
    # 开封 never reported: no completeness, no timeliness, no score, no award.
    assert lines["开封市"].startswith("7. 开封市 0.0分(完成度0% · 及时性0%"), lines["开封市"]
    nothing = [line for line in lines.values() if " 0.0分" in line]
    assert AWARD not in lines["开封市"] and f"并列{len(nothing)}个单位" in lines["开封市"]
    assert ranking.count(AWARD) == 1

    top = section(document_lines(await bot.say("/bulletin", as_="admin")), "五、考评排名(前五名)")
    assert top[0].startswith("第1名:郑州市,")
    assert top[1].startswith("第2名(并列5个单位):洛阳市、")
    assert len(top) == 2  # seventh place is not in the top five


async def test_a_unit_admin_ranking_proposes_no_award(bot: ShellBot, pdf: Path) -> None:
    await bot.invite_and_bind("郑州", "zz")
    await bot.invite_and_bind("郑州", "zzadmin", "admin")
    await bot.say(":time 2016-05-27T10:00")
    await report_and_accept(bot, "zz", "1", pdf)
    await bot.say(":time 2016-06-02T09:00")
    assert (
        f"{AWARD}服务型行政执法单项奖" in rank_lines(await bot.say("/rank", as_="admin"))["郑州市"]
    )
    own = await bot.say("/rank", as_="zzadmin")
    assert rank_lines(own)["郑州市"].startswith("1. 郑州市 100.0分")
    assert AWARD not in own
    assert "奖项推荐由省局按全省排名研究确定" in own
