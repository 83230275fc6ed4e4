"""Write-back copies every untouched staff part as its original compressed bytes, whoever compressed it.

The staff workbook of the package tests is re-packed in shapes the product's own writer (zlib level 6, deflated,
sizes in the local header) never makes: zlib levels 1 and 9 and other strategies, stored members, data descriptors
with and without their signature, deflate option flags, Info-ZIP's deflate and LibreOffice's own save. After one and
two write-backs, each untouched member is compared with the original as bytes in the file (parsed with struct in
``zip_records``, not through zipfile's decompressed reads): the same compressed bytes, method, CRC, sizes, time,
name, extra field and flags. Recompressing a part instead of copying it changes its bytes in every one of these
shapes, even where its content stays the same.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from fixtures_xlsx import parts_of, staff_workbook
from libreoffice import convert
from zip_records import (
    DATA_DESCRIPTOR,
    Record,
    Shape,
    by_name,
    descriptor_values,
    records,
    repack_by_hand,
    repack_info_zip,
    repack_zipfile,
)

from automation.xlsx.package import staff_part_names, write_result_sheets
from automation.xlsx.sheet_xml import ResultSheet

# The parts write-back may rewrite (SPEC §7); every other part is a staff part and must be copied as it is.
EDITABLE = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
            "docProps/app.xml"}  # fmt: skip
UTF8_NAMES = 0x800


def result(rows: int) -> ResultSheet:
    data = [[f"CAL00{i}", "error", f"第 {i} 行", dt.date(2026, 11, 29)] for i in range(rows)]
    return ResultSheet("校验结果", ["代码", "级别", "说明", "日期"], data, banner="本表由系统自动生成")


def mixed(index: int, name: str) -> Shape:
    """Four shapes in turn, so neighbouring members differ in method, flags and descriptor."""
    return [
        Shape(method=zipfile.ZIP_STORED),
        Shape(level=9, strategy=zlib.Z_FILTERED, option_flags=0x2, descriptor="signed"),
        Shape(level=1, strategy=zlib.Z_HUFFMAN_ONLY, option_flags=0x6, descriptor="bare"),
        Shape(level=9, option_flags=0x4),
    ][index % 4]


SHAPES: dict[str, Callable[[bytes, Path], bytes | None]] = {
    "zlib-1": lambda p, _: repack_zipfile(p, level=1),
    "zlib-9": lambda p, _: repack_zipfile(p, level=9),
    "stored": lambda p, _: repack_zipfile(p, method=zipfile.ZIP_STORED),
    "descriptors-zipfile": lambda p, _: repack_zipfile(p, level=1, streamed=True),
    "descriptors-unsigned": lambda p, _: repack_by_hand(p, lambda i, n: Shape(level=1, descriptor="bare")),
    "huffman-only": lambda p, _: repack_by_hand(p, lambda i, n: Shape(strategy=zlib.Z_HUFFMAN_ONLY)),
    "mixed": lambda p, _: repack_by_hand(p, mixed),
    "info-zip": lambda p, scratch: repack_info_zip(p, scratch),
}


@pytest.fixture(scope="module")
def staff() -> bytes:
    return staff_workbook(macro=True)


def deflate6(content: bytes) -> bytes:
    """What the product's writer makes of a part it compresses (and a recompressing copy would make)."""
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    return packer.compress(content) + packer.flush()


def expected_flags(before: Record) -> int:
    """The flags a copied member keeps: the deflate option bits and the rest as they were, except bit 3 (a data
    descriptor follows), because the copy carries CRC and sizes in its local header, and bit 11 (UTF-8 name), which
    is set exactly when the name is not ASCII."""
    kept = before.flags & ~(DATA_DESCRIPTOR | UTF8_NAMES)
    return kept | (0 if before.name.isascii() else UTF8_NAMES)


def real_values(before: Record) -> tuple[int, int, int]:
    """CRC and sizes of an original member, from its local header or, with flag bit 3, its data descriptor."""
    if before.flags & DATA_DESCRIPTOR:
        return descriptor_values(before)
    return before.local_crc, before.local_csize, before.local_usize


