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

``render_sheet`` asks a ``style_id`` callback for the ``cellXfs`` index of each ``CellStyle`` it needs (and, for
conditional formats, for the ``dxfs`` index of each ``Highlight`` look); ``StyleBook`` is that callback for a
workbook's ``styles.xml`` (it only appends, never changes existing entries).

Made for action and for paper (issue 14):

* ``highlights``: conditional formats on a column (``cellIs`` equal, ``containsText``, or an expression comparing
  numbers), so a status keeps its colour when staff sort or filter the sheet, which static fills of a row would not
  follow in every program.
* ``notes``: a note on a header cell saying how that column is computed, written as the *input message* of a
  data validation that allows any value (shown when the header cell is selected). Chosen over cell comments, which
  need a comments part, a VML drawing with shape ids unique among the staff's own drawings, and their
  relationships and content types per sheet: more parts to keep stable from run to run, and comments print or
  hide differently in each program. An input message lives in the sheet part alone and never prints.
* Print setup: A4, ``orientation`` (``auto``: landscape when the visible columns are wider than a portrait page),
  ``fit_width`` (one page wide, as many pages tall as needed), ``print_titles`` (the header row repeated on every
  page, through the sheet-local defined name ``_xlnm.Print_Titles`` the package adds), a footer with the sheet
  name, page x / y and the banner's 计算时间, narrow margins and grid lines.
* ``wrap``: columns whose text wraps; their rows get an explicit height from the text's length (Excel and
  LibreOffice do not grow rows written by a program), every cell of such a sheet aligned to the top.
