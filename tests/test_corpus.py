"""A corpus of real-world-shaped workbooks through ``automation validate`` (issue 11: bounded and safe on any input).

Every workbook is generated here (openpyxl where it can make the feature, hand-written XML parts otherwise; nothing
is copied from elsewhere): charts and drawings, pivot tables (cache definition, records, table), Excel tables,
a VBA project (.xlsm), custom XML, Strict OOXML, Excel 4 macro sheets, odd sheet names, shared and inline strings,
zip members with data descriptors and stored (uncompressed) members, legacy and threaded comments, defined names,
hidden sheets and external links. Most are real registers of the product (the sample generator's 叫修登记簿, or the
blank template with rows typed in) with the extra parts added, so validation and write-back really run; the others
are foreign workbooks.

Each case runs through the command line inside a root laid out by ``automation init`` and must keep the product's
promises (README, SPEC §7, §9): exit code 0, 1 or 2, never a traceback; on 2 one line and the file byte-for-byte
untouched; on 0/1 every zip member except the few §7 lets change copied as its original compressed bytes, in the
original order, and the result opening again in openpyxl and python-calamine (and, for charts, pivots, tables and
odd names, in LibreOffice). The invariant checks (:func:`check_outcome`) are shared with ``test_fuzz.py``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from conftest import AS_OF as SAMPLE_AS_OF
from fixtures_xlsx import VBA_BYTES, raw_entries, staff_workbook, with_macro_sheet
from libreoffice import convert
from lxml import etree
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table, TableStyleInfo
from python_calamine import CalamineWorkbook

from automation.cli import main
from automation.sample import write_callins_workbook
from automation.xlsx.package import staff_part_names

AS_OF = "2026-11-27 16:00"
BRANCH = "服务中心"
# What SPEC §7 and docs/design.md let a write-back rewrite; every other member must keep its compressed bytes.
# (Our own earlier result sheets, and a calcChain naming them, may go too: the typed template has its 员工名单.)
EDITABLE = frozenset({"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "docProps/app.xml",
                      "xl/styles.xml"})  # fmt: skip

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
XML_HEAD = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


# ------------------------------------------------------------------------------------------- the invariants


@dataclass
class Outcome:
    code: int
    written: bool
    report: dict | None  # the workbook's entry of the --json output (None when the command itself was refused)


def run_validate(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``automation validate PATH --json`` as the command line runs it (write-back on: the default)."""
    capsys.readouterr()  # whatever an earlier example left
    try:
        code = main(["validate", str(path), "--json", "--as-of", AS_OF])
    except BaseException as exc:
        # A Rust panic in python-calamine is a BaseException: it escapes every ``except Exception`` up to the
        # interpreter (traceback, exit 1). Made an assertion so hypothesis shrinks it like any other failure.
        if type(exc).__name__ == "PanicException":
            raise AssertionError(f"python-calamine panicked, the command crashed: {exc}") from exc
        raise
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def opens_in_openpyxl(data: bytes) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            openpyxl.load_workbook(io.BytesIO(data)).close()
    except Exception:  # noqa: BLE001 - any refusal of openpyxl means "does not open"
        return False
    return True


def opens_in_calamine(data: bytes) -> bool:
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()
    except Exception:  # noqa: BLE001 - any refusal of calamine means "does not open"
        return False
    return True


