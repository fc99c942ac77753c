"""The sender's pacer on an injected clock: a fixed rate that does not drift and never bursts."""

from __future__ import annotations

from itertools import pairwise

from schedules.delivery import RateLimits
from schedules.sender import HEADROOM, WINDOW, Pace

RATE = 30  # Telegram's TELEGRAM_MESSAGES_PER_SECOND


def run(sends: int, late: float, busy: float, stall_at: int | None = None) -> list[float]:
    """Start times of `sends` sends, each woken `late` after its slot and taking `busy` to send
    (both under one interval), with a two-second stall (a slow database) before `stall_at`."""
    pace = Pace(RateLimits(per_second=RATE, per_chat_per_second=1), lambda chat: False)
    now, starts = 1000.0, []
    for i in range(sends):
        if i == stall_at:
            now += 2.0
        now = max(now, pace.reserve(now)) + late  # sleeping always wakes a little late
        pace.started(f"chat{i}", now)
        starts.append(now)
        now += busy
        pace.answered(now)
    return starts


def most_in_one_second(starts: list[float]) -> int:
    most, first = 0, 0
    for last, at in enumerate(starts):
        while at - starts[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def test_the_schedule_keeps_the_rate_without_drifting() -> None:
    interval = 1 / (RATE * HEADROOM)
    starts = run(3000, late=0.0015, busy=0.008)
    # Waking 1.5 ms late each time is not added up: send k starts k intervals after the first.
    drift = starts[-1] - starts[0] - (len(starts) - 1) * interval
    assert abs(drift) < interval / 10, drift
    rate = (len(starts) - 1) / (starts[-1] - starts[0])
    assert 0.97 * RATE <= rate <= RATE
    assert most_in_one_second(starts) <= RATE


def test_a_late_and_slow_send_is_made_up_within_the_rate() -> None:
    interval = 1 / (RATE * HEADROOM)
    # Every tenth send wakes a fifth of an interval late and takes 0.3 of one to be answered:
    # the next one goes at once, keeping the timeline.
    pace = Pace(RateLimits(per_second=RATE), lambda chat: False)
    now, starts = 0.0, []
    for i in range(600):
        now = max(now, pace.reserve(now)) + (0.2 * interval if i % 10 == 0 else 0.0)
        pace.started("c", now)
        starts.append(now)
        now += 0.3 * interval if i % 10 == 0 else 0.1 * interval
        pace.answered(now)
    assert abs(starts[-1] - starts[0] - 599 * interval) < interval
    assert most_in_one_second(starts) <= RATE


def test_after_a_stall_it_starts_again_at_the_rate_not_in_a_burst() -> None:
    interval = 1 / (RATE * HEADROOM)
    starts = run(300, late=0.0015, busy=0.008, stall_at=150)
    after = starts[150:]
    assert min(b - a for a, b in pairwise(after)) > interval / 2
    assert most_in_one_second(starts) <= RATE
    # The two seconds are lost, not caught up: the sends after the stall keep the rate.
    assert after[-1] - after[0] >= (len(after) - 1) * interval - 1e-9


def test_the_network_never_counts_more_than_the_limit_in_a_second() -> None:
    """However late the sends reach it: a send is counted on arrival, somewhere between its
    start and its answer, here as late as it can be (when answered), the way there taking up
    to three intervals and the next send catching up."""
    pace = Pace(RateLimits(per_second=RATE), lambda chat: False)
    interval = 1 / (RATE * HEADROOM)
    now, arrivals = 0.0, []
    for i in range(900):
        now = max(now, pace.reserve(now))
        pace.started("c", now)
        now += (i * 7919 % 13) / 13 * 3 * interval  # 0 to 3 intervals, unevenly
        arrivals.append(now)
        pace.answered(now)
    assert all(b - a >= WINDOW - 1e-9 for a, b in zip(arrivals, arrivals[RATE:], strict=False))
    assert most_in_one_second(arrivals) <= RATE


def test_a_rate_under_one_a_second_is_a_plain_schedule() -> None:
    pace = Pace(RateLimits(per_second=0.5), lambda chat: False)
    now, starts = 0.0, []
    for _ in range(5):
        now = max(now, pace.reserve(now))
        pace.started("c", now)
        starts.append(now)
        pace.answered(now + 0.01)
    assert [round(b - a, 6) for a, b in pairwise(starts)] == [round(1 / (0.5 * HEADROOM), 6)] * 4
