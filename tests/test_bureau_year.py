"""Issue 13's acceptance, through the shell channel: a bureau's own unit tree from CSV, two
plans and a monthly report published side by side, a 交办 to every city with its notice file,
one /todo over all three sources with codes that can be typed back, a code that asks which
plan, /status over several plans, one digest per person per day, and a closed plan that
reminds nobody."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

from bot import plan_cli, units_cli
from bot.app import open_app
from bot.shell import ShellChannel
from domain.clock import ManualClock
from domain.plan_file import Overrides
from handlers.setup import bootstrap_admins
from locales import Translator
from schedules.jobs import JobEnv
from schedules.runtime import ensure_marks, run_due
from schedules.sender import Sender
from tests.support import NOTICE_PDF, ShellBot, local, settings_for

UNITS_CSV = """\
代码,名称,简称,类型,上级,所属地区,排序
henan,河南省安全生产监督管理局,省局,province,,,0
zcfg,政策法规处,法规处,department,henan,,1
zhengzhou,郑州市安全生产监督管理局,郑州市,city,henan,,2
kaifeng,开封市安全生产监督管理局,开封市,city,henan,,3
luoyang,洛阳市安全生产监督管理局,洛阳市,city,henan,,4
gongyi,巩义市安全生产监督管理局,巩义市,county,henan,zhengzhou,5
"""

FW = """\
plan:
  code: henan-fwxzf
  short: fw
  year: 2016
  title: 服务型行政执法建设工作方案
  issued: 2016-05-09
  applies_to: [city, county]
items:
  - no: 2
    title: 开展观摩活动
    materials:
      - title: 观摩会通知
        deadline: 6月底
      - title: 观摩会总结
        deadline: 10月底
"""

ZX = (
    FW.replace("henan-fwxzf", "henan-zxzz")
    .replace("short: fw", "short: zx")
    .replace("服务型行政执法建设工作方案", "危险化学品专项整治方案")
)

YB = """\
plan:
  code: jd-yuebao
  short: yb
  year: 2016
  title: 基层执法统计报送方案
  issued: 2016-05-09
  applies_to: [city]
items:
  - no: 1
    title: 基层执法统计
    materials:
      - title: 基层执法月报
        deadline: 每月5日前
