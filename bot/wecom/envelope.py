"""Hardened XML reading for WeCom callbacks: no DTDs, no entities, flat fields only."""

from __future__ import annotations

from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

MAX_FIELD = 20_000


class XmlError(Exception):
    """Not a WeCom XML document."""


def fields(document: bytes | str) -> dict[str, str]:
    """The text of each child of the root `<xml>` element (nested elements flattened by tag)."""
    try:
        root = fromstring(document, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError) as err:
        raise XmlError(type(err).__name__) from None
    if root.tag != "xml":
        raise XmlError("root")
    found: dict[str, str] = {}
    for element in root.iter():
        if element is root or element.tag in found:
            continue
        text = (element.text or "").strip()
        if len(text) > MAX_FIELD:
            raise XmlError("field too long")
        found[str(element.tag)] = text
    return found
