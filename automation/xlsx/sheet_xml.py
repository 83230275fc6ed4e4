"""Write one result worksheet part (``xl/worksheets/sheetN.xml``) from a table of typed Python values.

The sheet layout is the product's result format (SPEC §6): row 1 a banner, row 2 bold headers on a fill, data from
row 3, a frozen pane below the header, an autofilter over header + data, column widths and a tab colour.

Value encoding (what a reader such as python-calamine gets back):

* ``str`` → inline string (``t="inlineStr"``), so text is never a formula (``"=1+2"`` stays text). Characters XML
  cannot carry (C0 controls other than TAB/LF/CR, lone surrogates, U+FFFE/U+FFFF) are removed; CR is kept as
  ``&#13;``; text that looks like an OOXML ``_xHHHH_`` escape is itself escaped so Excel shows it literally.
  Text longer than Excel's 32,767 (UTF-16) characters is cut and ends with a marker. ``normalise_text`` is the
  exact transformation, for callers and tests. An empty string is a blank cell.
* ``bool`` → the text 是 / 否 (what Chinese staff type themselves; TRUE/FALSE would look foreign and be
  localised differently by each spreadsheet program).
* ``int`` / ``float`` / numpy numbers / ``Decimal`` → numbers. NaN is blank; ±inf (not representable in Excel)
  becomes the text ``inf`` / ``-inf``; integers beyond 2**53 are written as the nearest double.
* ``datetime.date`` / ``datetime`` / ``time`` (and ``pandas.Timestamp``, ``numpy.datetime64``) → Excel serials
  with the formats ``yyyy-mm-dd``, ``yyyy-mm-dd hh:mm``, ``hh:mm``. Time zones are dropped (wall-clock time kept),
  sub-millisecond parts are lost. Dates before 1900-03-01 (outside Excel's reliable range) are written as ISO text.
  ``None``, NaT and NaN are blank.
* ``Link`` → its text, styled as a link, plus a hyperlink (internal location, or an external relationship).

``render_sheet`` asks a ``style_id`` callback for the ``cellXfs`` index of each ``CellStyle`` it needs;
``StyleBook`` is that callback for a workbook's ``styles.xml`` (it only appends, never changes existing entries).
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import numbers
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from urllib.parse import quote

import numpy as np
from lxml import etree

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLS = 16_384
EXCEL_MAX_CELL_CHARS = 32_767
FIRST_DATA_ROW = 3

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
TIME_FORMAT = "hh:mm"
HEADER_FILL = "FFD9E1F2"
TRUE_TEXT, FALSE_TEXT = "是", "否"

_INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
# Characters XML 1.0 cannot carry at all; removing them is the only faithful option for a text cell.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Excel (and calamine) decode _xHHHH_ inside strings, so literal occurrences must be escaped as _x005F_xHHHH_.
_OOXML_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_ARGB = re.compile(r"^[0-9A-Fa-f]{8}$")
_EPOCH_ORDINAL = dt.date(1899, 12, 30).toordinal()
_FIRST_SAFE_DATE = dt.date(1900, 3, 1)  # serials before this hit Excel's 1900 leap-year bug
_FIRST_SAFE_DATETIME = dt.datetime(1900, 3, 1)
_MAX_SAFE_INT = 2**53


@dataclass(frozen=True)
class Link:
    """A cell showing ``text`` that links to a cell of this workbook or to another file (relative path)."""

    text: str
    sheet: str | None = None
    cell: str | None = None
    file: str | None = None

    def __post_init__(self) -> None:
        if self.sheet is None and self.file is None:
            raise ValueError("Link needs a target sheet or file")


# Row 1 of every result sheet (SPEC §6). 计算时间 is the as-of instant the sheet's figures were computed for, so a
# reader knows how fresh they are; one line, so it never pushes the header row down.
BANNER = "本表由系统自动生成 · 计算时间 {time} · 请勿在此表编辑"
# The part of a banner that names the computing time (to find it, or swap it for another).
STAMP_RE = re.compile(r"计算时间 \d{4}-\d{2}-\d{2} \d{2}:\d{2}")


def banner(as_of: dt.datetime) -> str:
    """The banner of a result sheet computed as of ``as_of`` (whole minutes)."""
    return BANNER.format(time=f"{as_of:%Y-%m-%d %H:%M}")


@dataclass(frozen=True)
class ResultSheet:
    """One result table to be written as a sheet (see the module docstring for how values are encoded)."""

    name: str
    headers: Sequence[str]
    rows: Sequence[Sequence[object]]
    banner: str
    empty_message: str = "无记录"
    widths: Sequence[float] | None = None
    tab_color: str = "FF1F77B4"
    row_fills: Sequence[str | None] | None = None
    number_formats: Mapping[int, str] | None = None
    truncated_note: str = "仅显示前 {shown} 行，共 {total} 行（超出 Excel 行数上限）"
    cell_truncation_marker: str = "…[已截断]"

    def __post_init__(self) -> None:
        check_sheet_name(self.name)
        if not self.headers:
            raise ValueError(f"result sheet {self.name!r} has no headers")
        if len(self.headers) > EXCEL_MAX_COLS:
            raise ValueError(f"result sheet {self.name!r} has more than {EXCEL_MAX_COLS} columns")
        if self.widths is not None and len(self.widths) != len(self.headers):
            raise ValueError(f"result sheet {self.name!r}: widths and headers differ in length")
        if self.row_fills is not None and len(self.row_fills) != len(self.rows):
            raise ValueError(f"result sheet {self.name!r}: row_fills and rows differ in length")
        argb(self.tab_color)
        for colour in self.row_fills or ():
            if colour is not None:
                argb(colour)


@dataclass(frozen=True)
class CellStyle:
    """What a cell needs from ``styles.xml``; the package editor maps it to a ``cellXfs`` index."""

    font: str = "normal"  # normal | bold | banner | link
    fill: str | None = None  # ARGB of a solid fill
    num_format: str | None = None  # Excel format code, None = General


@dataclass(frozen=True)
class RenderedSheet:
    """The worksheet part plus what the package must add around it."""

    xml: bytes
    external_targets: tuple[str, ...] = ()  # hyperlink relationship targets, ids rId1, rId2, … in this order
    filter_range: str = ""  # absolute range for the sheet's _xlnm._FilterDatabase defined name
    rows_written: int = 0
    rows_dropped: int = 0


def check_sheet_name(name: str) -> None:
    """Raise ValueError unless ``name`` is a sheet name Excel accepts."""
    if not name or len(name) > 31:
        raise ValueError(f"sheet name must have 1 to 31 characters: {name!r}")
    if _INVALID_SHEET_CHARS.search(name) or name[0] == "'" or name[-1] == "'":
        raise ValueError(f"sheet name contains a character Excel forbids: {name!r}")
    if name.casefold() == "history":
        raise ValueError("'History' is reserved by Excel")
    if _ILLEGAL_XML.search(name):
        raise ValueError(f"sheet name contains a control character: {name!r}")


def argb(colour: str) -> str:
    """Normalise ``RRGGBB`` / ``AARRGGBB`` to upper-case ARGB, or raise ValueError."""
    value = colour.lstrip("#")
    if len(value) == 6:
        value = "FF" + value
    if not _ARGB.match(value):
        raise ValueError(f"not an ARGB colour: {colour!r}")
    return value.upper()


def column_letter(index: int) -> str:
    """0-based column index → Excel letters (0 → A)."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def quote_sheet(name: str) -> str:
    """Sheet name quoted for a formula / location reference."""
    return "'" + name.replace("'", "''") + "'"


