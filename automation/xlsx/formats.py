"""Whether a cell's number format shows a time of day, read straight from the file for a few named cells.

Why: python-calamine hands a date-time cell whose serial is a whole number (a call at exactly 00:00) over as a plain
``datetime.date``, exactly like a date typed without a time, and exposes no number formats. The number format tells
them apart: ``yyyy-mm-dd hh:mm`` shows a time, ``yyyy-mm-dd`` does not. :func:`time_formatted` reads only what that
takes: the number formats and cell formats (xlsx ``styles.xml``; xls FORMAT and XF records) and the style index of
the cells asked about. The sheet part is inflated in chunks only up to the last row asked about, and each such row
is found by a plain byte search for its ``<row r="N"`` tag (an XML parse of a 60 MB sheet would cost more than
calamine's whole read); a sheet written otherwise (rows without ``r``, attributes in another order) is parsed with
lxml instead. It is only called for cells calamine returned as plain dates in a date-time column, so a register
without such cells pays nothing.

Anything unexpected (a damaged part, a sheet not found, an Excel 95 file, a Strict or binary package) answers
"no time shown" for every cell, which is the strict reading (TYP003) and never an error.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Collection, Iterable
from posixpath import dirname, join, normpath

from lxml import etree

Cell = tuple[int, int]  # (Excel row number, 1-based; column index, 0-based), as a Table keeps them

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
# Built-in number formats (no code in the file) that show a time: 18-21 h:mm AM/PM .. h:mm:ss, 22 m/d/yy h:mm,
# 45-47 mm:ss, [h]:mm:ss, mm:ss.0, and the East Asian 32-35, 55-56 (h"时"mm"分" and 上午/下午 forms).
BUILTIN_TIME_IDS = frozenset({18, 19, 20, 21, 22, 32, 33, 34, 35, 45, 46, 47, 55, 56})

# What a format code shows literally, not as a date/time token: quoted text, a backslash-escaped character, the
# character after _ (a space that wide) or * (fill), and bracketed colours/conditions/locales ([Red], [<1],
# [$-804], [DBNum1]); elapsed-time brackets [h] [mm] [ss] are kept because they do show a time.
_LITERAL = re.compile(r'"[^"]*"|\\.|_.|\*.|\[(?![hHmMsS]+\])[^\]]*\]')
_TIME_TOKEN = re.compile(r"[hHsS]")

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
_CHUNK = 1 << 22  # bytes of a sheet part inflated at a time
_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?worksheet[\s>]")
_CELL_ATTR = re.compile(rb"""\s(r|s)\s*=\s*["']([^"']*)["']""")


def shows_time(code: str) -> bool:
    """Whether an Excel number format code shows a time of day (an ``h`` or ``s`` token outside literal text).

    ``m``/``mm`` is month or minute depending on its neighbours, but a format showing minutes always shows hours or
    seconds too, so h and s are enough."""
    return bool(_TIME_TOKEN.search(_LITERAL.sub("", code)))


def time_formatted(data: bytes, sheet: str, cells: Collection[Cell]) -> set[Cell]:
    """Of ``cells`` of ``sheet`` in the workbook ``data`` (xlsx/xlsm or xls), those whose format shows a time."""
    if not cells:
        return set()
    try:
        if data.startswith(ZIP_MAGIC):
            return _xlsx(data, sheet, cells)
        if data.startswith(OLE_MAGIC):
            return _xls(data, sheet, cells)
    except Exception:  # noqa: BLE001 - any surprise keeps the strict reading (TYP003), never breaks a read
        return set()
    return set()


def _rows_wanted(cells: Iterable[Cell]) -> dict[int, set[int]]:
    wanted: dict[int, set[int]] = {}
    for row, col in cells:
        wanted.setdefault(row, set()).add(col)
    return wanted


# --- xlsx / xlsm -----------------------------------------------------------------------------------------


def _xml(zf: zipfile.ZipFile, part: str) -> etree._Element:
    return etree.fromstring(zf.read(part), _PARSER)


def _targets(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, target part) of a part's .rels."""
    rels = join(dirname(part), "_rels", part.rsplit("/", 1)[-1] + ".rels")
    out: dict[str, tuple[str, str]] = {}
    for rel in _xml(zf, rels):
        target = rel.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else normpath(join(dirname(part), target))
        out[rel.get("Id", "")] = (rel.get("Type", ""), path)
    return out


