"""Property tests: whatever a phone keyboard can type gets an answer, and refusals change nothing."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.deadlines import DeadlineError, parse_deadline, parse_user_date
from domain.messages import Incoming
from domain.plan_file import PlanFileError, load_plan
from handlers import router
from handlers.registry import COMMANDS
from storage import assignments, plans
from tests.support import ShellBot

SHARED_BOT = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

words = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=30
)
command_words = st.sampled_from(
    [f"/{c.name}" for c in COMMANDS]
    + [a for c in COMMANDS for a in c.aliases]
    + ["/", "／todo", "/TODO@bot"]
)
arguments = st.lists(
    st.one_of(
        words,
        st.sampled_from(
            ["1", "2.1", "3.2", "99", "0", "-1", "1.1.1", "#3", "郑州", "全部", "all-overdue"]
        ),
        st.integers(min_value=-(10**20), max_value=10**20).map(str),
        st.sampled_from(
            ["2016-06-15", "6月15日", "明天", "2016-02-30", "'; DROP TABLE reports;--"]
        ),
    ),
    max_size=4,
)
messages = st.one_of(
    words,
    st.text(max_size=10_050),
    st.builds(lambda c, a: " ".join([c, *a]), command_words, arguments),
)


async def _state(bot: ShellBot) -> tuple[object, ...]:
    async with bot.app.store.read() as db:
        plan = await plans.active(db)
        assert plan is not None
        rows: list[object] = []
        for unit_id in (1, 2, 3):
            rows += [
                (r.id, r.state.value, r.due_date)
                for r in await assignments.for_unit(db, plan.id, unit_id)
            ]
        counts = []
        for table in ("reports", "requests", "invites", "contacts", "outbox", "chats"):
            async with db.execute(f"SELECT COUNT(*) FROM {table}") as cur:
                row = await cur.fetchone()
            counts.append(row[0] if row else 0)
    return (*rows, *counts)


async def _check(bot: ShellBot, user: str, text: str) -> None:
    before = await _state(bot)
    replies = await router.handle(
        bot.app.services, Incoming(channel="shell", user_ref=user, chat_ref=user, text=text)
    )
    assert replies, f"no reply to {text[:80]!r}"
    assert all("内部错误" not in r.text for r in replies), text[:80]
    assert all(len(r.text) < 20_000 for r in replies)
    if any(r.is_error for r in replies):
        assert await _state(bot) == before, f"a refused input changed the store: {text[:80]!r}"


def _fuzz_router(tmp_path: Path, users: list[str], bind: bool) -> None:
    """Run Hypothesis examples against one bot on its own loop (the store persists across them)."""
    loop = asyncio.new_event_loop()
    bot = loop.run_until_complete(ShellBot.start(tmp_path / "data"))
    if bind:
        loop.run_until_complete(bot.invite_and_bind("郑州", "zz"))

    @SHARED_BOT
    @given(text=messages)
    def examples(text: str) -> None:
        for user in users:
            loop.run_until_complete(_check(bot, user, text))

    try:
        examples()
    finally:
        loop.run_until_complete(bot.stop())
        loop.close()


def test_router_answers_a_reporter_and_refusals_change_nothing(tmp_path: Path) -> None:
    _fuzz_router(tmp_path, ["zz"], bind=True)


def test_router_answers_admins_and_strangers(tmp_path: Path) -> None:
    _fuzz_router(tmp_path, ["admin", "stranger"], bind=False)


@settings(max_examples=400, deadline=None)
@given(expr=st.text(max_size=40))
def test_deadline_parser_reads_or_refuses(expr: str) -> None:
    try:
        parsed = parse_deadline(expr, 2016)
    except DeadlineError as err:
        assert err.expr == expr
    else:
        assert parsed.due is None or date(2000, 1, 1) <= parsed.due <= date(2101, 12, 31)
    try:
        parse_user_date(expr, date(2016, 5, 20))
    except DeadlineError:
        pass


SAMPLE = (Path(__file__).resolve().parent.parent / "plans" / "henan-2016.yaml").read_text("utf-8")


@settings(max_examples=200, deadline=None)
@given(cut=st.integers(min_value=0, max_value=len(SAMPLE)), junk=st.text(max_size=50))
def test_plan_importer_reads_or_refuses_with_lines(cut: int, junk: str) -> None:
    text = SAMPLE[:cut] + junk
    try:
        load_plan(text, source="fuzz.yaml")
    except PlanFileError as err:
        assert err.issues and all(issue.line >= 0 for issue in err.issues)
