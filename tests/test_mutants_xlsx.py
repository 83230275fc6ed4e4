"""Package-editing cases written for mutants that survived the rest of the suite (docs/testing.md): part names and
relationship targets, what a file is by its content, the zip limits at their exact boundaries, the one message of a
damaged zip. Expected values come from the OPC and zip formats and the limits the module documents, not the code."""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib

import pytest
from conftest import zip_bytes
from fixtures_xlsx import legacy_xls, ole_file, parts_of, staff_workbook
from lxml import etree

from automation.xlsx.container import (
    MAX_ENTRIES,
    MAX_RATIO,
    MAX_TOTAL_SIZE,
    RATIO_MIN_SIZE,
    Package,
    PackageError,
    ZipWriter,
    check_container,
    check_zip_limits,
    damaged,
    identify,
    open_zip,
)
from automation.xlsx.package import (
    RESULT_MARKER,
    marker_code_name,
    new_result_workbook,
    result_banners,
    result_sheet_names,
    write_result_sheets,
)
from automation.xlsx.sheet_xml import ResultSheet
from automation.xlsx.workbook_parts import Workbook, relative, rels_name, resolve


def test_relationship_part_names() -> None:
    assert rels_name("xl/workbook.xml") == "xl/_rels/workbook.xml.rels"
    assert rels_name("xl/worksheets/sheet1.xml") == "xl/worksheets/_rels/sheet1.xml.rels"


def test_targets_resolve_against_the_source_part() -> None:
    assert resolve("xl/workbook.xml", "worksheets/sheet1.xml") == "xl/worksheets/sheet1.xml"
    assert resolve("xl/worksheets/sheet1.xml", "../drawings/drawing1.xml") == "xl/drawings/drawing1.xml"
    assert resolve("xl/workbook.xml", "/xl/styles.xml") == "xl/styles.xml"
    assert resolve("xl/workbook.xml", "worksheets/sheet%201.xml#A1") == "xl/worksheets/sheet 1.xml"
    assert relative("xl/worksheets/sheet1.xml", "xl/drawings/drawing1.xml") == "../drawings/drawing1.xml"
    assert relative("[Content_Types].xml", "xl/workbook.xml") == "xl/workbook.xml"


# --- what the bytes are ---------------------------------------------------------------------------------------


def test_files_are_told_apart_by_content() -> None:
    assert identify(b"") == "empty"
    assert identify(b"PK\x03\x04rest") == "zip"
    assert identify(b"<html>not a workbook</html>") == "other"
    assert identify(bytes.fromhex("D0CF11E0A1B11AE1") + bytes(100)) == "damaged"
    assert identify(ole_file({"WordDocument": bytes(16)})) == "office"
    assert identify(legacy_xls()) == "xls"
    assert identify(legacy_xls(password=True)) == "encrypted"
    # a Workbook stream no decryption library can parse is still a legacy workbook, not an encrypted one
    assert identify(ole_file({"Workbook": b"not BIFF at all"})) == "xls"


def test_container_refusals_say_what_the_file_is() -> None:
    assert check_container(legacy_xls(), xls_ok=True) == "xls"
    with pytest.raises(PackageError) as caught:
        check_container(legacy_xls())
    assert caught.value.message("en") == "this is a legacy .xls file; save it as .xlsx or change its extension back to .xls"
    with pytest.raises(PackageError) as caught:
        check_container(b"")
    assert caught.value.message("zh") == "文件为空（0 字节）"


def test_the_damaged_message_with_and_without_detail() -> None:
    plain = damaged()
    assert plain.message("zh") == "工作簿已损坏或不完整（可能未保存完或被截断）"
    assert plain.message("en") == "the workbook is damaged or truncated (perhaps not fully saved)"
    detailed = damaged("部件 xl/workbook.xml 无法解压", "zip: bad CRC")
    assert detailed.message("zh") == "工作簿已损坏或不完整（可能未保存完或被截断）：部件 xl/workbook.xml 无法解压"
    assert detailed.message("en") == "the workbook is damaged or truncated (perhaps not fully saved): zip: bad CRC"


def test_a_truncated_zip_is_damaged_with_the_reason_in_english_only() -> None:
    with pytest.raises(PackageError) as caught:
        open_zip(b"PK\x03\x04" + bytes(40))
    assert caught.value.message("zh") == "工作簿已损坏或不完整（可能未保存完或被截断）"
    assert caught.value.message("en").startswith("the workbook is damaged or truncated (perhaps not fully saved): zip: ")


# --- the zip limits, at their boundaries ----------------------------------------------------------------------


