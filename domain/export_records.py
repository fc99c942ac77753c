"""The rows the export's two long sheets are rendered from, as storage reads them: plain
tuples straight from SQLite, no objects (a national export holds half a million of them)."""

from __future__ import annotations

# (id, unit id, material id, submitted (UTC text), contact id, count, note, status,
#  reviewer's contact id, reviewed, return reason)
ReportRecord = tuple[
    int, int, int, str, int | None, int | None, str | None, str, int | None, str | None,
    str | None,
]  # fmt: skip
# Reports, and the "; "-joined names of their attachments by report id.
ReportBatch = tuple[list[ReportRecord], dict[int, str]]
# (at (UTC text), unit id, actor's contact id, action, subject, detail JSON text)
AuditRecord = tuple[str, int | None, int | None, str, str | None, str]
