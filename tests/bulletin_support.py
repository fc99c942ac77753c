"""Reading back the 通报 document a reply carried (`📎 文件 通报-….docx(path)`)."""

from __future__ import annotations

import re

from docx import Document

DOCX = re.compile(r"📎 \S+ (\S+?\.docx)\((/[^)]+)\)")


def document_lines(reply: str) -> list[str]:
    """The paragraphs of the .docx the reply carried, as text."""
    found = DOCX.search(reply)
    assert found, reply
    return [p.text for p in Document(found.group(2)).paragraphs]


def section(lines: list[str], heading: str) -> list[str]:
    """The paragraphs under one level-1 heading (一、…), up to the next one or the signature."""
    start = lines.index(heading) + 1
    end = start
    while (
        end < len(lines) and lines[end] and not re.match(r"^[一二三四五六七八九十]+、", lines[end])
    ):
        end += 1
    return lines[start:end]
