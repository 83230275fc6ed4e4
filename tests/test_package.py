"""Tests for automation.xlsx.package: fidelity of staff parts, result sheet replacement, markers, bad input."""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import zip_bytes
from fixtures_xlsx import (
    VBA_BYTES,
    encrypted_xlsx,
    legacy_xls,
    local_names,
    ole_file,
    parts_of,
    raw_entries,
    rebuild,
    staff_workbook,
    workbook_xml,
)
from libreoffice import convert
from lxml import etree
from python_calamine import CalamineWorkbook

from automation.xlsx.package import (
    RESULT_MARKER,
    PackageError,
    new_result_workbook,
    result_sheet_names,
    sidecar_path,
    staff_part_names,
    write_result_sheets,
)
from automation.xlsx.sheet_xml import Link, ResultSheet

BANNER = "本表由系统自动生成 · 计算时间 2026-11-29 10:00 · 请勿在此表编辑"
ALLOWED = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "docProps/app.xml"}


def checks(n: int = 3) -> ResultSheet:
    rows = [
        ["CAL001", "error", Link("B4", sheet="客户", cell="B4"), "=SUM(1,2)", dt.date(2026, 11, 29), 4.5],
        ["CAL002", "warning", Link("C9", sheet="客户", cell="C9"), "缺少电话", dt.datetime(2026, 11, 29, 10, 30), -1],
        ["CAL003", "error", Link("A1", sheet="参数", cell="A1"), "", None, 10**6],
    ][:n]
    headers = ["代码", "级别", "单元格", "填写内容", "日期", "数值"]
    fills = ["FFFFC7CE" if r[1] == "error" else "FFFFEB9C" for r in rows]
    return ResultSheet("校验结果", headers, rows, banner=BANNER, row_fills=fills)


def deadlines() -> ResultSheet:
    return ResultSheet("派工时限", ["登记号", "应到达时间"], [["BX1", dt.datetime(2026, 11, 30, 9, 0)]], banner=BANNER)


