"""The reminder policy of a plan: the plan file's `reminders:` mapping, checked, with defaults."""

from __future__ import annotations

import logging
from datetime import time
from datetime import time as TimeOfDay
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

log = logging.getLogger(__name__)

_WEEKDAYS = {
    "mon": 1, "monday": 1, "周一": 1, "星期一": 1,
    "tue": 2, "tuesday": 2, "周二": 2, "星期二": 2,
    "wed": 3, "wednesday": 3, "周三": 3, "星期三": 3,
    "thu": 4, "thursday": 4, "周四": 4, "星期四": 4,
    "fri": 5, "friday": 5, "周五": 5, "星期五": 5,
    "sat": 6, "saturday": 6, "周六": 6, "星期六": 6,
    "sun": 7, "sunday": 7, "周日": 7, "星期日": 7, "周天": 7,
}  # fmt: skip


def parse_clock(value: object) -> time:
    """`"09:00"`, a `time`, or minutes: YAML 1.1 reads an unquoted `21:00` as 1260."""
    if isinstance(value, time):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return time(*divmod(value, 60))
    if isinstance(value, str):
        hours, sep, minutes = value.strip().replace("：", ":").partition(":")
        if sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2:
            h, m = int(hours), int(minutes)
            if 0 <= h < 24 and 0 <= m < 60:
                return time(h, m)
    raise ValueError(f'not a time of day: {value!r} (write it as "09:00")')


def _half_hour(value: object) -> time:
    parsed = parse_clock(value)
    if parsed.minute not in (0, 30):
        raise ValueError(f"{parsed:%H:%M}: jobs run on the hour or half hour")
    return parsed


ClockTime = Annotated[time, BeforeValidator(parse_clock)]
SlotTime = Annotated[time, BeforeValidator(_half_hour)]


class ReminderPolicy(BaseModel):
    """Defaults are the bureau's: 7/3/1 days before at 09:00, the due day, then every 2 working days."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    time: SlotTime = TimeOfDay(9, 0)
    before_days: tuple[int, ...] = (7, 3, 1)
    on_due_day: bool = True
    window_notice: bool = True
    overdue_every: int = Field(default=2, ge=1, le=30)  # working days between overdue nags
    overdue_max: int = Field(default=5, ge=0, le=30)
    escalate_after: int = Field(default=3, ge=0, le=30)  # nags before 抄报; 0 = never
    quiet_start: ClockTime = TimeOfDay(21, 0)
    quiet_end: ClockTime = TimeOfDay(8, 0)
    urgent_on_holidays: bool = False  # urgings held over quiet hours may go out on a day off
    catch_up_hours: int = Field(default=24, ge=0, le=24 * 14)
    ack: bool = True  # 签收 notices when a plan or material is published
    ack_max: int = Field(default=3, ge=0, le=30)  # reminders to acknowledge, every overdue_every
    digest_time: SlotTime = TimeOfDay(8, 30)
    bulletin_weekday: int = Field(default=1, ge=1, le=7)  # ISO: 1 = Monday
    # The weekly digest, sent even when nothing changed (ISO weekday; 0 = only on change).
    digest_weekday: int = Field(default=1, ge=0, le=7)
    bulletin_time: SlotTime = TimeOfDay(9, 0)

    @field_validator("before_days", mode="before")
    @classmethod
    def _days(cls, value: Any) -> Any:
        if isinstance(value, int):
            value = [value]
        if isinstance(value, list | tuple):
            days = sorted({int(v) for v in value}, reverse=True)
            if any(d < 1 or d > 60 for d in days):
                raise ValueError("before_days must be between 1 and 60")
            return tuple(days)
        return value

    @field_validator("bulletin_weekday", "digest_weekday", mode="before")
    @classmethod
    def _weekday(cls, value: Any) -> Any:
        if isinstance(value, str):
            key = value.strip().lower()
            if key not in _WEEKDAYS:
                raise ValueError(f"unknown weekday {value!r}")
            return _WEEKDAYS[key]
        return value


def _flatten(mapping: dict[str, Any]) -> dict[str, Any]:
    """Accept the readable nested spellings plan writers use, e.g. `quiet_hours: 21:00-08:00`."""
    data = dict(mapping)
    quiet = data.pop("quiet_hours", None)
    if isinstance(quiet, str) and "-" in quiet:
        data["quiet_start"], _, data["quiet_end"] = (p.strip() for p in quiet.partition("-"))
    elif quiet is not None:
        data["quiet_start"] = quiet  # rejected by validation with a clear message
    overdue = data.pop("overdue", None)
    if isinstance(overdue, dict):
        data.setdefault("overdue_every", overdue.get("every", 2))
        data.setdefault("overdue_max", overdue.get("max", 5))
    elif overdue is not None:
        data["overdue_every"] = overdue
    bulletin = data.pop("bulletin", None)
    if isinstance(bulletin, dict):
        data.setdefault("bulletin_weekday", bulletin.get("day", 1))
        data.setdefault("bulletin_time", bulletin.get("time", "09:00"))
    return data


def check(mapping: dict[str, Any]) -> list[str]:
    """Problems with a plan's `reminders:` mapping, one line each; empty when it is usable."""
    try:
        ReminderPolicy.model_validate(_flatten(mapping))
    except ValidationError as err:
        return [f"reminders.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors()]
    return []


def policy_from(mapping: dict[str, Any] | None) -> ReminderPolicy:
    """The plan's policy; a mapping that does not validate falls back to the defaults, logged."""
    if not mapping:
        return DEFAULT
    try:
        return ReminderPolicy.model_validate(_flatten(mapping))
    except ValidationError as err:
        log.warning("plan reminders ignored, defaults used: %s", "; ".join(check(mapping)))
        del err
        return DEFAULT


DEFAULT = ReminderPolicy()
