"""Plan notices as an admin sends them in chat, one builder per file type, for the tests that
send "the notice" over a channel: each writes the seed's notice into a folder and returns it.

Every builder gives the seed's 9 items and 16 materials; a test parametrized over `SENT`
sends each kind. A new kind is a builder here and its name in `SENT`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.notice_documents import seed_body, seed_notes, seed_rows, write_docx
from tests.test_plan_xlsx import workbook

Builder = Callable[[Path], Path]


def xlsx(folder: Path) -> Path:
    """The 细则 sheet as Excel stores it (merged cells)."""
    path = folder / "全省安全监管系统服务型行政执法建设年度工作任务细则.xlsx"
    workbook(path)
    return path


def docx(folder: Path) -> Path:
    """The notice as Word stores it: its paragraphs, then the table with vertical merges."""
    path = folder / "豫安监管〔2016〕41号.docx"
    write_docx(path, seed_body(), seed_rows(), seed_notes())
    return path


# The kinds of notice the channel tests send: the Word file, as bureaus receive it (the
# Excel sheet is sent in the shell tests, tests/test_plan_upload.py).
SENT: list[Builder] = [docx]