def openpyxl_values(package: bytes) -> dict[str, list[tuple]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about the x14 extensions it does not read
        wb = openpyxl.load_workbook(io.BytesIO(package))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def calamine_rows(package: bytes, sheet: str) -> list[list[object]]:
    return CalamineWorkbook.from_filelike(io.BytesIO(package)).get_sheet_by_name(sheet).to_python()


@pytest.fixture(scope="module")
def staff() -> bytes:
    return staff_workbook()


# ---------------------------------------------------------------------------------------------------- fidelity


@pytest.mark.parametrize("macro", [False, True], ids=["xlsx", "xlsm"])
def test_staff_parts_byte_identical_after_two_runs(macro: bool) -> None:
    original = staff_workbook(macro=macro)
    once = write_result_sheets(original, [checks(), deadlines()])
    twice = write_result_sheets(once, [checks(2)])
    before, after = parts_of(original), parts_of(twice)
    staff_parts = staff_part_names(original)
    assert staff_parts == set(before) - ALLOWED
    for name in staff_parts:
        assert after[name] == before[name], name
    # Untouched entries are copied as their compressed bytes, not recompressed.
    raw_before, raw_after = raw_entries(original), raw_entries(twice)
    assert all(raw_after[name] == raw_before[name] for name in staff_parts)
    # Existing entries keep their order; our sheet comes last.
    assert [n for n in after if n in before] == list(before)
    assert list(after)[-1].startswith("xl/worksheets/sheet")
    if macro:
        assert after["xl/vbaProject.bin"] == VBA_BYTES
        assert b"application/vnd.ms-office.vbaProject" in after["[Content_Types].xml"]
        assert b"macroEnabled.main+xml" in after["[Content_Types].xml"]


def test_result_opens_in_openpyxl_with_staff_values_unchanged(staff: bytes) -> None:
    result = write_result_sheets(write_result_sheets(staff, [checks()]), [checks(), deadlines()])
    before, after = openpyxl_values(staff), openpyxl_values(result)
    assert list(after) == [*before, "校验结果", "派工时限"]
    for title, rows in before.items():
        assert after[title] == rows
    assert after["校验结果"][3][:2] == ("CAL002", "warning")


def test_calamine_reads_result_sheets_exactly(staff: bytes) -> None:
    result = write_result_sheets(staff, [checks(), deadlines()])
    rows = calamine_rows(result, "校验结果")
    assert rows[0][0] == BANNER
    assert rows[1] == ["代码", "级别", "单元格", "填写内容", "日期", "数值"]
    assert rows[2] == ["CAL001", "error", "B4", "=SUM(1,2)", dt.date(2026, 11, 29), 4.5]
    assert rows[3] == ["CAL002", "warning", "C9", "缺少电话", dt.datetime(2026, 11, 29, 10, 30), -1.0]
    assert rows[4] == ["CAL003", "error", "A1", "", "", 1e6]
    assert calamine_rows(result, "派工时限")[2] == ["BX1", dt.datetime(2026, 11, 30, 9, 0)]


def test_formula_like_text_stays_text(staff: bytes) -> None:
    result = write_result_sheets(staff, [checks()])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cell = openpyxl.load_workbook(io.BytesIO(result))["校验结果"]["D3"]
    assert (cell.value, cell.data_type) == ("=SUM(1,2)", "s")
    part = parts_of(result)["xl/worksheets/sheet4.xml"].decode()
    assert "<f>" not in part and 'r="D3"' in part


def test_replacing_removes_old_result_parts(staff: bytes) -> None:
    once = write_result_sheets(staff, [checks(), deadlines()])
    old_parts = set(parts_of(once)) - set(parts_of(staff))
    assert len(old_parts) == 2
    twice = write_result_sheets(once, [checks()])
    after = parts_of(twice)
    assert result_sheet_names(twice) == ["校验结果"]
    new_parts = set(after) - set(parts_of(staff))
    assert len(new_parts) == 1
    gone = old_parts - new_parts
    types = after["[Content_Types].xml"].decode()
    rels = after["xl/_rels/workbook.xml.rels"].decode()
    for part in gone:
        assert f"/{part}" not in types and part.removeprefix("xl/") not in rels
    assert rels.count("/worksheet\"") == 4  # three staff sheets + one result
    assert workbook_xml(twice).count(f'name="{RESULT_MARKER}"') == 1


def test_styles_do_not_grow_run_after_run(staff: bytes) -> None:
    once = write_result_sheets(staff, [checks()])
    twice = write_result_sheets(once, [checks()])
    thrice = write_result_sheets(twice, [checks()])
    assert parts_of(twice)["xl/styles.xml"] == parts_of(once)["xl/styles.xml"] == parts_of(thrice)["xl/styles.xml"]
    # Existing entries keep their index and content: every section of the original is a prefix of the new one.
    old, new = (etree.fromstring(parts_of(p)["xl/styles.xml"]) for p in (staff, once))
    for section in old:
        appended = new.find(section.tag)
        assert [etree.tostring(c) for c in appended][: len(section)] == [etree.tostring(c) for c in section]


# ------------------------------------------------------------------------------------------------------ markers


def test_staff_sheet_named_like_a_result_is_never_touched() -> None:
    original = staff_workbook(staff_result_sheet=True)
    assert result_sheet_names(original) == []
    once = write_result_sheets(original, [checks()])
    twice = write_result_sheets(once, [checks()])
    assert result_sheet_names(once) == result_sheet_names(twice) == ["校验结果(2)"]
    values = openpyxl_values(twice)
    assert values["校验结果"] == openpyxl_values(original)["校验结果"]
    before, after = parts_of(original), parts_of(twice)
    assert after["xl/worksheets/sheet4.xml"] == before["xl/worksheets/sheet4.xml"]
    assert local_names(twice) == local_names(original)  # 笔记 still belongs to the staff 校验结果


def test_local_names_keep_pointing_at_their_sheets(staff: bytes) -> None:
    once = write_result_sheets(staff, [checks(), deadlines()])
    assert local_names(once) == local_names(staff) == {"_xlnm.Print_Area": "客户", "本表选项": "参数"}
    # Staff drag our sheet between their own sheets; removing it must renumber the names after it.
    text = workbook_xml(once)
    sheets = re.findall(r"<sheet [^>]*/>", text)
    moved = text.replace("".join(sheets), "".join([sheets[0], sheets[3], sheets[1], sheets[2], sheets[4]]))
    moved = re.sub(r'localSheetId="(\d)"', lambda m: f'localSheetId="{ {"0": 0, "1": 2, "2": 3, "3": 1}.get(m[1], m[1])}"',
                   moved)  # fmt: skip
    dragged = rebuild(once, {"xl/workbook.xml": moved.encode()})
    assert local_names(dragged) == local_names(staff)
    again = write_result_sheets(dragged, [checks()])
    assert local_names(again) == local_names(staff)
    assert re.findall(r'<sheet [^>]*name="([^"]*)"', workbook_xml(again)) == ["客户", "参数", "隐藏", "校验结果"]
    assert result_sheet_names(again) == ["校验结果"]


def test_renamed_or_copied_result_sheet_becomes_staff(staff: bytes) -> None:
    once = write_result_sheets(staff, [checks()])
    renamed = rebuild(once, {"xl/workbook.xml": workbook_xml(once).replace('name="校验结果"', 'name="11月结果"').encode()})
    assert result_sheet_names(renamed) == []
    again = write_result_sheets(renamed, [checks()])
    assert re.findall(r'<sheet [^>]*name="([^"]*)"', workbook_xml(again))[-2:] == ["11月结果", "校验结果"]


def test_marker_is_found_from_code_name_alone(staff: bytes) -> None:
    once = write_result_sheets(staff, [checks()])
    text = re.sub(r'<definedName name="AutomationResult"[^<]*</definedName>', "", workbook_xml(once))
    assert result_sheet_names(rebuild(once, {"xl/workbook.xml": text.encode()})) == ["校验结果"]


def test_replace_all_false_keeps_other_results(staff: bytes) -> None:
    once = write_result_sheets(staff, [checks(), deadlines()])
    twice = write_result_sheets(once, [checks(1)], replace_all=False)
    assert result_sheet_names(twice) == ["派工时限", "校验结果"]
    assert len(calamine_rows(twice, "校验结果")) == 3


def test_active_tab_follows_the_replacement(staff: bytes) -> None:
    once = write_result_sheets(staff, [checks()])
    assert 'activeTab="1"' in workbook_xml(once)  # staff kept 参数 active
    focused = rebuild(once, {"xl/workbook.xml": workbook_xml(once).replace('activeTab="1"', 'activeTab="3"').encode()})
    twice = write_result_sheets(focused, [deadlines(), checks()])
    assert 'activeTab="4"' in workbook_xml(twice)  # the new 校验结果 is now the fifth sheet
    part = parts_of(twice)["xl/worksheets/sheet5.xml"].decode()
    assert "CAL001" in part and 'tabSelected="1"' in part


def test_parts_staff_hung_on_our_sheet_go_with_it(staff: bytes) -> None:
    once = write_result_sheets(staff, [checks()])
    rels_type = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    sheet_rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        f'2006/relationships"><Relationship Id="rId1" Type="{rels_type}/comments" Target="../comments/mine.xml"/>'
        f'<Relationship Id="rId2" Type="{rels_type}/drawing" Target="../drawings/drawing9.xml"/></Relationships>'
    )
    types = parts_of(once)["[Content_Types].xml"].replace(b"</Types>", b'<Override PartName="/xl/comments/mine.xml" '
                 b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"/></Types>')  # fmt: skip
    calc = b'<calcChain xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><c r="A3" i="4"/></calcChain>'
    rels = parts_of(once)["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", f'<Relationship Id="rIdCc" Type="{rels_type}/calcChain" Target="calcChain.xml"/>'
        "</Relationships>".encode())  # fmt: skip
    edited = rebuild(once, {"xl/worksheets/_rels/sheet4.xml.rels": sheet_rels.encode(), "[Content_Types].xml": types,
                            "xl/comments/mine.xml": b"<comments/>", "xl/calcChain.xml": calc,
                            "xl/_rels/workbook.xml.rels": rels})  # fmt: skip
    twice = parts_of(write_result_sheets(edited, [checks()]))
    assert "xl/comments/mine.xml" not in twice and b"mine.xml" not in twice["[Content_Types].xml"]
    assert "xl/drawings/drawing9.xml" in twice  # still used by the staff sheet 参数
    assert "xl/calcChain.xml" not in twice and b"calcChain" not in twice["xl/_rels/workbook.xml.rels"]


def test_app_xml_titles_follow_the_sheets(staff: bytes) -> None:
    app = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://schemas.openxmlformats.'
        'org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/'
        '2006/docPropsVTypes"><HeadingPairs><vt:vector size="4" baseType="variant"><vt:variant><vt:lpstr>工作表'
        "</vt:lpstr></vt:variant><vt:variant><vt:i4>3</vt:i4></vt:variant><vt:variant><vt:lpstr>命名范围</vt:lpstr>"
        '</vt:variant><vt:variant><vt:i4>1</vt:i4></vt:variant></vt:vector></HeadingPairs><TitlesOfParts><vt:vector '
        'size="4" baseType="lpstr"><vt:lpstr>客户</vt:lpstr><vt:lpstr>参数</vt:lpstr><vt:lpstr>隐藏</vt:lpstr>'
        "<vt:lpstr>全部客户</vt:lpstr></vt:vector></TitlesOfParts></Properties>"
    )
    with_app = rebuild(staff, {"docProps/app.xml": app.encode()})
    result = parts_of(write_result_sheets(write_result_sheets(with_app, [checks()]), [checks(), deadlines()]))
    text = result["docProps/app.xml"].decode()
    titles = re.findall(r"<vt:lpstr>([^<]*)</vt:lpstr>", text.split("TitlesOfParts")[1])
    assert titles == ["客户", "参数", "隐藏", "校验结果", "派工时限", "全部客户"]
    assert "<vt:i4>5</vt:i4>" in text and 'size="6"' in text


