"""What an install ships may be redistributed: every runtime dependency's licence is on an
allow-list, and no SimHei (a font whose licence forbids passing it on) is in the install or the repo.

The runtime closure starts from pyproject.toml's `dependencies` (extras and markers honoured) and
follows the installed distributions' own requirements. LGPL (python-telegram-bot) is allowed:
Python imports it as a separate, replaceable library, which is the dynamic linking the LGPL
permits; GPL is not on the list, as it would reach the bot's own code.
"""

from __future__ import annotations

import os
import re
import tomllib
from email.message import Message
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

from insight.fonts import cjk_font

ROOT = Path(__file__).resolve().parent.parent

ALLOWED = {
    "MIT",
    "MIT-CMU",
    "0BSD",
    "BSD",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "Apache-2.0",
    "PSF-2.0",
    "MPL-2.0",
    "ISC",
    "HPND",
    "Zlib",
    "CC0-1.0",
    "Unlicense",
    "LGPL-2.1",
    "LGPL-3.0",
    "OFL-1.1",
}

# The words distributions use, as SPDX-ish names.
ALIASES = {
    "mit license": "MIT",
    "the mit license": "MIT",
    "apache 2.0": "Apache-2.0",
    "apache license 2.0": "Apache-2.0",
    "apache software license": "Apache-2.0",
    "apache license, version 2.0": "Apache-2.0",
    "bsd license": "BSD",
    "bsd 3-clause license": "BSD-3-Clause",
    "new bsd license": "BSD-3-Clause",
    "psfl": "PSF-2.0",
    "psf": "PSF-2.0",
    "python software foundation license": "PSF-2.0",
    "mpl 2.0": "MPL-2.0",
    "mozilla public license 2.0 (mpl 2.0)": "MPL-2.0",
    "isc license (iscl)": "ISC",
    "historical permission notice and disclaimer (hpnd)": "HPND",
    "gnu lesser general public license v3 (lgplv3)": "LGPL-3.0",
    "gnu lesser general public license v2 or later (lgplv2+)": "LGPL-2.1",
    "sil open font license 1.1 (ofl-1.1)": "OFL-1.1",
    "the unlicense (unlicense)": "Unlicense",
}

# Free-form licence fields read by hand, keyed by the exact text: a new wording is looked at again.
REVIEWED = {
    # PDFium (BSD-3-Clause) and the libraries built into its binary, each listed under
    # dist-info/licenses/BUILD_LICENSES: FreeType (FTL), ICU, libjpeg-turbo, libpng, zlib, …
    ("pypdfium2", "BSD-3-Clause, Apache-2.0, dependency licenses"): "BSD-3-Clause AND Apache-2.0",
}

FONT_SUFFIXES = {".ttf", ".otf", ".ttc", ".otc", ".woff", ".woff2", ".pfb"}
# SimHei's family name and its maker's © notice, in a file's name or inside it (ASCII or the
# UTF-16 of a name table); 中易 is ZhongYi in Chinese.
SIMHEI_MARKS = [
    mark
    for word in ("simhei", "zhongyi", "中易")
    for mark in {word.encode("utf-8"), word.encode("utf-16-be")}
]


def canonical(word: str) -> str:
    word = word.strip()
    if word.lower() in ALIASES:
        return ALIASES[word.lower()]
    return re.sub(r"-(only|or-later)$|\+$", "", word)


def licences(meta: Message) -> list[str]:
    """The licence a distribution declares: its SPDX expression's alternatives (each a list of
    names that all apply), else its classifiers, else a short License field."""
    expression = meta.get("License-Expression")
    if expression:
        return [
            " AND ".join(canonical(w) for w in re.split(r"\s+AND\s+", alt.strip("() ")))
            for alt in re.split(r"\s+OR\s+", expression)
        ]
    classified = [
        canonical(c.split("::")[-1])
        for c in meta.get_all("Classifier") or []
        if c.startswith("License ::") and "OSI Approved" in c and c.count("::") >= 2
    ]
    if classified:
        return classified
    field = (meta.get("License") or "").strip()
    if field and "\n" not in field and len(field) < 60 and field.upper() != "UNKNOWN":
        return [canonical(field)]
    return []


def refused(meta: Message) -> str | None:
    """Why a distribution may not ship, or None: one alternative must be wholly allowed."""
    reviewed = REVIEWED.get((str(meta.get("Name", "")).lower(), str(meta.get("License", ""))))
    found = [reviewed] if reviewed else licences(meta)
    if not found:
        return "declares no licence"
    for alternative in found:
        if all(name in ALLOWED for name in alternative.split(" AND ")):
            return None
    return f"licence not allowed: {' OR '.join(found)}"