def _workbook_part(zf: zipfile.ZipFile) -> str:
    root_rels = _targets(zf, "")  # _rels/.rels
    return next((p for t, p in root_rels.values() if t.endswith("/officeDocument")), "xl/workbook.xml")


def sheet_part(zf: zipfile.ZipFile, sheet: str) -> str | None:
    """The part (``xl/worksheets/sheet1.xml``) of the sheet named ``sheet`` in an open xlsx package, if any."""
    workbook = _workbook_part(zf)
    rels = _targets(zf, workbook)
    for element in _xml(zf, workbook).iter("{*}sheet"):
        if element.get("name") == sheet:
            rid = next((v for k, v in element.attrib.items() if k.endswith("}id")), None)
            return rels.get(rid or "", ("", None))[1]
    return None


def _xlsx(data: bytes, sheet: str, cells: Collection[Cell]) -> set[Cell]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        workbook = _workbook_part(zf)
        rels = _targets(zf, workbook)
        part = sheet_part(zf, sheet)
        styles = next((p for t, p in rels.values() if t.endswith("/styles")), None)
        if part is None or styles is None:
            return set()
        time_xf = _time_xfs(_xml(zf, styles))
        if not any(time_xf):
            return set()
        wanted = _rows_wanted(cells)
        with zf.open(part) as stream:
            found = _xlsx_styles_by_search(stream, wanted)
        if found is None:
            with zf.open(part) as stream:
                found = _xlsx_styles_parsed(stream, wanted)
    return {cell for cell, xf in found.items() if xf < len(time_xf) and time_xf[xf]}


def _time_xfs(styles: etree._Element) -> list[bool]:
    """For each cell format (cellXfs, indexed by a cell's ``s``): does its number format show a time?"""
    codes = {int(f.get("numFmtId", "-1")): f.get("formatCode", "") for f in styles.iterfind("{*}numFmts/{*}numFmt")}

    def time_id(fmt: int) -> bool:
        return shows_time(codes[fmt]) if fmt in codes else fmt in BUILTIN_TIME_IDS

    return [time_id(int(xf.get("numFmtId", "0"))) for xf in styles.iterfind("{*}cellXfs/{*}xf")]


def _column(ref: str) -> int:
    col = 0
    for ch in ref:
        if not ch.isalpha():
            break
        col = col * 26 + (ord(ch.upper()) - 64)
    return col - 1


class _Chunks:
    """A part's bytes inflated on demand; positions are absolute, bytes already searched are let go."""

    def __init__(self, stream: io.BufferedIOBase) -> None:
        self._stream = stream
        self._buf = b""
        self._base = 0  # absolute position of _buf[0]
        self._eof = False

    def find(self, needle: bytes, pos: int, keep: int | None = None) -> int:
        """Absolute position of ``needle`` at or after ``pos``, -1 at the end of the part. Bytes before ``keep``
        (by default, every byte searched) are no longer available to :meth:`slice`."""
        while True:
            i = self._buf.find(needle, pos - self._base)
            if i >= 0:
                return self._base + i
            if self._eof:
                return -1
            pos = max(pos, self._base + len(self._buf) - len(needle) + 1)
            cut = max(0, (pos if keep is None else keep) - self._base)
            chunk = self._stream.read(_CHUNK)
            self._eof = not chunk
            self._buf = self._buf[cut:] + chunk
            self._base += cut

    def slice(self, start: int, end: int) -> bytes:
        return self._buf[start - self._base : end - self._base]