# -------------------------------------------------------------------------------------------- fresh workbooks


def test_new_result_workbook_and_sidecar(tmp_path: Path) -> None:
    summary = ResultSheet("汇总", ["分公司", "链接"], [["慈溪", Link("打开", file="../慈溪分公司/叫修登记簿.xlsx", sheet="校验结果")]],
                          banner=BANNER)  # fmt: skip
    package = new_result_workbook([checks(), summary])
    assert result_sheet_names(package) == ["校验结果", "汇总"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(io.BytesIO(package))
    link = wb["汇总"]["B3"].hyperlink
    assert link.target.endswith("%E5%8F%AB%E4%BF%AE%E7%99%BB%E8%AE%B0%E7%B0%BF.xlsx") and link.location == "'校验结果'!A1"
    rels = parts_of(package)["xl/worksheets/_rels/sheet2.xml.rels"]
    assert b'TargetMode="External"' in rels
    assert sidecar_path(Path("分公司/叫修登记簿.xls")) == Path("分公司/叫修登记簿.结果.xlsx")
    with pytest.raises(ValueError):
        new_result_workbook([])
    with pytest.raises(ValueError, match="unique"):
        new_result_workbook([checks(), checks()])


# ---------------------------------------------------------------------------------------------------- bad input




def _declared_size_bomb(staff: bytes) -> bytes:
    """A tiny zip whose headers claim 2 GiB for one part (no need to compress gigabytes)."""
    data = bytearray(staff)
    central = data.rindex(b"PK\x01\x02")  # last central-directory record
    data[central + 24 : central + 28] = struct.pack("<L", 0x7FFF0000)
    return bytes(data)


def _ratio_bomb() -> bytes:
    """20 MiB of zeros deflate to about 20 KB: a ratio of ~1000, far above any real workbook part."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", b"<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", bytes(20 << 20))
    return out.getvalue()


DOCTYPE = (
    b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/>&lol2;</workbook>'
)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda s: b"", "empty"),
        (lambda s: encrypted_xlsx(), "encrypted"),
        (lambda s: legacy_xls(password=True), "encrypted"),
        (lambda s: legacy_xls(), "legacy .xls file"),
        (lambda s: ole_file({"WordDocument": b"x"}), "another Office file"),
        (lambda s: bytes.fromhex("D0CF11E0A1B11AE1") + bytes(600), "damaged"),
        (lambda s: b"name,phone\n1,2\n", "not a valid Excel file"),
        (lambda s: s[: len(s) // 2], "damaged or truncated"),
        (lambda s: rebuild(s, {"xl/workbook.xml": None}), "missing xl/workbook.xml"),
        (lambda s: _declared_size_bomb(s), "zip bomb|damaged"),
        (lambda s: _ratio_bomb(), "zip bomb"),
        (lambda s: rebuild(s, {"xl/workbook.xml": DOCTYPE}), "DTD"),
        (lambda s: zip_bytes({"[Content_Types].xml": b"<Types/>", "_rels/.rels": b"<Relationships/>"}), "missing"),
    ],
    ids=["empty", "encrypted", "encrypted-xls", "legacy-xls", "word", "damaged-ole", "csv", "truncated", "no-workbook", "declared-size", "ratio", "doctype", "bare"],
)
def test_bad_input_raises_package_error(staff: bytes, make, message: str) -> None:
    package = make(staff)
    with pytest.raises(PackageError, match=message) as caught:
        write_result_sheets(package, [checks()])
    assert "\n" not in str(caught.value)
    with pytest.raises(PackageError):
        result_sheet_names(package)


def test_corrupt_entry_is_refused_not_copied(staff: bytes) -> None:
    entries = raw_entries(staff)
    _method, _crc, payload = entries["xl/theme/theme1.xml"]
    position = staff.index(payload)
    damaged = staff[:position] + bytes([payload[0] ^ 0xFF]) + staff[position + 1 :]
    with pytest.raises(PackageError, match="damaged"):
        write_result_sheets(damaged, [checks()])


def test_declared_size_bomb_is_refused_before_inflating(staff: bytes) -> None:
    with pytest.raises(PackageError, match="zip bomb"):
        write_result_sheets(_declared_size_bomb(staff), [checks()])


# ---------------------------------------------------------------------------------------------------- speed


@pytest.mark.slow
def test_fifty_thousand_rows_are_written_quickly(staff: bytes) -> None:
    import time

    rows = [[f"CAL{i % 40:03d}", "error", Link(f"B{i}", sheet="客户", cell=f"B{i}"), i, "电话号码格式不正确",
             dt.datetime(2026, 11, 29) + dt.timedelta(minutes=i), i * 0.5, None, "第八条", "x" * (i % 30)]
            for i in range(50_000)]  # fmt: skip
    sheet = ResultSheet("校验结果", [f"h{j}" for j in range(10)], rows, banner=BANNER)
    started = time.perf_counter()
    result = write_result_sheets(staff, [sheet])
    assert time.perf_counter() - started < 5  # about 0.5 s on a laptop; generous for loaded CI machines
    assert len(calamine_rows(result, "校验结果")) == 50_002


# ---------------------------------------------------------------------------------------------- LibreOffice


@pytest.mark.libreoffice
def test_libreoffice_opens_the_result_and_keeps_values(tmp_path: Path) -> None:
    original = staff_workbook(macro=False)
    sheet = ResultSheet("校验结果", ["代码", "文本", "日期", "时间", "数值", "链接"], [
        ["CAL001", "=1+2", dt.date(2026, 11, 29), dt.datetime(2026, 11, 29, 10, 30), 1234.5, Link("B4", "客户", "B4")],
        ["CAL002", "客户名称 😀\n第二行", dt.date(2000, 2, 29), dt.datetime(1999, 12, 31, 23, 59), -0.25, None],
    ], banner=BANNER)  # fmt: skip
    written = write_result_sheets(write_result_sheets(original, [sheet, deadlines()]), [sheet, deadlines()])
    source = tmp_path / "叫修登记簿.xlsx"
    source.write_bytes(written)
    converted = convert(source, tmp_path / "out").read_bytes()
    for name in ("校验结果", "派工时限", "参数"):  # 客户 has a formula LibreOffice recalculates
        assert calamine_rows(converted, name) == calamine_rows(written, name), name
    # LibreOffice drops codeName but keeps sheet-local names, so the next run still recognises its sheets.
    assert result_sheet_names(converted) == ["校验结果", "派工时限"]
    rewritten = write_result_sheets(converted, [sheet])
    assert result_sheet_names(rewritten) == ["校验结果"]
    assert "校验结果(2)" not in workbook_xml(rewritten)


def test_libreoffice_helper_skips_or_fails_when_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    import libreoffice

    monkeypatch.setattr(libreoffice, "find_soffice", lambda: None)
    monkeypatch.delenv(libreoffice.REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception):
        libreoffice.require_soffice()
    monkeypatch.setenv(libreoffice.REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match="requires it"):
        libreoffice.require_soffice()
