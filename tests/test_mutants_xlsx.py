"""Package-editing cases written for mutants that survived the rest of the suite (docs/testing.md): part names and
relationship targets, what a file is by its content, the zip limits at their exact boundaries, the one message of a
damaged zip. Expected values come from the OPC and zip formats and the limits the module documents, not the code."""

from __future__ import annotations

import re
import zipfile

import pytest
from conftest import zip_bytes
from fixtures_xlsx import legacy_xls, ole_file, parts_of, staff_workbook

from automation.xlsx.container import (
    MAX_ENTRIES,
    MAX_RATIO,
    MAX_TOTAL_SIZE,
    RATIO_MIN_SIZE,
    Package,
    PackageError,
    check_container,
    check_zip_limits,
    damaged,
    identify,
    open_zip,
)
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