def _xlsx_styles_by_search(stream: io.BufferedIOBase, wanted: dict[int, set[int]]) -> dict[Cell, int] | None:
    """Style index (``s``, 0 when absent) of the wanted cells, finding each wanted row by its ``<row r="N"`` tag.

    None when a wanted row is not written that way (the caller then parses the sheet): every wanted cell exists,
    since calamine read a date from it, so a row not found means only another way of writing it."""
    chunks = _Chunks(stream)
    opening = chunks.find(b"<", 0)
    root = _ROOT.search(chunks.slice(opening, opening + 4096)) if opening >= 0 else None
    if root is None:
        return None
    prefix = root.group(1) or b""
    end_tag = b"</" + prefix + b"row>"
    cell_tag = re.compile(b"<" + re.escape(prefix) + rb"c(\s[^>]*)?>")
    letters = {col: _letters(col) for cols in wanted.values() for col in cols}
    found: dict[Cell, int] = {}
    pos = 0
    for number in sorted(wanted):
        start = chunks.find(b'<%srow r="%d"' % (prefix, number), pos)
        tag_end = chunks.find(b">", start, keep=start) if start >= 0 else -1
        if tag_end < 0:
            return None
        if chunks.slice(tag_end - 1, tag_end) == b"/":  # <row .../>: no cells
            return None
        row_end = chunks.find(end_tag, tag_end, keep=tag_end)
        if row_end < 0:
            return None
        segment = chunks.slice(tag_end + 1, row_end)
        styles = _cells_by_reference(segment, number, wanted[number], letters, cell_tag)
        if styles is None:
            styles = _cells_in_row(segment, wanted[number], cell_tag)
        found.update(((number, col), style) for col, style in styles.items())
        pos = row_end
    return found


def _letters(col: int) -> bytes:
    letters = b""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = bytes([65 + rem]) + letters
    return letters


def _cells_by_reference(
    segment: bytes, number: int, cols: set[int], letters: dict[int, bytes], cell_tag: re.Pattern[bytes]
) -> dict[int, int] | None:
    """Style of each wanted cell of one row's XML, found by its ``r="B12"``; None when one is not written so."""
    styles: dict[int, int] = {}
    for col in cols:
        at = segment.find(b' r="%s%d"' % (letters[col], number))
        tag = cell_tag.match(segment, segment.rfind(b"<", 0, at)) if at >= 0 else None
        if tag is None or tag.end() <= at:  # not inside a <c ...> tag (text that happens to read r="B12")
            return None
        style = _CELL_ATTR.findall(tag.group(1))
        styles[col] = next((int(v or 0) for k, v in style if k == b"s"), 0)
    return styles


def _cells_in_row(segment: bytes, cols: set[int], cell_tag: re.Pattern[bytes]) -> dict[int, int]:
    """Style of each wanted cell of one row's XML, reading every cell (cells without ``r`` follow the previous)."""
    styles: dict[int, int] = {}
    col = -1
    for cell in cell_tag.finditer(segment):
        attrs = dict(_CELL_ATTR.findall(cell.group(1) or b""))
        ref = attrs.get(b"r")
        col = _column(ref.decode("ascii", "replace")) if ref else col + 1
        if col in cols:
            styles[col] = int(attrs.get(b"s") or 0)
    return styles


def _xlsx_styles_parsed(stream: io.BufferedIOBase, wanted: dict[int, set[int]]) -> dict[Cell, int]:
    """Style index (``s``, 0 when absent) of the wanted cells, parsing the sheet's rows up to the last wanted one.

    Rows and cells without an ``r`` reference follow the previous one, as the format allows."""
    found: dict[Cell, int] = {}
    last = max(wanted)
    row_number = 0
    for _, row in etree.iterparse(stream, events=("end",), tag="{*}row", resolve_entities=False, no_network=True,
                                  load_dtd=False):
        ref = row.get("r")
        row_number = int(ref) if ref else row_number + 1
        cols = wanted.get(row_number)
        if cols:
            col = -1
            for cell in row.iterchildren("{*}c"):
                cref = cell.get("r")
                col = _column(cref) if cref else col + 1
                if col in cols:
                    found[(row_number, col)] = int(cell.get("s") or 0)
        # Free what was parsed so far: the sheet may be tens of megabytes.
        row.clear()
        while row.getprevious() is not None:
            del row.getparent()[0]
        if row_number >= last:
            break
    return found


# --- xls (BIFF8) -------------------------------------------------------------------------------------------

