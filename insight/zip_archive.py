"""The materials archive: accepted files foldered item/unit/, Chinese names kept, with an index sheet."""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from openpyxl import Workbook

from domain.file_names import extension, sanitize_name
from domain.progress_rows import AcceptedFile, MaterialCol, UnitRow
from locales import Translator

CHUNK = 1 << 20
# Already compressed: deflating them again costs time and saves nothing.
_STORED = frozenset(
    "jpg jpeg png gif webp heic mp4 mov avi mkv 3gp m4v mp3 m4a aac ogg oga amr silk"
    " zip rar 7z docx xlsx pptx ofd".split()
)


@dataclass
class ArchiveSummary:
    path: Path
    files: int = 0
    bytes: int = 0
    missing: list[str] = field(default_factory=list)  # stored files whose bytes are gone
    entries: list[str] = field(default_factory=list)


def folder_of(material: MaterialCol, unit: UnitRow) -> str:
    item = sanitize_name(f"{material.item_no} {material.item_title}")
    return f"{item}/{sanitize_name(unit.label)}"


def _unique(path: str, used: set[str]) -> str:
    if path not in used:
        used.add(path)
        return path
    stem, dot, ext = path.rpartition(".")
    if not dot or "/" in ext:
        stem, ext = path, ""
    n = 2
    while True:
        candidate = f"{stem} ({n}).{ext}" if ext else f"{stem} ({n})"
        if candidate not in used:
            used.add(candidate)
            return candidate
        n += 1


def write_archive(
    files: Iterable[AcceptedFile],
    open_blob: Callable[[str], BinaryIO | None],
    units: dict[int, UnitRow],
    materials: dict[int, MaterialCol],
    t: Translator,
    out: Path,
) -> ArchiveSummary:
    """Stream every file into `out`; a half-written archive is never left under `out`."""
    summary = ArchiveSummary(path=out)
    index = Workbook(write_only=True)
    sheet = index.create_sheet(t("insight.archive_index_sheet"))
    header = [
        t("insight.col_item"),
        t("insight.col_unit"),
        t("insight.col_code"),
        t("insight.col_material"),
        t("insight.col_report_id"),
        t("insight.col_reviewed"),
        t("insight.col_file_name"),
        t("insight.col_zip_path"),
        t("insight.col_size"),
        "SHA-256",
    ]
    sheet.append(header)
    used: set[str] = set()
    partial = out.with_name(out.name + ".part")
    index_path = out.with_name(out.name + ".index.xlsx")
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for f in files:
                material, unit = materials[f.material_id], units[f.unit_id]
                # A period's code (`3.1/06`) must not turn into a folder of its own.
                name = sanitize_name(f"{material.code.replace('/', '-')} {f.name}")
                arcname = _unique(f"{folder_of(material, unit)}/{name}", used)
                source = open_blob(f.sha256)
                reviewed = f.reviewed_at.astimezone(t.tz) if f.reviewed_at else None
                if source is None:
                    summary.missing.append(arcname)
                    arcname = t("insight.archive_missing")
                else:
                    info = zipfile.ZipInfo(arcname, _stamp(reviewed))
                    info.compress_type = (
                        zipfile.ZIP_STORED if extension(f.name) in _STORED else zipfile.ZIP_DEFLATED
                    )
                    info.file_size = f.size
                    with source as src, zf.open(info, "w", force_zip64=True) as dst:
                        shutil.copyfileobj(src, dst, CHUNK)
                    summary.files += 1
                    summary.bytes += f.size
                    summary.entries.append(info.filename)
                sheet.append(
                    [
                        f"{material.item_no} {material.item_title}",
                        unit.label,
                        material.code,
                        material.title,
                        f.report_id,
                        reviewed.strftime("%Y-%m-%d %H:%M") if reviewed else None,
                        f.name,
                        arcname,
                        f.size,
                        f.sha256,
                    ]
                )
            index.save(index_path)
            zf.write(index_path, t("insight.archive_index_name"))
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
        index_path.unlink(missing_ok=True)
    return summary


def _stamp(local: datetime | None) -> tuple[int, int, int, int, int, int]:
    """ZIP entry time: when the material was accepted, in the bureau's time zone."""
    if local is not None and local.year >= 1980:
        return (local.year, local.month, local.day, local.hour, local.minute, local.second)
    return (1980, 1, 1, 0, 0, 0)
