"""A plan file's `templates:`: the blank forms beside it, read and checked on import.

Each path is relative to the plan file (domain.plan_checks keeps it inside that folder). A file
must exist, be of a type the bureau takes and within the attachment size limit; every problem
is reported with the line that names the file. A file that is not there but that the stored
plan already has for the same material (`kept`) stays as stored: a plan exported in chat and
sent back without its forms keeps them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from domain.file_names import extension
from domain.plan_model import PlanFile, PlanFileError, PlanIssue, PlanItem, PlanTemplate
from domain.text import clip


@dataclass(frozen=True)
class TemplateRules:
    max_bytes: int
    allowed: frozenset[str]  # extensions without the dot, lower case


@dataclass
class _Reader:
    base: Path
    rules: TemplateRules
    kept: Mapping[str, frozenset[str]]
    issues: dict[tuple[int, str], PlanIssue] = field(default_factory=dict)
    read: dict[str, bytes | None] = field(default_factory=dict)

    def problem(self, template: PlanTemplate, key: str, **params: object) -> None:
        strings = {"path": clip(template.path, 60), **{k: str(v) for k, v in params.items()}}
        issue = PlanIssue(line=template.line, key=f"plan.error.{key}", params=strings)
        self.issues.setdefault((template.line, template.path), issue)

    def template(self, code: str, template: PlanTemplate) -> PlanTemplate:
        if template.path not in self.read:
            self.read[template.path] = self._bytes(template)
        data = self.read[template.path]
        if data is None and template.path not in self.kept.get(code, frozenset()):
            if (template.line, template.path) not in self.issues:
                self.problem(template, "template_missing")
        return template.model_copy(update={"data": data})

    def _bytes(self, template: PlanTemplate) -> bytes | None:
        if extension(template.path) not in self.rules.allowed:
            self.problem(template, "template_type", allowed=" ".join(sorted(self.rules.allowed)))
            return None
        path = self.base / template.path
        try:
            if not path.is_file():
                return None  # missing: refused unless the stored plan has it
            size = path.stat().st_size
            if size > self.rules.max_bytes:
                limit = f"{self.rules.max_bytes / 1024 / 1024:g}"
                self.problem(template, "template_too_large", limit_mb=limit)
                return None
            data = path.read_bytes()
        except OSError as e:
            self.problem(template, "template_unreadable", reason=e.strerror or str(e))
            return None
        if not data:
            self.problem(template, "template_empty")
            return None
        return data


def read_templates(
    plan: PlanFile,
    base: Path,
    rules: TemplateRules,
    kept: Mapping[str, frozenset[str]] | None = None,
    *,
    source: str = "<plan>",
) -> PlanFile:
    """The plan with each template's bytes read from beside the plan file (`base`); `kept`:
    the paths the stored plan of the same code and year has, by material code. Raises
    PlanFileError naming every problem's line."""
    if not any(m.templates for m in plan.materials()):
        return plan
    reader = _Reader(base, rules, kept or {})
    items: list[PlanItem] = []
    for item in plan.items:
        materials = [
            m.model_copy(
                update={"templates": tuple(reader.template(m.code, t) for t in m.templates)}
            )
            for m in item.materials
        ]
        items.append(item.model_copy(update={"materials": materials}))
    if reader.issues:
        issues = sorted(reader.issues.values(), key=lambda issue: issue.line)
        raise PlanFileError(source, issues)
    return plan.model_copy(update={"items": items})
