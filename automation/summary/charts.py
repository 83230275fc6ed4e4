"""The summary's xlsx package: result-format sheets, extra rows on 总览, and native Excel charts.

Every sheet is rendered by :func:`automation.xlsx.sheet_xml.render_sheet` (banner, headers, frozen pane, autofilter,
widths, real dates and numbers, hyperlinks), sharing one ``styles.xml`` built with :class:`StyleBook`. The first
sheet (总览) additionally gets rows placed below its table (:class:`ExtraRow`: the total row, the chart data) and a
drawing with DrawingML charts (:class:`Chart`) whose series reference cell ranges of the workbook, with cached
values so the charts show before any recalculation. The package is written with :mod:`zipfile` in one go.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import quote
from xml.sax.saxutils import escape

from lxml import etree

from ..xlsx.sheet_xml import (
    HEADER_FILL,
    MINIMAL_STYLES_XML,
    CellStyle,
    Highlight,
    ResultSheet,
    StyleBook,
    argb,
    column_letter,
    hyperlink_rels_xml,
    quote_sheet,
    render_sheet,
)

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
NS_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
NS_XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
NS_APP = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
NS_VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
CT_PREFIX = "application/vnd.openxmlformats-officedocument."
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
EMU_PER_PX = 9525
ROW_PX = 20  # default row height 15 pt
_EPOCH = dt.date(1899, 12, 30)
PALETTE = ("4472c4", "ed7d31", "a5a5a5", "ffc000", "5b9bd5", "70ad47")  # lower case: not mistaken for rule codes


@dataclass(frozen=True)
class ExtraRow:
    """A row written on the first sheet below its table: ``cells[j]`` goes to column j (None = no cell)."""

    row: int  # 1-based Excel row
    cells: Sequence[tuple[object, CellStyle] | None]
    height: float | None = None  # points; None: the default height
    wrap: bool = False  # every cell of the row wraps its text (notes merged across the dashboard)


@dataclass(frozen=True)
class CellLink:
    """A hyperlink on a cell of the first sheet whose value stays what it is (a count stays a number): to a cell
    or range of a sheet of this workbook, or to another workbook (relative path) and optionally its sheet."""

    ref: str  # e.g. E3
    sheet: str | None = None
    cell: str | None = None  # a cell or a range of ``sheet``
    file: str | None = None


@dataclass(frozen=True)
class CellRule:
    """A conditional format on cells of the first sheet anywhere (the table's 合计 row and the second table too,
    which ``ResultSheet.highlights`` do not reach): cells of ``sqref`` where ``formula`` (written for the top-left
    cell, relative references) is true get ``colours`` (fill, font ARGB: sheet_xml's BAD, NEUTRAL, GOOD).
    Conditional, not fixed fills: the colours follow the values when staff sort or filter."""

    sqref: str
    formula: str
    colours: tuple[str, str]


@dataclass(frozen=True)
class Dashboard:
    """What makes the first sheet (总览) a dashboard besides its cells: links on counts, conditional formats, a
    wrapped header row, merged note rows, and a print setup of one landscape page."""

    links: Sequence[CellLink] = ()
    link_styled: frozenset[str] = frozenset()  # cells of the rendered table shown in the link font
    rules: Sequence[CellRule] = ()
    header_height: float | None = None  # row 2's height (points), its headers wrapped
    merges: Sequence[str] = ()
    print_area: str | None = None  # e.g. A1:L30: fitted to one landscape page (one page tall as well as wide)


@dataclass(frozen=True)
class Series:
    name: str
    name_ref: str  # e.g. '总览'!$C$2
    values_ref: str  # e.g. '总览'!$C$3:$C$5
    values: Sequence[float | None]


@dataclass(frozen=True)
class Chart:
    kind: str  # "bar" | "stacked" | "line"
    title: str
    categories_ref: str
    categories: Sequence[object]  # str or date
    series: Sequence[Series]
    anchor: tuple[int, int]  # 0-based (column, row) of the top-left corner
    value_format: str = "General"
    size_px: tuple[int, int] = (560, 300)
    category_format: str | None = None  # number format of date categories
    offset_px: int = 0  # from the left edge of the anchor column
    labels: str = "all"  # data labels: "all" points, "ends" (a line's last and highest point) or "none"
    label_format: str | None = None  # number format of the labels (default: value_format)
    bounds: tuple[float, float] | None = None  # value axis min and max (None: from 0, a share up to 100 %)
    target: Series | None = None  # drawn as a line over the columns (按时到达率's target)


@dataclass
class _Part:
    name: str
    data: bytes
    content_type: str | None = None


@dataclass
class _Book:
    parts: list[_Part] = field(default_factory=list)

    def add(self, name: str, data: bytes | str, content_type: str | None = None) -> None:
        self.parts.append(_Part(name, data.encode("utf-8") if isinstance(data, str) else data, content_type))


# --------------------------------------------------------------------------------------------------- cells


def _cell_xml(ref: str, value: object, style: int) -> str:
    if value is None or value == "":
        return f'<c r="{ref}" s="{style}"/>'
    if isinstance(value, bool):
        value = "是" if value else "否"
    if isinstance(value, str):
        return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
    if isinstance(value, dt.datetime):
        serial = (value.date() - _EPOCH).days + (value.hour * 3600 + value.minute * 60 + value.second) / 86400
        return f'<c r="{ref}" s="{style}"><v>{serial!r}</v></c>'
    if isinstance(value, dt.date):
        return f'<c r="{ref}" s="{style}"><v>{(value - _EPOCH).days}</v></c>'
    number = float(value)  # type: ignore[arg-type]
    if math.isnan(number):
        return f'<c r="{ref}" s="{style}"/>'
    text = str(int(number)) if number.is_integer() and abs(number) < 2**53 else repr(number)
    return f'<c r="{ref}" s="{style}"><v>{text}</v></c>'


def _rows_xml(rows: Sequence[ExtraRow], book: StyleBook) -> str:
    out = []
    for row in rows:
        cells = "".join(
            _cell_xml(f"{column_letter(j)}{row.row}", cell[0],
                      book.style_id(dataclasses.replace(cell[1], wrap=True) if row.wrap else cell[1]))
            for j, cell in enumerate(row.cells)
            if cell is not None
        )
        height = f' ht="{row.height:g}" customHeight="1"' if row.height else ""
        out.append(f'<row r="{row.row}"{height}>{cells}</row>')
    return "".join(out)


# ------------------------------------------------------------------------------------------------ dashboard

_M = f"{{{NS_MAIN}}}"
_STYLE_ORDER = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles")


def dxf_index(styles: StyleBook, fill: str, font: str | None, bold: bool = False) -> int:
    """The ``dxfs`` index of a conditional format's look (fill and font ARGB), appended to ``styles`` when new.
    Kept here, on the styles root, until the shared StyleBook has its own: an existing ``dxfs`` is reused."""
    root = styles.root
    section = root.find(_M + "dxfs")
    if section is None:
        section = etree.Element(_M + "dxfs", count="0")
        position = max((i + 1 for i, c in enumerate(root) if etree.QName(c).localname in _STYLE_ORDER), default=0)
        root.insert(position, section)
    dxf = etree.Element(_M + "dxf")
    font_el = etree.SubElement(dxf, _M + "font")
    if bold:
        etree.SubElement(font_el, _M + "b")
    if font:
        etree.SubElement(font_el, _M + "color", rgb=argb(font))
    pattern = etree.SubElement(etree.SubElement(dxf, _M + "fill"), _M + "patternFill")
    etree.SubElement(pattern, _M + "bgColor", rgb=argb(fill))
    wanted = etree.tostring(dxf)
    children = [c for c in section if isinstance(c.tag, str)]
    for i, child in enumerate(children):
        if etree.tostring(child) == wanted:
            return i
    section.append(dxf)
    section.set("count", str(len(children) + 1))
    return len(children)


def _insert_before(xml: bytes, element: str, before: Sequence[str]) -> bytes:
    """Put ``element`` before the first of the ``before`` elements found (the worksheet schema's order)."""
    for tag in before:
        at = xml.find(f"<{tag}".encode())
        if at >= 0:
            return xml[:at] + element.encode("utf-8") + xml[at:]
    return xml.replace(b"</worksheet>", element.encode("utf-8") + b"</worksheet>", 1)


_AFTER_CONDITIONAL = ("dataValidations", "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter",
                      "drawing")
_AFTER_MERGES = ("phoneticPr", "conditionalFormatting", *_AFTER_CONDITIONAL)
_CELL_STYLE = re.compile(rb'<c r="([A-Z]+\d+)" s="(\d+)"')


def _dashboard_sheet(xml: bytes, dash: Dashboard, styles: StyleBook, external: list[str]) -> bytes:
    """Add to the first sheet's XML what makes it a dashboard (see :class:`Dashboard`); file links are appended
    to ``external`` (the sheet's hyperlink relationship targets, rId1… in order)."""
    if dash.link_styled:  # counts that are links look like links, and stay numbers
        link_style = styles.style_id(CellStyle(font="link")).__str__().encode()
        xml = _CELL_STYLE.sub(
            lambda m: m.group(0) if m.group(1).decode() not in dash.link_styled else
            b'<c r="' + m.group(1) + b'" s="' + link_style + b'"', xml)  # fmt: skip
    if dash.header_height:
        header = str(styles.style_id(CellStyle(font="bold", fill=HEADER_FILL, wrap=True))).encode()
        start = xml.find(b'<row r="2">')
        end = xml.find(b"</row>", start)
        if start >= 0:
            row = xml[start:end].replace(b'<row r="2">', f'<row r="2" ht="{dash.header_height:g}" customHeight="1">'.encode())
            row = re.sub(rb' s="\d+"', b' s="' + header + b'"', row)
            xml = xml[:start] + row + xml[end:]
    if dash.merges:
        merges = "".join(f'<mergeCell ref="{m}"/>' for m in dash.merges)
        xml = _insert_before(xml, f'<mergeCells count="{len(dash.merges)}">{merges}</mergeCells>', _AFTER_MERGES)
    if dash.rules:
        by_range: dict[str, list[str]] = {}
        for priority, rule in enumerate(dash.rules, start=1):
            dxf = dxf_index(styles, *rule.colours)
            by_range.setdefault(rule.sqref, []).append(
                f'<cfRule type="expression" dxfId="{dxf}" priority="{priority}" stopIfTrue="1">'
                f"<formula>{escape(rule.formula)}</formula></cfRule>")  # fmt: skip
        blocks = "".join(f'<conditionalFormatting sqref="{ref}">{"".join(r)}</conditionalFormatting>'
                         for ref, r in by_range.items())  # fmt: skip
        xml = _insert_before(xml, blocks, _AFTER_CONDITIONAL)
    if dash.links:
        items = []
        for link in dash.links:
            attrs = f'ref="{link.ref}"'
            if link.file is not None:
                target = quote(link.file.replace("\\", "/"), safe="/._-~!$&'()*+,;=:@")
                if target not in external:
                    external.append(target)
                attrs += f' r:id="rId{external.index(target) + 1}"'
            if link.sheet is not None:
                attrs += f' location="{escape(quote_sheet(link.sheet) + "!" + (link.cell or "A1"), {chr(34): "&quot;"})}"'
            items.append(f"<hyperlink {attrs}/>")
        if b"<hyperlinks>" in xml:
            xml = xml.replace(b"</hyperlinks>", "".join(items).encode("utf-8") + b"</hyperlinks>", 1)
        else:
            xml = _insert_before(xml, "<hyperlinks>" + "".join(items) + "</hyperlinks>", _AFTER_CONDITIONAL[2:])
    if dash.print_area:  # one page tall as well as wide, landscape: the dashboard is one sheet of paper
        xml = re.sub(rb'fitToHeight="\d+"', b'fitToHeight="1"', xml)
        if b"<pageSetup " not in xml:
            xml = _insert_before(xml, '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="1"/>',
                                 ("headerFooter", "drawing"))
        xml = re.sub(rb'orientation="\w+"', b'orientation="landscape"', xml)
        xml = xml.replace(b' gridLines="1"', b"")  # grid lines through the charts would only blur the page
        if b"fitToPage" not in xml:
            xml = xml.replace(b"</sheetPr>", b'<pageSetUpPr fitToPage="1"/></sheetPr>', 1)
    return xml


# -------------------------------------------------------------------------------------------------- charts


def _str_cache(values: Sequence[object]) -> str:
    pts = "".join(
        f'<c:pt idx="{i}"><c:v>{escape(str(v))}</c:v></c:pt>' for i, v in enumerate(values) if v is not None
    )
    return f'<c:strCache><c:ptCount val="{len(values)}"/>{pts}</c:strCache>'


def _num_cache(values: Sequence[object], fmt: str = "General") -> str:
    pts = []
    for i, v in enumerate(values):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            continue
        number = (v - _EPOCH).days if isinstance(v, dt.date) else float(v)  # type: ignore[arg-type, operator]
        pts.append(f'<c:pt idx="{i}"><c:v>{number!r}</c:v></c:pt>')
    head = f'<c:formatCode>{escape(fmt)}</c:formatCode><c:ptCount val="{len(values)}"/>'
    return f"<c:numCache>{head}{''.join(pts)}</c:numCache>"


def _title(text: str, size: int = 1200) -> str:
    return (
        f'<c:title><c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="{size}" b="1"/></a:pPr>'
        f'<a:r><a:rPr lang="zh-CN" sz="{size}" b="1"/><a:t>{escape(text)}</a:t></a:r></a:p></c:rich></c:tx>'
        '<c:overlay val="0"/></c:title>'
    )


def _labels_xml(chart: Chart, series: Series, *, line: bool) -> str:
    """Data labels of a series: every point, or for a line only its last and its highest point (thirty labels on
    a small line chart would cover each other)."""
    if chart.labels == "none":
        return ""
    fmt = escape(chart.label_format or chart.value_format)
    text = ('<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="800"/></a:pPr><a:endParaRPr lang="zh-CN"/>'
            "</a:p></c:txPr>")
    flags = ('<c:showLegendKey val="0"/><c:showVal val="{}"/><c:showCatName val="0"/><c:showSerName val="0"/>'
             '<c:showPercent val="0"/><c:showBubbleSize val="0"/>')
    position = "t" if line else ("ctr" if chart.kind == "stacked" else "outEnd")
    common = f'<c:numFmt formatCode="{fmt}" sourceLinked="0"/><c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr>{text}'
    if chart.labels == "ends":
        known = [(i, v) for i, v in enumerate(series.values) if v is not None and v == v]
        points = sorted({known[-1][0], max(known, key=lambda p: (p[1], p[0]))[0]}) if known else []
        each = "".join(f'<c:dLbl><c:idx val="{i}"/>{common}<c:dLblPos val="{position}"/>{flags.format(1)}</c:dLbl>'
                       for i in points)
        return f"<c:dLbls>{each}{common}{flags.format(0)}</c:dLbls>"
    return f'<c:dLbls>{common}<c:dLblPos val="{position}"/>{flags.format(1)}</c:dLbls>'


def _target_xml(chart: Chart, index: int) -> str:
    """The target as a dashed red line over the columns, sharing their axes."""
    target = chart.target
    assert target is not None
    ref = f"<c:f>{escape(chart.categories_ref)}</c:f>"
    cat = f"<c:strRef>{ref}{_str_cache(chart.categories)}</c:strRef>"
    line = ('<c:spPr><a:ln w="22225" cap="rnd"><a:solidFill><a:srgbClr val="c00000"/></a:solidFill>'
            '<a:prstDash val="dash"/><a:round/></a:ln></c:spPr><c:marker><c:symbol val="none"/></c:marker>')
    series = (
        f'<c:ser><c:idx val="{index}"/><c:order val="{index}"/>'
        f"<c:tx><c:strRef><c:f>{escape(target.name_ref)}</c:f>{_str_cache([target.name])}</c:strRef></c:tx>{line}"
        f"<c:cat>{cat}</c:cat><c:val><c:numRef><c:f>{escape(target.values_ref)}</c:f>"
        f'{_num_cache(target.values, chart.value_format)}</c:numRef></c:val><c:smooth val="0"/></c:ser>'
    )
    return (f'<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>{series}<c:marker val="1"/>'
            '<c:axId val="500000001"/><c:axId val="500000002"/></c:lineChart>')


def _series_xml(chart: Chart, index: int, series: Series) -> str:
    ref = f"<c:f>{escape(chart.categories_ref)}</c:f>"
    if chart.category_format:
        cat = f"<c:numRef>{ref}{_num_cache(chart.categories, chart.category_format)}</c:numRef>"
    else:
        cat = f"<c:strRef>{ref}{_str_cache(chart.categories)}</c:strRef>"
    head = (
        f'<c:ser><c:idx val="{index}"/><c:order val="{index}"/>'
        f"<c:tx><c:strRef><c:f>{escape(series.name_ref)}</c:f>{_str_cache([series.name])}</c:strRef></c:tx>"
    )
    cache = _num_cache(series.values, chart.value_format)
    values = f"<c:val><c:numRef><c:f>{escape(series.values_ref)}</c:f>{cache}</c:numRef></c:val>"
    colour = f'<a:solidFill><a:srgbClr val="{PALETTE[index % len(PALETTE)]}"/></a:solidFill>'
    if chart.kind == "line":
        line = f'<c:spPr><a:ln w="22225" cap="rnd">{colour}<a:round/></a:ln></c:spPr>'
        marker = (
            f'<c:marker><c:symbol val="circle"/><c:size val="4"/><c:spPr>{colour}<a:ln>{colour}</a:ln></c:spPr>'
            "</c:marker>"
        )
        labels = _labels_xml(chart, series, line=True)
        return head + line + marker + f'{labels}<c:cat>{cat}</c:cat>{values}<c:smooth val="0"/></c:ser>'
    fill = f"<c:spPr>{colour}<a:ln><a:noFill/></a:ln></c:spPr>"
    labels = _labels_xml(chart, series, line=False)
    return head + fill + '<c:invertIfNegative val="0"/>' + f"{labels}<c:cat>{cat}</c:cat>{values}</c:ser>"


def chart_xml(chart: Chart) -> bytes:
    """A chartSpace part for a column chart (clustered or stacked) or a line chart."""
    series = "".join(_series_xml(chart, i, s) for i, s in enumerate(chart.series))
    axes_ids = '<c:axId val="500000001"/><c:axId val="500000002"/>'
    if chart.kind == "line":
        plot = (
            f'<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>{series}<c:marker val="1"/>{axes_ids}'
            "</c:lineChart>"
        )
    else:
        stacked = chart.kind == "stacked"
        grouping = "stacked" if stacked else "clustered"
        overlap = '<c:overlap val="100"/>' if stacked else ""
        plot = (
            f'<c:barChart><c:barDir val="col"/><c:grouping val="{grouping}"/><c:varyColors val="0"/>{series}'
            f'<c:gapWidth val="80"/>{overlap}{axes_ids}</c:barChart>'
        )
        if chart.target is not None:
            plot += _target_xml(chart, len(chart.series))
    cat_fmt = chart.category_format or "General"
    cat_ax = (
        '<c:catAx><c:axId val="500000001"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>'
        f'<c:axPos val="b"/><c:numFmt formatCode="{escape(cat_fmt)}" sourceLinked="0"/><c:majorTickMark val="out"/>'
        '<c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/><c:crossAx val="500000002"/>'
        '<c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/>'
        '<c:noMultiLvlLbl val="0"/></c:catAx>'
    )
    if chart.bounds is not None:  # zoomed: 81.8 % and 84.5 % look different, not both "almost full"
        bounds = f'<c:max val="{chart.bounds[1]!r}"/><c:min val="{chart.bounds[0]!r}"/>'
    else:
        bounds = ('<c:max val="1"/>' if chart.value_format.endswith("%") else "") + '<c:min val="0"/>'
    val_ax = (
        f'<c:valAx><c:axId val="500000002"/><c:scaling><c:orientation val="minMax"/>{bounds}</c:scaling>'
        f'<c:delete val="0"/><c:axPos val="l"/><c:majorGridlines/>'
        f'<c:numFmt formatCode="{escape(chart.value_format)}" sourceLinked="0"/>'
        '<c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>'
        '<c:crossAx val="500000001"/><c:crosses val="autoZero"/><c:crossBetween val="between"/></c:valAx>'
    )
    several = len(chart.series) + (chart.target is not None) > 1
    legend = '<c:legend><c:legendPos val="b"/><c:overlay val="0"/></c:legend>' if several else ""
    xml = (
        f'{XML_HEAD}<c:chartSpace xmlns:c="{NS_C}" xmlns:a="{NS_A}" xmlns:r="{NS_R}">'
        '<c:date1904 val="0"/><c:lang val="zh-CN"/><c:roundedCorners val="0"/>'
        f'<c:chart>{_title(chart.title)}<c:autoTitleDeleted val="0"/><c:plotArea><c:layout/>{plot}{cat_ax}{val_ax}'
        f'</c:plotArea>{legend}<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart></c:chartSpace>'
    )
    return xml.encode("utf-8")


def drawing_xml(charts: Sequence[Chart]) -> bytes:
    anchors = []
    for i, chart in enumerate(charts, start=1):
        col, row = chart.anchor
        cx, cy = (v * EMU_PER_PX for v in chart.size_px)
        anchors.append(
            f"<xdr:oneCellAnchor><xdr:from><xdr:col>{col}</xdr:col><xdr:colOff>{chart.offset_px * EMU_PER_PX}"
            f"</xdr:colOff><xdr:row>{row}</xdr:row>"
            f'<xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:ext cx="{cx}" cy="{cy}"/>'
            f'<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="{i + 1}" name="图表 {i}"/>'
            '<xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/>'
            f'</xdr:xfrm><a:graphic><a:graphicData uri="{NS_C}"><c:chart xmlns:c="{NS_C}" r:id="rId{i}"/>'
            "</a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:oneCellAnchor>"
        )
    head = f'{XML_HEAD}<xdr:wsDr xmlns:xdr="{NS_XDR}" xmlns:a="{NS_A}" xmlns:r="{NS_R}">'
    return (head + "".join(anchors) + "</xdr:wsDr>").encode("utf-8")


def column_pixels(width: float) -> int:
    """Screen width of a column of ``width`` characters (Excel's default font)."""
    return int(width * 7 + 5)


def anchor_columns(widths: Sequence[float], count: int, chart_px: int, gap_px: int = 16) -> list[int]:
    """0-based columns at which ``count`` charts of ``chart_px`` each sit side by side without overlapping."""
    edges = [0]
    for w in widths:
        edges.append(edges[-1] + column_pixels(w))
    columns, x = [], 0
    for _ in range(count):
        col = next((j for j, e in enumerate(edges) if e >= x), None)
        if col is None:  # past the known columns: default width 8.43
            col = len(widths) + math.ceil((x - edges[-1]) / column_pixels(8.43))
        columns.append(col)
        start = edges[col] if col < len(edges) else x
        x = start + chart_px + gap_px
    return columns


# -------------------------------------------------------------------------------------------------- package


_DIMENSION = re.compile(rb'<dimension ref="([A-Z]+\d+):([A-Z]+)(\d+)"/>')


def _sheet_with_extras(xml: bytes, extra: str, last_row: int, last_col: int, drawing_rid: str | None) -> bytes:
    if extra:
        xml = xml.replace(b"</sheetData>", extra.encode("utf-8") + b"</sheetData>", 1)

        def widen(m: re.Match[bytes]) -> bytes:
            col = max(m.group(2).decode(), column_letter(last_col), key=lambda c: (len(c), c))
            return f'<dimension ref="{m.group(1).decode()}:{col}{max(int(m.group(3)), last_row)}"/>'.encode()

        xml = _DIMENSION.sub(widen, xml, count=1)
    if drawing_rid:
        xml = xml.replace(b"</worksheet>", f'<drawing r:id="{drawing_rid}"/></worksheet>'.encode(), 1)
    return xml


def _relationships(items: Sequence[tuple[str, str]]) -> str:
    """A relationships part: (type suffix, target) pairs with ids rId1, rId2, …"""
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{NS_R}/{kind}" Target="{escape(target)}"/>'
        for i, (kind, target) in enumerate(items, start=1)
    )
    return f'{XML_HEAD}<Relationships xmlns="{NS_PKG}">{rels}</Relationships>'


def _workbook_parts(
    book: _Book, sheets: Sequence[ResultSheet], filters: Sequence[str], printing: Sequence[tuple[str, str]] = ()
) -> None:
    """workbook.xml (with each sheet's filter range and, from ``printing``, its print titles and print area),
    its relationships and docProps/app.xml."""
    n = len(sheets)
    quote = {'"': "&quot;"}
    entries = "".join(
        f'<sheet name="{escape(s.name, quote)}" sheetId="{i}" r:id="rId{i}"/>' for i, s in enumerate(sheets, 1)
    )
    names = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">{escape(f)}</definedName>'
        for i, f in enumerate(filters)
    )
    for i, (titles, area) in enumerate(printing):
        if area:
            names += f'<definedName name="_xlnm.Print_Area" localSheetId="{i}">{escape(area)}</definedName>'
        if titles:
            names += f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">{escape(titles)}</definedName>'

    book.add(
        "xl/workbook.xml",
        f'{XML_HEAD}<workbook xmlns="{NS_MAIN}" xmlns:r="{NS_R}"><workbookPr/>'
        f'<bookViews><workbookView activeTab="0"/></bookViews><sheets>{entries}</sheets>'
        f'<definedNames>{names}</definedNames><calcPr calcId="191029"/></workbook>',
        CT_PREFIX + "spreadsheetml.sheet.main+xml",
    )
    targets = [("worksheet", f"worksheets/sheet{i}.xml") for i in range(1, n + 1)] + [("styles", "styles.xml")]
    book.add("xl/_rels/workbook.xml.rels", _relationships(targets))
    titles = "".join(f"<vt:lpstr>{escape(s.name)}</vt:lpstr>" for s in sheets)
    book.add(
        "docProps/app.xml",
        f'{XML_HEAD}<Properties xmlns="{NS_APP}" xmlns:vt="{NS_VT}"><Application>Microsoft Excel</Application>'
        '<HeadingPairs><vt:vector size="2" baseType="variant"><vt:variant><vt:lpstr>工作表</vt:lpstr></vt:variant>'
        f"<vt:variant><vt:i4>{n}</vt:i4></vt:variant></vt:vector></HeadingPairs><TitlesOfParts>"
        f'<vt:vector size="{n}" baseType="lpstr">{titles}</vt:vector></TitlesOfParts></Properties>',
        CT_PREFIX + "extended-properties+xml",
    )


