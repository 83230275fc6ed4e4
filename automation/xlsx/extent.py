"""How big a worksheet is, found before python-calamine loads it.

Why: calamine turns a sheet into one dense grid from its first to its last cell. A register of a million rows costs
gigabytes once every cell is a Python object, and a file with one cell in A1 and one in XFD1048576 asks for a
half-terabyte grid, which ends the process outright (an allocation failure in Rust is not an exception). So a
sheet's used range is checked first and a sheet over the limits is refused in one line (§12).

The used range is read from the sheet's ``<dimension ref="A1:V50001"/>``, which comes first in the part: one small
inflated chunk. Excel, LibreOffice, WPS and openpyxl write it; a sheet without it is scanned in chunks for its cell
and row references (only such files pay for a scan). Calamine's own grid size is checked again after loading, before
any Python object is made, in case a dimension understated it.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from lxml import etree

from .formats import sheet_part

_CHUNK = 1 << 20
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref\s*=\s*[\"']([A-Za-z]{0,3})(\d*)(?::([A-Za-z]{1,3})(\d+))?[\"']")
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData[\s>/]")
_REF = re.compile(rb"<(?:\w+:)?(?:c|row)\s[^>]*?\br\s*=\s*[\"']([A-Za-z]{0,3})(\d+)[\"']")
_EXCEL_ROWS, _EXCEL_COLUMNS = 1_048_576, 16_384


@dataclass(frozen=True)
class Extent:
    rows: int  # from the first to the last row of the used range
    columns: int
    ref: str  # as Excel would name the used range, for messages

    @property
    def cells(self) -> int:
        return self.rows * self.columns


def column_number(letters: str) -> int:
    """Excel column letters -> 1-based number (A -> 1, XFD -> 16384); empty -> 0."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def sheet_extent(data: bytes, sheet: str) -> Extent | None:
    """The used range of ``sheet`` in the xlsx package ``data``; None when it cannot be told (not an xlsx, no such
    sheet): calamine's own grid size is then the only check."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            part = sheet_part(zf, sheet)
            if part is None:
                return None
            with zf.open(part) as stream:
                head = stream.read(_CHUNK)
                found = _from_dimension(head)
                if found is not None:
                    return found
                return _by_scan(head, stream)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError, etree.LxmlError):
        return None


def _from_dimension(head: bytes) -> Extent | None:
    data_at = _SHEET_DATA.search(head)
    m = _DIMENSION.search(head, 0, data_at.start() if data_at else len(head))
    if m is None or not m.group(2):
        return None
    c1, r1 = column_number(m.group(1).decode()), int(m.group(2))
    c2 = column_number(m.group(3).decode()) if m.group(3) else c1
    r2 = int(m.group(4)) if m.group(4) else r1
    rows, cols = abs(r2 - r1) + 1, abs(c2 - c1) + 1 if c1 and c2 else _EXCEL_COLUMNS
    ref = b"".join(g or b"" for g in m.groups()[:2]) + (b":" + m.group(3) + m.group(4) if m.group(3) else b"")
    return Extent(min(rows, _EXCEL_ROWS), min(cols, _EXCEL_COLUMNS), ref.decode())


def _by_scan(head: bytes, stream: io.BufferedIOBase) -> Extent:
    """The used range from every row and cell reference (rows without one are counted)."""
    low_row = low_col = None
    high_row = high_col = row_tags = 0
    tail = b""
    chunk = head
    while chunk:
        buf = tail + chunk
        cut = buf.rfind(b"<")  # a tag cut in two is looked at with the next chunk
        cut = cut if cut > 0 else len(buf)
        for letters, digits in _REF.findall(buf, 0, cut):
            row = int(digits)
            high_row = max(high_row, row)
            low_row = row if low_row is None else min(low_row, row)
            if letters:
                col = column_number(letters.decode())
                high_col = max(high_col, col)
                low_col = col if low_col is None else min(low_col, col)
        row_tags += buf.count(b"<row ", 0, cut) + buf.count(b"<row>", 0, cut)
        high_row = max(high_row, row_tags + (low_row or 1) - 1)
        tail = buf[cut:]
        chunk = stream.read(_CHUNK)
    rows = high_row - (low_row or 1) + 1 if high_row else 0
    cols = high_col - (low_col or 1) + 1 if high_col else 1
    return Extent(min(rows, _EXCEL_ROWS), min(cols, _EXCEL_COLUMNS), "(scanned)")
