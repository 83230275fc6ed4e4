"""Fixture workbooks for the package-editing tests, built by code (no binary files in the repository).

``staff_workbook()`` is made by openpyxl (data validation, comments, a chart, defined names with localSheetId,
rich text in sharedStrings, a custom document property) and then gets hand-written parts openpyxl cannot make: an
x14 cross-sheet list validation and x14 conditional formatting, an image (tiny PNG built with zlib), a customXml
part, and, for ``macro=True``, an ``xl/vbaProject.bin`` with the macro-enabled content types.
Helpers read a package's parts and rebuild packages with some parts changed; ``ole_file`` / ``legacy_xls`` /
``encrypted_xlsx`` make the OLE compound files a legacy .xls or a password-protected xlsx are, and
``with_macro_sheet`` adds an Excel 4 macro sheet.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import zipfile
import zlib

import openpyxl
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.packaging.custom import StringProperty
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
VBA_BYTES = b"\xcc\x61" + bytes(range(256)) * 8 + b"fake VBA project, only its bytes matter"
CUSTOMER_ROWS = [
    ("C001", "宁波机械厂", dt.date(2026, 1, 5), 1200.5, "A"),
    ("C002", "慈溪五金", dt.date(2026, 2, 17), 80, "B"),
    ("C003", "=SUM(1,2)", dt.date(2026, 3, 1), -3.25, "C"),
    ("C004", "余姚\n塑料", dt.date(2025, 12, 31), 0, "A"),
]


def tiny_png(width: int = 2, height: int = 2) -> bytes:
    """A valid red RGB PNG, built without Pillow."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def parts_of(package: bytes) -> dict[str, bytes]:
    """Decompressed content of every entry, in zip order."""
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def raw_entries(package: bytes) -> dict[str, tuple[int, int, bytes]]:
    """Per entry: (method, CRC, compressed bytes) — to check that untouched parts were copied, not recompressed."""
    result = {}
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        for info in zf.infolist():
            offset = info.header_offset
            name_len, extra_len = struct.unpack("<HH", package[offset + 26 : offset + 30])
            start = offset + 30 + name_len + extra_len
            result[info.filename] = (info.compress_type, info.CRC, package[start : start + info.compress_size])
    return result


