"""The rows the export's two long sheets are rendered from, as storage reads them: plain
tuples, no objects (a national export holds half a million of them)."""

from __future__ import annotations

# (id, unit id, material id, submitted (UTC text), contact, count, note, status, reviewer,
#  reviewed, return reason, "; "-joined attachment names)
ReportRecord = tuple[
    int, int, int, str, str | None, int | None, str | None, str, str | None, str | None,
    str | None, str,
]  # fmt: skip
# (at (UTC text), unit id, actor, action, subject, detail JSON text)
AuditRecord = tuple[str, int | None, str | None, str, str | None, str]