def member_order(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [i.filename for i in zf.infolist()]


def check_outcome(path: Path, original: bytes, code: int, out: str, err: str) -> Outcome:
    """The promises of SPEC §7/§9 after ``validate --json`` on ``path``, whose bytes were ``original``."""
    assert code in (0, 1, 2), (code, out, err)
    assert "Traceback" not in out + err, out + err
    after = path.read_bytes()
    # Temporary files never appear in staff folders (docs/design.md): the folder holds exactly the workbook.
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
    if not out:  # the command itself refused (usage, settings): one line on stderr, exit 2
        assert code == 2 and len(err.strip().splitlines()) == 1, err
        assert after == original
        return Outcome(code, False, None)
    payload = json.loads(out)  # stdout is exactly one JSON object, nothing printed beside it
    [report] = payload["workbooks"]
    if code == 2:
        message = report["error"]
        assert message and "\n" not in message and message == message.strip(), message
        assert after == original, "a workbook refused with exit 2 must be left untouched"
        assert not report["results"]["written"]
        return Outcome(code, False, report)
    assert report["error"] is None
    if after == original:
        assert not report["results"]["written"], "reported as written, but the file is unchanged"
        return Outcome(code, False, report)
    assert report["results"]["written"], "the file changed although nothing was reported written"
    before_raw, after_raw = raw_entries(original), raw_entries(after)
    # Parts of result sheets the original already had (a template's hidden 员工名单) are ours to rewrite.
    ours = set(member_order(original)) - staff_part_names(original) - EDITABLE
    staff = [name for name in member_order(original) if name not in EDITABLE | ours]
    for name in staff:
        assert name in after_raw, f"staff part {name} is gone"
        assert after_raw[name] == before_raw[name], f"staff part {name} is not byte-identical"
    assert [n for n in member_order(after) if n in set(staff)] == staff, "staff parts changed order"
    if opens_in_openpyxl(original):
        assert opens_in_openpyxl(after), "the result no longer opens in openpyxl"
    if opens_in_calamine(original):
        assert opens_in_calamine(after), "the result no longer opens in python-calamine"
    return Outcome(code, True, report)


# --------------------------------------------------------------------------------------- building packages


def parts_in_order(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


class _Unseekable(io.RawIOBase):
    """A write-only stream without seek/tell: zipfile then writes every member with a data descriptor."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # noqa: ANN001 - bytes-like
        self.buffer += bytes(data)
        return len(data)


def pack(parts: Mapping[str, bytes], *, stored: Callable[[str], bool] = lambda _n: False,
         descriptors: bool = False) -> bytes:  # fmt: skip
    """A zip of ``parts`` in order; ``stored`` names members left uncompressed; ``descriptors`` puts the sizes
    and CRC in data descriptors after each member (as streaming writers do) instead of the local headers."""
    target: io.BytesIO | _Unseekable = _Unseekable() if descriptors else io.BytesIO()
    with zipfile.ZipFile(target, "w") as zf:
        for name, content in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 11, 20, 9, 30, 0))
            info.compress_type = zipfile.ZIP_STORED if stored(name) else zipfile.ZIP_DEFLATED
            zf.writestr(info, content)
    return bytes(target.buffer) if isinstance(target, _Unseekable) else target.getvalue()


def _xml(data: bytes) -> etree._Element:
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))


def _dump(root: etree._Element) -> bytes:
    return XML_HEAD + etree.tostring(root, encoding="UTF-8")


def rels_of(part: str) -> str:
    folder, base = part.rsplit("/", 1) if "/" in part else ("", part)
    return f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"


def add_override(parts: dict[str, bytes], part: str, content_type: str) -> None:
    types = _xml(parts["[Content_Types].xml"])
    etree.SubElement(types, f"{{{NS_CT}}}Override", PartName="/" + part, ContentType=content_type)
    parts["[Content_Types].xml"] = _dump(types)


def add_default(parts: dict[str, bytes], extension: str, content_type: str) -> None:
    types = _xml(parts["[Content_Types].xml"])
    if not any(d.get("Extension") == extension for d in types.iter(f"{{{NS_CT}}}Default")):
        types.insert(0, etree.Element(f"{{{NS_CT}}}Default", Extension=extension, ContentType=content_type))
    parts["[Content_Types].xml"] = _dump(types)


def add_rel(parts: dict[str, bytes], source: str, rel_type: str, target: str, *, external: bool = False) -> str:
    """A relationship from ``source`` (``""`` for the package) to ``target``; returns its new id."""
    name = rels_of(source) if source else "_rels/.rels"
    root = _xml(parts[name]) if name in parts else etree.Element(f"{{{NS_PKG}}}Relationships", nsmap={None: NS_PKG})
    rid = f"rIdC{len(root) + 1}"
    rel = etree.SubElement(root, f"{{{NS_PKG}}}Relationship", Id=rid, Type=rel_type, Target=target)
    if external:
        rel.set("TargetMode", "External")
    parts[name] = _dump(root)
    return rid


def replace_main_content_type(parts: dict[str, bytes], macro: bool) -> None:
    if macro:
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
            b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")  # fmt: skip


# Children of <workbook> in schema order, to put a new one where Excel expects it.
_WORKBOOK_ORDER = ("fileVersion", "fileSharing", "workbookPr", "workbookProtection", "bookViews", "sheets",
                   "functionGroups", "externalReferences", "definedNames", "calcPr", "oleSize",
                   "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes", "webPublishing",
                   "fileRecoveryPr", "webPublishObjects", "extLst")  # fmt: skip


def workbook_child(book: etree._Element, tag: str) -> etree._Element:
    """The ``<tag>`` child of ``<workbook>``, created in schema order when missing."""
    found = book.find(f"{{{NS_MAIN}}}{tag}")
    if found is not None:
        return found
    element = etree.Element(f"{{{NS_MAIN}}}{tag}")
    later = set(_WORKBOOK_ORDER[_WORKBOOK_ORDER.index(tag) + 1 :])
    for index, child in enumerate(book):
        if etree.QName(child).localname in later:
            book.insert(index, element)
            return element
    book.append(element)
    return element


def add_sheet(parts: dict[str, bytes], name: str, sheet_xml: bytes, *, state: str | None = None) -> str:
    """A worksheet appended to the sheet list (after the register's sheets); returns its part name."""
    number = 1
    while f"xl/worksheets/sheet{number}.xml" in parts:
        number += 1
    part = f"xl/worksheets/sheet{number}.xml"
    parts[part] = sheet_xml
    rid = add_rel(parts, "xl/workbook.xml", NS_R + "/worksheet", f"worksheets/sheet{number}.xml")
    add_override(parts, part, "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml")
    book = _xml(parts["xl/workbook.xml"])
    sheets = book.find(f"{{{NS_MAIN}}}sheets")
    ids = [int(s.get("sheetId", "0")) for s in sheets]
    element = etree.SubElement(sheets, f"{{{NS_MAIN}}}sheet", name=name, sheetId=str(max(ids) + 1))
    element.set(f"{{{NS_R}}}id", rid)
    if state:
        element.set("state", state)
    parts["xl/workbook.xml"] = _dump(book)
    return part


def cells_xml(rows: list[list[object]]) -> bytes:
    """A worksheet part holding ``rows`` (strings inline, numbers as numbers)."""
    out = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{chr(65 + c)}{r}"
            if isinstance(value, int | float):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            elif value is not None:
                text = str(value).replace("&", "&amp;").replace("<", "&lt;")
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>')
        out.append(f'<row r="{r}">{"".join(cells)}</row>')
    return (f'{XML_HEAD.decode()}<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_R}"><sheetData>{"".join(out)}'
            "</sheetData></worksheet>").encode()  # fmt: skip


# ---------------------------------------------------------------------------------------------- registers


def callins_register(rows: int = 4) -> bytes:
    """A real 叫修登记簿 from the product's sample generator (openpyxl write-only: inline strings)."""
    folder = Path(tempfile.mkdtemp(prefix="corpus-"))
    try:
        path = folder / "叫修登记簿.xlsx"
        write_callins_workbook(path, rows, as_of=SAMPLE_AS_OF, seed=11)
        return path.read_bytes()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def typed_template() -> bytes:
    """The blank 叫修登记簿 template (shared strings, drop-downs, 填写说明) with two calls typed in by a clerk."""
    from automation.registers import REGISTERS
    from automation.templates import build_template

    wb = openpyxl.load_workbook(io.BytesIO(build_template(REGISTERS["callins"])))
    ws = wb["叫修登记"]
    headers = [str(c.value or "").lstrip("*") for c in ws[1]]
    values = {"登记号": "FW-20261120-01", "来电时间": dt.datetime(2026, 11, 20, 9, 30), "客户名称": "宁波甬江机械有限公司",
              "区域": "市区", "服务类别": "C", "商品型号": "HX-160", "处理方式": "现场修复"}  # fmt: skip
    for offset, number in enumerate(("FW-20261120-01", "FW-20261120-02")):
        for column, header in enumerate(headers, start=1):
            if header in values:
                ws.cell(row=2 + offset, column=column, value=number if header == "登记号" else values[header])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def with_openpyxl_features(package: bytes) -> bytes:
    """The register with what openpyxl can make: a bar chart (chart + drawing parts) on a staff sheet, an Excel
    table, a legacy comment on a register cell, global and sheet-local defined names, a hidden sheet."""
    wb = openpyxl.load_workbook(io.BytesIO(package))
    register = wb.worksheets[0]
    register["D3"].comment = Comment("客户名称请与档案核对", "李娜")
    stats = wb.create_sheet("统计")
    stats.append(["区域", "件数"])
    for row in (["市区", 3], ["郊区", 1], ["外地", 2]):
        stats.append(row)
    chart = BarChart()
    chart.title = "各区域叫修件数"
    chart.add_data(Reference(stats, min_col=2, min_row=1, max_row=4), titles_from_data=True)
    chart.set_categories(Reference(stats, min_col=1, min_row=2, max_row=4))
    stats.add_chart(chart, "D2")
    table = Table(displayName="区域统计", ref="A1:B4")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    stats.add_table(table)
    stats.defined_names["本表合计"] = DefinedName("本表合计", attr_text="统计!$B$2:$B$4")
    hidden = wb.create_sheet("参数")
    hidden.append(["市区"])
    hidden.sheet_state = "hidden"
    wb.defined_names["区域列表"] = DefinedName("区域列表", attr_text="参数!$A$1")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


PIVOT_CACHE = (
    f'<pivotCacheDefinition xmlns="{NS_MAIN}" xmlns:r="{NS_R}" r:id="rIdC1" refreshOnLoad="1" recordCount="3" '
    'createdVersion="6" refreshedVersion="6" minRefreshableVersion="3">'
    '<cacheSource type="worksheet"><worksheetSource ref="A1:B4" sheet="透视源"/></cacheSource>'
    '<cacheFields count="2"><cacheField name="区域" numFmtId="0"><sharedItems count="2"><s v="市区"/><s v="郊区"/>'
    '</sharedItems></cacheField><cacheField name="服务费" numFmtId="0"><sharedItems containsSemiMixedTypes="0" '
    'containsString="0" containsNumber="1" containsInteger="1" minValue="100" maxValue="300"/></cacheField>'
    "</cacheFields></pivotCacheDefinition>"
)
PIVOT_RECORDS = (
    f'<pivotCacheRecords xmlns="{NS_MAIN}" count="3"><r><x v="0"/><n v="100"/></r><r><x v="1"/><n v="300"/></r>'
    '<r><x v="0"/><n v="200"/></r></pivotCacheRecords>'
)
PIVOT_TABLE = (
    f'<pivotTableDefinition xmlns="{NS_MAIN}" name="数据透视表1" cacheId="7" applyNumberFormats="0" '
    'applyBorderFormats="0" applyFontFormats="0" applyPatternFormats="0" applyAlignmentFormats="0" '
    'applyWidthHeightFormats="1" dataCaption="值" updatedVersion="6" minRefreshableVersion="3" createdVersion="6" '
    'indent="0" outline="1" outlineData="1">'
    '<location ref="D1:E4" firstHeaderRow="1" firstDataRow="1" firstDataCol="1"/>'
    '<pivotFields count="2"><pivotField axis="axisRow" showAll="0"><items count="3"><item x="0"/><item x="1"/>'
    '<item t="default"/></items></pivotField><pivotField dataField="1" showAll="0"/></pivotFields>'
    '<rowFields count="1"><field x="0"/></rowFields><rowItems count="3"><i><x/></i><i><x v="1"/></i>'
    '<i t="grand"><x/></i></rowItems><colItems count="1"><i/></colItems>'
    '<dataFields count="1"><dataField name="求和项:服务费" fld="1" baseField="0" baseItem="0"/></dataFields>'
    "</pivotTableDefinition>"
)
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml."


def with_pivot(package: bytes) -> bytes:
    """A staff sheet with a pivot table over its data: pivotCacheDefinition, pivotCacheRecords, pivotTable parts,
    and the workbook's ``<pivotCaches>`` (which the rewritten workbook part must keep)."""
    parts = parts_in_order(package)
    rows: list[list[object]] = [["区域", "服务费", None, "行标签", "求和项:服务费"], ["市区", 100, None, "市区", 300],
                                ["郊区", 300, None, "郊区", 300], ["市区", 200, None, "总计", 600]]  # fmt: skip
    sheet = add_sheet(parts, "透视源", cells_xml(rows))
    parts["xl/pivotCache/pivotCacheDefinition1.xml"] = XML_HEAD + PIVOT_CACHE.encode()
    parts["xl/pivotCache/pivotCacheRecords1.xml"] = XML_HEAD + PIVOT_RECORDS.encode()
    parts["xl/pivotTables/pivotTable1.xml"] = XML_HEAD + PIVOT_TABLE.encode()
    add_rel(parts, "xl/pivotCache/pivotCacheDefinition1.xml", NS_R + "/pivotCacheRecords", "pivotCacheRecords1.xml")
    add_rel(parts, "xl/pivotTables/pivotTable1.xml", NS_R + "/pivotCacheDefinition",
            "../pivotCache/pivotCacheDefinition1.xml")  # fmt: skip
    add_rel(parts, sheet, NS_R + "/pivotTable", "../pivotTables/pivotTable1.xml")
    cache_rid = add_rel(parts, "xl/workbook.xml", NS_R + "/pivotCacheDefinition", "pivotCache/pivotCacheDefinition1.xml")
    for part, kind in (("xl/pivotCache/pivotCacheDefinition1.xml", "pivotCacheDefinition+xml"),
                       ("xl/pivotCache/pivotCacheRecords1.xml", "pivotCacheRecords+xml"),
                       ("xl/pivotTables/pivotTable1.xml", "pivotTable+xml")):  # fmt: skip
        add_override(parts, part, CT + kind)
    book = _xml(parts["xl/workbook.xml"])
    cache = etree.SubElement(workbook_child(book, "pivotCaches"), f"{{{NS_MAIN}}}pivotCache", cacheId="7")
    cache.set(f"{{{NS_R}}}id", cache_rid)
    parts["xl/workbook.xml"] = _dump(book)
    return pack(parts)


def with_vba_and_custom_xml(package: bytes) -> bytes:
    """Macro-enabled: ``xl/vbaProject.bin`` (arbitrary bytes) with its content types, and a customXml item with
    its properties part (as SharePoint and document-management add-ins leave them)."""
    parts = parts_in_order(package)
    parts["xl/vbaProject.bin"] = VBA_BYTES
    add_default(parts, "bin", "application/vnd.ms-office.vbaProject")
    replace_main_content_type(parts, macro=True)
    add_rel(parts, "xl/workbook.xml", "http://schemas.microsoft.com/office/2006/relationships/vbaProject", "vbaProject.bin")
    parts["customXml/item1.xml"] = XML_HEAD + '<登记 xmlns="urn:example:after-sales"><版本>3</版本></登记>'.encode()
    parts["customXml/itemProps1.xml"] = XML_HEAD + (
        b'<ds:datastoreItem ds:itemID="{5A1B2C3D-0000-4000-8000-00000000C0DE}" '
        b'xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml"><ds:schemaRefs>'
        b'<ds:schemaRef ds:uri="urn:example:after-sales"/></ds:schemaRefs></ds:datastoreItem>')  # fmt: skip
    add_rel(parts, "customXml/item1.xml", NS_R + "/customXmlProps", "itemProps1.xml")
    add_override(parts, "customXml/itemProps1.xml", "application/vnd.openxmlformats-officedocument.customXmlProperties+xml")
    add_rel(parts, "xl/workbook.xml", NS_R + "/customXml", "../customXml/item1.xml")
    return pack(parts)


THREADED = (
    '<ThreadedComments xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments" '
    f'xmlns:x="{NS_MAIN}"><threadedComment ref="D3" dT="2026-11-20T09:31:00.00" '
    'personId="{0F6C1D3A-1111-4A2B-9C3D-000000000001}" id="{0F6C1D3A-2222-4A2B-9C3D-000000000002}">'
    "<text>客户名称请与档案核对</text></threadedComment><threadedComment ref=\"D3\" dT=\"2026-11-20T10:02:00.00\" "
    'personId="{0F6C1D3A-1111-4A2B-9C3D-000000000001}" id="{0F6C1D3A-3333-4A2B-9C3D-000000000003}" '
    'parentId="{0F6C1D3A-2222-4A2B-9C3D-000000000002}"><text>已核对</text></threadedComment></ThreadedComments>'
)
PERSONS = (
    '<personList xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments" '
    f'xmlns:x="{NS_MAIN}"><person displayName="李娜" id="{{0F6C1D3A-1111-4A2B-9C3D-000000000001}}" '
    'userId="lina@example.com" providerId="None"/></personList>'
)
EXTERNAL_LINK = (
    f'<externalLink xmlns="{NS_MAIN}" xmlns:r="{NS_R}"><externalBook r:id="rIdC1"><sheetNames>'
    '<sheetName val="预算"/></sheetNames><sheetDataSet><sheetData sheetId="0"><row r="1"><cell r="A1">'
    "<v>42</v></cell></row></sheetData></sheetDataSet></externalBook></externalLink>"
)


def with_threaded_comments_and_external_link(package: bytes) -> bytes:
    """Threaded comments (and the person list) on the register sheet, beside its legacy comment, and a link to
    another workbook (externalLink part, ``<externalReferences>``, a defined name through it)."""
    parts = parts_in_order(package)
    sheet = "xl/worksheets/sheet1.xml"
    parts["xl/threadedComments/threadedComment1.xml"] = XML_HEAD + THREADED.encode()
    add_rel(parts, sheet, "http://schemas.microsoft.com/office/2017/10/relationships/threadedComment",
            "../threadedComments/threadedComment1.xml")  # fmt: skip
    add_override(parts, "xl/threadedComments/threadedComment1.xml", "application/vnd.ms-excel.threadedcomments+xml")
    parts["xl/persons/person.xml"] = XML_HEAD + PERSONS.encode()
    add_rel(parts, "xl/workbook.xml", "http://schemas.microsoft.com/office/2017/10/relationships/person",
            "persons/person.xml")  # fmt: skip
    add_override(parts, "xl/persons/person.xml", "application/vnd.ms-excel.person+xml")
    parts["xl/externalLinks/externalLink1.xml"] = XML_HEAD + EXTERNAL_LINK.encode()
    add_rel(parts, "xl/externalLinks/externalLink1.xml", NS_R + "/externalLinkPath", "预算2026.xlsx", external=True)
    link_rid = add_rel(parts, "xl/workbook.xml", NS_R + "/externalLink", "externalLinks/externalLink1.xml")
    add_override(parts, "xl/externalLinks/externalLink1.xml", CT + "externalLink+xml")
    book = _xml(parts["xl/workbook.xml"])
    reference = etree.SubElement(workbook_child(book, "externalReferences"), f"{{{NS_MAIN}}}externalReference")
    reference.set(f"{{{NS_R}}}id", link_rid)
    etree.SubElement(workbook_child(book, "definedNames"), f"{{{NS_MAIN}}}definedName", name="预算总额").text = "[1]预算!$A$1"
    parts["xl/workbook.xml"] = _dump(book)
    return pack(parts)


# Names Excel accepts, however odd; ``[x]`` only other programs write (docs/design.md), and openpyxl refuses it.
FORBIDDEN_NAME = "[x]"
ODD_NAMES = ("O'Brien", "名 字 有 空格", "售后服务部二〇二六年十一月份各分公司叫修登记汇总核对表备注说明", "A1", "R1C1",
             "2026-11", "校验结果")  # fmt: skip


def with_odd_sheet_names(package: bytes, *, forbidden: bool = False) -> bytes:
    """Staff sheets with odd names after the register sheet (``forbidden``: first one Excel forbids); one of them
    is called 校验结果 (unmarked: the staff's own), another holds a formula that refers to odd names."""
    parts = parts_in_order(package)
    for index, name in enumerate(((FORBIDDEN_NAME,) if forbidden else ()) + ODD_NAMES):
        sheet = cells_xml([[f"{name} 的备注", index]])
        if name == "O'Brien":  # a formula through two names that look like cell references
            sheet = sheet.replace(b"</row></sheetData>", b"<c r=\"C1\"><f>'R1C1'!B1+'A1'!B1</f><v>9</v></c></row></sheetData>")
        add_sheet(parts, name, sheet)
    return pack(parts)


def shared_strings(package: bytes) -> bytes:
    """The register with its inline strings moved into a sharedStrings part (as Excel saves), written with data
    descriptors and with the sheet and the shared strings stored uncompressed."""
    parts = parts_in_order(package)
    table: list[str] = []

    def share(match: re.Match[bytes]) -> bytes:
        text = match.group(2).decode()
        if text not in table:
            table.append(text)
        return match.group(1) + b' t="s"><v>' + str(table.index(text)).encode() + b"</v></c>"

    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = re.sub(rb'(<c r="[A-Z]+\d+"(?: s="\d+")?) t="inlineStr"><is><t>(.*?)</t></is></c>', share, parts[sheet])
    items = "".join(f"<si><t>{t}</t></si>" for t in table)
    parts["xl/sharedStrings.xml"] = (f'{XML_HEAD.decode()}<sst xmlns="{NS_MAIN}" count="{len(table)}" '
                                     f'uniqueCount="{len(table)}">{items}</sst>').encode()  # fmt: skip
    add_rel(parts, "xl/workbook.xml", NS_R + "/sharedStrings", "sharedStrings.xml")
    add_override(parts, "xl/sharedStrings.xml", CT + "sharedStrings+xml")
    return pack(parts, stored=lambda n: n in (sheet, "xl/sharedStrings.xml", "docProps/core.xml"), descriptors=True)


# ---------------------------------------------------------------------------------------- foreign workbooks

STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
STRICT_REL = "http://purl.oclc.org/ooxml/officeDocument/relationships"


def strict_workbook() -> bytes:
    """A Strict Open XML workbook (purl.oclc.org namespaces) holding a 叫修登记 sheet, as Excel's
    "Strict Open XML Spreadsheet" saves it."""
    headers = ["登记号", "来电时间", "客户名称", "区域", "服务类别", "商品型号", "处理方式"]
    row = ["FW-1", 46346.4, "宁波甬江机械有限公司", "市区", "C", "HX-160", "现场修复"]
    sheet = cells_xml([headers, row]).replace(NS_MAIN.encode(), STRICT_MAIN.encode()).replace(NS_R.encode(), STRICT_REL.encode())
    return pack({
        "[Content_Types].xml": XML_HEAD + (
            f'<Types xmlns="{NS_CT}"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override '
            f'PartName="/xl/workbook.xml" ContentType="{CT}sheet.main+xml"/><Override '
            f'PartName="/xl/worksheets/sheet1.xml" ContentType="{CT}worksheet+xml"/></Types>').encode(),
        "_rels/.rels": XML_HEAD + (f'<Relationships xmlns="{NS_PKG}"><Relationship Id="rId1" '
                                   f'Type="{STRICT_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>').encode(),
        "xl/workbook.xml": XML_HEAD + (
            f'<workbook xmlns="{STRICT_MAIN}" xmlns:r="{STRICT_REL}" conformance="strict"><sheets>'
            '<sheet name="叫修登记" sheetId="1" r:id="rId1"/></sheets></workbook>').encode(),
        "xl/_rels/workbook.xml.rels": XML_HEAD + (
            f'<Relationships xmlns="{NS_PKG}"><Relationship Id="rId1" Type="{STRICT_REL}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>').encode(),
        "xl/worksheets/sheet1.xml": sheet,
    })  # fmt: skip


def foreign_budget() -> bytes:
    """Not a register: a budget with hidden and very hidden sheets, defined names and an external link."""
    wb = openpyxl.Workbook()
    wb.active.title = "预算"
    wb.active.append(["项目", "金额"])
    wb.active.append(["配件", 1200.5])
    for name, state in (("底稿", "hidden"), ("密", "veryHidden")):
        ws = wb.create_sheet(name)
        ws["A1"] = "内部"
        ws.sheet_state = state
    wb.defined_names["合计"] = DefinedName("合计", attr_text="预算!$B$2")
    out = io.BytesIO()
    wb.save(out)
    return with_threaded_comments_and_external_link(out.getvalue())


# ------------------------------------------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Case:
    file: str  # where in the root, e.g. "服务中心/叫修登记簿.xlsx"
    build: Callable[[], bytes]
    expect_written: bool  # a register whose results must be written back
    libreoffice: bool = False
    calamine_reads_original: bool = True  # False only where calamine refuses the original itself
    openpyxl_reads_original: bool = True  # False only where openpyxl refuses the original itself
    code: int = 0  # the exit code its content calls for


CASES: dict[str, Case] = {
    "register-chart-table-comments-names-hidden": Case(
        f"{BRANCH}/叫修登记簿.xlsx", lambda: with_openpyxl_features(callins_register()), True, libreoffice=True),
    "register-pivot-table": Case(f"{BRANCH}/叫修登记簿.xlsx", lambda: with_pivot(callins_register()), True, libreoffice=True),
    "register-vba-custom-xml": Case(f"{BRANCH}/叫修登记簿.xlsm", lambda: with_vba_and_custom_xml(callins_register()), True),
    "register-excel4-macro-sheet": Case(
        f"{BRANCH}/叫修登记簿.xlsm", lambda: with_macro_sheet(with_vba_and_custom_xml(callins_register())), True,
        calamine_reads_original=False),
    "register-threaded-comments-external-link": Case(
        f"{BRANCH}/叫修登记簿.xlsx",
        lambda: with_threaded_comments_and_external_link(with_openpyxl_features(callins_register())), True),
    "register-odd-sheet-names": Case(
        f"{BRANCH}/叫修登记簿.xlsx", lambda: with_odd_sheet_names(callins_register()), True, libreoffice=True),
    "register-sheet-name-excel-forbids": Case(
        f"{BRANCH}/叫修登记簿.xlsx", lambda: with_odd_sheet_names(callins_register(), forbidden=True), True,
        libreoffice=True, openpyxl_reads_original=False),
    "register-shared-strings-stored-data-descriptors": Case(
        f"{BRANCH}/叫修登记簿.xlsx", lambda: shared_strings(callins_register()), True),
    "register-template-typed-in": Case(f"{BRANCH}/叫修登记簿.xlsx", typed_template, True, code=1),
    # Recognised by its document property; the fixture's rows break customer rules on purpose.
    "foreign-staff-workbook-xlsm": Case("总部/客户档案.xlsm", lambda: staff_workbook(macro=True), True, code=1),
    # calamine reads Strict; write-back refuses it (one line in the reason), so the file stays as it is.
    "foreign-strict-ooxml": Case(f"{BRANCH}/叫修登记簿.xlsx", strict_workbook, False, code=1),
    "foreign-budget-not-a-register": Case(f"{BRANCH}/预算.xlsx", foreign_budget, False, code=2),
}


@pytest.fixture(scope="module")
def blank_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A root as ``automation init`` lays it out (made once; each case works on a copy)."""
    root = tmp_path_factory.mktemp("corpus-root") / "workbooks"
    assert main(["init", str(root), "--branch", BRANCH]) == 0
    return root


def place(blank_root: Path, tmp_path: Path, case: Case) -> tuple[Path, bytes]:
    """A copy of the root with the case's workbook alone in its folder (the templates there are removed; lookups
    into other registers then give warnings, which is all a fresh root gives anyway)."""
    root = tmp_path / "workbooks"
    shutil.copytree(blank_root, root)
    target = root / case.file
    # The folder holds only the case's workbook, so the "no temporary files beside it" check is exact.
    for other in target.parent.iterdir():
        other.unlink()
    data = case.build()
    target.write_bytes(data)
    return target, data


@pytest.mark.parametrize("name", CASES)
def test_corpus_workbook_keeps_every_promise(name: str, blank_root: Path, tmp_path: Path, capsys) -> None:
    case = CASES[name]
    path, original = place(blank_root, tmp_path, case)
    # The generated workbooks are sound where they should be, so a failure below is the product's.
    assert opens_in_openpyxl(original) == case.openpyxl_reads_original
    assert opens_in_calamine(original) == case.calamine_reads_original
    if "data-descriptors" in name:
        with zipfile.ZipFile(io.BytesIO(original)) as zf:
            infos = zf.infolist()
        assert all(i.flag_bits & 0x8 for i in infos) and {i.compress_type for i in infos} == {0, 8}
    code, out, err = run_validate(path, capsys)
    outcome = check_outcome(path, original, code, out, err)
    assert (code, outcome.written) == (case.code, case.expect_written), (out, err)
    if case.expect_written:
        assert outcome.report is not None and "校验结果" in outcome.report["results"]["sheets"]
        written = path.read_bytes()
        if case.openpyxl_reads_original:
            assert opens_in_openpyxl(written)
        if case.calamine_reads_original:
            assert opens_in_calamine(written)
        # Running again on the unchanged register rewrites nothing (the results are already current).
        code, out, err = run_validate(path, capsys)
        assert check_outcome(path, written, code, out, err).written is False


def test_odd_names_survive_and_our_result_sheet_avoids_the_staff_one(blank_root: Path, tmp_path: Path, capsys) -> None:
    path, original = place(blank_root, tmp_path, CASES["register-odd-sheet-names"])
    code, out, err = run_validate(path, capsys)
    assert check_outcome(path, original, code, out, err).written
    names = CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes())).sheet_names
    # The register's sheets and the staff's first, unchanged, in order.
    assert names[: 2 + len(ODD_NAMES)] == ["叫修登记", "客户意见调查", *ODD_NAMES]
    assert "校验结果(2)" in names  # the staff's own 校验结果 is never taken over


def test_pivot_caches_and_external_references_stay_in_the_workbook_part(blank_root: Path, tmp_path: Path,
                                                                        capsys) -> None:  # fmt: skip
    """The rewritten workbook part keeps what only it holds: the pivot cache list and the external references,
    each still pointing through the rewritten relationships at its (byte-identical) part."""
    for name, tag, target in (("register-pivot-table", "pivotCache", "xl/pivotCache/pivotCacheDefinition1.xml"),
                              ("register-threaded-comments-external-link", "externalReference",
                               "xl/externalLinks/externalLink1.xml")):  # fmt: skip
        path, original = place(blank_root, tmp_path / name, CASES[name])
        code, out, err = run_validate(path, capsys)
        assert check_outcome(path, original, code, out, err).written
        parts = parts_in_order(path.read_bytes())
        [element] = _xml(parts["xl/workbook.xml"]).iter(f"{{{NS_MAIN}}}{tag}")
        rels = {r.get("Id"): r.get("Target") for r in _xml(parts["xl/_rels/workbook.xml.rels"])}
        assert "xl/" + rels[element.get(f"{{{NS_R}}}id")] == target
        if tag == "pivotCache":
            assert element.get("cacheId") == "7"
        else:
            names = {d.get("name"): d.text for d in _xml(parts["xl/workbook.xml"]).iter(f"{{{NS_MAIN}}}definedName")}
            assert names["预算总额"] == "[1]预算!$A$1"


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", [n for n, c in CASES.items() if c.libreoffice])
def test_libreoffice_loads_the_written_register(name: str, blank_root: Path, tmp_path: Path, capsys) -> None:
    path, original = place(blank_root, tmp_path, CASES[name])
    code, out, err = run_validate(path, capsys)
    assert check_outcome(path, original, code, out, err).written
    staff_sheets = CalamineWorkbook.from_filelike(io.BytesIO(original)).sheet_names
    converted = convert(path, tmp_path / "lo")
    names = CalamineWorkbook.from_filelike(io.BytesIO(converted.read_bytes())).sheet_names
    # LibreOffice keeps a sheet Excel forbids ([x]) only as the first sheet (docs/design.md); all others load.
    expected = [s for s in staff_sheets if s != FORBIDDEN_NAME]
    assert [n for n in names if n in expected] == expected
    assert "校验结果" in names or "校验结果(2)" in names


def test_the_checks_catch_a_recompressed_staff_part(blank_root: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    """The invariant checks themselves can fail: a writer that recompresses what it should copy is caught."""
    from automation.xlsx import container

    def recompress(self, info: zipfile.ZipInfo, payload) -> None:  # noqa: ANN001
        content = zipfile.ZipFile(io.BytesIO(original)).read(info.filename)
        self.add(info.filename, content + (b" " if info.filename.endswith(".xml") else b""), info.date_time,
                 info.external_attr)  # fmt: skip

    path, original = place(blank_root, tmp_path, CASES["register-vba-custom-xml"])
    monkeypatch.setattr(container.ZipWriter, "copy_raw", recompress)
    code, out, err = run_validate(path, capsys)
    with pytest.raises(AssertionError, match="is not byte-identical"):
        check_outcome(path, original, code, out, err)


def test_a_refusal_is_one_line_in_text_output_too(blank_root: Path, tmp_path: Path, capsys) -> None:
    """Text output (what a log file captures) is not a terminal: a long refusal must not be folded at 80 columns."""
    path, _ = place(blank_root, tmp_path, CASES["register-template-typed-in"])
    path.write_bytes(path.read_bytes()[:300])  # truncated: refused with exit 2
    capsys.readouterr()
    assert main(["validate", str(path), "--as-of", AS_OF, "--lang", "en"]) == 2
    out = capsys.readouterr().out
    refusals = [line for line in out.splitlines() if line.startswith("✗")]
    assert len(refusals) == 1 and refusals[0].rstrip().endswith("(perhaps not fully saved): zip: File is not a zip file")