* ``hidden``: columns kept (machine-readable) but hidden. ``side``: a block shown to the right of the table (one
  empty column between), from the header row down (校验结果's summary): every result sheet keeps §6's layout,
  banner in row 1, headers in row 2, data from row 3, so programs reading it find the table where §6 says.
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


# Looks of conditional formats (Excel's own 差 / 适中 / 好 colours, which staff recognise), fill and font ARGB.
BAD, NEUTRAL, GOOD = ("FFFFC7CE", "FF9C0006"), ("FFFFEB9C", "FF9C5700"), ("FFC6EFCE", "FF006100")
NOTICE = ("FFDDEBF7", "FF1F4E78")  # informative, no alarm (e.g. repaired, waiting for the customer)
_COMPARISONS = {"lt": "<", "le": "<=", "gt": ">", "ge": ">="}
# Excel refuses (and "repairs" away) input messages over 255 characters and titles over 32.
MAX_NOTE_CHARS, NOTE_TITLE = 255, "本列如何计算"
# A4 (paperSize 9): the width in column units (about one digit each) a portrait page shows at 100 % between the
# margins below; wider sheets print landscape when ``orientation`` is "auto".
PORTRAIT_WIDTH = 100.0
LINE_HEIGHT = 15.0  # points per wrapped line of 11-point text (等线 in Excel, Noto Sans CJK in LibreOffice)
FOOTER = "&L&A&C第 &P 页 / 共 &N 页&R{stamp}"
THIS_SHEET = ""  # Link.sheet of a link to a cell of the sheet it is on (whatever name the package gives it)


@dataclass(frozen=True)
class Highlight:
    """A conditional format on the data cells of one column.

    ``when``: "equal" (the text), "contains" (the text), or a comparison of numbers "lt", "le", "gt", "ge" (blank
    and text cells never match, unlike Excel's own ``cellIs`` that takes a blank for 0). ``fill`` and ``font`` are
    ARGB colours; the first matching highlight of a column wins.
    """

    column: str
    when: str
    value: str | float
    fill: str
    font: str | None = None
    bold: bool = False

    def __post_init__(self) -> None:
        if self.when not in ("equal", "contains", *_COMPARISONS):
            raise ValueError(f"unknown highlight condition {self.when!r}")
        if self.when in _COMPARISONS and not isinstance(self.value, int | float):
            raise ValueError(f"highlight {self.when!r} compares numbers, not {self.value!r}")
        argb(self.fill)
        if self.font is not None:
            argb(self.font)


def look(column: str, when: str, value: str | float, colours: tuple[str, str], *, bold: bool = False) -> Highlight:
    """A ``Highlight`` in one of the named looks (``BAD``, ``NEUTRAL``, ``GOOD``, ``NOTICE``)."""
    return Highlight(column, when, value, fill=colours[0], font=colours[1], bold=bold)


@dataclass(frozen=True)
class ResultSheet:
    """One result table to be written as a sheet (see the module docstring for how values are encoded and for the
    fields about action and printing; their defaults are right for the product's result sheets)."""

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
    highlights: Sequence[Highlight] = ()
    notes: Mapping[str, str] | None = None  # header -> how the column is computed
    wrap: Collection[str] = ()  # headers whose cells wrap (rows get heights)
    hidden: Collection[str] = ()  # headers of hidden columns
    side: Sequence[Sequence[object]] = ()  # a block right of the table, from the header row down
    side_bold: Collection[int] = ()  # indexes of side rows in bold (headings of the block)
    side_widths: Sequence[float] = ()  # widths of the side block's columns
    freeze_header: bool = True
    orientation: str = "auto"  # "auto" | "portrait" | "landscape"
    fit_width: bool = True  # one page wide when printed
    print_titles: bool = True  # the header row repeated on every printed page
    footer: bool = True  # sheet name, page x / y, 计算时间

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
        if self.orientation not in ("auto", "portrait", "landscape"):
            raise ValueError(f"result sheet {self.name!r}: unknown orientation {self.orientation!r}")
        known = {str(h) for h in self.headers}
        named = [h.column for h in self.highlights] + [*(self.notes or {}), *self.wrap, *self.hidden]
        unknown = [h for h in named if h not in known]
        if unknown:
            raise ValueError(f"result sheet {self.name!r}: no column {unknown[0]!r}")
        for header, text in (self.notes or {}).items():
            if len(text) > MAX_NOTE_CHARS:
                raise ValueError(f"result sheet {self.name!r}: the note on {header!r} is over {MAX_NOTE_CHARS} characters")


@dataclass(frozen=True)
class CellStyle:
    """What a cell needs from ``styles.xml``; the package editor maps it to a ``cellXfs`` index."""

    font: str = "normal"  # normal | bold | banner | link
    fill: str | None = None  # ARGB of a solid fill
    num_format: str | None = None  # Excel format code, None = General
    wrap: bool = False  # wrap text (and align to the top)
    top: bool = False  # align to the top (the other cells of a row made tall by wrapped text)


@dataclass(frozen=True)
class RenderedSheet:
    """The worksheet part plus what the package must add around it."""

    xml: bytes
    external_targets: tuple[str, ...] = ()  # hyperlink relationship targets, ids rId1, rId2, … in this order
    filter_range: str = ""  # absolute range for the sheet's _xlnm._FilterDatabase defined name
    print_titles: str = ""  # rows repeated on printed pages, for the sheet's _xlnm.Print_Titles defined name
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
    return text_width(text.split("\n", 1)[0][:80])


def text_width(text: str) -> int:
    """Width of one line of text in column units: CJK (and other non-ASCII) characters count double."""
    if text.isascii():
        return len(text)
    # CJK characters take 3 UTF-8 bytes and two columns; this counts them as 2 without a per-character loop.
    return len(text) + (len(text.encode("utf-8", "replace")) - len(text)) // 2


def wrapped_lines(text: str, width: float) -> int:
    """How many lines ``text`` takes in a wrapping column ``width`` units wide (a little pessimistic: words are not
    split at their best place, and a clipped last line is worse than a line of white)."""
    room = max(1.0, float(width) - 1.5)
    return sum(max(1, math.ceil(text_width(line) / room)) for line in text.split("\n"))


def default_widths(sheet: ResultSheet, sample: int = 1000) -> list[float]:
    """Column widths from the headers and the first ``sample`` rows (CJK characters count double)."""
    widths = [_display_width(_TEXT, str(h)) for h in sheet.headers]
    for row in sheet.rows[:sample]:
        for j, value in enumerate(row[: len(widths)]):
            kind, payload = encode_value(value)
            if kind != _BLANK:
                widths[j] = max(widths[j], _display_width(kind, payload))
    return [min(60.0, max(6.0, w + 2.0)) for w in widths]


def _location(link: Link, this_sheet: str) -> str | None:
    if link.sheet is None:
        return None
    return f"{quote_sheet(link.sheet if link.sheet != THIS_SHEET else this_sheet)}!{link.cell or 'A1'}"


@lru_cache(maxsize=4096)
def _file_target(path: str) -> str:
    # Cached: the summary links thousands of problems to the same few workbooks.
    # Relationship targets are URIs: forward slashes, non-ASCII and spaces percent-encoded.
    return quote(path.replace("\\", "/"), safe="/._-~!$&'()*+,;=:@")


def _formula_text(text: str) -> str:
    """A text constant inside a formula, XML-escaped."""
    return _escape_text('"' + normalise_text(text).replace('"', '""') + '"')


def _conditional_xml(sheet: ResultSheet, letters: Sequence[str], first: int, last: int,
                     dxf_id: Callable[[Highlight], int]) -> str:
    """The ``conditionalFormatting`` elements of ``sheet.highlights`` over data rows ``first``..``last``."""
    if last < first:
        return ""
    index = {str(h): j for j, h in enumerate(sheet.headers)}
    by_column: dict[int, list[str]] = {}
    for priority, rule in enumerate(sheet.highlights, start=1):
        letter = letters[index[rule.column]]
        head = f'dxfId="{dxf_id(rule)}" priority="{priority}" stopIfTrue="1"'
        if rule.when == "equal":
            xml = (f'<cfRule type="cellIs" {head} operator="equal"><formula>{_formula_text(str(rule.value))}'
                   "</formula></cfRule>")
        elif rule.when == "contains":
            text = str(rule.value)
            xml = (f'<cfRule type="containsText" {head} operator="containsText" text="{_escape_attr(text)}">'
                   f"<formula>NOT(ISERROR(SEARCH({_formula_text(text)},{letter}{first})))</formula></cfRule>")
        else:  # numbers only: a blank cell would count as 0 in a plain cellIs comparison
            cell = f"{letter}{first}"
            sign = _escape_text(_COMPARISONS[rule.when])
            xml = (f'<cfRule type="expression" {head}><formula>AND(ISNUMBER({cell}),{cell}{sign}{rule.value!r})'
                   "</formula></cfRule>")
        by_column.setdefault(index[rule.column], []).append(xml)
    return "".join(
        f'<conditionalFormatting sqref="{letters[j]}{first}:{letters[j]}{last}">{"".join(rules)}</conditionalFormatting>'
        for j, rules in sorted(by_column.items())
    )


def _notes_xml(sheet: ResultSheet, letters: Sequence[str], header_row: int) -> str:
    """Header notes as input messages of data validations that accept anything (see the module docstring)."""
    index = {str(h): j for j, h in enumerate(sheet.headers)}
    items = [
        f'<dataValidation allowBlank="1" showInputMessage="1" promptTitle="{NOTE_TITLE}" '
        f'prompt="{_escape_attr(normalise_text(text))}" sqref="{letters[index[header]]}{header_row}"/>'
        for header, text in (sheet.notes or {}).items()
        if text
    ]
    return f'<dataValidations count="{len(items)}">{"".join(items)}</dataValidations>' if items else ""


def _print_xml(sheet: ResultSheet, widths: Sequence[float], hidden: Collection[int]) -> str:
    """printOptions, pageMargins, pageSetup and headerFooter (in the schema's order)."""
    shown = sum(float(w) for j, w in enumerate(widths) if j not in hidden)
    orientation = sheet.orientation
    if orientation == "auto":
        orientation = "landscape" if shown > PORTRAIT_WIDTH else "portrait"
    fit = ' fitToWidth="1" fitToHeight="0"' if sheet.fit_width else ""
    parts = [
        '<printOptions horizontalCentered="1" gridLines="1"/>',
        '<pageMargins left="0.4" right="0.4" top="0.5" bottom="0.6" header="0.25" footer="0.3"/>',
        f'<pageSetup paperSize="9" orientation="{orientation}"{fit}/>',
    ]
    if sheet.footer:
        found = STAMP_RE.search(sheet.banner)
        stamp = found.group(0).replace("&", "&&") if found else ""
        parts.append(f"<headerFooter><oddFooter>{_escape_text(FOOTER.format(stamp=stamp))}</oddFooter></headerFooter>")
    return "".join(parts)


def _row_heights(sheet: ResultSheet, wrap: Collection[int], widths: Sequence[float], shown: int) -> list[str]:
    """The ``ht`` attribute of each data row: the tallest wrapped cell's lines (blank for one line)."""
    heights = []
    for row in sheet.rows[:shown]:
        lines = 1
        for j in wrap:
            value = row[j] if j < len(row) else None
            text = value.text if isinstance(value, Link) else value
            if isinstance(text, str) and text:
                lines = max(lines, wrapped_lines(text, widths[j]))
        heights.append(f' ht="{lines * LINE_HEIGHT:g}" customHeight="1"' if lines > 1 else "")
    return heights


def render_sheet(
    sheet: ResultSheet,
    style_id: Callable[[CellStyle], int],
    *,
    name: str | None = None,
    code_name: str | None = None,
    selected: bool = False,
    max_rows: int = EXCEL_MAX_ROWS,
    dxf_id: Callable[[Highlight], int] | None = None,
) -> RenderedSheet:
    """Build the worksheet XML for ``sheet``.

    ``name`` is the sheet's final name in the workbook (the package may have had to pick another one), used for
    the filter range, print titles and links to the sheet itself; ``code_name`` goes into ``sheetPr`` (the
    package's marker); ``max_rows`` exists for tests; ``dxf_id`` gives the ``dxfs`` index of a highlight's look
    (without it, highlights are left out).
    """
    name = name or sheet.name
    headers = [str(h) for h in sheet.headers]
    ncols = len(headers)
    letters = [column_letter(j) for j in range(ncols)]
    last_col = letters[-1]
    marker = sheet.cell_truncation_marker
    overrides = dict(sheet.number_formats or {})
    wrap = {j for j, h in enumerate(headers) if h in sheet.wrap}
    hidden = {j for j, h in enumerate(headers) if h in sheet.hidden}
    top = bool(wrap)
    header_row = 2
    first_row = header_row + 1
    widths = list(sheet.widths) if sheet.widths is not None else default_widths(sheet)

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
                    style = CellStyle(font=font, fill=fill, num_format=fmt, wrap=j in wrap, top=top)
                    per_column.append(f' s="{style_id(style)}"')
                table.append(per_column)
            style_rows[fill] = table
        return table

    fills = [argb(f) if f else None for f in sheet.row_fills] if sheet.row_fills is not None else None
    rows = sheet.rows
    total = len(rows)
    room = max_rows - first_row + 1
    shown = total if total <= room else room - 1  # keep the last row for the truncation note
    heights = _row_heights(sheet, wrap, widths, shown) if wrap else None
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
            links.append(_hyperlink_xml(ref, payload, external, name))  # type: ignore[arg-type]
            return text_cell(ref, table[_LINK][j], payload.text)  # type: ignore[attr-defined]
        return f'<c r="{ref}"{table[kind][j]}><v>{payload}</v></c>'

    banner_style = f' s="{style_id(CellStyle(font="banner"))}"'
    header_style = f' s="{style_id(CellStyle(font="bold", fill=HEADER_FILL))}"'
    add('<row r="1">' + text_cell("A1", banner_style, sheet.banner) + "</row>")
    side_looks = [f' s="{style_id(CellStyle(font=f))}"' for f in ("normal", "bold", "link")] if sheet.side else []
    side = _side_cells(sheet, ncols, header_row, side_looks, text_cell, links, external, name)
    hr = str(header_row)
    add(f'<row r="{hr}">' + "".join(text_cell(letters[j] + hr, header_style, h) for j, h in enumerate(headers)))
    add(side.pop(header_row, "") + "</row>")

    plain = styles_for(None)
    inf = math.inf
    r = header_row
    for i in range(shown):
        row = rows[i]
        if len(row) > ncols:
            raise ValueError(f"result sheet {sheet.name!r}: row {i + 1} has more values than headers")
        r = i + first_row
        rs = str(r)
        fill = fills[i] if fills is not None else None
        table = plain if fill is None else styles_for(fill)
        text_st, number_st, date_st, datetime_st = table[_TEXT], table[_NUMBER], table[_DATE], table[_DATETIME]
        add(f'<row r="{rs}"{heights[i]}>' if heights is not None else f'<row r="{rs}">')
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
                links.append(_hyperlink_xml(ref, value, external, name))  # type: ignore[arg-type]
                add(text_cell(ref, table[_LINK][j], value.text))  # type: ignore[attr-defined]
            elif value is None or (vt is str and not value):
                if fill is not None:  # keep the row colour continuous across blanks
                    add(f'<c r="{letters[j]}{rs}"{table[_BLANK][j]}/>')
            else:
                add(other_cell(letters[j] + rs, value, table, j, fill is not None))
        if fill is not None:
            for j in range(len(row), ncols):
                add(f'<c r="{letters[j]}{rs}"{table[_BLANK][j]}/>')
        add(side.pop(r, "") + "</row>" if side else "</row>")

    if total == 0:
        r = first_row
        add(f'<row r="{r}">' + text_cell(f"A{r}", plain[_TEXT][0], sheet.empty_message) + side.pop(r, "") + "</row>")
    elif shown < total:
        r = shown + first_row
        note = sheet.truncated_note.format(shown=shown, total=total)
        add(f'<row r="{r}">' + text_cell(f"A{r}", plain[_TEXT][0], note) + side.pop(r, "") + "</row>")
    last_data_row = first_row - 1 + shown if total else header_row
    for rr in sorted(side):  # the block runs on below a shorter table
        add(f'<row r="{rr}">{side[rr]}</row>')
        r = max(r, rr)

    hide = ' hidden="1"'
    cols = "".join(
        f'<col min="{j + 1}" max="{j + 1}" width="{float(w):.6g}"{hide if j in hidden else ""} customWidth="1"/>'
        for j, w in enumerate(widths)
    )
    if sheet.side:
        cols += f'<col min="{ncols + 1}" max="{ncols + 1}" width="3" customWidth="1"/>'
        cols += "".join(
            f'<col min="{ncols + 2 + k}" max="{ncols + 2 + k}" width="{float(w):.6g}" customWidth="1"/>'
            for k, w in enumerate(sheet.side_widths)
        )
        side_width = max((len(row) for row in sheet.side), default=0)
        last_used = column_letter(ncols + side_width) if side_width else last_col
    else:
        last_used = last_col
    view_attrs = ' tabSelected="1"' if selected else ""
    code = f' codeName="{_escape_attr(code_name)}"' if code_name else ""
    fit = '<pageSetUpPr fitToPage="1"/>' if sheet.fit_width else ""
    if sheet.freeze_header:
        pane = (f'<pane ySplit="{header_row}" topLeftCell="A{first_row}" activePane="bottomLeft" state="frozen"/>'
                f'<selection pane="bottomLeft" activeCell="A{first_row}" sqref="A{first_row}"/>')
    else:
        pane = '<selection activeCell="A1" sqref="A1"/>'
    head = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheetPr{code}><tabColor rgb="{argb(sheet.tab_color)}"/>{fit}</sheetPr>'
        f'<dimension ref="A1:{last_used}{max(r, header_row)}"/>'
        f'<sheetViews><sheetView{view_attrs} workbookViewId="0">{pane}</sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>'
        f"<cols>{cols}</cols><sheetData>"
    )
    tail = [f'</sheetData><autoFilter ref="A{header_row}:{last_col}{last_data_row}"/>']
    if dxf_id is not None and sheet.highlights and total:
        tail.append(_conditional_xml(sheet, letters, first_row, last_data_row, dxf_id))
    tail.append(_notes_xml(sheet, letters, header_row))
    if links:
        tail.append("<hyperlinks>" + "".join(links) + "</hyperlinks>")
    tail.append(_print_xml(sheet, widths, hidden))
    tail.append("</worksheet>")
    xml = (head + "".join(parts) + "".join(tail)).encode("utf-8")
    return RenderedSheet(
        xml=xml,
        external_targets=tuple(external),
        filter_range=f"{quote_sheet(name)}!$A${header_row}:${last_col}${last_data_row}",
        print_titles=f"{quote_sheet(name)}!${header_row}:${header_row}" if sheet.print_titles else "",
        rows_written=shown,
        rows_dropped=total - shown,
    )