"""


class Bureau(ShellBot):
    """A bot on an empty store: nothing but what the bureau imports."""

    @classmethod
    async def empty(cls, data_dir: Path, at: str) -> Bureau:
        clock = ManualClock(local(at))
        app = await open_app(settings_for(data_dir), clock, seed_sample=False)
        bot = cls.__new__(cls)
        bot.app, bot.clock, bot.out = app, clock, io.StringIO()
        bot.shell = ShellChannel(app.services, out=bot.out)
        bot.sender = Sender(app.store, clock, [bot.shell])
        bot.jobs = JobEnv(app.store, clock, app.settings.tz, app.settings.locale)
        bot.schedules = False
        return bot

    @property
    def t(self) -> Translator:
        return Translator("zh_CN", self.app.settings.tz)

    async def import_units(self, path: Path) -> None:
        assert await units_cli.run_import(self.app.settings, self.t, path) == 0
        await bootstrap_admins(self.app.services, ["shell:admin"])

    async def import_plan(self, path: Path) -> None:
        done = await plan_cli.run_import(self.app.settings, self.t, path, Overrides(), False)
        assert done == 0

    async def play_until(self, at: str) -> None:
        await run_due(self.jobs, local(at), simulate=True, deliver=self.sender.drain)
        self.clock.set(local(at))


async def pushes(bot: ShellBot, kind: str) -> list[tuple[str, str, str]]:
    """(person, local day, text) of every push of a kind that was sent."""
    async with bot.app.store.read() as db:
        rows = await db.execute_fetchall(
            "SELECT c.user_ref, o.created_at, o.body FROM outbox o"
            " JOIN contacts c ON c.id = o.contact_id WHERE o.kind = ? ORDER BY o.id",
            (kind,),
        )
    return [(str(r[0]), str(r[1])[:10], str(r[2])) for r in rows]


async def test_a_bureau_runs_its_year(tmp_path: Path) -> None:
    files = {"units.csv": UNITS_CSV, "fw.yaml": FW, "zx.yaml": ZX, "yb.yaml": YB}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    bot = await Bureau.empty(tmp_path / "data", "2016-05-16T09:00")
    try:
        # The unit tree is the bureau's own, in its official order.
        await bot.import_units(tmp_path / "units.csv")
        units = await bot.say("/units", as_="admin")
        assert units.index("郑州") < units.index("开封") < units.index("洛阳")
        for unit, user in (("郑州", "zz"), ("开封", "kf"), ("洛阳", "ly"), ("巩义", "gy")):
            await bot.invite_and_bind(unit, user)

        # Three plans: imported as drafts, published side by side.
        for name in ("fw", "zx", "yb"):
            await bot.import_plan(tmp_path / f"{name}.yaml")
        drafts = await bot.say("/todo", as_="zz")  # drafts are the admins' alone
        assert "【" not in drafts and "服务型" not in drafts
        for name in ("fw", "zx", "yb"):
            assert "已发布" in await bot.say(f"/plan publish {name}", as_="admin")
        await bot.shell.handle_line(":group 全省安监工作群")
        assert "本群已订阅" in await bot.say("/subscribe", as_="admin")
        await bot.shell.handle_line(":private")
        await ensure_marks(bot.jobs)

        # A 交办 to every city with its notice; two units acknowledge it.
        assigned = await bot.say(
            "/assign 报送汛期安全检查情况 6月10日前 全部省辖市 需附件",
            as_="admin",
            files=[NOTICE_PDF],
        )
        assert "jb1" in assigned
        for user in ("zz", "kf"):
            assert "签收" in await bot.say("/ack jb1", as_=user)

        # One /todo over all of it, codes typed back as shown.
        await bot.play_until("2016-06-02T09:00")
        todo = await bot.say("/todo", as_="zz")
        for head in ("【fw】", "【zx】", "【yb】", "【jb1】"):
            assert head in todo, todo
        assert "fw-2.1" in todo and "zx-2.1" in todo and "yb-1/05" in todo and "jb1-1" in todo
        assert "yb-1/06" not in todo  # June's report opens in July
        assert "已报送" in await bot.say("/report yb-1/05", as_="zz", files=[NOTICE_PDF])
        asked = await bot.say("/report 2.1", as_="zz", files=[NOTICE_PDF])
        assert "多个计划都有编号 2.1" in asked and "fw-2.1" in asked and "zx-2.1" in asked
        await bot.say("/report_cancel", as_="zz")

        # Several plans: /status names each one (for an admin who has not picked one yet);
        # a plan named is the admin's default after.
        await bot.invite_and_bind("省局", "chief", "province_admin")
        overview = await bot.say("/status", as_="chief")
        for prefix in ("[fw]", "[zx]", "[yb]", "[jb1]"):
            assert prefix in overview
        assert "危险化学品" in await bot.say("/status zx", as_="chief")
        assert "危险化学品" in await bot.say("/status", as_="chief")

        # June's monthly report is not sent: overdue after 5 July; July's is on time.
        await bot.play_until("2016-07-08T09:00")
        late = await bot.say("/todo", as_="zz")
        assert "yb-1/06" in late and "已逾期" in late.split("yb-1/06", 1)[1].split("\n", 1)[0]
        await bot.play_until("2016-08-02T09:00")
        assert "已报送" in await bot.say("/report yb-1/07", as_="zz", files=[NOTICE_PDF])

        # Closing zx: nobody is reminded of it again.
        await bot.say("/plan close zx confirm", as_="admin")
        closed_at = "2016-08-02"
        await bot.play_until("2016-11-15T09:00")
        after = [text for _, day, text in await pushes(bot, "reminder") if day > closed_at]
        assert after and not any("危险化学品" in text for text in after)

        # One weekly bulletin per group, a section per open plan.
        async with bot.app.store.read() as db:
            sent = await db.execute_fetchall(
                "SELECT substr(created_at, 1, 10), body FROM outbox WHERE kind = 'bulletin'"
            )
        days = Counter(str(r[0]) for r in sent)
        assert days and max(days.values()) == 1
        assert any("危险化学品" in str(r[1]) and "服务型" in str(r[1]) for r in sent)

        # One digest per person per day, however many plans.
        per_day = Counter((who, day) for who, day, _ in await pushes(bot, "digest"))
        assert per_day and max(per_day.values()) == 1
    finally:
        await bot.stop()
