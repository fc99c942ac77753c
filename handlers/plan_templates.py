"""A plan's blank forms (模板) on import: read from beside the plan file, kept in the
attachment store as reports' files are (storage.files), linked to their materials."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

import aiosqlite

from domain.file_names import sanitize_name
from domain.plan_model import PlanFile, PlanMaterial
from domain.plan_templates import TemplateRules, read_templates
from domain.settings import Settings
from storage import blobs, material_templates, plans
from storage.db import Store
from storage.files import FileStore
from storage.material_templates import MaterialTemplate
from storage.models import StoredFile


def rules(settings: Settings) -> TemplateRules:
    allowed = frozenset(t.lower() for t in settings.allowed_types)
    return TemplateRules(settings.max_attachment_bytes, allowed)


async def read(
    store: Store, settings: Settings, plan: PlanFile, base: Path, source: str
) -> PlanFile:
    """The plan with its forms read from `base` (the plan file's folder); a form missing there
    that the stored plan of the same code and year already has for that material is kept.
    Raises PlanFileError by line."""
    if not any(m.templates for m in plan.materials()):
        return plan
    kept: dict[str, frozenset[str]] = {}
    async with store.read() as db:
        stored = await plans.find(db, plan.code, plan.year)
        if stored is not None:
            codes = {m.id: m.code for m in await plans.materials(db, stored.id)}
            for material_id, found in (await material_templates.of_plan(db, stored.id)).items():
                kept[codes[material_id]] = frozenset(t.path for t in found)
    return read_templates(plan, base, rules(settings), kept, source=source)


@dataclass
class Saved:
    """The forms of a plan being written: saved files by path, and how to record their blobs."""

    by_path: dict[str, StoredFile] = field(default_factory=dict)
    rel_path: Callable[[str], str] = str

    async def link(
        self,
        db: aiosqlite.Connection,
        material_id: int,
        material: PlanMaterial,
        now: datetime,
        before: list[MaterialTemplate] | None = None,
    ) -> bool:
        """Link the material's forms (those not read kept from `before`); True if they
        changed."""
        had = {t.path: t for t in before or []}
        rows: list[MaterialTemplate] = []
        for template in material.templates:
            saved = self.by_path.get(template.path)
            if saved is None:
                if template.path not in had:
                    continue  # cannot happen: read() refused it
                rows.append(had[template.path])
                continue
            await blobs.record(db, [saved], self.rel_path, now)
            rows.append(
                MaterialTemplate(
                    material_id=material_id, seq=0, path=template.path, name=saved.name,
                    sha256=saved.sha256, mime=saved.mime, size=saved.size,
                )
            )  # fmt: skip
        same = [(t.path, t.sha256) for t in rows] == [(t.path, t.sha256) for t in before or []]
        if not same:
            await material_templates.set_for(db, material_id, rows)
        return not same


async def save(files: FileStore | None, plan: PlanFile) -> Saved:
    """Put every form read with the plan in the file store, once per path (before the plan's
    transaction, as a report's files are)."""
    read = {t.path: t.data for m in plan.materials() for t in m.templates if t.data is not None}
    if not read:
        return Saved()
    if files is None:
        raise ValueError("a plan with templates needs the file store")
    by_path = {}
    for path, data in read.items():
        name = sanitize_name(PurePosixPath(path).name)
        by_path[path] = await files.save(name, None, _once(data), len(data))
    return Saved(by_path, files.relative)


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data
