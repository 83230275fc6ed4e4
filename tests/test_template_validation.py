"""What the templates make Excel enforce (issue 14, finding 5): typed data validation with Chinese messages,
拒绝录入重复项, staff drop-downs fed by the hidden 员工名单 that write-back keeps following 基础资料/员工, an Excel
Table per register sheet, and a 填写说明 that prints on one page; then the same through LibreOffice."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from libreoffice import convert
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from automation.pipeline import validate_paths
from automation.registers import REGISTERS
from automation.registers.model import Kind
from automation.templates import (
    GUIDE_SHEET,
    STAFF_COLUMN_LISTS,
    STAFF_LIST_SHEET,
    STAFF_LISTS,
    TEMPLATE_ROWS,
    build_template,
    init_root,
    staff_list_sheet,
    staff_lists_in,
)
from automation.xlsx.package import RESULT_MARKER, marker_code_name, result_sheet_names, staff_part_names

FIRST, LAST = "32874", "73415"  # 1990-01-01 and 2100-12-31 as Excel serials


@pytest.fixture(scope="module")
def books() -> dict[str, openpyxl.Workbook]:
    return {key: openpyxl.load_workbook(io.BytesIO(build_template(r))) for key, r in REGISTERS.items()}


def validation(ws: Worksheet, header: str) -> DataValidation:
    """The one validation of the column headed ``header`` (with or without its ``*`` and unit)."""
    [letter] = [c.column_letter for c in ws[1] if re.sub(r"^\*|\(.*\)$", "", str(c.value)) == header]
    found = [dv for dv in ws.data_validations.dataValidation if str(dv.sqref) == f"{letter}2:{letter}{TEMPLATE_ROWS}"]
    assert len(found) == 1, header
    return found[0]


def test_every_column_has_one_validation_over_the_whole_column(books: dict[str, openpyxl.Workbook]) -> None:
    for key, register in REGISTERS.items():
        for sheet in register.sheets:
            ws = books[key][sheet.name]
            refs = [r for dv in ws.data_validations.dataValidation for r in str(dv.sqref).split()]
            assert len(refs) == len(sheet.columns) == len(set(refs))
            assert all(r.endswith(f"{TEMPLATE_ROWS}") and TEMPLATE_ROWS == 1_048_576 for r in refs)


def test_dates(books: dict[str, openpyxl.Workbook]) -> None:
    dv = validation(books["callins"]["叫修登记"], "开票日期")
    assert (dv.type, dv.operator, dv.formula1, dv.formula2) == ("date", "between", FIRST, LAST)
    assert dv.errorStyle == "stop" and dv.showErrorMessage and dv.allow_blank
    assert "1990" in dv.error and "2100" in dv.error and "2026-11-29" in dv.error
    future = validation(books["customers"]["往来记录"], "日期")  # not in the future
    assert (future.type, future.formula1, future.formula2) == ("date", FIRST, "TODAY()")
    assert "不得晚于今天" in future.error


def test_date_times_and_times(books: dict[str, openpyxl.Workbook]) -> None:
    ws = books["callins"]["叫修登记"]
    call = validation(ws, "来电时间")  # not in the future, to the minute
    assert (call.type, call.operator, call.formula1, call.formula2) == ("decimal", "between", FIRST, "NOW()")
    assert "当前时间" in call.error and "14:30" in call.error
    done = validation(ws, "完成时间")  # any time of 2100-12-31 still counts
    assert (done.formula1, done.formula2) == (FIRST, LAST + ".999988426")
    start = validation(books["worklog"]["工作日报"], "开始时间")
    assert (start.type, start.formula1, start.formula2, start.errorStyle) == ("time", "0", "0.999988426", "stop")


def test_numbers_follow_the_model_bounds(books: dict[str, openpyxl.Workbook]) -> None:
    fee = validation(books["callins"]["叫修登记"], "服务费")  # ≥ 0
    assert (fee.type, fee.operator, fee.formula1) == ("decimal", "greaterThanOrEqual", "0")
    amount = validation(books["contracts"]["保养合同"], "合同金额")  # > 0
    assert (amount.type, amount.operator, amount.formula1) == ("decimal", "greaterThan", "0")
    assert "大于 0" in amount.error and amount.errorStyle == "stop"
    hours = validation(books["worklog"]["工作日报"], "工时")  # > 0
    assert (hours.type, hours.operator, hours.formula1) == ("decimal", "greaterThan", "0")


def test_whole_numbers_and_unique_together(books: dict[str, openpyxl.Workbook]) -> None:
    # 年度: an integer ≥ 2000, and 客户代码 + 年度 must not repeat (checked in 年度, the column typed last).
    year = validation(books["customers"]["年度业绩"], "年度")
    assert year.type == "custom" and year.errorStyle == "stop"
    assert year.formula1 == "AND(ISNUMBER(B2),B2=INT(B2),B2>=2000,COUNTIFS($A:$A,A2,$B:$B,B2)=1)"
    assert "整数" in year.error and "组合不得重复" in year.error


def test_text_lengths(books: dict[str, openpyxl.Workbook]) -> None:
    ws = books["customers"]["客户"]
    postcode = validation(ws, "邮编")
    assert (postcode.type, postcode.operator, postcode.formula1) == ("textLength", "equal", "6")
    assert "6 位数字" in postcode.error
    credit = validation(ws, "统一社会信用代码")  # 18 characters and unique
    assert credit.type == "custom" and credit.formula1 == "AND(LEN(D2)=18,COUNTIF($D:$D,D2)=1)"
    assert "18 位" in credit.error and "不得重复" in credit.error


def test_unique_columns_refuse_duplicates(books: dict[str, openpyxl.Workbook]) -> None:
    for key, register in REGISTERS.items():
        for sheet in register.sheets:
            ws = books[key][sheet.name]
            for index, column in enumerate(sheet.columns, start=1):
                if not column.unique:
                    continue
                letter = ws.cell(1, index).column_letter
                dv = validation(ws, column.header)
                assert dv.type == "custom" and f"COUNTIF(${letter}:${letter},{letter}2)=1" in dv.formula1
                assert (dv.errorTitle, dv.errorStyle) == ("拒绝录入重复项", "stop")
                assert f"“{column.header}”不得重复" in dv.error
    key = validation(books["callins"]["叫修登记"], "登记号")
    assert key.formula1 == "COUNTIF($A:$A,A2)=1"  # a code has no other rule to combine with


def test_staff_columns_list_the_staff_sheet(books: dict[str, openpyxl.Workbook]) -> None:
    staff_columns = [(k, s.name, c.header) for k, r in REGISTERS.items() for s in r.sheets for c in s.columns
                     if c.kind is Kind.STAFF]  # fmt: skip
    assert {h for _, _, h in staff_columns} == set(STAFF_COLUMN_LISTS)  # every staff column chooses its list
    for key, sheet, header in staff_columns:
        wb = books[key]
        dv = validation(wb[sheet], header)
        wanted = next(s for s in STAFF_LISTS if s.header == STAFF_COLUMN_LISTS[header])
        assert (dv.type, dv.formula1, dv.errorStyle) == ("list", wanted.name, "warning")
        assert "工号" in dv.error  # why it only warns: a 工号 is accepted too
        column = "ABCD"[STAFF_LISTS.index(wanted)]
        assert wb.defined_names[wanted.name].attr_text == (
            f"OFFSET('{STAFF_LIST_SHEET}'!${column}$3,0,0,MAX(1,COUNTA('{STAFF_LIST_SHEET}'!${column}$3:${column}$10002)),1)"
        )
    assert STAFF_COLUMN_LISTS["派工技术员"] == "技术员"  # STF003: calls go to technicians


def test_staff_list_sheet_is_a_hidden_result_sheet(books: dict[str, openpyxl.Workbook]) -> None:
    for key, register in REGISTERS.items():
        wb = books[key]
        has_staff = any(c.kind is Kind.STAFF for s in register.sheets for c in s.columns)
        assert (STAFF_LIST_SHEET in wb.sheetnames) == has_staff
        if not has_staff:
            assert not any(n.startswith(STAFF_LIST_SHEET) for n in wb.defined_names)
            continue
        ws = wb[STAFF_LIST_SHEET]
        assert ws.sheet_state == "hidden"
        assert [c.value for c in ws[2]] == [s.header for s in STAFF_LISTS]
        assert ws.max_row == 2  # a template knows no staff
        assert result_sheet_names(build_template(register)) == [STAFF_LIST_SHEET]  # the product's to rewrite
        assert ws.sheet_properties.codeName == marker_code_name(STAFF_LIST_SHEET)
        assert RESULT_MARKER in ws.defined_names


def test_a_table_per_register_sheet(books: dict[str, openpyxl.Workbook]) -> None:
    names = []
    for key, register in REGISTERS.items():
        for sheet in register.sheets:
            ws = books[key][sheet.name]
            [table] = ws.tables.values()
            names.append(table.displayName)
            assert table.ref == f"A1:{ws.cell(1, len(sheet.columns)).column_letter}2"
            assert [c.name for c in table.tableColumns] == [c.value for c in ws[1]]
            assert table.autoFilter is not None and ws.auto_filter.ref is None
        assert not books[key][GUIDE_SHEET].tables
    assert len(set(names)) == len(names)  # table names are workbook-wide; these are unique across registers too


def test_guide_prints_on_one_page(books: dict[str, openpyxl.Workbook]) -> None:
    for wb in books.values():
        ws = wb[GUIDE_SHEET]
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 1)
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9  # A4


def test_staff_lists_keep_in_service_staff_by_post() -> None:
    rows = [("张伟", "技术员", "在职"), ("王强", "技术员", "离职"), ("李娜", "服务主任", "在职"),
            ("赵敏", "业务员", "在职"), ("张伟", "技术员", "在职"), (None, "技术员", "在职"), ("刘洋", "技术员", "在职")]  # fmt: skip
    assert staff_lists_in(rows) == {"在职员工": ["张伟", "李娜", "赵敏", "刘洋"], "技术员": ["张伟", "刘洋"],
                                    "业务员": ["赵敏"], "服务主任": ["李娜"]}  # fmt: skip
    sheet = staff_list_sheet(rows, dt.datetime(2026, 3, 3, 9, 0))
    assert [list(r) for r in sheet.rows] == [["张伟", "张伟", "赵敏", "李娜"], ["李娜", "刘洋", None, None],
                                             ["赵敏", None, None, None], ["刘洋", None, None, None]]  # fmt: skip
    # No staff: one blank row, never 「无记录」, which the drop-downs would offer as a name.
    assert [list(r) for r in staff_list_sheet([], dt.datetime(2026, 3, 3)).rows] == [[None]]


# ---------------------------------------------------------------------------------------- end to end


STAFF = [("E001", "张伟", "服务部", "技术员", "服务中心", "在职", None),
         ("E002", "李娜", "服务部", "服务主任", "服务中心", "在职", None),
         ("E003", "王强", "服务部", "技术员", "服务中心", "离职", dt.datetime(2026, 1, 5)),
         ("E004", "赵敏", "营业部", "业务员", "总部", "在职", None),
         ("E005", "刘洋", "服务部", "技术员", "服务中心", "在职", None)]  # fmt: skip
CALL = ["BX001", dt.datetime(2026, 3, 2, 9, 30), None, "宁波某机械厂", "宁波市江北区1号", "13812345678", "XK-100", None, "市区",
        "C", None, None, "张伟", dt.datetime(2026, 3, 2, 10), dt.datetime(2026, 3, 2, 11), "现场修复",
        dt.datetime(2026, 3, 2, 12), "是", 0, None, None, None, None]  # fmt: skip


def _type_rows(path: Path, sheet: str, rows: list) -> None:
    """Staff typing into the template (openpyxl standing in for Excel)."""
    wb = openpyxl.load_workbook(path)
    for row in rows:
        wb[sheet].append(row)
    wb.save(path)


def _staff_list(path: Path) -> dict[str, list[str]]:
    ws = openpyxl.load_workbook(path)[STAFF_LIST_SHEET]
    assert ws.sheet_state == "hidden"
    columns = list(ws.iter_cols(min_row=2, values_only=True))
    return {col[0]: [v for v in col[1:] if v] for col in columns}


@pytest.fixture
def deployed(tmp_path: Path) -> Path:
    """A root from the templates with five employees and one typed call-in, processed once."""
    init_root(tmp_path)
    _type_rows(tmp_path / "总部" / "基础资料.xlsx", "员工", STAFF)
    _type_rows(tmp_path / "服务中心" / "叫修登记簿.xlsx", "叫修登记", [CALL])
    return tmp_path


def test_write_back_fills_the_staff_list_from_master_data(deployed: Path) -> None:
    book = deployed / "服务中心" / "叫修登记簿.xlsx"
    before = book.read_bytes()
    [report] = validate_paths([book], as_of=dt.datetime(2026, 3, 3, 9, 0), write=True)
    # Still read as a register: recognised, the typed row checked and clean, the results written.
    assert (report.register, report.rows, report.errors, report.written) == ("callins", 1, 0, True)
    after = book.read_bytes()
    assert result_sheet_names(after)[-1] == STAFF_LIST_SHEET
    assert _staff_list(book) == {"在职员工": ["张伟", "李娜", "赵敏", "刘洋"], "技术员": ["张伟", "刘洋"],
                                 "业务员": ["赵敏"], "服务主任": ["李娜"]}  # fmt: skip
    with zipfile.ZipFile(io.BytesIO(before)) as old, zipfile.ZipFile(io.BytesIO(after)) as new:
        for name in staff_part_names(before):  # the sheets holding the validations, the table, …
            assert old.read(name) == new.read(name), name
    names = {k: v.attr_text for k, v in openpyxl.load_workbook(book).defined_names.items()}
    assert all(n.name in names for n in STAFF_LISTS)  # the drop-downs' names survive the write-back

    # 刘洋 leaves, 陈静 joins: the next write-back's list follows 基础资料.
    master = deployed / "总部" / "基础资料.xlsx"
    wb = openpyxl.load_workbook(master)
    ws = wb["员工"]
    [row] = [c.row for c in ws["B"] if c.value == "刘洋"]
    ws.cell(row, 6, "离职")
    ws.cell(row, 7, dt.datetime(2026, 3, 10))
    ws.append(("E006", "陈静", "服务部", "技术员", "服务中心", "在职", None))
    wb.save(master)
    validate_paths([book], as_of=dt.datetime(2026, 3, 11, 9, 0), write=True)
    assert _staff_list(book)["技术员"] == ["张伟", "陈静"]


def test_workbook_without_the_staff_sheet_gets_none(deployed: Path) -> None:
    book = deployed / "服务中心" / "叫修登记簿.xlsx"
    wb = openpyxl.load_workbook(book)
    del wb[STAFF_LIST_SHEET]  # a register made without the template
    wb.save(book)
    validate_paths([book], as_of=dt.datetime(2026, 3, 3, 9, 0), write=True)
    assert STAFF_LIST_SHEET not in openpyxl.load_workbook(book).sheetnames


# ---------------------------------------------------------------------------------------- LibreOffice


def test_libreoffice_keeps_the_validations_table_and_staff_names(deployed: Path, tmp_path: Path) -> None:
    book = deployed / "服务中心" / "叫修登记簿.xlsx"
    validate_paths([book], as_of=dt.datetime(2026, 3, 3, 9, 0), write=True)
    # Formulas that use the drop-downs' names, so LibreOffice shows what the lists resolve to.
    probe = tmp_path / "probe" / "叫修登记簿.xlsx"
    probe.parent.mkdir()
    shutil.copy(book, probe)
    wb = openpyxl.load_workbook(probe)
    ws = wb.create_sheet("检查")
    ws["A1"], ws["A2"], ws["A3"] = "=ROWS(员工名单_技术员)", "=INDEX(员工名单_技术员,2)", "=ROWS(员工名单_服务主任)"
    wb.save(probe)
    saved = convert(probe, tmp_path / "lo")
    values = openpyxl.load_workbook(saved, data_only=True)["检查"]
    assert [values["A1"].value, values["A2"].value, values["A3"].value] == [2, "刘洋", 1]

    wb = openpyxl.load_workbook(saved)
    assert wb[STAFF_LIST_SHEET].sheet_state == "hidden"
    ws = wb["叫修登记"]
    assert [t.ref for t in ws.tables.values()] == ["A1:Y2"]  # 22 columns, 出厂编号 and the two receivables (issue 15)
    kept = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    # LibreOffice writes its validations back over its own used area (rows 2–1001); the table extends them.
    assert (kept["A2"].type, kept["A2"].formula1) == ("custom", "COUNTIF($A:$A,A2)=1")
    assert (kept["B2"].type, kept["B2"].formula1, kept["B2"].formula2) == ("decimal", FIRST, "NOW()")
    assert (kept["M2"].type, kept["M2"].formula1, kept["M2"].errorStyle) == ("list", "员工名单_技术员", "warning")
    assert (kept["V2"].type, kept["V2"].formula1, kept["V2"].formula2) == ("date", FIRST, LAST)
    assert kept["V2"].error.startswith("须填写1990年至2100年之间的日期")


def test_libreoffice_prints_the_guide_on_one_page(tmp_path: Path) -> None:
    register = REGISTERS["customers"]  # the longest 填写说明
    source = tmp_path / register.file_name
    source.write_bytes(build_template(register))
    pdf = convert(source, tmp_path / "pdf", "pdf").read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    assert pages == len(register.sheets) + 1  # each empty register sheet one page, the guide one page