def _zip(book: _Book) -> bytes:
    overrides = "".join(
        f'<Override PartName="/{p.name}" ContentType="{p.content_type}"/>' for p in book.parts if p.content_type
    )
    types = (
        f'{XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>{overrides}</Types>'
    )
    root_rels = _relationships([("officeDocument", "xl/workbook.xml"), ("extended-properties", "docProps/app.xml")])
    out = io.BytesIO()
    # Level 1: several times faster than the default, and the sheets' XML still shrinks about sevenfold.
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", root_rels)
        for part in book.parts:
            archive.writestr(part.name, part.data)
    return out.getvalue()


def _absolute(cells: str) -> str:
    """A1:L30 → $A$1:$L$30."""
    return re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", cells)


def build_package(
    sheets: Sequence[ResultSheet],
    *,
    extra_rows: Sequence[ExtraRow] = (),
    charts: Sequence[Chart] = (),
    dashboard: Dashboard | None = None,
) -> bytes:
    """The whole summary workbook: ``sheets`` in order; extra rows, charts and the dashboard's links, formats and
    print setup go on the first sheet."""
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    styles = StyleBook(etree.fromstring(MINIMAL_STYLES_XML.encode("utf-8")))

    def highlight_dxf(rule: Highlight) -> int:  # the result sheets' own conditional formats
        return dxf_index(styles, rule.fill, rule.font, rule.bold)

    book = _Book()
    filters, printing = [], []
    for i, sheet in enumerate(sheets):
        rendered = render_sheet(sheet, styles.style_id, name=sheet.name, selected=i == 0, dxf_id=highlight_dxf)
        filters.append(rendered.filter_range)
        area = ""
        if i == 0 and dashboard is not None and dashboard.print_area:
            area = f"{quote_sheet(sheet.name)}!{_absolute(dashboard.print_area)}"
        printing.append((getattr(rendered, "print_titles", ""), area))
        xml, links = rendered.xml, list(rendered.external_targets)
        if i == 0 and dashboard is not None:
            xml = _dashboard_sheet(xml, dashboard, styles, links)
        rels = [("hyperlink", target) for target in links]
        if i == 0 and (extra_rows or charts):
            drawing_rid = f"rId{len(rels) + 1}" if charts else None
            last_row = max((r.row for r in extra_rows), default=0)
            last_col = max((len(r.cells) - 1 for r in extra_rows), default=0)
            xml = _sheet_with_extras(xml, _rows_xml(extra_rows, styles), last_row, last_col, drawing_rid)
            if charts:
                rels.append(("drawing", "../drawings/drawing1.xml"))
        book.add(f"xl/worksheets/sheet{i + 1}.xml", xml, CT_PREFIX + "spreadsheetml.worksheet+xml")
        if rels:
            rel_xml = hyperlink_rels_xml(links).decode("utf-8") if links else _relationships([])
            if i == 0 and charts:  # the drawing follows the hyperlinks (ids rId1 … rIdN)
                target = "../drawings/drawing1.xml"
                drawing = f'<Relationship Id="rId{len(rels)}" Type="{NS_R}/drawing" Target="{target}"/>'
                rel_xml = rel_xml.replace("</Relationships>", drawing + "</Relationships>")
            book.add(f"xl/worksheets/_rels/sheet{i + 1}.xml.rels", rel_xml)
    if charts:
        book.add("xl/drawings/drawing1.xml", drawing_xml(charts), CT_PREFIX + "drawing+xml")
        chart_rels = [("chart", f"../charts/chart{k}.xml") for k in range(1, len(charts) + 1)]
        book.add("xl/drawings/_rels/drawing1.xml.rels", _relationships(chart_rels))
        for k, chart in enumerate(charts, start=1):
            book.add(f"xl/charts/chart{k}.xml", chart_xml(chart), CT_PREFIX + "drawingml.chart+xml")
    styles_xml = XML_HEAD.encode("utf-8") + etree.tostring(styles.root, encoding="utf-8")
    book.add("xl/styles.xml", styles_xml, CT_PREFIX + "spreadsheetml.styles+xml")
    _workbook_parts(book, sheets, filters, printing)
    return _zip(book)


def range_ref(sheet: str, col: int, first_row: int, last_row: int | None = None) -> str:
    """An absolute reference like '总览'!$C$3:$C$9 (0-based column, 1-based rows)."""
    letter = column_letter(col)
    ref = f"{quote_sheet(sheet)}!${letter}${first_row}"
    return ref if last_row is None else f"{ref}:${letter}${last_row}"


__all__ = [
    "CellLink",
    "CellRule",
    "Chart",
    "Dashboard",
    "ExtraRow",
    "Series",
    "anchor_columns",
    "build_package",
    "chart_xml",
    "column_pixels",
    "dxf_index",
    "drawing_xml",
    "range_ref",
]