def normalise_text(text: str, marker: str = "…[已截断]") -> str:
    """The text a reader gets back for ``text``: XML-illegal characters removed, cut to Excel's cell limit."""
    if _ILLEGAL_XML.search(text):
        text = _ILLEGAL_XML.sub("", text)
    if len(text) > EXCEL_MAX_CELL_CHARS // 2:  # cheap pre-check; UTF-16 length is at most twice len()
        units = text.encode("utf-16-le")
        if len(units) > 2 * EXCEL_MAX_CELL_CHARS:
            keep = units[: 2 * (EXCEL_MAX_CELL_CHARS - len(marker.encode("utf-16-le")) // 2)]
            if len(keep) >= 2 and 0xD8 <= keep[-1] <= 0xDB:  # do not cut a surrogate pair in half
                keep = keep[:-2]
            text = keep.decode("utf-16-le") + marker
    return text


def _escape_text(text: str) -> str:
    """Escape for element content (caller has removed illegal characters)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:  # a raw CR would be normalised to LF by every XML parser
        text = text.replace("\r", "&#13;")
    if "_x" in text:
        text = _OOXML_ESCAPE.sub(r"_x005F_\1", text)
    return text


_ATTR_SPECIAL = re.compile("[&<>\"\n\r\t\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _escape_attr(text: str) -> str:
    if not _ATTR_SPECIAL.search(text):
        return text
    text = _ILLEGAL_XML.sub("", text)
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
        .replace("\t", "&#9;")
    )


# Cell kinds; each has its own style per column (number formats differ).
_BLANK, _TEXT, _NUMBER, _DATE, _DATETIME, _TIME, _LINK = range(7)
_KIND_FORMATS = {_DATE: DATE_FORMAT, _DATETIME: DATETIME_FORMAT, _TIME: TIME_FORMAT}


def _serial_datetime(value: dt.datetime) -> str:
    millis = round(value.microsecond / 1000)
    seconds = value.hour * 3600 + value.minute * 60 + value.second + millis / 1000
    return repr(value.toordinal() - _EPOCH_ORDINAL + seconds / 86400)


def _serial_time(value: dt.time) -> str:
    seconds = value.hour * 3600 + value.minute * 60 + value.second + round(value.microsecond / 1000) / 1000
    return repr(seconds / 86400)


def _number(value: float) -> tuple[int, str]:
    if math.isnan(value):
        return _BLANK, ""
    if math.isinf(value):
        return _TEXT, "inf" if value > 0 else "-inf"
    return _NUMBER, repr(value)


def encode_value(value: object) -> tuple[int, object]:
    """Classify one value: (kind, payload). Payload is raw (unescaped) text, a number literal, or a Link."""
    if value is None:
        return _BLANK, ""
    if isinstance(value, str):
        return (_TEXT, value) if value else (_BLANK, "")
    if isinstance(value, bool | np.bool_):
        return _TEXT, TRUE_TEXT if value else FALSE_TEXT
    if isinstance(value, numbers.Integral):
        number = int(value)
        if -_MAX_SAFE_INT < number < _MAX_SAFE_INT:
            return _NUMBER, str(number)
        try:
            return _number(float(number))
        except OverflowError:
            return _TEXT, str(number)
    if isinstance(value, numbers.Real | Decimal):
        return _number(float(value))  # type: ignore[arg-type]
    if isinstance(value, dt.datetime):
        if value != value:  # pandas.NaT is a datetime subclass that is unequal to itself
            return _BLANK, ""
        if value.date() < _FIRST_SAFE_DATE:
            return _TEXT, value.replace(tzinfo=None).isoformat(sep=" ")
        return _DATETIME, _serial_datetime(value)
    if isinstance(value, dt.date):
        if value < _FIRST_SAFE_DATE:
            return _TEXT, value.isoformat()
        return _DATE, str(value.toordinal() - _EPOCH_ORDINAL)
    if isinstance(value, dt.time):
        return _TIME, _serial_time(value)
    if isinstance(value, np.datetime64):
        converted = value.astype("datetime64[us]").item()
        return encode_value(converted) if isinstance(converted, dt.datetime) else (_BLANK, "")
    if isinstance(value, Link):
        return _LINK, value
    return _TEXT, str(value)


def _display_width(kind: int, payload: object) -> float:
    if kind == _DATE:
        return 10
    if kind == _DATETIME:
        return 16
    if kind == _TIME:
        return 5
    text = payload.text if isinstance(payload, Link) else str(payload)
    text = text.split("\n", 1)[0][:80]
    if text.isascii():
        return len(text)
    # CJK characters take 3 UTF-8 bytes and two columns; this counts them as 2 without a per-character loop.
    return len(text) + (len(text.encode("utf-8", "replace")) - len(text)) // 2


def default_widths(sheet: ResultSheet, sample: int = 1000) -> list[float]:
    """Column widths from the headers and the first ``sample`` rows (CJK characters count double)."""
    widths = [_display_width(_TEXT, str(h)) for h in sheet.headers]
    for row in sheet.rows[:sample]:
        for j, value in enumerate(row[: len(widths)]):
            kind, payload = encode_value(value)
            if kind != _BLANK:
                widths[j] = max(widths[j], _display_width(kind, payload))
    return [min(60.0, max(6.0, w + 2.0)) for w in widths]


def _location(link: Link) -> str | None:
    if link.sheet is None:
        return None
    return f"{quote_sheet(link.sheet)}!{link.cell or 'A1'}"


@lru_cache(maxsize=4096)
def _file_target(path: str) -> str:
    # Cached: the summary links thousands of problems to the same few workbooks.
    # Relationship targets are URIs: forward slashes, non-ASCII and spaces percent-encoded.
    return quote(path.replace("\\", "/"), safe="/._-~!$&'()*+,;=:@")


def render_sheet(
    sheet: ResultSheet,
    style_id: Callable[[CellStyle], int],
    *,
    name: str | None = None,
    code_name: str | None = None,
    selected: bool = False,
    max_rows: int = EXCEL_MAX_ROWS,
) -> RenderedSheet:
    """Build the worksheet XML for ``sheet``.

    ``name`` is the sheet's final name in the workbook (the package may have had to pick another one), used for
    the filter range; ``code_name`` goes into ``sheetPr`` (the package's marker); ``max_rows`` exists for tests.
    """
    name = name or sheet.name
    headers = [str(h) for h in sheet.headers]
    ncols = len(headers)
    letters = [column_letter(j) for j in range(ncols)]
    last_col = letters[-1]
    marker = sheet.cell_truncation_marker
    overrides = dict(sheet.number_formats or {})

    # Per row fill: for each cell kind, the ' s="N"' attribute of every column (computed once per fill).
    style_rows: dict[str | None, list[list[str]]] = {}

    def styles_for(fill: str | None) -> list[list[str]]:
        table = style_rows.get(fill)
        if table is None:
            table = []
            for kind in range(7):
                per_column = []
                for j in range(ncols):
                    fmt = _KIND_FORMATS.get(kind)
                    if kind in (_NUMBER, _DATE, _DATETIME, _TIME) and j in overrides:
                        fmt = overrides[j]
                    font = "link" if kind == _LINK else "normal"
                    per_column.append(f' s="{style_id(CellStyle(font=font, fill=fill, num_format=fmt))}"')
                table.append(per_column)
            style_rows[fill] = table
        return table

    fills = [argb(f) if f else None for f in sheet.row_fills] if sheet.row_fills is not None else None
    rows = sheet.rows
    total = len(rows)
    room = max_rows - FIRST_DATA_ROW + 1
    shown = total if total <= room else room - 1  # keep the last row for the truncation note
    links: list[str] = []
    external: dict[str, int] = {}
    parts: list[str] = []
    add = parts.append
    # Text cell endings by raw value: short values (status, region, sheet names) repeat a lot.
    tails: dict[str, str] = {}

    def text_tail(raw: str) -> str:
        # Printable text this short has nothing to remove or cut (the common case); otherwise normalise.
        text = raw if len(raw) <= 16_383 and raw.isprintable() else normalise_text(raw, marker)
        if not text:
            return ""
        # Readers trim edge whitespace unless told to keep it (decided before CR becomes "&#13;").
        space = ' xml:space="preserve"' if text[0] in " \t\n\r" or text[-1] in " \t\n\r" else ""
        esc = _escape_text(text)
        tail = f' t="inlineStr"><is><t{space}>{esc}</t></is></c>'
        if len(raw) < 64:
            tails[raw] = tail
        return tail

    def text_cell(ref: str, style: str, raw: str) -> str:
        tail = tails.get(raw) or text_tail(raw)
        return f'<c r="{ref}"{style}{tail}' if tail else ""

    def other_cell(ref: str, value: object, table: list[list[str]], j: int, filled: bool) -> str:
        # Every value the fast paths in the loop below do not cover.
        kind, payload = encode_value(value)
        if kind == _TEXT:
            return text_cell(ref, table[_TEXT][j], payload)  # type: ignore[arg-type]
        if kind == _BLANK:
            return f'<c r="{ref}"{table[_BLANK][j]}/>' if filled else ""
        if kind == _LINK:
            links.append(_hyperlink_xml(ref, payload, external))  # type: ignore[arg-type]
            return text_cell(ref, table[_LINK][j], payload.text)  # type: ignore[attr-defined]
        return f'<c r="{ref}"{table[kind][j]}><v>{payload}</v></c>'

    banner_style = f' s="{style_id(CellStyle(font="banner"))}"'
    header_style = f' s="{style_id(CellStyle(font="bold", fill=HEADER_FILL))}"'
    add('<row r="1">' + text_cell("A1", banner_style, sheet.banner) + "</row>")
    add('<row r="2">' + "".join(text_cell(letters[j] + "2", header_style, h) for j, h in enumerate(headers)))
    add("</row>")

    plain = styles_for(None)
    inf = math.inf
    r = FIRST_DATA_ROW - 1
    for i in range(shown):
        row = rows[i]
        if len(row) > ncols:
            raise ValueError(f"result sheet {sheet.name!r}: row {i + 1} has more values than headers")
        r = i + FIRST_DATA_ROW
        rs = str(r)
        fill = fills[i] if fills is not None else None
        table = plain if fill is None else styles_for(fill)
        text_st, number_st, date_st, datetime_st = table[_TEXT], table[_NUMBER], table[_DATE], table[_DATETIME]
        add(f'<row r="{rs}">')
        # Fast paths for the common exact types, inlined: this loop runs once per cell (500,000 for 50k × 10).
        for j, value in enumerate(row):
            vt = type(value)
            if vt is str and value:
                tail = tails.get(value) or text_tail(value)
                if tail:
                    add(f'<c r="{letters[j]}{rs}"{text_st[j]}{tail}')
                elif fill is not None:
                    add(f'<c r="{letters[j]}{rs}"{table[_BLANK][j]}/>')
            elif vt is float and -inf < value < inf:
                add(f'<c r="{letters[j]}{rs}"{number_st[j]}><v>{value!r}</v></c>')
            elif vt is int and -_MAX_SAFE_INT < value < _MAX_SAFE_INT:
                add(f'<c r="{letters[j]}{rs}"{number_st[j]}><v>{value}</v></c>')
            elif vt is dt.datetime and value >= _FIRST_SAFE_DATETIME and value.tzinfo is None:
                add(f'<c r="{letters[j]}{rs}"{datetime_st[j]}><v>{_serial_datetime(value)}</v></c>')
            elif vt is dt.date and value >= _FIRST_SAFE_DATE:
                add(f'<c r="{letters[j]}{rs}"{date_st[j]}><v>{value.toordinal() - _EPOCH_ORDINAL}</v></c>')
            elif vt is Link:
                ref = letters[j] + rs
                links.append(_hyperlink_xml(ref, value, external))  # type: ignore[arg-type]
                add(text_cell(ref, table[_LINK][j], value.text))  # type: ignore[attr-defined]
            elif value is None or (vt is str and not value):
                if fill is not None:  # keep the row colour continuous across blanks
                    add(f'<c r="{letters[j]}{rs}"{table[_BLANK][j]}/>')
            else:
                add(other_cell(letters[j] + rs, value, table, j, fill is not None))
        if fill is not None:
            for j in range(len(row), ncols):
                add(f'<c r="{letters[j]}{rs}"{table[_BLANK][j]}/>')
        add("</row>")

    if total == 0:
        r = FIRST_DATA_ROW
        add(f'<row r="{r}">' + text_cell(f"A{r}", plain[_TEXT][0], sheet.empty_message) + "</row>")
    elif shown < total:
        r = shown + FIRST_DATA_ROW
        note = sheet.truncated_note.format(shown=shown, total=total)
        add(f'<row r="{r}">' + text_cell(f"A{r}", plain[_TEXT][0], note) + "</row>")
    last_data_row = FIRST_DATA_ROW - 1 + shown if total else 2

    widths = list(sheet.widths) if sheet.widths is not None else default_widths(sheet)
    cols = "".join(
        f'<col min="{j + 1}" max="{j + 1}" width="{float(w):.6g}" customWidth="1"/>' for j, w in enumerate(widths)
    )
    view_attrs = ' tabSelected="1"' if selected else ""
    code = f' codeName="{_escape_attr(code_name)}"' if code_name else ""
    head = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheetPr{code}><tabColor rgb="{argb(sheet.tab_color)}"/></sheetPr>'
        f'<dimension ref="A1:{last_col}{max(r, 2)}"/>'
        f'<sheetViews><sheetView{view_attrs} workbookViewId="0">'
        '<pane ySplit="2" topLeftCell="A3" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A3" sqref="A3"/></sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>'
        f"<cols>{cols}</cols><sheetData>"
    )
    tail = [f'</sheetData><autoFilter ref="A2:{last_col}{last_data_row}"/>']
    if links:
        tail.append("<hyperlinks>" + "".join(links) + "</hyperlinks>")
    tail.append('<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>')
    tail.append("</worksheet>")
    xml = (head + "".join(parts) + "".join(tail)).encode("utf-8")
    return RenderedSheet(
        xml=xml,
        external_targets=tuple(external),
        filter_range=f"{quote_sheet(name)}!$A$2:${last_col}${last_data_row}",
        rows_written=shown,
        rows_dropped=total - shown,
    )


def _hyperlink_xml(ref: str, link: Link, external: dict[str, int]) -> str:
    attrs = f'ref="{ref}"'
    if link.file is not None:
        target = _file_target(link.file)
        number = external.setdefault(target, len(external) + 1)  # one relationship per distinct file
        attrs += f' r:id="rId{number}"'
    location = _location(link)
    if location is not None:
        attrs += f' location="{_escape_attr(location)}"'
    return f"<hyperlink {attrs}/>"


def hyperlink_rels_xml(targets: Sequence[str]) -> bytes:
    """The worksheet's ``.rels`` part for its external hyperlinks (ids rId1…, matching ``render_sheet``)."""
    rel_type = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
    items = "".join(
        f'<Relationship Id="rId{i}" Type="{rel_type}" Target="{_escape_attr(t)}" TargetMode="External"/>'
        for i, t in enumerate(targets, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f"{items}</Relationships>"
    ).encode()


# ------------------------------------------------------------------------------------------------------ styles

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_M = f"{{{_NS_MAIN}}}"
_BUILTIN_FORMATS = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9, "0.00%": 10, "@": 49}
_STYLE_SECTIONS = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs")
_FONT_LOOKS = {"bold": (("b",), None), "banner": (("i",), "FF7F7F7F"), "link": (("u",), "FF0563C1")}
MINIMAL_STYLES_XML = (
    f'<styleSheet xmlns="{_NS_MAIN}"><fonts count="1"><font><sz val="11"/><name val="等线"/><family val="2"/>'
    '<charset val="134"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/>'
    '<bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
    'borderId="0"/></cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" '
    'xfId="0"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def local_name(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def insert_in_order(parent: etree._Element, element: etree._Element, earlier: Collection[str]) -> etree._Element:
    """Insert ``element`` after the last child whose local name is in ``earlier`` (the schema's order)."""
    position = 0
    for i, child in enumerate(parent):
        if local_name(child) in earlier:
            position = i + 1
    parent.insert(position, element)
    return element


def _key(element: etree._Element) -> tuple:
    """Structural identity of a styles entry, so equal entries are reused instead of appended on every run."""
    children = tuple(_key(c) for c in element if isinstance(c.tag, str))
    return local_name(element), tuple(sorted(element.attrib.items())), (element.text or "").strip(), children


class StyleBook:
    """Maps ``CellStyle`` to ``cellXfs`` indexes of a parsed ``styles.xml``, appending only what is missing.

    Existing entries are never modified or reordered, so every index staff cells use keeps its meaning; an equal
    existing entry (e.g. one appended by an earlier run) is reused, so styles.xml does not grow run after run.
    """

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.changed = False
        self.sections = {name: self._section(name) for name in _STYLE_SECTIONS}
        self.cache: dict[CellStyle, int] = {}

    def _section(self, name: str) -> etree._Element:
        found = self.root.find(_M + name)
        if found is None:  # create it in schema order
            earlier = _STYLE_SECTIONS[: _STYLE_SECTIONS.index(name)]
            found = insert_in_order(self.root, etree.Element(_M + name), earlier)
        return found

    def _children(self, section: str) -> list[etree._Element]:
        return [c for c in self.sections[section] if isinstance(c.tag, str)]

    def _index_of(self, section: str, element: etree._Element) -> int:
        children = self._children(section)
        wanted = _key(element)
        for i, child in enumerate(children):
            if _key(child) == wanted:
                return i
        self.sections[section].append(element)
        self.sections[section].set("count", str(len(children) + 1))
        self.changed = True
        return len(children)

    def _num_fmt(self, code: str | None) -> int:
        if code is None:
            return 0
        if code in _BUILTIN_FORMATS:
            return _BUILTIN_FORMATS[code]
        ids = [163]  # custom formats start at 164
        for fmt in self._children("numFmts"):
            if fmt.get("formatCode") == code:
                return int(fmt.get("numFmtId", "0"))
            ids.append(int(fmt.get("numFmtId", "0")))
        new_id = max(ids) + 1
        self._index_of("numFmts", etree.Element(_M + "numFmt", numFmtId=str(new_id), formatCode=code))
        return new_id

    def _font(self, look: str) -> int:
        if look == "normal":
            return 0
        flags, colour = _FONT_LOOKS[look]
        font = etree.Element(_M + "font")
        for flag in flags:
            etree.SubElement(font, _M + flag)
        fonts = self._children("fonts")
        base = {local_name(c): c for c in fonts[0]} if fonts else {}
        if "sz" in base:
            font.append(copy.deepcopy(base["sz"]))
        if colour:
            etree.SubElement(font, _M + "color", rgb=colour)
        for name in ("name", "family", "charset", "scheme"):  # same face as the workbook's default font
            if name in base:
                font.append(copy.deepcopy(base[name]))
        return self._index_of("fonts", font)

    def _fill(self, colour: str | None) -> int:
        if colour is None:
            return 0
        fill = etree.Element(_M + "fill")
        pattern = etree.SubElement(fill, _M + "patternFill", patternType="solid")
        etree.SubElement(pattern, _M + "fgColor", rgb=argb(colour))
        etree.SubElement(pattern, _M + "bgColor", indexed="64")
        return self._index_of("fills", fill)

    def style_id(self, style: CellStyle) -> int:
        cached = self.cache.get(style)
        if cached is not None:
            return cached
        num_fmt, font, fill = self._num_fmt(style.num_format), self._font(style.font), self._fill(style.fill)
        if not self._children("borders"):
            self._index_of("borders", etree.Element(_M + "border"))
        attrs = {"numFmtId": str(num_fmt), "fontId": str(font), "fillId": str(fill), "borderId": "0"}
        if self._children("cellStyleXfs"):
            attrs["xfId"] = "0"
        if num_fmt:
            attrs["applyNumberFormat"] = "1"
        if font:
            attrs["applyFont"] = "1"
        if fill:
            attrs["applyFill"] = "1"
        index = self._index_of("cellXfs", etree.Element(_M + "xf", attrs))
        self.cache[style] = index
        return index
