"""Import openpyxl without numpy.

openpyxl imports numpy when it is installed, only so that numpy numbers count as numbers in a
cell; the bot never writes any and does not depend on numpy. Where numpy is installed anyway
(here, with matplotlib), importing it cost 0.14 CPU-s an export (OpenBLAS starting its
threads), more than openpyxl itself. `openpyxl.compat.numbers` is put in place as openpyxl
writes it when numpy is absent; once openpyxl is imported, this changes nothing.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from types import ModuleType

NAME = "openpyxl.compat.numbers"


def without_numpy() -> None:
    """Before openpyxl's first import: its numbers module as without numpy."""
    if NAME in sys.modules or "openpyxl" in sys.modules:
        return
    numbers = ModuleType(NAME)
    numbers.NUMERIC_TYPES = (int, float, Decimal)  # type: ignore[attr-defined]
    numbers.NUMPY = False  # type: ignore[attr-defined]
    sys.modules[NAME] = numbers
