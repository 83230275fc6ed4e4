"""Bad real-world input (issue 11, findings 4-10): what a file is decided by content, Excel 4 macro sheets, odd sheet
names in LibreOffice, refusals in one language at a time, zip members shorter than declared, relationship ids stable
from run to run, and one set of zip limits for reading and writing. Every workbook is generated here."""

from __future__ import annotations

import datetime as dt
import errno
import io
import json
import os
import re
import struct
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import AS_OF, write_workbook, zip_bytes
from fixtures_xlsx import (
    MACROSHEET_XML,
    encrypted_xlsx,
    legacy_xls,
    local_names,
    ole_file,
    parts_of,
    raw_entries,
    rebuild,
    staff_workbook,
    with_macro_sheet,
    workbook_xml,
)
from libreoffice import convert
from python_calamine import CalamineWorkbook

from automation import writeback
from automation.cli import main
from automation.pipeline import validate_paths
from automation.xlsx import container
from automation.xlsx.package import PackageError, result_sheet_names, staff_part_names, write_result_sheets
from automation.xlsx.read import UnusableWorkbook, open_workbook
from automation.xlsx.sheet_xml import Link, ResultSheet

BANNER = "本表由系统自动生成 · 计算时间 2026-11-27 16:00 · 请勿在此表编辑"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CONTRACTS = [
    ["合同编号", "客户代码", "客户名称", "商品型号", "开始日期", "到期日期", "合同金额(元)", "合同状态"],
    ["HT-001", "KH00001", "宁波甬江机械有限公司", "CNC-650", dt.date(2026, 1, 1), dt.date(2026, 12, 10), 1200, "有效"],
    ["HT-002", "KH00001", "宁波甬江机械有限公司", "CNC-650", dt.date(2026, 1, 1), dt.date(2025, 12, 31), 1200, "有效"],
]
LEGACY_ZH = "这是旧版 .xls 文件，请另存为 .xlsx 或改回 .xls 扩展名"
LEGACY_EN = "this is a legacy .xls file; save it as .xlsx or change its extension back to .xls"


def checks(name: str = "校验结果", links_to: str = "客户") -> ResultSheet:
    rows = [["CON001", Link("B2", sheet=links_to, cell="B2"), dt.date(2026, 11, 27), 1.5]]
    return ResultSheet(name, ["代码", "单元格", "日期", "数值"], rows, banner=BANNER)


def cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict]]:
    code = main(["validate", *args, "--json", "--as-of", "2026-11-27 16:00"])
    payload = json.loads(capsys.readouterr().out)
    return code, payload["workbooks"] if isinstance(payload, dict) else payload


# ------------------------------------------------------------------------------ finding 4: legacy .xls renamed