def assert_copied_raw(before: Record, after: Record) -> None:
    name = before.name.decode("utf-8")
    crc, csize, usize = real_values(before)
    assert (crc, csize, usize) == (before.crc, before.csize, before.usize), f"{name}: fixture inconsistent"
    assert after.name == before.name, name
    assert after.data == before.data, f"{name}: compressed bytes differ (recompressed instead of copied?)"
    assert (after.method, after.central_method) == (before.method, before.method), name
    assert (after.local_crc, after.local_csize, after.local_usize) == (crc, csize, usize), name
    assert (after.crc, after.csize, after.usize) == (crc, csize, usize), name
    assert (after.dos_time, after.dos_date) == (before.dos_time, before.dos_date), name
    assert (after.flags, after.central_flags) == (expected_flags(before),) * 2, name
    assert after.descriptor == b"", name
    assert after.extra == before.extra, name
    assert after.external_attr == before.external_attr, name


def assert_well_formed(package: bytes) -> None:
    """Entries follow one another without gaps or overlaps and every member inflates to its CRC."""
    entries = sorted(records(package), key=lambda r: r.offset)
    assert entries[0].offset == 0
    for current, following in zip(entries, entries[1:], strict=False):
        assert current.end == following.offset, current.name
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        assert zf.testzip() is None


def shaped(shape: str, staff: bytes, tmp_path: Path) -> bytes:
    package = SHAPES[shape](staff, tmp_path)
    if package is None:
        pytest.skip(f"{shape}: the writer is not installed")  # AUTOMATION_REQUIRE_ALL=1 makes this a failure
    return package


def check_write_back(original: bytes) -> None:
    before = by_name(original)
    untouched = set(before) - EDITABLE
    assert staff_part_names(original) == untouched
    once = write_result_sheets(original, [result(3)])
    twice = write_result_sheets(once, [result(5)])
    for package in (once, twice):
        after = by_name(package)
        for name in untouched:
            assert_copied_raw(before[name], after[name])
        assert [n for n in after if n in untouched] == [n for n in before if n in untouched]  # order kept
        assert_well_formed(package)
        assert {n: c for n, c in parts_of(package).items() if n in untouched} == {
            n: c for n, c in parts_of(original).items() if n in untouched
        }


@pytest.mark.parametrize("shape", list(SHAPES))
def test_untouched_members_are_copied_raw(shape: str, staff: bytes, tmp_path: Path) -> None:
    original = shaped(shape, staff, tmp_path)
    before = by_name(original)
    # The fixture can catch a recompressing write-back: some members are not what zlib level 6 makes of them
    # (levels 6 to 9 give the same bytes for small parts, so not all are).
    contents = parts_of(original)
    untouched = set(before) - EDITABLE
    differs = [n for n in untouched
               if before[n].method != zipfile.ZIP_DEFLATED or before[n].data != deflate6(contents[n])]  # fmt: skip
    assert len(differs) >= 3, f"{shape}: too close to the product's own output ({differs})"
    check_write_back(original)


@pytest.mark.libreoffice
def test_members_saved_by_libreoffice_are_copied_raw(staff: bytes, tmp_path: Path) -> None:
    source = tmp_path / "叫修登记簿.xlsx"
    source.write_bytes(staff)
    saved = convert(source, tmp_path / "out").read_bytes()
    # LibreOffice writes its own shape: a data descriptor after every member and the UTF-8 flag on each name.
    assert all(r.flags & DATA_DESCRIPTOR for r in records(saved))
    check_write_back(saved)


def test_the_record_parser_agrees_with_zipfile(staff: bytes) -> None:
    """The byte-level reader the checks above rely on sees what zipfile sees."""
    for package in (staff, repack_zipfile(staff, level=1, streamed=True), repack_by_hand(staff, mixed)):
        parsed = records(package)
        with zipfile.ZipFile(io.BytesIO(package)) as zf:
            infos = zf.infolist()
            assert [r.name.decode() for r in parsed] == [i.filename for i in infos]
            for record, info in zip(parsed, infos, strict=True):
                assert (record.crc, record.csize, record.usize, record.method) == (
                    info.CRC, info.compress_size, info.file_size, info.compress_type)  # fmt: skip
                assert real_values(record) == (info.CRC, info.compress_size, info.file_size)
                content = record.data if record.method == zipfile.ZIP_STORED else zlib.decompress(record.data, -15)
                assert content == zf.read(info)