def runtime_closure() -> dict[str, metadata.Distribution | None]:
    """Every distribution the project needs at run time (None: required but not installed)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    found: dict[str, metadata.Distribution | None] = {}
    todo = [Requirement(r) for r in project["project"]["dependencies"]]
    while todo:
        req = todo.pop()
        key = re.sub(r"[-_.]+", "-", req.name).lower()
        if key in found:
            continue
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            found[key] = None
            continue
        found[key] = dist
        for line in dist.requires or []:
            sub = Requirement(line)
            extras = ("", *req.extras)
            if sub.marker is None or any(sub.marker.evaluate({"extra": e}) for e in extras):
                todo.append(sub)
    return found


def simhei_fonts(paths: list[Path]) -> list[Path]:
    """The font files among `paths` that are SimHei: by file name, or by name table / © text."""
    out = []
    for path in paths:
        if path.suffix.lower() not in FONT_SUFFIXES or not path.is_file():
            continue
        if "simhei" in path.name.lower():
            out.append(path)
            continue
        data = path.read_bytes().lower()
        if any(mark in data for mark in SIMHEI_MARKS):
            out.append(path)
    return out


def installed_files() -> list[Path]:
    """The files of the runtime closure's distributions, and the project's own package tree."""
    files = []
    for dist in runtime_closure().values():
        if dist is not None:
            files += [Path(str(dist.locate_file(f))) for f in dist.files or []]
    return files + repo_files()


def repo_files() -> list[Path]:
    skip = {".git", ".venv", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache"}
    out = []
    for folder, dirs, names in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in skip and not d.startswith(".venv")]
        out += [Path(folder) / n for n in names]
    return out


def fake(**fields: str | list[str]) -> Message:
    meta = Message()
    for key, value in fields.items():
        for one in value if isinstance(value, list) else [value]:
            meta[key.replace("_", "-")] = one
    return meta


def test_every_runtime_dependency_has_a_redistributable_licence() -> None:
    closure = runtime_closure()
    assert {"pillow", "python-telegram-bot", "openpyxl", "chinesecalendar"} <= set(closure)
    assert not {"matplotlib", "mplfonts", "numpy"} & set(closure)
    problems = {
        name: "not installed" if dist is None else refused(dist.metadata)  # type: ignore[arg-type]
        for name, dist in closure.items()
    }
    assert {name: why for name, why in problems.items() if why} == {}


def test_the_licence_check_refuses_unknown_and_non_redistributable() -> None:
    assert refused(fake(License_Expression="MIT")) is None
    assert refused(fake(License_Expression="Apache-2.0 OR BSD-3-Clause")) is None
    assert refused(fake(License_Expression="LGPL-3.0-only")) is None
    assert refused(fake(Classifier="License :: OSI Approved :: BSD License")) is None
    assert refused(fake(License="PSFL")) is None
    # A SimHei wheel as it would describe itself, GPL, nothing at all, or an unknown word.
    assert refused(fake(License="Proprietary", Classifier="License :: Other/Proprietary License"))
    assert refused(fake(License_Expression="LicenseRef-SimHei"))
    assert refused(fake(License_Expression="GPL-3.0-or-later"))
    assert refused(fake(License_Expression="MIT AND LicenseRef-Proprietary"))
    assert refused(fake()) == "declares no licence"
    assert refused(fake(License="UNKNOWN"))
    # A hand-read wording passes only word for word.
    assert refused(fake(Name="pypdfium2", License=next(iter(REVIEWED))[1])) is None
    assert refused(fake(Name="pypdfium2", License="BSD-3-Clause, Apache-2.0, other licenses"))


def test_no_simhei_in_the_install_or_the_repo() -> None:
    files = installed_files()
    fonts = [f for f in files if f.suffix.lower() in FONT_SUFFIXES]
    assert cjk_font() in fonts  # the board's font is looked at too
    assert simhei_fonts(files) == []


def test_the_font_scan_finds_simhei(tmp_path: Path) -> None:
    by_name = tmp_path / "SimHei.ttf"
    by_name.write_bytes(b"\x00\x01\x00\x00")
    # A renamed copy: its name table still says SimHei (UTF-16), or carries the maker's ©.
    by_table = tmp_path / "heiti.ttf"
    by_table.write_bytes(b"\x00\x01\x00\x00name" + "SimHei".encode("utf-16-be"))
    by_notice = tmp_path / "font.otf"
    by_notice.write_bytes(b"OTTO" + "(c) Copyright ZHONGYI Electronic Co.".encode("utf-16-be"))
    not_a_font = tmp_path / "notes.txt"
    not_a_font.write_text("SimHei", encoding="utf-8")
    paths = [by_name, by_table, by_notice, not_a_font, cjk_font()]
    assert simhei_fonts(paths) == [by_name, by_table, by_notice]