@pytest.mark.parametrize("suffix", [".xlsx", ".xlsm"])
def test_legacy_xls_under_another_extension_is_named_as_such_not_encrypted(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"叫修登记簿{suffix}"
    path.write_bytes(legacy_xls())
    with pytest.raises(UnusableWorkbook) as caught:
        open_workbook(path)
    assert caught.value.zh == f"{path.name}：{LEGACY_ZH}"
    assert caught.value.en == f"{path.name}: {LEGACY_EN}"
    with pytest.raises(PackageError, match="legacy .xls") as written:
        write_result_sheets(legacy_xls(), [checks()])
    assert written.value.zh == LEGACY_ZH
    # A real password is still called one, whatever the extension.
    path.write_bytes(legacy_xls(password=True))
    with pytest.raises(UnusableWorkbook, match="encrypted"):
        open_workbook(path)


@pytest.mark.libreoffice
def test_real_xls_renamed_is_refused_with_the_cause_and_processed_under_its_own_name(root: Path, tmp_path: Path,
                                                                                     capsys) -> None:  # fmt: skip
    made = write_workbook(tmp_path / "src" / "保养合同.xlsx", {"保养合同": CONTRACTS})
    xls = convert(made, tmp_path / "xls", "xls").read_bytes()
    assert xls.startswith(container.OLE_MAGIC) and container.identify(xls) == "xls"
    renamed = root / "服务中心" / "保养合同.xlsx"
    renamed.write_bytes(xls)
    code, [report] = cli_json(capsys, str(renamed), "--lang", "zh")
    assert code == 2 and report["error"] == f"保养合同.xlsx：{LEGACY_ZH}"
    assert renamed.read_bytes() == xls
    renamed.unlink()
    proper = root / "服务中心" / "保养合同.xls"
    proper.write_bytes(xls)
    [checked] = validate_paths([proper], as_of=AS_OF, write=True)
    assert checked.error_zh is None and checked.written and [p.code for p in checked.problems] == ["CON001"]
    assert (root / "服务中心" / "保养合同.结果.xlsx").is_file()
    assert proper.read_bytes() == xls


# --------------------------------------------------------------------------- finding 5: Excel 4 macro sheets


@pytest.mark.parametrize("position", [None, 1], ids=["last", "between-staff-sheets"])
def test_workbook_with_macro_sheet_is_read_and_the_macro_sheet_kept_byte_identical(tmp_path: Path,
                                                                                   position: int | None) -> None:  # fmt: skip
    original = with_macro_sheet(staff_workbook(macro=True), position=position)
    with pytest.raises(Exception, match="Cannot detect file format"):  # what calamine alone makes of it
        CalamineWorkbook.from_filelike(io.BytesIO(original))
    path = tmp_path / "客户档案.xlsm"
    path.write_bytes(original)
    book = open_workbook(path)
    try:
        assert book.sheet_names == ["客户", "参数", "隐藏"]
        assert book.rows("参数") == [["一级"], ["二级"], ["三级"]]
        assert book.rows("客户")[1][:2] == ["C001", "宁波机械厂"]
    finally:
        book.close()
    assert path.read_bytes() == original

    once = write_result_sheets(original, [checks()])
    twice = write_result_sheets(once, [checks()])
    assert once == twice
    staff = staff_part_names(original)
    assert {"xl/macrosheets/sheet1.xml", "xl/vbaProject.bin"} <= staff
    before, after = raw_entries(original), raw_entries(twice)
    assert all(after[name] == before[name] for name in staff)
    assert parts_of(twice)["xl/macrosheets/sheet1.xml"] == MACROSHEET_XML
    assert local_names(twice) == local_names(original) == {"_xlnm.Print_Area": "客户", "本表选项": "参数"}
    assert result_sheet_names(twice) == ["校验结果"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        names = openpyxl.load_workbook(io.BytesIO(twice)).sheetnames
    expected = ["客户", "参数", "隐藏", "校验结果"]
    expected.insert(3 if position is None else position, "宏1")
    assert names == expected


def test_register_with_macro_sheet_is_checked_and_written(root: Path) -> None:
    path = write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": CONTRACTS})
    macro = root / "服务中心" / "保养合同.xlsm"
    macro.write_bytes(with_macro_sheet(path.read_bytes()))
    path.unlink()
    [report] = validate_paths([macro], as_of=AS_OF, write=True)
    assert report.error_zh is None, report.error_zh
    assert report.written and [p.code for p in report.problems] == ["CON001"]
    assert parts_of(macro.read_bytes())["xl/macrosheets/sheet1.xml"] == MACROSHEET_XML
    [again] = validate_paths([macro], as_of=AS_OF, write=True)
    assert again.write_code == "noop"


@pytest.mark.libreoffice
def test_libreoffice_opens_the_macro_workbook_we_wrote(tmp_path: Path) -> None:
    written = write_result_sheets(with_macro_sheet(staff_workbook(macro=True)), [checks()])
    source = tmp_path / "客户档案.xlsm"
    source.write_bytes(written)
    converted = convert(source, tmp_path / "out", "xlsx").read_bytes()
    assert result_sheet_names(converted) == ["校验结果"]


# ------------------------------------------------------------------------------- finding 6: odd sheet names

# Legal in Excel (which forbids \ / ? * [ ] : and a leading or trailing apostrophe), each needing quotes in a
# reference for a different reason: space, apostrophe, hyphen, leading digit, #, &, !, full-width brackets, emoji,
# a cell-reference look-alike, a boolean look-alike; and a staff sheet that takes our result's name.
ODD_NAMES = ["a b", "O'Brien", "2026-11", "1月", "#1", "R&D", "Hi!", "（甲）", "😀", "A1", "TRUE", "校验结果"]
ODD_RESULTS = ["校验结果", "1月 (汇总)", "O'Brien's", "R&D #1!", "😀 结果", "A1", "2026-11"]


def _odd_workbook(names: list[str]) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name in names:
        ws = wb.create_sheet(name)
        ws.append(["客户代码", "客户名称"])
        ws.append(["KH1", name])
        ws.auto_filter.ref = "A1:B2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _results(links_to: list[str]) -> list[ResultSheet]:
    return [checks(name, links_to[i % len(links_to)]) for i, name in enumerate(ODD_RESULTS)]


@pytest.mark.libreoffice
def test_libreoffice_loads_results_among_sheets_with_odd_legal_names(tmp_path: Path) -> None:
    results = _results(ODD_NAMES)
    written = write_result_sheets(write_result_sheets(_odd_workbook(ODD_NAMES), results), results)
    ours = result_sheet_names(written)
    assert ours == ["校验结果(2)", "1月 (汇总)", "O'Brien's", "R&D #1!", "😀 结果", "A1(2)", "2026-11(2)"]
    source = tmp_path / "odd.xlsx"
    source.write_bytes(written)
    converted = convert(source, tmp_path / "xlsx", "xlsx").read_bytes()
    assert convert(source, tmp_path / "ods", "ods").stat().st_size > 0
    # LibreOffice parsed every name we wrote: the markers survive, each result sheet still reads the same.
    assert result_sheet_names(converted) == ours
    book = CalamineWorkbook.from_filelike(io.BytesIO(converted))
    mine = CalamineWorkbook.from_filelike(io.BytesIO(written))
    for name in ours:
        assert book.get_sheet_by_name(name).to_python() == mine.get_sheet_by_name(name).to_python(), name
    again = write_result_sheets(converted, results)
    assert result_sheet_names(again) == ours
    source.write_bytes(again)
    assert convert(source, tmp_path / "again", "ods").stat().st_size > 0


def _forbidden_names_workbook() -> bytes:
    """Staff sheets named as Excel forbids (the issue's ``a/b`` and ``[x]``, a leading apostrophe) after a normal
    first sheet: openpyxl (like Excel) refuses to create them, other programs still write them."""
    for bad in ("a/b", "[x]"):
        with pytest.raises(ValueError):
            openpyxl.Workbook().active.title = bad
    wb = openpyxl.Workbook()
    wb.active.title = "客户"
    wb.active.append(["客户代码", "客户名称"])
    for i in range(3):
        wb.create_sheet(f"PLACEHOLDER{i}").append(["说明", i])
    out = io.BytesIO()
    wb.save(out)
    text = workbook_xml(out.getvalue())
    for i, bad in enumerate(("a/b", "[x]", "&apos;引用")):
        text = text.replace(f"PLACEHOLDER{i}", bad)
    return rebuild(out.getvalue(), {"xl/workbook.xml": text.encode()})


def test_no_sheet_local_names_after_a_sheet_name_excel_forbids() -> None:
    results = [checks("校验结果", "a/b"), checks("派工时限", "客户")]
    written = write_result_sheets(_forbidden_names_workbook(), results)
    assert "<definedName " not in workbook_xml(written)
    assert result_sheet_names(written) == ["校验结果", "派工时限"]  # recognised by codeName
    assert write_result_sheets(written, results) == written
    # A forbidden name as the first sheet (LibreOffice keeps it, renamed) or none at all: the names are written.
    legal = write_result_sheets(_odd_workbook(["客户", "a b"]), results)
    assert workbook_xml(legal).count('name="AutomationResult"') == 2


@pytest.mark.libreoffice
def test_libreoffice_loads_results_beside_sheet_names_excel_forbids(tmp_path: Path) -> None:
    staff = _forbidden_names_workbook()
    source = tmp_path / "staff.xlsx"
    source.write_bytes(staff)
    convert(source, tmp_path / "before", "csv")  # LibreOffice loads the staff's workbook...
    source.write_bytes(write_result_sheets(staff, [checks("校验结果", "a/b"), checks("派工时限", "客户")]))
    converted = convert(source, tmp_path / "after", "xlsx").read_bytes()  # ...and still loads it with our results
    book = CalamineWorkbook.from_filelike(io.BytesIO(converted))
    assert book.sheet_names[-2:] == ["校验结果", "派工时限"]
    assert book.get_sheet_by_name("校验结果").to_python()[2][0] == "CON001"


# ------------------------------------------------------------------ finding 7: one language per message

_QUOTED = re.compile(r"[\w\[\]./~$#-]*\.(?:xml|rels|bin|xlsx|xlsm|xls|csv)\b|\[Content_Types\]\.xml")
_ENGLISH_SENTENCE = re.compile(r"[A-Za-z]{2,}[ ,;:]+[A-Za-z]{2,}")
_CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def assert_one_language(zh: str, en: str, *names: str) -> None:
    """No English sentence in the Chinese line, no Chinese in the English one; file, part and sheet names aside."""
    for name in names:
        zh, en = zh.replace(name, "«»"), en.replace(name, "«»")
    zh, en = _QUOTED.sub("«»", zh), _QUOTED.sub("«»", en)
    assert not _ENGLISH_SENTENCE.search(zh), zh
    assert not _CHINESE.search(en), en
    assert zh and en and "\n" not in zh + en


def _patch_entry(package: bytes, name: str, *, size: int | None = None, flags: int | None = None) -> bytes:
    """The package with the declared uncompressed size (or the flags) of one entry changed, in both headers."""
    data = bytearray(package)
    encoded = name.encode()
    for signature, name_at, size_at, flags_at in ((b"PK\x03\x04", 26, 22, 6), (b"PK\x01\x02", 28, 24, 8)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            length = struct.unpack_from("<H", data, start + name_at)[0]
            offset = start + (30 if signature == b"PK\x03\x04" else 46)
            if bytes(data[offset : offset + length]) == encoded:
                if size is not None:
                    struct.pack_into("<L", data, start + size_at, size)
                if flags is not None:
                    struct.pack_into("<H", data, start + flags_at, flags)
            start += 4
    return bytes(data)


def _duplicate_part(staff: bytes) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(io.BytesIO(staff)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                dst.writestr(info, src.read(info))
            dst.writestr("XL/Workbook.xml", b"<x/>")
    return out.getvalue()


def _corrupt_entry(staff: bytes) -> bytes:
    payload = raw_entries(staff)["xl/theme/theme1.xml"][2]
    position = staff.index(payload)
    return staff[:position] + bytes([payload[0] ^ 0xFF]) + staff[position + 1 :]


def _root_rels(office_document: str, target: str) -> bytes:
    return (f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{office_document}" Target="{target}"/></Relationships>').encode()  # fmt: skip


def _ratio_parts() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(4):  # each part under 1 MiB, the whole far too well compressed
            zf.writestr(f"xl/media/zero{i}.bin", bytes(900_000))
    return out.getvalue()


PACKAGE_REFUSALS = {
    "empty": lambda s: b"",
    "encrypted": lambda s: encrypted_xlsx(),
    "legacy-xls": lambda s: legacy_xls(),
    "word": lambda s: ole_file({"WordDocument": b"x"}),
    "damaged-ole": lambda s: container.OLE_MAGIC + bytes(600),
    "text": lambda s: "客户代码,电话\nKH1,123\n".encode(),
    "truncated": lambda s: s[: len(s) // 2],
    "too-large": lambda s: _patch_entry(s, "xl/theme/theme1.xml", size=0x7FFF0000),
    "part-ratio": lambda s: zip_bytes({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": bytes(20 << 20)}),
    "total-ratio": lambda s: _ratio_parts(),
    "duplicate": _duplicate_part,
    "zip-encryption": lambda s: _patch_entry(s, "docProps/app.xml", flags=0x1),
    "bad-crc": _corrupt_entry,
    "short-part": lambda s: _patch_entry(s, "docProps/app.xml", size=len(parts_of(s)["docProps/app.xml"]) + 100),
    "long-part": lambda s: _patch_entry(s, "docProps/app.xml", size=len(parts_of(s)["docProps/app.xml"]) - 10),
    "dtd": lambda s: rebuild(s, {"docProps/app.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'}),
    "not-xml": lambda s: rebuild(s, {"xl/workbook.xml": b"<workbook"}),
    "no-root-rels": lambda s: rebuild(s, {"_rels/.rels": None}),
    "strict": lambda s: rebuild(s, {"_rels/.rels": _root_rels(
        "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument", "xl/workbook.xml")}),
    "no-workbook": lambda s: rebuild(s, {"xl/workbook.xml": None}),
    "xlsb": lambda s: rebuild(s, {"_rels/.rels": _root_rels(NS_R + "/officeDocument", "xl/workbook.bin"),
                                  "xl/workbook.bin": b"\x83\x01\x00"}),
    "not-spreadsheetml": lambda s: rebuild(s, {"xl/workbook.xml": b'<document xmlns="urn:x"/>'}),
    "no-workbook-rels": lambda s: rebuild(s, {"xl/_rels/workbook.xml.rels": None}),
    "no-content-types": lambda s: rebuild(s, {"[Content_Types].xml": None}),
}


@pytest.fixture(scope="module")
def staff() -> bytes:
    return staff_workbook()


@pytest.mark.parametrize("kind", PACKAGE_REFUSALS)
def test_every_package_refusal_has_a_chinese_and_an_english_line(staff: bytes, kind: str) -> None:
    with pytest.raises(PackageError) as caught:
        write_result_sheets(PACKAGE_REFUSALS[kind](staff), [checks()])
    assert_one_language(caught.value.zh, caught.value.en)


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("叫修登记簿.xlsx", lambda s: b""),
        ("叫修登记簿.xlsx", lambda s: encrypted_xlsx()),
        ("叫修登记簿.xls", lambda s: legacy_xls(password=True)),
        ("叫修登记簿.xlsx", lambda s: legacy_xls()),
        ("叫修登记簿.xlsx", lambda s: ole_file({"WordDocument": b"x"})),
        ("叫修登记簿.xlsx", lambda s: container.OLE_MAGIC + bytes(600)),
        ("叫修登记簿.xlsx", lambda s: b"garbage"),
        ("叫修登记簿.xlsx", lambda s: s[: len(s) // 2]),
        ("叫修登记簿.xlsx", PACKAGE_REFUSALS["part-ratio"]),
        ("叫修登记簿.xlsx", PACKAGE_REFUSALS["too-large"]),
        ("叫修登记簿.xlsx", lambda s: zip_bytes({"hello.txt": b"x"})),
        ("叫修登记簿.xlsx", PACKAGE_REFUSALS["not-xml"]),  # calamine refuses, the package check says why
        ("叫修登记簿.xlsx", lambda s: rebuild(s, {"xl/worksheets/sheet1.xml": b"<worksheet"})),  # calamine's words
        ("叫修登记簿.csv", lambda s: b"a,b"),
        ("表1.xlsx", lambda s: s),  # readable, but no register
    ],
    ids=["empty", "encrypted", "encrypted-xls", "legacy-xls", "word", "damaged-ole", "garbage", "truncated",
         "zip-bomb", "too-large", "no-workbook-part", "bad-workbook-xml", "bad-sheet-xml", "csv", "unrecognised"],
)
def test_reading_refusals_print_one_language_at_a_time(root: Path, capsys, name: str, make) -> None:
    path = root / "服务中心" / name
    path.write_bytes(make(write_workbook_bytes({"Sheet1": [["甲", "乙"], [1, 2]]})))
    messages = {}
    for lang in ("zh", "en"):
        code, [report] = cli_json(capsys, str(path), "--lang", lang, "--no-write")
        assert code == 2
        messages[lang] = report["error"]
    assert_one_language(messages["zh"], messages["en"], name)


def test_read_error_of_the_system_is_not_put_in_english_into_chinese(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "叫修登记簿.xlsx"
    path.write_bytes(b"x")

    def refuse(self: Path) -> bytes:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(UnusableWorkbook) as caught:
        open_workbook(path)
    assert_one_language(caught.value.zh, caught.value.en, path.name)
    assert "读写出错" in caught.value.zh and "Input/output error" in caught.value.en


@pytest.mark.parametrize("kind", ["dtd", "short-part", "broken-app"])
def test_write_back_refusals_print_one_language_at_a_time(root: Path, capsys, kind: str) -> None:
    path = write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": CONTRACTS})
    data = path.read_bytes()
    if kind == "broken-app":  # a docProps/app.xml that is not XML at all: calamine never reads it, we must
        bad = rebuild(data, {"docProps/app.xml": b"<Properties"})
    else:
        bad = PACKAGE_REFUSALS[kind](data)
    path.write_bytes(bad)
    reasons = {}
    for lang in ("zh", "en"):
        code, [report] = cli_json(capsys, str(path), "--lang", lang)
        assert code == 1 and report["error"] is None  # checked, but the results cannot be written
        assert not report["results"]["written"]
        reasons[lang] = report["results"]["reason"]
    assert reasons["zh"].startswith("无法写回：") and reasons["en"].startswith("cannot write back: ")
    assert_one_language(reasons["zh"], reasons["en"], path.name)
    assert path.read_bytes() == bad


def test_write_back_io_errors_are_worded_per_language(tmp_path: Path, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise OSError(errno.EFBIG, "File too large")

    monkeypatch.setattr(writeback, "safe_replace", broken)
    outcome = writeback.write_results(tmp_path / "保养合同.xlsx", tmp_path, lambda data: [checks()], history_keep=3)
    assert not outcome.written and outcome.retryable
    assert_one_language(outcome.reason or "", outcome.reason_en or "", "保养合同.xlsx")
    assert "File too large" in (outcome.reason_en or "") and "EFBIG" in (outcome.reason or "")


# ------------------------------------------------------------- finding 8: members shorter than declared


def test_member_shorter_than_declared_is_refused_not_copied(staff: bytes) -> None:
    actual = len(parts_of(staff)["docProps/app.xml"])
    lying = _patch_entry(staff, "docProps/app.xml", size=actual + 100)
    with zipfile.ZipFile(io.BytesIO(lying)) as zf:  # zipfile itself accepts it: the CRC matches the short data
        assert len(zf.read("docProps/app.xml")) == actual
        assert zf.getinfo("docProps/app.xml").file_size == actual + 100
    with pytest.raises(PackageError) as caught:
        write_result_sheets(lying, [checks()])
    assert f"holds {actual} bytes but its header declares {actual + 100}" in caught.value.en
    assert "docProps/app.xml" in caught.value.zh and "damaged" in caught.value.en
    with pytest.raises(PackageError, match="damaged"):
        write_result_sheets(_patch_entry(staff, "docProps/app.xml", size=actual - 10), [checks()])


def test_register_with_a_lying_member_is_checked_but_left_untouched(root: Path) -> None:
    path = write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": CONTRACTS})
    lying = _patch_entry(path.read_bytes(), "docProps/app.xml", size=10_000)
    path.write_bytes(lying)
    [report] = validate_paths([path], as_of=AS_OF, write=True)
    assert report.error_zh is None and not report.written and report.write_code == "package"
    assert "docProps/app.xml" in (report.reason or "") and "10000" in (report.reason_en or "")
    assert path.read_bytes() == lying


# ------------------------------------------------------------ finding 9: relationship ids stable across runs


def _with_rel_ids(package: bytes, ids: dict[str, str], *, drop_styles: bool = False,
                  extra: tuple[tuple[str, str, str], ...] = ()) -> bytes:  # fmt: skip
    """The package with its workbook relationships renamed (old id → new id), extra ones added, styles removed."""
    parts = parts_of(package)
    rels, book = parts["xl/_rels/workbook.xml.rels"].decode(), workbook_xml(package)
    for old, new in ids.items():
        rels = rels.replace(f'Id="{old}"', f'Id="@{new}"')
        book = book.replace(f'r:id="{old}"', f'r:id="@{new}"')
    rels, book = rels.replace('Id="@', 'Id="'), book.replace('r:id="@', 'r:id="')
    changes: dict[str, bytes | None] = {}
    if drop_styles:
        rels = re.sub(r'<Relationship [^>]*?/styles"[^>]*/>', "", rels)
        changes["xl/styles.xml"] = None
        changes["[Content_Types].xml"] = re.sub(rb'<Override PartName="/xl/styles.xml"[^>]*/>', b"",
                                                parts["[Content_Types].xml"])  # fmt: skip
    for rid, rel_type, target in extra:
        rels = rels.replace("</Relationships>", f'<Relationship Id="{rid}" Type="{rel_type}" Target="{target}"/>'
                                                "</Relationships>")  # fmt: skip
        changes[f"xl/{target}"] = b"\x00printer"
    changes |= {"xl/_rels/workbook.xml.rels": rels.encode(), "xl/workbook.xml": book.encode()}
    return rebuild(package, changes)


PRINTER = (("rId2", NS_R + "/printerSettings", "printerSettings/printerSettings1.bin"),)
REL_LAYOUTS = {
    "sequential": {},
    "unordered-gapped": {"rId1": "rId7", "rId2": "rId3", "rId3": "rIdX"},
    "custom-and-printer": {"rId1": "rId12", "rId2": "R1a2b"},
}


def rel_targets(package: bytes) -> dict[str, str]:
    """Id -> Target of the workbook part's relationships."""
    text = parts_of(package)["xl/_rels/workbook.xml.rels"].decode()
    return {re.search(r'\bId="([^"]*)"', r)[1]: re.search(r'\bTarget="([^"]*)"', r)[1]  # type: ignore[index]
            for r in re.findall(r"<Relationship [^>]*>", text)}  # fmt: skip


def _two_sheets() -> bytes:
    wb = openpyxl.Workbook()
    wb.active.title = "客户"
    wb.active.append(["客户代码"])
    wb.create_sheet("参数").append(["一级"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize("drop_styles", [False, True], ids=["with-styles", "without-styles"])
@pytest.mark.parametrize("layout", REL_LAYOUTS)
def test_second_write_of_unchanged_input_gives_identical_bytes(layout: str, drop_styles: bool) -> None:
    extra = PRINTER if layout == "custom-and-printer" else ()
    original = _with_rel_ids(_two_sheets(), REL_LAYOUTS[layout], drop_styles=drop_styles, extra=extra)
    results = [checks(), checks("派工时限")]
    once = write_result_sheets(original, results)
    twice = write_result_sheets(once, results)
    assert twice == once
    assert write_result_sheets(twice, results) == once
    # Staff relationships keep their ids; ours continue after the highest number in use.
    before, after = rel_targets(original), rel_targets(once)
    assert {k: v for k, v in after.items() if k in before} == before
    top = max(int(m[3:]) for m in before if re.fullmatch(r"rId\d+", m))
    assert set(after) - set(before) == {f"rId{top + n}" for n in range(1, 3 + drop_styles)}


def test_result_keeps_its_relationship_id_when_staff_add_one(staff: bytes) -> None:
    once = write_result_sheets(staff, [checks()])
    [ours] = [rid for rid, target in rel_targets(once).items() if target == "worksheets/sheet4.xml"]
    rels = parts_of(once)["xl/_rels/workbook.xml.rels"].replace(b"</Relationships>", (
        f'<Relationship Id="rId99" Type="{NS_R}/customXml" Target="../customXml/item1.xml"/></Relationships>').encode())
    again = write_result_sheets(rebuild(once, {"xl/_rels/workbook.xml.rels": rels}), [checks()])
    assert rel_targets(again)[ours] == "worksheets/sheet4.xml"


def test_register_without_styles_gets_one_history_copy_not_two(root: Path) -> None:
    path = write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": CONTRACTS})
    path.write_bytes(_with_rel_ids(path.read_bytes(), {"rId1": "rId7"}, drop_styles=True))
    [first] = validate_paths([path], as_of=AS_OF, write=True)
    [second] = validate_paths([path], as_of=AS_OF, write=True)
    assert first.written and second.write_code == "noop"
    assert len(list((root / ".automation" / "history" / "服务中心").iterdir())) == 1


# ----------------------------------------------------------------- finding 10: one set of zip limits


def _blob_workbook(declared: int) -> bytes:
    """A readable workbook plus an 8 MiB stored blob whose declared size is ``declared`` (below the ratio alarm)."""
    base = write_workbook_bytes({"保养合同": CONTRACTS})
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr(zipfile.ZipInfo("xl/media/blob.bin"), os.urandom(8 << 20), compress_type=zipfile.ZIP_STORED)
    return _patch_entry(out.getvalue(), "xl/media/blob.bin", size=declared)


def _many_parts(count: int) -> bytes:
    base = write_workbook_bytes({"保养合同": CONTRACTS})
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        infos = src.infolist()
        for info in infos:
            dst.writestr(info, src.read(info))
        for i in range(count - len(infos)):
            dst.writestr(f"customXml/n{i}.txt", b"")
    return out.getvalue()


def write_workbook_bytes(sheets: dict) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _verdicts(tmp_path: Path, package: bytes) -> tuple[str | None, str | None]:
    path = tmp_path / "保养合同.xlsx"
    path.write_bytes(package)
    try:
        open_workbook(path).close()
        read = None
    except UnusableWorkbook as exc:
        read = exc.en.split(": ", 1)[1]
    try:
        write_result_sheets(package, [checks("校验结果", "保养合同")])
        written = None
    except PackageError as exc:
        written = exc.en
    return read, written


@pytest.mark.slow
@pytest.mark.parametrize(
    ("make", "refused"),
    [
        (lambda: _blob_workbook(int(1.5 * (1 << 30))), True),  # read used to allow 2 GiB, write 1 GiB
        (lambda: _many_parts(65_536), True),  # read had no entry limit, write 65,535
        (lambda: _many_parts(container.MAX_ENTRIES), False),
    ],
    ids=["1.5GiB", "65536-entries", "at-entry-limit"],
)
def test_reading_and_writing_apply_the_same_zip_limits(tmp_path: Path, make, refused: bool) -> None:
    package = make()
    read, written = _verdicts(tmp_path, package)
    if refused:
        assert read is not None and read == written, (read, written)
    else:
        assert read is None and written is None, (read, written)