def entry(name: str, size: int, packed: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.file_size, info.compress_size = size, packed
    return info


def refused(infos: list[zipfile.ZipInfo]) -> str | None:
    try:
        check_zip_limits(infos)
    except PackageError as exc:
        return exc.message("en")
    return None


def test_entry_count_limit() -> None:
    assert MAX_ENTRIES == 65_000
    assert refused([entry(f"p{i}", 1, 1) for i in range(MAX_ENTRIES)]) is None
    assert refused([entry(f"p{i}", 1, 1) for i in range(MAX_ENTRIES + 1)]) == "the workbook has too many parts (65001)"


def test_total_size_limit() -> None:
    assert MAX_TOTAL_SIZE == 1 << 30
    half = MAX_TOTAL_SIZE // 2
    assert refused([entry("a", half, half), entry("b", half, half)]) is None
    message = refused([entry("a", half, half), entry("b", half + 1, half)])
    assert message == f"the workbook is too large when unpacked ({MAX_TOTAL_SIZE + 1} bytes; possible zip bomb)"


def test_ratio_of_one_large_part() -> None:
    assert (MAX_RATIO, RATIO_MIN_SIZE) == (200, 1 << 20)
    assert refused([entry("big", 200 * 10_000, 10_000)]) is None  # exactly 200:1
    message = refused([entry("big", 200 * 10_000, 9_999)])
    assert message == "part big is compressed suspiciously well (possible zip bomb)"
    assert refused([entry("small", RATIO_MIN_SIZE, 1)]) is None  # 1 MiB is not judged
    assert refused([entry("small", RATIO_MIN_SIZE + 1, 0)]) is not None  # an empty payload counts as one byte


def test_ratio_of_the_whole_package() -> None:
    parts = [entry(f"p{i}", 600_000, 3_000) for i in range(3)]  # each under 1 MiB, 1.8 MB in all at exactly 200:1
    assert refused(parts) is None
    parts[0] = entry("p0", 600_000, 2_999)
    assert refused(parts) == "the workbook is compressed suspiciously well (possible zip bomb)"
    assert refused([entry("p0", 600_000, 0), entry("p1", 400_000, 0)]) is None  # 1,000,000 bytes: not judged


# --- the workbook's parts -------------------------------------------------------------------------------------

NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"  # ECMA-376 part 2


def book_with_types(change: re.Pattern[bytes] | None, replacement: bytes = b"") -> Workbook:
    parts = parts_of(staff_workbook())
    if change is not None:
        parts["[Content_Types].xml"] = change.sub(replacement, parts["[Content_Types].xml"])
    return Workbook(Package(zip_bytes(parts)))


def rels_defaults(book: Workbook) -> list[tuple[int, str | None]]:
    return [(i, el.get("ContentType")) for i, el in enumerate(book.types)
            if el.tag == f"{{{NS_CT}}}Default" and (el.get("Extension") or "").casefold() == "rels"]


RELS_DEFAULT = re.compile(rb'<Default [^>]*Extension="rels"[^>]*/>')


def test_a_missing_rels_default_is_added_first_and_only_once() -> None:
    book = book_with_types(RELS_DEFAULT, b'<Default ContentType="text/plain"/>')  # one without an Extension
    assert rels_defaults(book) == []
    book.ensure_rels_default()
    book.ensure_rels_default()
    assert rels_defaults(book) == [(0, CT_RELS)]


def test_a_rels_default_spelt_in_capitals_is_kept_as_it_is() -> None:
    book = book_with_types(re.compile(rb'Extension="rels"'), b'Extension="RELS"')
    before = len(book.types)
    book.ensure_rels_default()
    assert len(book.types) == before


def test_removing_a_sheet_takes_what_only_it_reached_even_after_a_stray_rels_part() -> None:
    parts = parts_of(staff_workbook())
    stray = {"odd.rels": b"<Relationships/>"}  # a .rels part outside any _rels folder, first in the zip
    book = Workbook(Package(zip_bytes({**stray, **parts})))
    [options] = [s for s in book.sheets if s.name == "参数"]  # the sheet with the only picture
    assert book.removal_plan([options]) == {
        "xl/worksheets/sheet2.xml", "xl/worksheets/_rels/sheet2.xml.rels",
        "xl/drawings/drawing9.xml", "xl/drawings/_rels/drawing9.xml.rels", "xl/media/image9.png",
    }


# --- hand-made packages: what is refused, and with which words ---------------------------------------------------

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_DOC = f"{NS_R}/officeDocument"
REL_SHEET = f"{NS_R}/worksheet"
CT_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
EMPTY_SHEET = f'<worksheet xmlns="{NS_MAIN}"><sheetData/></worksheet>'.encode()


def handmade(*, sheets: str = '<sheet name="登记" sheetId="1" r:id="rId1"/>', views: str = "",
             names: str = "", extra_rels: str = "", workbook_part: str = "xl/workbook.xml",
             root_rels: str | None = None, parts: dict[str, bytes | None] | None = None,
             declare_r: bool = True) -> bytes:
    """A small package written by hand: one worksheet per ``sheetN`` relationship ``rIdN`` (N = 1..3)."""
    folder = workbook_part.rsplit("/", 1)[0]
    base = workbook_part.rsplit("/", 1)[1]
    r = f' xmlns:r="{NS_R}"' if declare_r else ""
    book = f'<workbook xmlns="{NS_MAIN}"{r}>{views}<sheets>{sheets}</sheets>{names}</workbook>'
    rels = "".join(f'<Relationship Id="rId{n}" Type="{REL_SHEET}" Target="worksheets/sheet{n}.xml"/>' for n in (1, 2, 3))
    content: dict[str, bytes | None] = {
        "[Content_Types].xml": (f'<Types xmlns="{NS_CT}"><Default Extension="rels" ContentType="{CT_RELS}"/>'
                                f'<Default Extension="xml" ContentType="application/xml"/>'
                                f'<Override PartName="/{workbook_part}" ContentType="{CT_MAIN}"/></Types>').encode(),
        "_rels/.rels": (root_rels if root_rels is not None else
                        f'<Relationships xmlns="{NS_PKG}"><Relationship Id="rId1" Type="{REL_DOC}" '
                        f'Target="{workbook_part}"/></Relationships>').encode(),
        workbook_part: book.encode(),
        f"{folder}/_rels/{base}.rels": f'<Relationships xmlns="{NS_PKG}">{rels}{extra_rels}</Relationships>'.encode(),
        **{f"{folder}/worksheets/sheet{n}.xml": EMPTY_SHEET for n in (1, 2, 3)},
    }
    content.update(parts or {})
    return zip_bytes({k: v for k, v in content.items() if v is not None})


def refusal(package: bytes) -> tuple[str, str]:
    with pytest.raises(PackageError) as caught:
        write_result_sheets(package, [result("校验结果")])
    return caught.value.message("zh"), caught.value.message("en")


def result(name: str, rows: int = 1, banner: str = "本表由系统自动生成") -> ResultSheet:
    return ResultSheet(name, ["代码", "说明"], [[f"R{i}", "内容"] for i in range(rows)], banner=banner)


STRICT = "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument"


@pytest.mark.parametrize(
    ("package", "zh", "en"),
    [
        (handmade(parts={"_rels/.rels": None}),
         "不是 Excel 工作簿（缺少 _rels/.rels）", "not an Excel workbook (missing _rels/.rels)"),
        (handmade(root_rels=f'<Relationships xmlns="{NS_PKG}"><Relationship Id="rId1" Type="{STRICT}" '
                            'Target="xl/workbook.xml"/></Relationships>'),
         "不支持严格（Strict）格式的 OOXML 工作簿，请另存为普通的 .xlsx",
         "Strict Open XML workbooks are not supported; save as a normal .xlsx"),
        (handmade(parts={"xl/workbook.xml": None}),
         "不是 Excel 工作簿（缺少 xl/workbook.xml）", "not an Excel workbook (missing xl/workbook.xml)"),
        (handmade(root_rels=f'<Relationships xmlns="{NS_PKG}"><Relationship Id="rId1" Type="{REL_DOC}"/>'
                            '</Relationships>'),  # no Target at all
         "不是 Excel 工作簿（缺少 xl/workbook.xml）", "not an Excel workbook (missing xl/workbook.xml)"),
        (handmade(workbook_part="xl/workbook.bin"),
         "不支持二进制 .xlsb 工作簿，请另存为 .xlsx", "binary .xlsb workbooks are not supported; save as .xlsx"),
        (handmade(parts={"xl/workbook.xml": b"<book/>"}),
         "不是 Excel 工作簿（xl/workbook.xml 不是工作簿部件）",
         "not an Excel workbook (xl/workbook.xml is not a SpreadsheetML workbook)"),
        (handmade(parts={"xl/_rels/workbook.xml.rels": None}),
         "工作簿已损坏（缺少 xl/_rels/workbook.xml.rels）", "the workbook is damaged (missing xl/_rels/workbook.xml.rels)"),
        (handmade(parts={"[Content_Types].xml": None}),
         "不是 Excel 工作簿（缺少 [Content_Types].xml）", "not an Excel workbook (missing [Content_Types].xml)"),
        (handmade(parts={"xl/workbook.xml": b"<workbook"}),
         "部件 xl/workbook.xml 不是格式正确的 XML，工作簿已损坏", None),
        (handmade(parts={"xl/workbook.xml": b'<!DOCTYPE workbook><workbook/>'}),
         "部件 xl/workbook.xml 含有 DTD 或实体定义，出于安全不予处理",
         "part xl/workbook.xml contains a DTD or entities, which are not allowed"),
        (handmade(parts={"xl/workbook.xml": b'<?xml version="1.0"?><!ENTITY x "y"><workbook/>'}),
         "部件 xl/workbook.xml 含有 DTD 或实体定义，出于安全不予处理",
         "part xl/workbook.xml contains a DTD or entities, which are not allowed"),
        (handmade(parts={"xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE workbook>'
                                            f'<workbook xmlns="{NS_MAIN}"/>'.encode("utf-16")}),
         "部件 xl/workbook.xml 含有 DTD 或实体定义，出于安全不予处理",
         "part xl/workbook.xml contains a DTD or entities, which are not allowed"),
    ],
    ids=["no-root-rels", "strict", "no-workbook", "no-target", "xlsb", "not-spreadsheetml", "no-workbook-rels",
         "no-content-types", "not-xml", "doctype", "entity", "utf16-doctype"],
)
def test_unusable_packages_are_refused_in_both_languages(package: bytes, zh: str, en: str | None) -> None:
    message_zh, message_en = refusal(package)
    assert message_zh == zh
    if en is not None:
        assert message_en == en
    else:
        assert message_en.startswith("part xl/workbook.xml is not well-formed XML (")


def test_a_workbook_part_in_another_place_is_found_through_the_package_relationship() -> None:
    package = handmade(workbook_part="wb/book.xml")
    out = write_result_sheets(package, [result("校验结果")])
    assert result_sheet_names(out) == ["校验结果"]
    assert b"worksheets/sheet4.xml" in parts_of(out)["wb/_rels/book.xml.rels"]
    assert "wb/worksheets/sheet4.xml" in parts_of(out)


def test_without_a_package_relationship_to_it_the_workbook_part_is_xl_workbook_xml() -> None:
    package = handmade(root_rels=f'<Relationships xmlns="{NS_PKG}"/>')
    assert result_sheet_names(write_result_sheets(package, [result("校验结果")])) == ["校验结果"]


def zip_entry_flags(package: bytes, name: str, flags: int) -> bytes:
    """The package with the general-purpose flags of one entry set (local header and central directory)."""
    data = bytearray(package)
    encoded = name.encode()
    local = data.index(b"PK\x03\x04" + bytes(4)[:0])
    while data[local + 30 : local + 30 + len(encoded)] != encoded:
        local = data.index(b"PK\x03\x04", local + 4)
    data[local + 6 : local + 8] = struct.pack("<H", flags)
    central = data.index(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(encoded)] != encoded:
        central = data.index(b"PK\x01\x02", central + 4)
    data[central + 8 : central + 10] = struct.pack("<H", flags)
    return bytes(data)


def test_zip_encryption_and_duplicate_parts_are_refused() -> None:
    encrypted = zip_entry_flags(handmade(), "xl/workbook.xml", 0x1)
    assert refusal(encrypted) == ("工作簿已加密（zip 加密）", "the workbook is encrypted (zip encryption)")
    utf8_names = zip_entry_flags(handmade(), "xl/workbook.xml", 0x800)  # another flag is no refusal
    assert result_sheet_names(write_result_sheets(utf8_names, [result("校验结果")])) == ["校验结果"]
    twice = bytearray(handmade())
    first = twice.index(b"xl/worksheets/sheet2.xml")
    twice[first : first + 24] = b"xl/worksheets/sheet1.xml"
    second = twice.index(b"xl/worksheets/sheet2.xml")
    twice[second : second + 24] = b"xl/worksheets/sheet1.xml"
    assert refusal(bytes(twice)) == ("工作簿已损坏（部件 xl/worksheets/sheet1.xml 重复）",
                                     "the workbook is damaged (duplicate part xl/worksheets/sheet1.xml)")


def with_central_field(offset: int, value: int) -> bytes:
    """A stored (uncompressed) package whose central record of sheet3 has one size field changed."""
    stored = io.BytesIO()
    with zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as zf:
        for name, content in parts_of(handmade()).items():
            zf.writestr(name, content)
    data = bytearray(stored.getvalue())
    name = b"xl/worksheets/sheet3.xml"
    central = data.index(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(name)] != name:
        central = data.index(b"PK\x01\x02", central + 4)
    data[central + offset : central + offset + 4] = struct.pack("<L", value)
    return bytes(data)


REAL = len(EMPTY_SHEET)


@pytest.mark.parametrize(
    ("offset", "held", "declared"),
    [(20, REAL + 1, REAL), (24, REAL, REAL + 1)],  # 20: compressed size, 24: uncompressed size
    ids=["stored-size-differs", "declared-larger"],
)
def test_a_part_whose_size_field_lies_is_damaged_with_both_sizes_named(offset: int, held: int, declared: int) -> None:
    zh, en = refusal(with_central_field(offset, REAL + 1))
    assert zh == (f"工作簿已损坏或不完整（可能未保存完或被截断）：部件 xl/worksheets/sheet3.xml 实际 {held} 字节，"
                  f"文件头声明 {declared} 字节")
    assert en == (f"the workbook is damaged or truncated (perhaps not fully saved): part xl/worksheets/sheet3.xml "
                  f"holds {held} bytes but its header declares {declared}")


def test_a_part_that_cannot_be_inflated_is_named_in_chinese_and_explained_in_english() -> None:
    data = bytearray(handmade())
    name = b"xl/worksheets/sheet3.xml"
    local = data.index(b"PK\x03\x04" + bytes(0))
    while data[local + 30 : local + 30 + len(name)] != name:
        local = data.index(b"PK\x03\x04", local + 4)
    start = local + 30 + len(name) + struct.unpack("<H", data[local + 28 : local + 30])[0]
    data[start] ^= 0xFF  # a flipped byte: bad deflate data or a wrong CRC
    zh, en = refusal(bytes(data))
    assert zh == "工作簿已损坏或不完整（可能未保存完或被截断）：部件 xl/worksheets/sheet3.xml 无法解压或校验失败"
    assert en.startswith("the workbook is damaged or truncated (perhaps not fully saved): zip: ")


# --- the zip writer: headers as the zip format (APPNOTE) defines them ----------------------------------------------


def written(entries: list[tuple[str, bytes, tuple[int, ...]]], comment: bytes = b"") -> zipfile.ZipFile:
    writer = ZipWriter()
    for name, content, when in entries:
        writer.add(name, content, when, 0o640 << 16)
    return zipfile.ZipFile(io.BytesIO(writer.finish(comment)))


def test_dos_dates_and_times_within_their_range() -> None:
    archive = written([
        ("a.xml", b"a", (2026, 11, 29, 23, 58, 59)),  # odd seconds: two-second resolution
        ("b.xml", b"b", (1980, 1, 1, 0, 0, 0)),
        ("c.xml", b"c", (1970, 6, 15, 12, 30, 0)),  # before 1980: the first day DOS knows
        ("d.xml", b"d", (2107, 12, 31, 1, 2, 4)),
        ("e.xml", b"e", (2200, 7, 9, 8, 7, 6)),  # after 2107: the last year DOS knows
    ])
    assert [i.date_time for i in archive.infolist()] == [
        (2026, 11, 29, 23, 58, 58), (1980, 1, 1, 0, 0, 0), (1980, 6, 15, 12, 30, 0), (2107, 12, 31, 1, 2, 4),
        (2107, 7, 9, 8, 7, 6),
    ]


def test_headers_of_added_parts() -> None:
    writer = ZipWriter()
    writer.add("xl/worksheets/sheet1.xml", b"<worksheet/>", (2026, 1, 2, 3, 4, 6), 0o640 << 16)
    writer.add("xl/media/图片.png", b"png", (2026, 1, 2, 3, 4, 6), 0)
    data = writer.finish(b"")
    archive = zipfile.ZipFile(io.BytesIO(data))
    plain, chinese = archive.infolist()
    assert (plain.flag_bits, chinese.flag_bits) == (0, 0x800)  # UTF-8 names are flagged, ASCII ones not
    assert chinese.filename == "xl/media/图片.png" and archive.read(chinese) == b"png"
    for info in (plain, chinese):
        assert (info.create_system, info.create_version, info.extract_version) == (3, 20, 20)
        assert (info.reserved, info.volume, info.internal_attr) == (0, 0, 0)
        assert info.compress_type == zipfile.ZIP_DEFLATED
    assert (plain.external_attr, chinese.external_attr) == (0o640 << 16, 0)
    assert data[:8] == b"PK\x03\x04" + struct.pack("<HH", 20, 0)  # version needed, flags of the local header


def test_compression_level_follows_the_part_size() -> None:
    text = b"".join(b"<row r=\"%d\"><c><v>%d</v></c></row>" % (i, (i * 7919) % 1000) for i in range(40_000))
    small, large = text[: 200_000], text[: 1 << 20]

    def deflated(content: bytes, level: int) -> bytes:
        packer = zlib.compressobj(level, zlib.DEFLATED, -15)
        return packer.compress(content) + packer.flush()

    writer = ZipWriter()
    writer.add("small.xml", small, (2026, 1, 1, 0, 0, 0), 0)
    writer.add("large.xml", large, (2026, 1, 1, 0, 0, 0), 0)
    archive = zipfile.ZipFile(io.BytesIO(writer.finish(b"")))
    sizes = [i.compress_size for i in archive.infolist()]
    assert sizes == [len(deflated(small, 6)), len(deflated(large, 1))]  # exactly 1 MiB is a big part
    assert len(deflated(small, 6)) != len(deflated(small, 7)) and len(deflated(large, 1)) != len(deflated(large, 2))


def test_copied_entries_keep_their_headers_but_no_data_descriptor() -> None:
    source = io.BytesIO()
    with zipfile.ZipFile(source, "w") as zf:
        for name, method in (("stored.xml", zipfile.ZIP_STORED), ("packed.xml", zipfile.ZIP_DEFLATED),
                             ("bz.xml", zipfile.ZIP_BZIP2), ("数据.xml", zipfile.ZIP_LZMA)):
            info = zipfile.ZipInfo(name, (2025, 5, 6, 7, 8, 10))
            info.compress_type = method
            info.create_system = 0  # written on Windows
            info.external_attr = 0x20  # the archive attribute
            zf.writestr(info, b"<x>" * 50)
    streamed = io.BytesIO()  # written to a stream: sizes follow the data in a descriptor (flag 0x8)
    with zipfile.ZipFile(_Unseekable(streamed), "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("streamed.xml", b"<y>" * 50)
    infos = zipfile.ZipFile(source).infolist() + zipfile.ZipFile(io.BytesIO(streamed.getvalue())).infolist()
    assert infos[-1].flag_bits & 0x8
    writer = ZipWriter()
    for info, package in zip(infos, [source] * 4 + [streamed], strict=True):
        writer.copy_raw(info, Package.raw(_holder(package.getvalue()), info))
    copied = zipfile.ZipFile(io.BytesIO(writer.finish(b"")))
    assert [i.extract_version for i in copied.infolist()] == [10, 20, 46, 63, 20]
    assert [i.flag_bits for i in copied.infolist()] == [0, 0, 0, 0x802, 0]  # UTF-8 name; LZMA's end marker stays
    assert [(i.create_system, i.external_attr) for i in copied.infolist()[:4]] == [(0, 0x20)] * 4
    assert all(copied.read(i) in (b"<x>" * 50, b"<y>" * 50) for i in copied.infolist())


class _Unseekable(io.RawIOBase):
    def __init__(self, out: io.BytesIO) -> None:
        self.out = out

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # noqa: ANN001 - bytes-like
        return self.out.write(data)


def _holder(data: bytes) -> Package:
    holder = Package.__new__(Package)
    holder.data = data
    return holder


def test_a_part_larger_than_the_zip_format_allows_is_refused() -> None:
    info = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
    info.file_size, info.compress_size, info.CRC = 0xFFFFFFFF, 10, 0
    ZipWriter().copy_raw(info, b"0123456789")  # exactly the largest size: fine
    info.file_size = 0xFFFFFFFF + 1
    with pytest.raises(PackageError) as caught:
        ZipWriter().copy_raw(info, b"0123456789")
    assert caught.value.message("zh") == "写入结果后工作簿过大，无法保存"
    assert caught.value.message("en") == "the workbook would be too large to write"


def test_the_zip_comment_is_kept_up_to_its_maximum_length() -> None:
    assert written([("a.xml", b"a", (2026, 1, 1, 0, 0, 0))], b"x" * 70_000).comment == b"x" * 0xFFFF


# --- result sheets: banners, the fresh workbook, new parts ---------------------------------------------------------


def test_banners_of_result_sheets_only() -> None:
    out = write_result_sheets(handmade(), [result("校验结果", banner="本表 <自动> & 生成"), result("派工时限")])
    assert result_banners(out) == {"校验结果": "本表 <自动> & 生成", "派工时限": "本表由系统自动生成"}
    long_banner = "很长的说明" * 3000  # row 1 is read in pieces: far more than one piece
    assert result_banners(write_result_sheets(handmade(), [result("校验结果", banner=long_banner)])) == {
        "校验结果": long_banner}


def test_a_banner_turned_into_a_shared_string_is_left_out() -> None:
    out = write_result_sheets(handmade(), [result("校验结果", rows=3), result("派工时限")])
    parts = parts_of(out)
    sheet = parts["xl/worksheets/sheet4.xml"]
    row1 = re.search(rb"<row r=\"1\".*?</row>", sheet).group(0)
    saved = re.sub(rb'<c r="A1"([^>]*) t="inlineStr"><is><t>[^<]*</t></is></c>', rb'<c r="A1"\1 t="s"><v>0</v></c>', row1)
    assert saved != row1
    parts["xl/worksheets/sheet4.xml"] = sheet.replace(row1, saved)  # row 2 still has inline text
    assert result_banners(zip_bytes(parts)) == {"派工时限": "本表由系统自动生成"}


def test_a_fresh_result_workbook() -> None:
    out = new_result_workbook([result("汇总"), result("明细")])
    parts = parts_of(out)
    archive = zipfile.ZipFile(io.BytesIO(out))
    assert archive.comment == b""
    assert list(parts)[:5] == ["[Content_Types].xml", "_rels/.rels", "docProps/app.xml", "xl/workbook.xml",
                               "xl/_rels/workbook.xml.rels"]
    assert all(i.external_attr == 0o600 << 16 for i in archive.infolist())
    declaration = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    assert all(parts[name].startswith(declaration) for name in list(parts)[:5])
    types = parts["[Content_Types].xml"]
    assert b'<Default Extension="xml" ContentType="application/xml"/>' in types
    assert b'<Override PartName="/docProps/app.xml" ' in types
    book = etree.fromstring(parts["xl/workbook.xml"])
    assert book.nsmap["r"] == NS_R
    assert [(s.get("name"), s.get("sheetId")) for s in book.iter(f"{{{NS_MAIN}}}sheet")] == [("汇总", "1"), ("明细", "2")]
    app = parts["docProps/app.xml"].decode()
    assert "<vt:lpstr>汇总</vt:lpstr><vt:lpstr>明细</vt:lpstr>" in app and "<vt:i4>2</vt:i4>" in app
    with pytest.raises(ValueError, match=r"^a workbook needs at least one sheet$"):
        new_result_workbook([])
    with pytest.raises(ValueError, match=r"^result sheet names must be unique \(case-insensitive\)$"):
        new_result_workbook([result("汇总"), result("汇总")])


def test_new_parts_take_the_time_of_the_workbook_part_or_the_first_dos_day() -> None:
    source = zipfile.ZipFile(io.BytesIO(handmade()))
    when = source.getinfo("xl/workbook.xml").date_time
    out = zipfile.ZipFile(io.BytesIO(write_result_sheets(handmade(), [result("校验结果")])))
    new = out.getinfo("xl/worksheets/sheet4.xml")
    assert (new.date_time, new.external_attr) == (when, 0o600 << 16)
    elsewhere = zipfile.ZipFile(io.BytesIO(write_result_sheets(handmade(workbook_part="wb/book.xml"),
                                                               [result("校验结果")])))
    assert elsewhere.getinfo("wb/worksheets/sheet4.xml").date_time == (1980, 1, 1, 0, 0, 0)


# --- the sheet list, views and names around our sheets -------------------------------------------------------------


def workbook_of(package: bytes, part: str = "xl/workbook.xml") -> etree._Element:
    return etree.fromstring(parts_of(package)[part])


def q(tag: str) -> str:
    return f"{{{NS_MAIN}}}{tag}"


def sheet_list(package: bytes) -> list[tuple[str | None, str | None, str | None]]:
    return [(s.get("name"), s.get("sheetId"), s.get("state")) for s in workbook_of(package).iter(q("sheet"))]


def views(package: bytes) -> list[dict[str, str]]:
    return [dict(v.attrib) for v in workbook_of(package).iter(q("workbookView"))]


def edited(package: bytes, part: str, old: str, new: str) -> bytes:
    old_b, new_b = old.encode(), new.encode()
    parts = parts_of(package)
    assert old_b in parts[part]
    parts[part] = parts[part].replace(old_b, new_b)
    return zip_bytes(parts)


def tab_selected(package: bytes, part: str) -> bool:
    return b'tabSelected="1"' in parts_of(package)[part]


def test_views_point_at_visible_sheets_that_exist() -> None:
    package = handmade(
        sheets='<sheet name="甲" sheetId="1" r:id="rId1" state="hidden"/><sheet name="乙" sheetId="5" r:id="rId2"/>',
        views='<bookViews><workbookView activeTab="0" firstSheet="4"/><workbookView activeTab="1" firstSheet="1"/>'
              '<workbookView activeTab="3" firstSheet="3"/></bookViews>',
        names='<customWorkbookViews><customWorkbookView name="a" activeSheetId="99"/>'
              '<customWorkbookView name="b" activeSheetId="1"/><customWorkbookView name="c" activeSheetId="x"/>'
              '<customWorkbookView name="d"/></customWorkbookViews>')
    out = write_result_sheets(package, [result("校验结果"), result("派工时限")])
    assert sheet_list(out) == [("甲", "1", "hidden"), ("乙", "5", None), ("校验结果", "6", None), ("派工时限", "7", None)]
    assert views(out) == [{"activeTab": "1", "firstSheet": "0"},  # a hidden active sheet, a first sheet past the end
                          {"activeTab": "1", "firstSheet": "1"}, {"activeTab": "3", "firstSheet": "3"}]
    custom = [c.get("activeSheetId") for c in workbook_of(out).iter(q("customWorkbookView"))]
    assert custom == ["5", "1", "x", None]  # a missing sheet id: the first view's active sheet
    assert not tab_selected(out, "xl/worksheets/sheet4.xml") and not tab_selected(out, "xl/worksheets/sheet5.xml")


def test_a_view_without_attributes_stays_without_them() -> None:
    package = handmade(views="<bookViews><workbookView/></bookViews>")
    out = write_result_sheets(write_result_sheets(package, [result("校验结果")]), [result("校验结果")])
    assert views(out) == [{}]
    assert not tab_selected(out, "xl/worksheets/sheet4.xml")


def test_without_any_view_the_first_sheet_is_active() -> None:
    out = write_result_sheets(write_result_sheets(handmade(), [result("校验结果")]), [result("校验结果")])
    assert views(out) == [] and not tab_selected(out, "xl/worksheets/sheet4.xml")


def test_the_focus_follows_a_replaced_active_result_sheet_in_its_view_only() -> None:
    first = write_result_sheets(handmade(views='<bookViews><workbookView activeTab="0"/></bookViews>'),
                                [result("校验结果")])
    two_views = edited(first, "xl/workbook.xml", '<workbookView activeTab="0"/>',
                       '<workbookView activeTab="1"/><workbookView activeTab="0"/>')
    out = write_result_sheets(two_views, [result("派工时限"), result("校验结果")])
    assert [n for n, _, _ in sheet_list(out)] == ["登记", "派工时限", "校验结果"]
    assert views(out) == [{"activeTab": "2"}, {"activeTab": "0"}]
    assert [tab_selected(out, p) for p in ("xl/worksheets/sheet4.xml", "xl/worksheets/sheet5.xml")] == [False, True]


@pytest.mark.parametrize("active", ["2", "9", "x"])  # the number of sheets, past it, not a number
def test_an_odd_active_tab_does_not_stop_a_replacement(active: str) -> None:
    first = write_result_sheets(handmade(views='<bookViews><workbookView activeTab="0"/></bookViews>'),
                                [result("校验结果")])
    odd = edited(first, "xl/workbook.xml", 'activeTab="0"', f'activeTab="{active}"')
    out = write_result_sheets(odd, [result("校验结果")])
    assert result_sheet_names(out) == ["校验结果"] and views(out) == [{"activeTab": "0"}]


def test_hidden_result_sheets_stay_hidden_when_replaced() -> None:
    first = write_result_sheets(handmade(), [result("员工名单"), result("校验结果"), result("派工时限")])
    hidden = edited(first, "xl/workbook.xml", '<sheet name="员工名单" ', '<sheet state="hidden" name="员工名单" ')
    hidden = edited(hidden, "xl/workbook.xml", '<sheet name="校验结果" ', '<sheet state="veryHidden" name="校验结果" ')
    out = write_result_sheets(hidden, [result("员工名单"), result("校验结果"), result("派工时限")])
    assert [state for _, _, state in sheet_list(out)] == [None, "hidden", "veryHidden", None]


def rel_ids(package: bytes) -> dict[str | None, str | None]:
    rid = f"{{{NS_R}}}id"
    return {s.get("name"): s.get(rid) for s in workbook_of(package).iter(q("sheet"))}


def test_a_replaced_result_sheet_gets_its_relationship_id_back() -> None:
    first = write_result_sheets(handmade(), [result("校验结果"), result("派工时限")])
    again = write_result_sheets(first, [result("校验结果")], replace_all=False)
    assert rel_ids(first) == rel_ids(again) == {"登记": "rId1", "校验结果": "rId5", "派工时限": "rId6"}


def test_result_sheets_are_declared_with_the_r_prefix() -> None:
    package = handmade(sheets=f'<sheet xmlns:r="{NS_R}" name="登记" sheetId="1" r:id="rId1"/>', declare_r=False)
    out = write_result_sheets(package, [result("校验结果")])
    expected = f'<sheet xmlns:r="{NS_R}" name="校验结果" sheetId="2" r:id="rId'
    assert expected.encode() in parts_of(out)["xl/workbook.xml"]


def test_the_defined_names_of_a_result_sheet() -> None:
    out = write_result_sheets(handmade(), [result("校验结果", rows=2)])
    token = f"{zlib.crc32('校验结果'.encode()):08x}"
    assert (
        '<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="1" hidden="1">'
        "'校验结果'!$A$2:$B$4</definedName>"
        f'<definedName name="AutomationResult" localSheetId="1" hidden="1">"{token}"</definedName>'
        """<definedName name="_xlnm.Print_Titles" localSheetId="1">'校验结果'!$2:$2</definedName></definedNames>"""
    ) in parts_of(out)["xl/workbook.xml"].decode()


def test_after_a_staff_sheet_with_a_forbidden_name_no_sheet_local_names_are_written() -> None:
    package = handmade(sheets='<sheet name="甲" sheetId="1" r:id="rId1"/><sheet name="a/b" sheetId="2" r:id="rId2"/>')
    out = write_result_sheets(package, [result("校验结果")])
    assert b"definedName" not in parts_of(out)["xl/workbook.xml"]
    assert result_sheet_names(out) == ["校验结果"]  # still ours, by its code name
    first_only = handmade(sheets='<sheet name="a/b" sheetId="1" r:id="rId1"/>')  # LibreOffice keeps a first one
    assert b"AutomationResult" in parts_of(write_result_sheets(first_only, [result("校验结果")]))["xl/workbook.xml"]


def test_names_emptied_by_a_replacement_go_and_an_empty_list_of_staff_stays() -> None:
    first = write_result_sheets(handmade(), [result("校验结果")])
    forbidden = edited(first, "xl/workbook.xml", '<sheet name="校验结果"',
                       '<sheet name="a/b" sheetId="9" r:id="rId2"/><sheet name="校验结果"')
    forbidden = edited(forbidden, "xl/workbook.xml", 'localSheetId="1"', 'localSheetId="2"')  # names move along
    out = write_result_sheets(forbidden, [result("校验结果")])
    assert b"definedNames" not in parts_of(out)["xl/workbook.xml"]
    theirs = handmade(sheets='<sheet name="甲" sheetId="1" r:id="rId1"/><sheet name="a/b" sheetId="2" r:id="rId2"/>',
                      names="<definedNames/>")
    twice = write_result_sheets(write_result_sheets(theirs, [result("校验结果")]), [result("校验结果")])
    assert b"<definedNames/>" in parts_of(twice)["xl/workbook.xml"]


def test_staff_names_and_first_sheet_move_with_the_sheets_after_a_removed_one() -> None:
    first = write_result_sheets(handmade(views='<bookViews><workbookView firstSheet="0"/></bookViews>'),
                                [result("校验结果")])
    later = edited(first, "xl/workbook.xml", "</sheets>", '<sheet name="乙" sheetId="9" r:id="rId2"/></sheets>')
    later = edited(later, "xl/workbook.xml", 'firstSheet="0"', 'firstSheet="2"')
    later = edited(later, "xl/workbook.xml", "</definedNames>",
                   '<definedName name="区域" localSheetId="2">\'乙\'!$A$1</definedName>'
                   '<definedName name="悬空" localSheetId="3">1</definedName></definedNames>')
    out = write_result_sheets(later, [result("校验结果")])
    assert [n for n, _, _ in sheet_list(out)] == ["登记", "乙", "校验结果"]
    assert views(out) == [{"firstSheet": "1"}]
    names = {d.get("name"): d.get("localSheetId") for d in workbook_of(out).iter(q("definedName"))}
    assert (names["区域"], names["悬空"]) == ("1", "3")  # a name of no sheet is not ours to remove


def test_odd_staff_sheet_entries_are_kept_and_never_taken_for_ours() -> None:
    package = handmade(
        sheets='<sheet name="甲" sheetId="x" r:id="rId1"/><sheet name="乙" r:id="rId9"/>'
               '<sheet name="丙" sheetId="0" r:id="rId7"/><sheet sheetId="0" r:id="rId2"/><sheet name="丁"/>',
        extra_rels=f'<Relationship Id="rId7" Type="{REL_SHEET}"/>')
    out = write_result_sheets(package, [result("校验结果")])
    assert sheet_list(out)[-1] == ("校验结果", "1", None)  # no usable sheet id: ours start at 1
    assert result_sheet_names(out) == ["校验结果"]
    again = write_result_sheets(out, [result("校验结果")])
    assert result_sheet_names(again) == ["校验结果"]
    assert [n for n, _, _ in sheet_list(again)] == ["甲", "乙", "丙", None, "丁", "校验结果"]


def test_result_names_taken_by_staff_get_the_next_free_number_within_31_characters() -> None:
    long = "很" * 31
    package = handmade(sheets=f'<sheet name="校验结果" sheetId="1" r:id="rId1"/>'
                              f'<sheet name="校验结果(2)" sheetId="2" r:id="rId2"/>'
                              f'<sheet name="{long}" sheetId="3" r:id="rId3"/>')
    out = write_result_sheets(package, [result("校验结果"), result("校验结果(3)"), result(long)])
    assert [n for n, _, _ in sheet_list(out)][3:] == ["校验结果(3)", "校验结果(3)(2)", "很" * 28 + "(2)"]


def test_a_result_sheet_without_its_code_name_is_known_by_its_local_name() -> None:
    out = write_result_sheets(handmade(names=f'<definedNames><definedName name="{RESULT_MARKER}">"x"</definedName>'
                                              "</definedNames>"), [result("校验结果")])
    resaved = edited(out, "xl/worksheets/sheet4.xml", f'codeName="{marker_code_name("校验结果")}"', "")
    assert result_sheet_names(resaved) == ["校验结果"]
    renamed = edited(resaved, "xl/workbook.xml", 'name="校验结果"', 'name="校验结果 (2)"')
    assert result_sheet_names(renamed) == []


# --- parts around the sheets: relationship ids, fresh part names, calcChain, app.xml -------------------------------

REL_CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml"


def workbook_rels(package: bytes, part: str = "xl/_rels/workbook.xml.rels") -> dict[str | None, str | None]:
    return {r.get("Target"): r.get("Id") for r in etree.fromstring(parts_of(package)[part])}


def test_new_relationship_ids_follow_the_highest_number_in_use() -> None:
    package = handmade(extra_rels=f'<Relationship Id="rId9" Type="{REL_CUSTOM}" Target="../customXml/item1.xml"/>'
                                  f'<Relationship Id="styles" Type="{REL_CUSTOM}" Target="../customXml/item2.xml"/>')
    rels = workbook_rels(write_result_sheets(package, [result("校验结果")]))
    assert (rels["styles.xml"], rels["worksheets/sheet4.xml"]) == ("rId10", "rId11")


@pytest.mark.parametrize(
    ("extra", "parts", "expected"),
    [
        (f'<Relationship Id="rId7" Type="{REL_SHEET}" Target="worksheets/sheet4.xml"/>', {}, "sheet5"),  # dangling
        (f'<Relationship Id="rId7" Type="{REL_SHEET}" Target="worksheets/sheet4.xml" TargetMode="External"/>', {},
         "sheet4"),  # an external target names no part of ours
        ("", {"xl/worksheets/sheet4.xml": EMPTY_SHEET}, "sheet5"),  # present, though nothing points at it
        ("", {"xl/worksheets/_rels/sheet4.xml.rels": f'<Relationships xmlns="{NS_PKG}"/>'.encode()}, "sheet5"),
    ],
    ids=["dangling-relationship", "external", "orphan-part", "orphan-rels"],
)
def test_a_new_sheet_part_takes_a_name_nothing_uses(extra: str, parts: dict[str, bytes], expected: str) -> None:
    out = write_result_sheets(handmade(extra_rels=extra, parts=parts), [result("校验结果")])
    rid = rel_ids(out)["校验结果"]
    assert [t for t, i in workbook_rels(out).items() if i == rid] == [f"worksheets/{expected}.xml"]
    assert result_banners(out) == {"校验结果": "本表由系统自动生成"}


CT_CALC = "application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"


def with_calc_chain(package: bytes, sheet_ids: list[int]) -> bytes:
    parts = parts_of(package)
    cells = "".join(f'<c r="A1" i="{i}"/>' for i in sheet_ids)
    parts["xl/calcChain.xml"] = f'<calcChain xmlns="{NS_MAIN}">{cells}</calcChain>'.encode()
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", f'<Relationship Id="rId99" Type="{NS_R}/calcChain" Target="calcChain.xml"/>'
        "</Relationships>".encode())
    return zip_bytes(parts)


def test_a_calc_chain_goes_only_when_it_names_a_removed_sheet() -> None:
    first = write_result_sheets(handmade(), [result("校验结果")])  # our sheet has sheetId 2
    kept = write_result_sheets(with_calc_chain(first, [1]), [result("校验结果")])
    assert "xl/calcChain.xml" in parts_of(kept)
    dropped = write_result_sheets(with_calc_chain(first, [1, 2]), [result("校验结果")])
    assert "xl/calcChain.xml" not in parts_of(dropped)


NS_APP = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
NS_VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"


def with_app(package: bytes, app_body: str) -> bytes:
    parts = parts_of(package)
    parts["docProps/app.xml"] = f'<Properties xmlns="{NS_APP}" xmlns:vt="{NS_VT}">{app_body}</Properties>'.encode()
    parts["_rels/.rels"] = parts["_rels/.rels"].replace(
        b"</Relationships>", f'<Relationship Id="rId2" Type="{NS_R}/extended-properties" Target="docProps/app.xml"/>'
        "</Relationships>".encode())
    return zip_bytes(parts)


def pairs(*blocks: tuple[str, int]) -> str:
    variants = "".join(f"<vt:variant><vt:lpstr>{k}</vt:lpstr></vt:variant><vt:variant><vt:i4>{n}</vt:i4></vt:variant>"
                       for k, n in blocks)
    return f'<HeadingPairs><vt:vector size="{2 * len(blocks)}" baseType="variant">{variants}</vt:vector></HeadingPairs>'


def titles(*names: str) -> str:
    items = "".join(f"<vt:lpstr>{n}</vt:lpstr>" for n in names)
    return f'<TitlesOfParts><vt:vector size="{len(names)}" baseType="lpstr">{items}</vt:vector></TitlesOfParts>'


def app_titles(package: bytes) -> tuple[list[str | None], list[str | None], str | None]:
    root = etree.fromstring(parts_of(package)["docProps/app.xml"])
    vt = f"{{{NS_VT}}}"
    return ([c.text for c in root.iter(f"{vt}i4")], [t.text for t in root.iter(f"{vt}lpstr")][len(root.findall(
        f".//{vt}variant")) // 2:], root.find(f"{{{NS_APP}}}TitlesOfParts/{vt}vector").get("size"))


def test_app_titles_are_updated_in_the_worksheet_block_wherever_it_is() -> None:
    package = with_app(handmade(), pairs(("命名范围", 2), ("图表", 1), ("工作表", 1)) + titles("区域1", "区域2", "图1", "登记"))
    out = write_result_sheets(package, [result("校验结果")])
    counts, names, size = app_titles(out)
    assert (counts, names, size) == (["2", "1", "2"], ["区域1", "区域2", "图1", "登记", "校验结果"], "5")


@pytest.mark.parametrize(
    "body",
    [
        pairs(("工作表", 1)),  # no titles
        pairs(("工作表", 1)).replace("<vt:variant><vt:i4>1</vt:i4></vt:variant>", "<vt:variant/>") + titles("登记"),
        pairs(("工作表", 1)).replace("<vt:i4>1</vt:i4>", "<vt:i4>one</vt:i4>") + titles("登记"),
        pairs(("工作表", 2)) + titles("登记", "别的"),  # does not match the sheets
    ],
    ids=["no-titles", "no-count", "garbled-count", "other-sheets"],
)
def test_app_xml_that_does_not_match_is_left_alone(body: str) -> None:
    package = with_app(handmade(), body)
    out = write_result_sheets(package, [result("校验结果")])
    assert parts_of(out)["docProps/app.xml"] == parts_of(package)["docProps/app.xml"]


def test_the_zip_format_holds_at_most_65535_entries() -> None:
    info = zipfile.ZipInfo("p")
    info.CRC, info.file_size, info.compress_size = 0, 0, 0
    full = ZipWriter()
    for _ in range(0xFFFF):
        full.copy_raw(info, b"")
    assert len(zipfile.ZipFile(io.BytesIO(full.finish(b""))).infolist()) == 0xFFFF
    over = ZipWriter()
    for _ in range(0xFFFF + 1):
        over.copy_raw(info, b"")
    with pytest.raises(PackageError, match="too large"):
        over.finish(b"")


def test_one_of_the_two_encryption_streams_is_enough_and_biff5_is_a_legacy_workbook() -> None:
    assert identify(ole_file({"EncryptionInfo": bytes(16)})) == "encrypted"
    assert identify(ole_file({"EncryptedPackage": bytes(16)})) == "encrypted"
    assert identify(ole_file({"Book": bytes(16)})) == "xls"


def test_zip_limit_refusals_in_chinese() -> None:
    def refused_zh(infos: list[zipfile.ZipInfo]) -> str:
        with pytest.raises(PackageError) as caught:
            check_zip_limits(infos)
        return caught.value.message("zh")

    assert refused_zh([entry(f"p{i}", 1, 1) for i in range(MAX_ENTRIES + 1)]) == "工作簿的部件过多（65001 个），已拒绝"
    half = MAX_TOTAL_SIZE // 2
    assert refused_zh([entry("a", half, half), entry("b", half + 1, half)]) == (
        f"工作簿解压后过大（{MAX_TOTAL_SIZE + 1} 字节，疑似压缩炸弹），已拒绝")
    assert refused_zh([entry("big", 200 * 10_000, 9_999)]) == "部件 big 的压缩比异常（疑似压缩炸弹），已拒绝"
    parts = [entry("p0", 600_000, 2_999)] + [entry(f"p{i}", 600_000, 3_000) for i in (1, 2)]
    assert refused_zh(parts) == "工作簿的压缩比异常（疑似压缩炸弹），已拒绝"


def test_entries_with_extra_fields_are_copied_byte_for_byte() -> None:
    stamped = io.BytesIO()
    with zipfile.ZipFile(stamped, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in parts_of(handmade()).items():
            info = zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0) if name != "xl/workbook.xml" else (2024, 5, 6, 7, 8, 10))
            info.compress_type = zipfile.ZIP_DEFLATED
            if name == "xl/worksheets/sheet2.xml":
                info.extra = b"UT\x05\x00\x01\x00\x00\x00\x00"  # an extended timestamp, as zip tools write
            zf.writestr(info, content)
    out = write_result_sheets(stamped.getvalue(), [result("校验结果")])
    assert parts_of(out)["xl/worksheets/sheet2.xml"] == EMPTY_SHEET
    assert zipfile.ZipFile(io.BytesIO(out)).getinfo("xl/worksheets/sheet4.xml").date_time == (2024, 5, 6, 7, 8, 10)


def test_parts_we_rewrite_are_declared_once_and_typed() -> None:
    out = write_result_sheets(handmade(), [result("校验结果")])  # a workbook without styles gets a minimal one
    parts = parts_of(out)
    declaration = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    for name in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml", "xl/styles.xml"):
        assert parts[name].startswith(declaration) and parts[name].count(b"<?xml") == 1
    assert b"<styleSheet" in parts["xl/styles.xml"]
    types = parts["[Content_Types].xml"].decode()
    assert ('<Override PartName="/xl/worksheets/sheet4.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>') in types
    assert ('<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>') in types


def test_an_override_without_a_part_name_is_left_alone() -> None:
    package = handmade()
    odd = edited(package, "[Content_Types].xml", "</Types>", '<Override ContentType="application/xml"/></Types>')
    out = write_result_sheets(write_result_sheets(odd, [result("校验结果")]), [result("校验结果")])
    assert b'<Override ContentType="application/xml"/>' in parts_of(out)["[Content_Types].xml"]


def test_an_entity_declaration_outside_a_dtd_is_refused_as_such() -> None:
    package = handmade(parts={"xl/workbook.xml": f'<workbook xmlns="{NS_MAIN}"><!ENTITY x "y"></workbook>'.encode()})
    assert refusal(package)[1] == "part xl/workbook.xml contains a DTD or entities, which are not allowed"


def test_a_workbook_part_without_a_sheet_list_gets_one() -> None:
    package = handmade(parts={"xl/workbook.xml": f'<workbook xmlns="{NS_MAIN}" xmlns:r="{NS_R}"/>'.encode()})
    out = write_result_sheets(package, [result("校验结果")])
    root = workbook_of(out)
    assert [c.tag for c in root] == [q("sheets"), q("definedNames")]
    assert sheet_list(out) == [("校验结果", "1", None)]
    with pytest.raises(ValueError, match=r"^a workbook needs at least one sheet$"):
        write_result_sheets(package, [])


def test_a_package_relationship_without_a_type_is_ignored() -> None:
    root_rels = (f'<Relationships xmlns="{NS_PKG}"><Relationship Id="rId2" Target="docProps/core.xml"/>'
                 f'<Relationship Id="rId1" Type="{REL_DOC}" Target="xl/workbook.xml"/></Relationships>')
    assert result_sheet_names(write_result_sheets(handmade(root_rels=root_rels), [result("校验结果")])) == ["校验结果"]


def test_a_renamed_result_sheet_refers_to_itself_by_its_new_name() -> None:
    out = write_result_sheets(handmade(sheets='<sheet name="校验结果" sheetId="1" r:id="rId1"/>'),
                              [result("校验结果")])
    text = parts_of(out)["xl/workbook.xml"].decode()
    assert "'校验结果(2)'!$2:$2" in text and "'校验结果(2)'!$A$2:$B$3" in text


def test_banners_are_read_only_from_result_sheets_with_a_first_row() -> None:
    staff_row = f'<worksheet xmlns="{NS_MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>员工表</t>' \
                "</is></c></row></sheetData></worksheet>"
    out = write_result_sheets(handmade(parts={"xl/worksheets/sheet1.xml": staff_row.encode()}),
                              [result("校验结果"), result("派工时限")])
    assert result_banners(out) == {"校验结果": "本表由系统自动生成", "派工时限": "本表由系统自动生成"}
    sheet = parts_of(out)["xl/worksheets/sheet5.xml"].decode()
    rows = sheet[sheet.index("<sheetData>") : sheet.index("</sheetData>") + len("</sheetData>")]
    emptied = edited(out, "xl/worksheets/sheet5.xml", rows, "<sheetData/>")
    assert result_banners(emptied) == {"校验结果": "本表由系统自动生成"}


def test_a_part_larger_than_one_read_is_counted_whole() -> None:
    noise = bytes((i * 7919 + (i >> 8) * 104729) % 251 for i in range(3 << 19))  # 1.5 MiB that hardly deflates
    package = handmade(parts={"xl/media/photo.bin": noise})
    out = write_result_sheets(package, [result("校验结果")])
    assert parts_of(out)["xl/media/photo.bin"] == noise


def test_a_deflated_part_shorter_than_declared_names_its_real_size() -> None:
    data = bytearray(handmade())
    name = b"xl/worksheets/sheet3.xml"
    central = data.index(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(name)] != name:
        central = data.index(b"PK\x01\x02", central + 4)
    data[central + 24 : central + 28] = struct.pack("<L", REAL + 5)
    zh, _ = refusal(bytes(data))
    assert zh.endswith(f"部件 xl/worksheets/sheet3.xml 实际 {REAL} 字节，文件头声明 {REAL + 5} 字节")
