"""Reading register sheets: header row search, header matching, cells kept, registers recognised, bad files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import AS_OF, write_workbook, zip_bytes
from fixtures_xlsx import encrypted_xlsx, legacy_xls, ole_file

from automation.cli import main
from automation.pipeline import validate_paths
from automation.registers import REGISTERS
from automation.root import register_by_name
from automation.xlsx.read import UnusableWorkbook, open_workbook
from automation.xlsx.table import build_table, column_letter

CONTRACT = REGISTERS["contracts"].sheets[0]


def test_header_found_below_a_title_with_units_stars_spaces_and_any_order(tmp_path):
    rows = [
        ["慈溪分公司 保养合同 2026"],
        [],
        ["备注(自用)", "*合同编号", "客户 代码", "客户名称", "商品型号", "开始日期", "到期日期", "合同金额（元）", "合同状态"],
        [None, "HT-001", "KH00001", "宁波甬江机械有限公司", "CNC-650", dt.date(2026, 1, 1), dt.date(2026, 12, 31), 1200, "有效"],
        [None, None, None, None, None, None, None, None, None],
        ["x", "HT-002", "KH00002", "慈溪恒通精工有限公司", "HX-160", "2026/2/1", "2027年1月31日", "3,000元", "有效"],
    ]
    path = write_workbook(tmp_path / "保养合同.xlsx", {"保养合同": rows})
    book = open_workbook(path)
    table = build_table("保养合同.xlsx", "保养合同", book.rows("保养合同"), CONTRACT)
    assert table.header_row == 3
    assert table.excel_rows.tolist() == [4, 6]  # the blank row 5 is skipped, numbering kept
    assert table.cell("合同编号", 1) == "B6"
    assert table.cell("合同金额", 0) == "H4"
    assert table.data["合同金额"].tolist() == [1200, 3000]
    assert table.missing_required() == []


def test_missing_required_column_is_one_problem_at_the_header_row(tmp_path, root):
    rows = [["合同编号", "客户代码", "客户名称", "商品型号", "开始日期", "合同金额", "合同状态"]]
    write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": rows})
    [report] = validate_paths([root / "服务中心" / "保养合同.xlsx"], as_of=AS_OF)
    assert [(p.code, p.cell, p.column) for p in report.problems] == [("XLS002", "A1", "到期日期")]


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]


def test_register_recognised_by_property_then_name_then_headers(tmp_path):
    header = [["合同编号", "客户代码", "客户名称", "商品型号", "开始日期", "到期日期", "合同金额", "合同状态"]]
    by_prop = write_workbook(tmp_path / "a" / "随便.xlsx", {"Sheet1": header}, register="contracts")
    by_name = write_workbook(tmp_path / "b" / "叫修登记簿-2026.xlsx", {"Sheet1": [["x"]]})
    by_headers = write_workbook(tmp_path / "c" / "表1.xlsx", {"Sheet1": header})
    assert register_by_name(by_name).key == "callins"
    reports = validate_paths([by_prop, by_name, by_headers], as_of=AS_OF)
    assert [r.register for r in reports] == ["contracts", "callins", "contracts"]
    # A sheet with another name but the right headers is read as the register's sheet.
    assert not any(p.code == "XLS001" for p in reports[2].problems)




@pytest.mark.parametrize(
    "name,content,fragment",
    [
        ("叫修登记簿.xlsx", b"", "empty"),
        ("叫修登记簿.xlsx", b"hello, this is text", "not a valid Excel file"),
        ("叫修登记簿.xlsx", encrypted_xlsx(), "encrypted"),
        ("叫修登记簿.xls", legacy_xls(password=True), "encrypted"),
        ("叫修登记簿.xlsx", legacy_xls(), "this is a legacy .xls file; save it as .xlsx or change its extension back"),
        ("叫修登记簿.xlsm", legacy_xls(), "legacy .xls file"),
        ("叫修登记簿.xlsx", ole_file({"WordDocument": b"x"}), "another Office file"),
        ("叫修登记簿.xlsx", bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 600, "damaged"),
        ("叫修登记簿.csv", b"a,b", "not an Excel workbook"),
        ("叫修登记簿.xlsx", zip_bytes({"hello.txt": b"x"}), "workbook part"),
        ("叫修登记簿.xlsx", zip_bytes({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"0" * 50_000_000}), "zip bomb"),
    ],
    ids=["empty", "text", "encrypted", "encrypted-xls", "xls-as-xlsx", "xls-as-xlsm", "word", "damaged-ole", "csv",
         "no-workbook-part", "zip-bomb"],
)
def test_unusable_files_get_one_line_and_are_left_untouched(tmp_path, name, content, fragment):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnusableWorkbook) as info:
        open_workbook(path)
    assert fragment in info.value.en
    assert info.value.zh and "\n" not in info.value.zh
    assert path.read_bytes() == content


def test_truncated_workbook(tmp_path):
    good = write_workbook(tmp_path / "x.xlsx", {"保养合同": [["合同编号"], ["HT-1"]]})
    data = good.read_bytes()
    cut = tmp_path / "保养合同.xlsx"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(UnusableWorkbook) as info:
        open_workbook(cut)
    assert "damaged" in info.value.en


def test_cli_reports_unusable_and_unrecognised_files_with_exit_2(tmp_path, capsys):
    (tmp_path / "坏.xlsx").write_bytes(b"garbage")
    assert main(["validate", str(tmp_path / "坏.xlsx"), "--lang", "en"]) == 2
    out = capsys.readouterr().out
    assert "not a valid Excel file" in out and "Traceback" not in out
    odd = write_workbook(tmp_path / "odd.xlsx", {"Sheet1": [["甲", "乙"], [1, 2]]})
    assert main(["validate", str(odd), "--json"]) == 2
    assert "无法识别" in capsys.readouterr().out


def test_missing_path_and_empty_folder_are_usage_errors(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.xlsx")]) == 2
    (tmp_path / "empty").mkdir()
    assert main(["validate", str(tmp_path / "empty")]) == 2
    err = capsys.readouterr().err
    assert "路径不存在" in err and "没有登记簿" in err


def test_bad_settings_name_the_key(tmp_path, capsys):
    (tmp_path / "automation.toml").write_text('[sla]\nurban_hours = "six"\n', encoding="utf-8")
    (tmp_path / "总部").mkdir()
    assert main(["run", str(tmp_path), "--lang", "en"]) == 2
    assert "sla.urban_hours" in capsys.readouterr().err
    (tmp_path / "automation.toml").write_text('[calendar]\nwork_periods = ["13:00-12:00"]\n', encoding="utf-8")
    assert main(["run", str(tmp_path)]) == 2
    assert "calendar.work_periods" in capsys.readouterr().err
    (tmp_path / "automation.toml").write_text('[sla]\nurban = 6\n', encoding="utf-8")
    assert main(["run", str(tmp_path)]) == 2
    assert "sla.urban" in capsys.readouterr().err


def test_every_template_validates_cleanly_when_laid_out(tmp_path):
    assert main(["init", str(tmp_path / "r"), "--branch", "慈溪分公司"]) == 0
    reports = validate_paths([tmp_path / "r"], as_of=AS_OF)
    assert len(reports) == 7
    # The only thing a blank deployment in late November is told: enter next year's holidays (工作日历 looks ahead).
    found = [(r.name, p.code, p.severity) for r in reports for p in r.problems]
    assert found == [("总部/基础资料.xlsx", "CLD001", "warning")]
    assert all(r.error_zh is None for r in reports)


def test_lock_and_temporary_files_are_not_registers(tmp_path):
    write_workbook(tmp_path / "b" / "保养合同.xlsx", {"保养合同": [["合同编号"]]})
    for junk in ("~$保养合同.xlsx", ".~lock.保养合同.xlsx#", ".~automation-1-保养合同.xlsx.tmp"):
        (tmp_path / "b" / junk).write_bytes(b"junk")
    reports = validate_paths([tmp_path / "b"], as_of=AS_OF)
    assert [Path(r.path).name for r in reports] == ["保养合同.xlsx"]


def _fill_template(root: Path) -> Path:
    """A clerk fills the blank call-in register of a fresh deployment by hand (here: with openpyxl)."""
    import openpyxl
    from conftest import CUSTOMER_HEADER, CUSTOMER_ROWS, STAFF_ROWS

    assert main(["init", str(root), "--branch", "服务中心"]) == 0
    master = openpyxl.load_workbook(root / "总部" / "基础资料.xlsx")
    for row in STAFF_ROWS:
        master["员工"].append(list(row))
    master["节假日调整"].append([dt.date(2027, 1, 1), "休息日", "元旦"])
    # 工作日历 looks 60 days ahead into 2027: the admin declares that year entered (SPEC §5), else CLD001 reminds.
    master["节假日调整"].append([dt.date(2027, 12, 31), "全年已录入", "2027年安排已录入"])
    master.save(root / "总部" / "基础资料.xlsx")
    archive = openpyxl.load_workbook(root / "总部" / "客户档案.xlsx")
    headers = [str(c.value).lstrip("*") for c in archive["客户"][1]]
    for row in CUSTOMER_ROWS:
        values = dict(zip(CUSTOMER_HEADER, row, strict=True))
        archive["客户"].append([values.get(h.split("(")[0]) for h in headers])
    archive.save(root / "总部" / "客户档案.xlsx")
    path = root / "服务中心" / "叫修登记簿.xlsx"
    calls = openpyxl.load_workbook(path)
    headers = [str(c.value).lstrip("*").split("(")[0] for c in calls["叫修登记"][1]]
    row = {"登记号": "FW001", "来电时间": dt.datetime(2026, 11, 26, 9, 5), "客户名称": "宁波甬江机械有限公司",
           "地址": "江北区长兴路 8 号", "电话": "0574-87654321", "商品型号": "CNC-650", "区域": "市区", "服务类别": "A",
           "派工技术员": "王强", "派工时间": dt.datetime(2026, 11, 26, 9, 30), "到达时间": dt.datetime(2026, 11, 26, 10, 40),
           "处理方式": "现场修复", "完成时间": dt.datetime(2026, 11, 26, 15, 0), "客户签字": "是", "服务费": 300,
           "发票号": "FP0001", "开票日期": dt.date(2026, 11, 26)}
    calls["叫修登记"].append([row.get(h) for h in headers])
    calls.save(path)
    return path


def test_filled_template_validates_cleanly(tmp_path):
    path = _fill_template(tmp_path / "r")
    reports = validate_paths([tmp_path / "r"], as_of=AS_OF)
    assert [(r.name, p.code, p.cell) for r in reports for p in r.problems] == []
    assert next(r for r in reports if r.path == path).rows == 1


@pytest.mark.libreoffice
def test_template_saved_by_libreoffice_validates_cleanly(tmp_path):
    from libreoffice import convert, require_soffice

    require_soffice()
    path = _fill_template(tmp_path / "r")
    saved = convert(path, tmp_path / "lo")
    path.write_bytes(saved.read_bytes())
    [report] = validate_paths([path], as_of=AS_OF)
    assert report.register == "callins" and report.rows == 1
    assert [(p.code, p.cell) for p in report.problems] == []


def test_the_templates_folder_beside_a_deployment_is_not_a_branch(tmp_path):
    """ROOT defaults to ./workbooks, which also holds workbooks/templates: those blanks must never be processed."""
    from automation.root import discover
    from automation.settings import Settings

    write_workbook(tmp_path / "templates" / "保养合同.xlsx", {"保养合同": [["合同编号"]]})
    write_workbook(tmp_path / "服务中心" / "保养合同.xlsx", {"保养合同": [["合同编号"]]})
    assert [s.name for s in discover(tmp_path, Settings())] == ["服务中心/保养合同.xlsx"]
