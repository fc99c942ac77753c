"""bot/telegram/transport.py reads PTB's timeouts without importing PTB's private modules: the
rule it uses agrees with the one PTB's own types give, for every kind of value PTB passes."""

from __future__ import annotations

from telegram._utils.defaultvalue import DEFAULT_20, DEFAULT_NONE, DefaultValue
from telegram.request import BaseRequest

from bot.telegram.transport import _seconds


def test_unset_timeouts_are_ours_and_given_ones_are_kept() -> None:
    ours = 30.0
    passed = [
        BaseRequest.DEFAULT_NONE,
        DEFAULT_NONE,
        DEFAULT_20,
        DefaultValue(5.0),
        None,
        0,
        12,
        65.5,
    ]
    for value in passed:
        expected = ours if isinstance(value, DefaultValue) else value  # the rule PTB's types give
        assert _seconds(value, ours) == expected, value