def _side_cells(
    sheet: ResultSheet,
    ncols: int,
    header_row: int,
    looks: list[str],
    text_cell: Callable[[str, str, str], str],
    links: list[str],
    external: dict[str, int],
    name: str,
) -> dict[int, str]:
    """The cells of ``sheet.side`` by Excel row, placed from the header row down, one empty column right of the
    table: text, numbers and links; ``looks`` are the style attributes of plain, bold (rows ``side_bold`` names)
    and link cells."""
    out: dict[int, str] = {}
    if not sheet.side:
        return out
    for i, values in enumerate(sheet.side):
        row = header_row + i
        bold = int(i in sheet.side_bold)
        cells = []
        for k, value in enumerate(values):
            ref = f"{column_letter(ncols + 1 + k)}{row}"
            kind, payload = encode_value(value)
            if kind == _TEXT:
                cells.append(text_cell(ref, looks[bold], payload))  # type: ignore[arg-type]
            elif kind == _LINK:
                links.append(_hyperlink_xml(ref, payload, external, name))  # type: ignore[arg-type]
                cells.append(text_cell(ref, looks[2], payload.text))  # type: ignore[attr-defined]
            elif kind == _NUMBER:
                cells.append(f'<c r="{ref}"{looks[bold]}><v>{payload}</v></c>')
            elif kind != _BLANK:
                raise ValueError(f"result sheet {sheet.name!r}: side cells are text, numbers or links")
        if cells:
            out[row] = "".join(cells)
    return out