def rebuild(package: bytes, changes: dict[str, bytes | None]) -> bytes:
    """The package with some parts replaced (bytes), removed (None) or appended (new names)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in changes:
                content = changes[info.filename]
                if content is not None:
                    dst.writestr(info.filename, content)
            else:
                dst.writestr(info, src.read(info))
        for name, content in changes.items():
            if name not in src.namelist() and content is not None:
                dst.writestr(name, content)
    return out.getvalue()


def _insert_before_end(xml: bytes, fragment: str) -> bytes:
    index = xml.rindex(b"</worksheet>")
    return xml[:index] + fragment.encode() + xml[index:]


def _add_override(types: bytes, part: str, content_type: str) -> bytes:
    return types.replace(b"</Types>", f'<Override PartName="{part}" ContentType="{content_type}"/></Types>'.encode())


def _add_rel(rels: bytes, rid: str, rel_type: str, target: str) -> bytes:
    entry = f'<Relationship Id="{rid}" Type="{rel_type}" Target="{target}"/></Relationships>'
    return rels.replace(b"</Relationships>", entry.encode())


X14_EXT = (
    '<extLst>'
    '<ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    '<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    '<x14:dataValidation type="list" allowBlank="1" showInputMessage="1" showErrorMessage="1">'
    "<x14:formula1><xm:f>参数!$A$1:$A$3</xm:f></x14:formula1><xm:sqref>F2:F20</xm:sqref>"
    "</x14:dataValidation></x14:dataValidations></ext>"
    '<ext uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    '<x14:conditionalFormattings><x14:conditionalFormatting '
    'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    '<x14:cfRule type="dataBar" id="{00000000-000E-0000-0000-000001000000}"><x14:dataBar minLength="0" '
    'maxLength="100" gradient="0"><x14:cfvo type="autoMin"/><x14:cfvo type="autoMax"/>'
    '<x14:negativeFillColor rgb="FFFF0000"/><x14:axisColor rgb="FF000000"/></x14:dataBar></x14:cfRule>'
    "<xm:sqref>D2:D20</xm:sqref></x14:conditionalFormatting></x14:conditionalFormattings></ext>"
    "</extLst>"
)
DRAWING_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
    '<xdr:oneCellAnchor><xdr:from><xdr:col>3</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>1</xdr:row>'
    '<xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:ext cx="190500" cy="190500"/><xdr:pic><xdr:nvPicPr>'
    '<xdr:cNvPr id="2" name="图片 1"/><xdr:cNvPicPr/></xdr:nvPicPr><xdr:blipFill>'
    f'<a:blip xmlns:r="{NS_R}" r:embed="rId1"/><a:stretch><a:fillRect/></a:stretch></xdr:blipFill>'
    '<xdr:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="190500" cy="190500"/></a:xfrm>'
    '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr></xdr:pic><xdr:clientData/>'
    "</xdr:oneCellAnchor></xdr:wsDr>"
)
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
SHARED_STRINGS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
    '<si><r><rPr><b/><sz val="11"/><color rgb="FFFF0000"/><rFont val="等线"/></rPr><t>重要</t></r>'
    "<r><t>客户</t></r></si></sst>"
)


def _openpyxl_workbook(staff_result_sheet: bool) -> bytes:
    wb = openpyxl.Workbook()
    customers = wb.active
    customers.title = "客户"
    customers.append(["客户代码", "客户名称", "建档日期", "金额", "等级", "级别"])
    for row in CUSTOMER_ROWS:
        customers.append(list(row))
    customers["B7"] = CellRichText([TextBlock(InlineFont(b=True), "重要"), "客户"])
    customers["B2"].comment = Comment("核对过的客户", "张三")
    validation = DataValidation(type="list", formula1='"A,B,C"', allow_blank=True)
    customers.add_data_validation(validation)
    validation.add("E2:E20")
    chart = BarChart()
    chart.add_data(Reference(customers, min_col=4, min_row=1, max_row=5), titles_from_data=True)
    customers.add_chart(chart, "H2")
    customers.print_area = "A1:F5"
    options = wb.create_sheet("参数")
    for item in ("一级", "二级", "三级"):
        options.append([item])
    options.defined_names["本表选项"] = DefinedName("本表选项", attr_text="参数!$A$1:$A$3")
    hidden = wb.create_sheet("隐藏")
    hidden["A1"] = "内部"
    hidden.sheet_state = "hidden"
    if staff_result_sheet:
        mine = wb.create_sheet("校验结果")
        mine.append(["我的核对笔记", dt.datetime(2026, 11, 1, 9, 30)])
        mine.defined_names["笔记"] = DefinedName("笔记", attr_text="校验结果!$A$1")
    wb.defined_names["全部客户"] = DefinedName("全部客户", attr_text="客户!$B$2:$B$5")
    wb.custom_doc_props.append(StringProperty(name="automation.register", value="customers"))
    wb.active = 1
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def staff_workbook(*, staff_result_sheet: bool = False, macro: bool = False) -> bytes:
    """The staff fixture described in the module docstring, as package bytes (.xlsx, or .xlsm with ``macro``)."""
    package = _openpyxl_workbook(staff_result_sheet)
    parts = parts_of(package)
    changes: dict[str, bytes | None] = {}
    # openpyxl 3.1 writes inline strings; move the rich-text cell into a hand-made sharedStrings part.
    sheet1 = re.sub(rb'<c r="B7"[^>]*t="inlineStr">.*?</c>', b'<c r="B7" t="s"><v>0</v></c>',
                    parts["xl/worksheets/sheet1.xml"])  # fmt: skip
    changes["xl/worksheets/sheet1.xml"] = _insert_before_end(sheet1, X14_EXT)
    changes["xl/sharedStrings.xml"] = SHARED_STRINGS.encode()
    sheet2 = parts["xl/worksheets/sheet2.xml"]
    changes["xl/worksheets/sheet2.xml"] = _insert_before_end(sheet2, f'<drawing xmlns:r="{NS_R}" r:id="rIdImg"/>')
    changes["xl/worksheets/_rels/sheet2.xml.rels"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG_RELS}">'
        f'<Relationship Id="rIdImg" Type="{NS_R}/drawing" Target="../drawings/drawing9.xml"/></Relationships>'
    ).encode()
    changes["xl/drawings/drawing9.xml"] = DRAWING_XML.encode()
    changes["xl/drawings/_rels/drawing9.xml.rels"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG_RELS}">'
        f'<Relationship Id="rId1" Type="{NS_R}/image" Target="../media/image9.png"/></Relationships>'
    ).encode()
    changes["xl/media/image9.png"] = tiny_png()
    changes["customXml/item1.xml"] = '<?xml version="1.0" encoding="UTF-8"?><root xmlns="urn:test">数据</root>'.encode()
    changes["customXml/itemProps1.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<ds:datastoreItem '
        b'ds:itemID="{6E8C7C5A-0000-4000-8000-000000000001}" '
        b'xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml"><ds:schemaRefs/>'
        b"</ds:datastoreItem>"
    )
    changes["customXml/_rels/item1.xml.rels"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG_RELS}">'
        f'<Relationship Id="rId1" Type="{NS_R}/customXmlProps" Target="itemProps1.xml"/></Relationships>'
    ).encode()
    types = parts["[Content_Types].xml"]
    if b'Extension="png"' not in types:
        types = types.replace(b"<Default ", b'<Default Extension="png" ContentType="image/png"/><Default ', 1)
    types = _add_override(types, "/xl/drawings/drawing9.xml", "application/vnd.openxmlformats-officedocument.drawing+xml")
    types = _add_override(
        types, "/customXml/itemProps1.xml", "application/vnd.openxmlformats-officedocument.customXmlProperties+xml"
    )
    types = _add_override(
        types, "/xl/sharedStrings.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
    )
    rels = _add_rel(parts["xl/_rels/workbook.xml.rels"], "rIdCx", f"{NS_R}/customXml", "../customXml/item1.xml")
    rels = _add_rel(rels, "rIdSst", f"{NS_R}/sharedStrings", "sharedStrings.xml")
    if macro:
        changes["xl/vbaProject.bin"] = VBA_BYTES
        types = types.replace(
            b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        )
        types = _add_override(types, "/xl/vbaProject.bin", "application/vnd.ms-office.vbaProject")
        rels = _add_rel(rels, "rIdVba", "http://schemas.microsoft.com/office/2006/relationships/vbaProject",
                        "vbaProject.bin")  # fmt: skip
    changes["[Content_Types].xml"] = types
    changes["xl/_rels/workbook.xml.rels"] = rels
    return rebuild(package, changes)


def workbook_xml(package: bytes) -> str:
    return parts_of(package)["xl/workbook.xml"].decode("utf-8")


def local_names(package: bytes) -> dict[str, str]:
    """Sheet-local defined names as ``name → name of the sheet it belongs to`` (our own markers and print titles
    excluded; the staff fixtures have no print titles)."""
    text = workbook_xml(package)
    sheets = re.findall(r'<(?:\w+:)?sheet [^>]*?name="([^"]*)"', text)
    found = {}
    for attrs, _value in re.findall(r"<(?:\w+:)?definedName ([^>]*)>([^<]*)<", text):
        name = re.search(r'\bname="([^"]*)"', attrs)
        local = re.search(r'\blocalSheetId="(\d+)"', attrs)
        if name and local and name.group(1) not in ("AutomationResult", "_xlnm._FilterDatabase", "_xlnm.Print_Titles"):
            found[name.group(1)] = sheets[int(local.group(1))]
    return found


def ole_file(streams: dict[str, bytes]) -> bytes:
    """An OLE compound file (the container of .xls, .doc and of password-protected xlsx) holding ``streams``.

    Version 3, 512-byte sectors, one FAT sector, one directory sector, at most three streams; each stream is padded
    to 4,096 bytes so that it lives in normal sectors (no mini stream). Enough for anything that looks at the
    stream names, not a workbook anyone could open."""
    sector, end, free = 512, 0xFFFFFFFE, 0xFFFFFFFF
    names = list(streams)
    assert len(names) <= 3
    padded = [streams[n].ljust(4096, b"\0") for n in names]
    padded = [p + bytes(-len(p) % sector) for p in padded]
    fat = [0xFFFFFFFD, end]  # sector 0 holds the FAT, sector 1 the directory
    starts = []
    for data in padded:
        starts.append(len(fat))
        fat.extend(range(len(fat) + 1, len(fat) + len(data) // sector))
        fat.append(end)
    assert len(fat) <= sector // 4
    fat_sector = struct.pack(f"<{len(fat)}L", *fat).ljust(sector, b"\xff")

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        encoded = name.encode("utf-16-le") + b"\0\0"
        return (encoded.ljust(64, b"\0") + struct.pack("<HBB3L", len(encoded), kind, 1, free, right, child)
                + bytes(36) + struct.pack("<LQ", start, size))  # fmt: skip

    entries = [entry("Root Entry", 5, 1 if names else free, free, end, 0)]
    for i, _name in enumerate(names):
        entries.append(entry(names[i], 2, free, i + 2 if i + 1 < len(names) else free, starts[i], len(padded[i])))
    header = (bytes.fromhex("D0CF11E0A1B11AE1") + bytes(16) + struct.pack("<5H", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
              + struct.pack("<9L", 0, 1, 1, 0, 4096, end, 0, end, 0) + struct.pack("<L", 0) + b"\xff" * 432)  # fmt: skip
    return header + fat_sector + b"".join(entries).ljust(sector, b"\0") + b"".join(padded)


def legacy_xls(*, password: bool = False) -> bytes:
    """An OLE file with a BIFF8 ``Workbook`` stream (BOF … EOF; with ``password`` a FILEPASS record after BOF),
    which is how an Excel 97-2003 .xls looks to anything deciding what a file is."""
    bof = struct.pack("<HHHHHHLL", 0x0809, 16, 0x0600, 0x0005, 0, 0, 0, 0)
    filepass = struct.pack("<HHHHH", 0x002F, 6, 1, 1, 1) if password else b""
    return ole_file({"Workbook": bof + filepass + struct.pack("<HH", 0x000A, 0)})


def encrypted_xlsx() -> bytes:
    """How a password-protected xlsx looks from outside: an OLE file with EncryptionInfo and EncryptedPackage."""
    return ole_file({"EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00", "EncryptedPackage": b"\x10" + bytes(15)})


MACROSHEET_REL = "http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet"
MACROSHEET_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<xm:macrosheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    f'xmlns:r="{NS_R}" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    '<dimension ref="A1:A2"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
    '<sheetFormatPr defaultRowHeight="15"/><sheetData><row r="1"><c r="A1"><f>ALERT("核对完毕")</f><v>1</v></c></row>'
    '<row r="2"><c r="A2"><f>RETURN()</f><v>1</v></c></row></sheetData></xm:macrosheet>'
).encode()


def with_macro_sheet(package: bytes, *, name: str = "宏1", position: int | None = None) -> bytes:
    """The package made macro-enabled with an Excel 4 macro sheet (``xl/macrosheets/sheet1.xml``) at ``position``
    in the sheet list (default last), as Excel saves one; calamine refuses such a workbook outright."""
    parts = parts_of(package)
    text = parts["xl/workbook.xml"].decode()
    sheets = re.findall(r"<sheet [^>]*/>", text)
    new_id = 1 + max(int(i) for i in re.findall(r'sheetId="(\d+)"', text))
    macro = f'<sheet xmlns:r="{NS_R}" name="{name}" sheetId="{new_id}" r:id="rIdMacro1"/>'
    sheets.insert(len(sheets) if position is None else position, macro)
    text = re.sub(r"<sheet [^>]*/>", "", text).replace("<sheets>", "<sheets>" + "".join(sheets), 1)
    text = re.sub(r'localSheetId="(\d+)"', lambda m: f'localSheetId="{int(m[1]) + (position is not None and int(m[1]) >= position)}"', text)
    types = _add_override(parts["[Content_Types].xml"], "/xl/macrosheets/sheet1.xml", "application/vnd.ms-excel.macrosheet+xml")
    types = types.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                          b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")  # fmt: skip
    rels = _add_rel(parts["xl/_rels/workbook.xml.rels"], "rIdMacro1", MACROSHEET_REL, "macrosheets/sheet1.xml")
    return rebuild(package, {"xl/workbook.xml": text.encode(), "[Content_Types].xml": types,
                             "xl/_rels/workbook.xml.rels": rels, "xl/macrosheets/sheet1.xml": MACROSHEET_XML})  # fmt: skip