_BOF, _EOF, _BOUNDSHEET, _FORMAT, _XF = 0x0809, 0x000A, 0x0085, 0x041E, 0x00E0
_NUMBER, _RK, _MULRK, _FORMULA = 0x0203, 0x027E, 0x00BD, 0x0006
_BIFF8 = 0x0600
_HEADER = struct.Struct("<HH")  # record type, body length


def _records(stream: bytes, offset: int = 0) -> Iterable[tuple[int, int, memoryview]]:
    """(type, offset, body) of each BIFF record from ``offset``."""
    view = memoryview(stream)
    size = len(stream)
    while offset + 4 <= size:
        kind, length = _HEADER.unpack_from(stream, offset)
        yield kind, offset, view[offset + 4 : offset + 4 + length]
        offset += 4 + length


def _unicode(body: memoryview, start: int, length_bytes: int) -> str:
    """An XLUnicodeString (``length_bytes`` = 2) or ShortXLUnicodeString (1) at ``start``; no rich/phonetic parts
    occur in the records read here."""
    count = int.from_bytes(body[start : start + length_bytes], "little")
    high = body[start + length_bytes] & 1
    text = body[start + length_bytes + 1 :]
    return bytes(text[: count * 2]).decode("utf-16-le") if high else bytes(text[:count]).decode("latin-1")


def _xls(data: bytes, sheet: str, cells: Collection[Cell]) -> set[Cell]:
    import olefile  # comes with msoffcrypto-tool; only legacy files need it

    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        if not ole.exists("Workbook"):  # Excel 95 and older call it "Book" and use BIFF5
            return set()
        stream = ole.openstream("Workbook").read()
    codes: dict[int, str] = {}
    xf_formats: list[int] = []
    sheet_at = None
    for kind, _offset, body in _records(stream):
        if kind == _BOF and struct.unpack_from("<H", body, 0)[0] != _BIFF8:
            return set()
        if kind == _FORMAT:
            codes[struct.unpack_from("<H", body, 0)[0]] = _unicode(body, 2, 2)
        elif kind == _XF:
            xf_formats.append(struct.unpack_from("<H", body, 2)[0])
        elif kind == _BOUNDSHEET and _unicode(body, 6, 1) == sheet:
            sheet_at = struct.unpack_from("<I", body, 0)[0]
        elif kind == _EOF:  # end of the workbook globals
            break
    if sheet_at is None:
        return set()
    time_xf = [shows_time(codes[f]) if f in codes else f in BUILTIN_TIME_IDS for f in xf_formats]
    if not any(time_xf):
        return set()
    wanted = {(row - 1, col) for row, col in cells}  # BIFF rows are 0-based
    xfs = _xls_cells(stream, sheet_at, wanted)
    return {(row + 1, col) for (row, col), xf in xfs.items() if xf < len(time_xf) and time_xf[xf]}


def _xls_cells(stream: bytes, sheet_at: int, wanted: set[Cell]) -> dict[Cell, int]:
    """XF index of the wanted cells (0-based rows), walking the sheet's records up to its end or to the first cell
    past the last wanted row (cell records come row by row). LibreOffice writes no INDEX/DBCELL records to jump
    by, so this is a walk over every record up to there: about 0.3 s per million records."""
    last = max(row for row, _ in wanted)
    unpack = _HEADER.unpack_from
    cell = struct.Struct("<HHH").unpack_from  # row, column, XF of NUMBER, RK, FORMULA (and row, first column of MULRK)
    single = (_NUMBER, _RK, _FORMULA)
    found: dict[Cell, int] = {}
    size = len(stream)
    kind, length = unpack(stream, sheet_at)  # the sheet's BOF
    offset = sheet_at + 4 + length
    while offset + 4 <= size:
        kind, length = unpack(stream, offset)
        if kind in single:
            row, col, xf = cell(stream, offset + 4)
            if row > last:
                break
            if (row, col) in wanted:
                found[(row, col)] = xf
        elif kind == _MULRK:
            row, first, _ = cell(stream, offset + 4)
            if row > last:
                break
            for i in range((length - 6) // 6):
                if (row, first + i) in wanted:
                    found[(row, first + i)] = struct.unpack_from("<H", stream, offset + 8 + 6 * i)[0]
        elif kind == _EOF:
            break
        offset += 4 + length
    return found