def _hyperlink_xml(ref: str, link: Link, external: dict[str, int], this_sheet: str) -> str:
    attrs = f'ref="{ref}"'
    if link.file is not None:
        target = _file_target(link.file)
        number = external.setdefault(target, len(external) + 1)  # one relationship per distinct file
        attrs += f' r:id="rId{number}"'
    location = _location(link, this_sheet)
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
_BEFORE_DXFS = (*_STYLE_SECTIONS, "cellStyles")
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
        self.dxf_cache: dict[tuple[str, str | None, bool], int] = {}

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
        if style.wrap or style.top:
            attrs["applyAlignment"] = "1"
        xf = etree.Element(_M + "xf", attrs)
        if style.wrap or style.top:
            etree.SubElement(xf, _M + "alignment", vertical="top", **({"wrapText": "1"} if style.wrap else {}))
        index = self._index_of("cellXfs", xf)
        self.cache[style] = index
        return index

    def dxf_id(self, rule: Highlight) -> int:
        """The ``dxfs`` index of a highlight's look (font colour, bold, fill), appended when missing. ``dxfs``
        comes after ``cellStyles`` in the schema; a workbook without it gets one there."""
        key = (rule.fill, rule.font, rule.bold)
        cached = self.dxf_cache.get(key)
        if cached is not None:
            return cached
        if "dxfs" not in self.sections:
            found = self.root.find(_M + "dxfs")
            if found is None:
                found = insert_in_order(self.root, etree.Element(_M + "dxfs", count="0"), _BEFORE_DXFS)
            self.sections["dxfs"] = found
        dxf = etree.Element(_M + "dxf")
        if rule.font or rule.bold:
            font = etree.SubElement(dxf, _M + "font")
            if rule.bold:
                etree.SubElement(font, _M + "b")
            if rule.font:
                etree.SubElement(font, _M + "color", rgb=argb(rule.font))
        pattern = etree.SubElement(etree.SubElement(dxf, _M + "fill"), _M + "patternFill", patternType="solid")
        # Excel takes a dxf's solid colour from bgColor, LibreOffice from fgColor: both say the same.
        etree.SubElement(pattern, _M + "fgColor", rgb=argb(rule.fill))
        etree.SubElement(pattern, _M + "bgColor", rgb=argb(rule.fill))
        index = self._index_of("dxfs", dxf)
        self.dxf_cache[key] = index
        return index
