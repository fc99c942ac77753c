"""The export imports openpyxl without numpy (0.14 CPU-s where numpy is installed), and
openpyxl still writes numbers as numbers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import io, sys
from decimal import Decimal
from insight.no_numpy import without_numpy
without_numpy()
from openpyxl import Workbook, load_workbook
wb = Workbook()
wb.active.append([1, 2.5, Decimal("3"), "4"])
out = io.BytesIO()
wb.save(out)
row = next(load_workbook(out).active.iter_rows(values_only=True))
print("numpy" in sys.modules, row)
"""


def test_openpyxl_without_numpy_writes_numbers() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["False", "(1,", "2.5,", "3,", "'4')"]


def test_after_openpyxl_it_changes_nothing() -> None:
    script = (
        "import sys, openpyxl\n"
        "from insight.no_numpy import NAME, without_numpy\n"
        "before = sys.modules[NAME]\nwithout_numpy()\nprint(sys.modules[NAME] is before)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "True"
