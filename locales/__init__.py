"""Message catalogs (one folder per locale, YAML files merged) and date formatting."""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import string
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

DEFAULT_LOCALE = "zh_CN"
LOCALES = ("zh_CN", "en")
_DIR = Path(__file__).resolve().parent


def normalize(code: str | None) -> str | None:
    """Map what users and platforms say ('zh', 'zh-hans', 'en-US') to a catalog, or None."""
    if not code:
        return None
    lowered = code.strip().lower().replace("-", "_")
    if lowered.startswith("zh") or lowered in {"中文", "cn", "chinese"}:
        return "zh_CN"
    if lowered.startswith("en") or lowered in {"英文", "english"}:
        return "en"
    return None


class Speaker(Protocol):
    """Anyone with a stored language choice (a contact row of any shape)."""

    @property
    def locale(self) -> str | None: ...


def locale_for(
    chosen: str | None = None, platform: str | None = None, configured: str | None = None
) -> str:
    """The one rule for a person's language: their own choice (`/lang`), then what their
    platform says they speak, then the bureau's setting (BOT_LOCALE), then zh_CN."""
    return normalize(chosen) or normalize(platform) or normalize(configured) or DEFAULT_LOCALE


@cache
def catalog(locale: str) -> dict[str, str]:
    """Every message of a locale; a key defined twice across files is an error."""
    return kept_catalog(_DIR / locale, _DIR / "__pycache__")


def kept_catalog(folder: Path, kept_in: Path) -> dict[str, str]:
    """The YAML files of `folder` merged. Reading them is most of a start-up's own work after
    the imports, so the result is kept in `kept_in` for the files' names, sizes and
    modification times, as Python keeps a module's bytecode; a folder it cannot write: read
    each time."""
    paths = sorted(folder.glob("*.yaml"))
    stamps = [(path.name, (st := path.stat()).st_size, st.st_mtime_ns) for path in paths]
    key = hashlib.sha256(repr((sys.version, stamps)).encode()).hexdigest()[:16]
    kept = kept_in / f"catalog.{folder.name}.{key}.marshal"
    with contextlib.suppress(OSError, ValueError, EOFError, TypeError):
        found = marshal.loads(kept.read_bytes())
        if isinstance(found, dict):
            return found
    merged = _read_catalog(paths)
    with contextlib.suppress(OSError):
        kept_in.mkdir(exist_ok=True)
        for old in kept_in.glob(f"catalog.{folder.name}.*.marshal"):
            old.unlink()
        draft = kept.with_name(f"{kept.name}.{os.getpid()}.tmp")
        draft.write_bytes(marshal.dumps(merged))
        draft.replace(kept)
    return merged


def _read_catalog(paths: list[Path]) -> dict[str, str]:
    import yaml

    # libyaml's parser when PyYAML has it: the catalogs load in a tenth of the time.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    merged: dict[str, str] = {}
    for path in paths:
        data = yaml.load(path.read_text("utf-8"), Loader=loader) or {}
        for key, text in data.items():
            if key in merged:
                raise ValueError(f"{path}: key {key!r} defined twice")
            merged[str(key)] = str(text)
    return merged


class _CountedFormatter(string.Formatter):
    """`{files:~file|files}` → "1 file", "3 files": English needs the noun to agree."""

    def format_field(self, value: object, format_spec: str) -> str:
        if format_spec.startswith("~"):
            one, _, many = format_spec[1:].partition("|")
            return f"{value} {one if str(value) == '1' else many or one}"
        return super().format_field(value, format_spec)


_COUNTED = _CountedFormatter()


@cache
def _texts(locale: str) -> dict[str, str]:
    """A locale's messages over the default's: a message it lacks (or leaves empty) is the
    default's. One lookup per message rendered, as a /todo renders dozens."""
    texts = dict(catalog(DEFAULT_LOCALE))
    texts.update((key, text) for key, text in catalog(locale).items() if text)
    return texts


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


class Translator:
    """Renders message ids for one locale, falling back to the default catalog."""

    def __init__(self, locale: str, tz: ZoneInfo) -> None:
        self.locale = locale if locale in LOCALES else DEFAULT_LOCALE
        self.tz = tz

    @classmethod
    def for_person(cls, person: Speaker | None, configured: str | None, tz: ZoneInfo) -> Translator:
        """A translator for a person (or nobody) by `locale_for`."""
        return cls(locale_for(person.locale if person else None, None, configured), tz)

    def __call__(self, key: str, /, **params: object) -> str:
        text = _texts(self.locale).get(key)
        if text is None:
            return key
        if not params:
            return text
        for name, value in params.items():  # one date format per language, wherever it goes
            if isinstance(value, date):  # a datetime is a date too
                if isinstance(value, datetime):
                    params[name] = self.moment(value)
                else:
                    params[name] = self.day(value, with_year=True)
        return _COUNTED.format(text, **params) if ":~" in text else text.format(**params)

    def line(self, key: str, /) -> Callable[..., str]:
        """A message's own `format`, looked up once: for listings that render thousands of
        lines of plain text and numbers (no dates, no counted nouns)."""
        text = _texts(self.locale).get(key) or key
        if ":~" in text:
            return lambda **params: _COUNTED.format(text, **params)
        return text.format

    def has(self, key: str) -> bool:
        return key in catalog(self.locale)

    def day(self, value: date | None, with_year: bool = False) -> str:
        if value is None:
            return self("date.none")
        if self.locale == "zh_CN":
            core = f"{value.month}月{value.day}日"
            return f"{value.year}年{core}" if with_year else core
        core = f"{value.day} {value.strftime('%b')}"
        return f"{core} {value.year}" if with_year else core

    def moment(self, value: datetime | None) -> str:
        if value is None:
            return self("date.none")
        local = value.astimezone(self.tz)
        return f"{self.day(local.date(), with_year=True)} {local:%H:%M}"

    def join(self, parts: Iterable[str]) -> str:
        """A list as this language writes one inline (、 in Chinese, commas in English)."""
        return self("list.separator").join(parts)

    def listed(self, parts: Sequence[str], limit: int) -> str:
        """`join` of at most `limit` parts; a cut list says so: "甲、乙 等 N 个" / "and N more"."""
        if len(parts) <= limit:
            return self.join(parts)
        names = self.join(parts[:limit])
        return self("list.cut", names=names, count=len(parts), more=len(parts) - limit)

    def rest(self, total: int, shown: int) -> list[str]:
        """The closing line of a list of lines cut to `shown` of `total`; none if it was whole."""
        if total <= shown:
            return []
        return [self("list.more_line", count=total, more=total - shown)]

    def measure(self, word: str | None) -> str:
        """A plan's measure word (例, 个) as this language writes it after a number."""
        if not word:
            return ""
        return catalog(self.locale).get(f"measure.{word}", word)

    def number(self, value: int) -> str:
        return f"{value:,}" if self.locale == "en" else str(value)

    def percent(self, part: int, whole: int) -> str:
        return f"{(part / whole if whole else 0):.0%}"
