"""File-name rules: a safe name from whatever a sender called the file, and its extension."""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath, PureWindowsPath

MAX_NAME_CHARS = 120
_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(10)),
    *(f"LPT{i}" for i in range(10)),
}
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


def sanitize_name(raw: str | None, fallback: str = "file") -> str:
    """A display/storage-safe file name: no paths, control or reserved names, bounded length."""
    name = unicodedata.normalize("NFC", raw or "")
    name = PureWindowsPath(PurePosixPath(name.replace("\x00", "")).name).name
    name = _UNSAFE.sub("_", name).strip(" .")
    if not name:
        name = fallback
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if stem.upper() in _RESERVED or name.upper() in _RESERVED:
        stem = f"_{stem}"
    ext = ext[:16]
    budget = MAX_NAME_CHARS - (len(ext) + 1 if ext else 0)
    stem = stem[:budget] or fallback
    return f"{stem}.{ext}" if ext else stem


def extension(name: str) -> str:
    _, dot, ext = name.rpartition(".")
    return ext.lower() if dot else ""
