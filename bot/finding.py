"""One line of `doctor`'s report, as the WeCom and backup checks give it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Finding:
    """One doctor line: `level` is ok, warning or problem; `key` a locale key."""

    level: str
    key: str
    params: dict[str, object] = field(default_factory=dict)
