"""Issue 14: result sheets made for action and paper — status colours as conditional formats, header notes, print
setup, and a readable 校验结果 (wrapped messages, hidden English column, a summary block linking into the table).

Checked the way a spreadsheet program sees them: openpyxl reads the written package; the LibreOffice tests print
to PDF and count pages with poppler's pdfinfo / pdftotext."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from libreoffice import convert, require_soffice
from test_jobs import make_input, result

from automation.jobs import to_result_sheet
from automation.problems import Problem, Severity
from automation.writeback import check_sheet
from automation.xlsx.package import new_result_workbook, write_result_sheets
from automation.xlsx.sheet_xml import BAD, Highlight, Link, ResultSheet, look, wrapped_lines

AS_OF = dt.datetime(2026, 2, 24, 10, 0)
CALL_HEADER = ["登记号", "来电时间", "客户名称", "地址", "电话", "区域", "服务类别", "派工时间", "到达时间", "完成时间"]


def calls(n: int) -> list[list[object]]:
    """``n`` open calls nobody was dispatched to, the first ones already late as of AS_OF."""
    rows: list[list[object]] = [CALL_HEADER]
    for i in range(n):
        called = AS_OF - dt.timedelta(hours=3 * (n - i))
        rows.append([f"FW{i:04d}", f"{called:%Y-%m-%d %H:%M}", f"宁波甬江第{i}机械设备有限公司",
                     f"浙江省宁波市江北区甬江街道人民路{i}号创业园区{i}幢", f"1381234{i:04d}", "市区", "A", None, None, None])
    return rows


def sheet_of(name: str, rows: int = 20) -> ResultSheet:
    return to_result_sheet(result(make_input("callins", {"叫修登记": calls(rows)}, AS_OF), name), as_of=AS_OF,
                           source_sheet="叫修登记")


def opened(*sheets: ResultSheet) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(new_result_workbook(list(sheets))))


def problem(code: str, cell: str, column: str, message: str, severity: Severity = Severity.ERROR) -> Problem:
    row = int(re.sub(r"\D", "", cell))
    return Problem(code, severity, "x.xlsx", "叫修登记", cell, row, column, "值", message, "message in English")


# ------------------------------------------------------------------------------------------ openpyxl level


def test_status_cells_are_coloured_by_conditional_formats_with_dxf_styles() -> None:
    wb = opened(sheet_of("派工时限"))
    ws = wb["派工时限"]
    rules = {str(cf.sqref): cf.rules for cf in ws.conditional_formatting}
    [(where, status)] = rules.items()
    last = ws.max_row
    assert where == f"H3:H{last}"  # 状态, every data row and nothing else
    by_text = {r.formula[0]: r for r in status}
    assert set(by_text) == {'"未到达(已超时)"', '"超时"', '"未到达(未超时)"', '"按时"'}
    late = by_text['"未到达(已超时)"']
    assert (late.type, late.operator, late.stopIfTrue) == ("cellIs", "equal", True)
    assert late.priority == 1  # the strongest look wins
    assert late.dxf.fill.bgColor.rgb == BAD[0] and late.dxf.font.color.rgb == BAD[1] and late.dxf.font.b


def test_number_highlights_never_match_a_blank_cell() -> None:
    ws = opened(sheet_of("次日优先派工"))["次日优先派工"]
    [cf] = list(ws.conditional_formatting)
    formulas = [r.formula[0] for r in cf.rules]
    assert formulas == ["AND(ISNUMBER(I3),I3<0)", "AND(ISNUMBER(I3),I3<=1)"]  # 剩余(工时)
    with pytest.raises(ValueError, match="compares numbers"):
        Highlight("a", "lt", "x", fill="FFFFFFFF")


def test_every_computed_column_has_a_header_note() -> None:
    ws = opened(sheet_of("派工时限"))["派工时限"]
    notes = {str(dv.sqref): (dv.promptTitle, dv.prompt) for dv in ws.data_validations.dataValidation}
    headers = {c.column_letter: c.value for c in ws[2]}
    noted = {headers[ref[0]] for ref in notes}
    assert noted == {"时限(工时)", "应到达时间", "到达时间", "状态", "超时(工时)", "说明"}
    assert all(ref.endswith("2") and title == "本列如何计算" for ref, (title, _) in notes.items())
    limit = next(text for ref, (_, text) in notes.items() if headers[ref[0]] == "时限(工时)")
    assert "市区 6 工时，郊区 7 工时" in limit  # the settings' values, filled in
    assert all(dv.showInputMessage and dv.allowBlank for dv in ws.data_validations.dataValidation)


def test_print_setup_of_a_wide_result_sheet() -> None:
    wb = opened(sheet_of("次日优先派工"))
    ws = wb["次日优先派工"]
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.paperSize == 9  # A4
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$2:$2"  # the header row on every page
    footer = ws.oddFooter
    assert footer.left.text == "&A" and "&P" in footer.center.text and "&N" in footer.center.text
    assert footer.right.text == "计算时间 2026-02-24 10:00"
    assert ws.print_options.gridLines
    assert ws.page_margins.left < 0.7  # narrower than Excel's default


def test_narrow_sheets_print_portrait_and_fields_can_turn_print_setup_off() -> None:
    narrow = ResultSheet("窄表", ["a", "b"], [[1, 2]], banner="b", widths=(10, 10))
    plain = ResultSheet("原样", ["a"], [[1]], banner="b", print_titles=False, fit_width=False, footer=False,
                        orientation="landscape")
    wb = opened(narrow, plain)
    assert wb["窄表"].page_setup.orientation == "portrait"
    ws = wb["原样"]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth is None
    assert ws.print_title_rows is None and not ws.oddFooter.center.text


def test_check_sheet_wraps_hides_english_and_sums_up_beside_the_table() -> None:
    long = "来电时间不在合同「BY-FW-2025002」的有效期（2025-07-18～2026-07-17）内，请核对合同编号或改为 A 类有费服务"
    problems = [
        problem("CAL005", "C3", "合同编号", long),
        problem("CAL006", "M4", "派工时间", "派工时间早于来电时间"),
        problem("CAL005", "C9", "合同编号", long),
        problem("TYP013", "B5", "来电时间", "时间为 00:00", Severity.WARNING),
    ]
    sheet = check_sheet(problems, rows_checked=80, as_of=AS_OF, sheet_names=["叫修登记"])
    ws = opened(sheet)["校验结果"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    # §6's layout whatever the block: banner in row 1, headers in row 2, problems from row 3, header frozen.
    assert values[1][:2] == ["序号", "级别"] and ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == "A2:J6"  # the table stays one block with its header
    assert ws.print_title_rows == "$2:$2"
    # The block starts one empty column right of the table (K), in the header row.
    assert values[1][10] is None and values[1][11] == "共检查 80 行：错误 3 处，警告 1 处（3 种问题，涉及 3 列）"
    by_code = {r[12]: r for r in values if len(r) > 12 and r[12] and r[12] != "代码"}
    assert by_code["CAL005"][13] == 2
    target = ws.cell(row=values.index(by_code["CAL005"]) + 1, column=15).hyperlink
    linked_row = int(re.sub(r"\D", "", target.location.split("!")[1]))
    assert target.location.startswith("'校验结果'!") and ws.cell(row=linked_row, column=3).value == "CAL005"
    assert ws.cell(row=linked_row, column=1).value == 1  # the first problem of the table
    # The English column is there (machine-readable) but hidden; messages wrap, rows are tall enough for them.
    assert ws.column_dimensions["J"].hidden and ws.cell(row=3, column=10).value == "message in English"
    message = ws.cell(row=3, column=8)
    assert message.alignment.wrap_text and message.alignment.vertical == "top"
    assert ws.row_dimensions[3].height == 15 * wrapped_lines(long, 48) > 15
    assert ws.row_dimensions[4].height is None  # one line: Excel's own height


def test_check_sheet_without_problems_keeps_the_plain_layout() -> None:
    ws = opened(check_sheet([], rows_checked=3, as_of=AS_OF, sheet_names=[]))["校验结果"]
    assert [c.value for c in ws[2]][:2] == ["序号", "级别"] and ws.freeze_panes == "A3"
    assert ws["A3"].value == "校验通过：共检查 3 行，未发现问题"


def test_wrapped_lines_count_cjk_double_and_line_breaks() -> None:
    assert wrapped_lines("abc", 10) == 1
    assert wrapped_lines("中" * 10, 10) == 3  # 20 columns of text in 8.5 usable
    assert wrapped_lines("a\nb\nc", 10) == 3


def test_styles_gain_dxfs_only_and_a_second_write_is_byte_identical(tmp_path: Path) -> None:
    staff = openpyxl.Workbook()
    staff.active.title = "叫修登记"
    staff.active["A1"] = "登记号"
    buffer = io.BytesIO()
    staff.save(buffer)
    original = buffer.getvalue()
    sheets = [sheet_of("派工时限"), sheet_of("次日优先派工"),
              check_sheet([problem("CAL006", "M4", "派工时间", "派工时间早于来电时间")], rows_checked=1, as_of=AS_OF,
                          sheet_names=["叫修登记"])]
    once = write_result_sheets(original, sheets)
    assert write_result_sheets(once, sheets) == once
    with zipfile.ZipFile(io.BytesIO(original)) as before, zipfile.ZipFile(io.BytesIO(once)) as after:
        old, new = before.read("xl/styles.xml").decode(), after.read("xl/styles.xml").decode()
        assert before.read("xl/worksheets/sheet1.xml") == after.read("xl/worksheets/sheet1.xml")
    old_xfs = re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", old, re.S).group(1)  # type: ignore[union-attr]
    new_xfs = re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", new, re.S).group(1)  # type: ignore[union-attr]
    assert new_xfs.startswith(old_xfs)  # staff indexes keep their meaning
    dxfs = re.search(r'<dxfs count="(\d+)">', new)
    assert dxfs and int(dxfs.group(1)) == 4  # BAD bold, BAD, NEUTRAL, GOOD: shared by both sheets' rules


def test_links_to_the_sheet_itself_follow_the_name_the_package_gives_it() -> None:
    staff = openpyxl.Workbook()
    staff.active.title = "结果"  # the staff's own sheet of that name: ours becomes 结果(2)
    buffer = io.BytesIO()
    staff.save(buffer)
    mine = ResultSheet("结果", ["a"], [[Link("跳", sheet="", cell="A3")]], banner="b")
    book = openpyxl.load_workbook(io.BytesIO(write_result_sheets(buffer.getvalue(), [mine])))
    assert book.sheetnames == ["结果", "结果(2)"]
    assert book["结果(2)"]["A3"].hyperlink.location == "'结果(2)'!A3"


def test_a_highlight_or_note_on_a_missing_column_is_refused() -> None:
    with pytest.raises(ValueError, match="no column"):
        ResultSheet("x", ["a"], [], banner="b", highlights=(look("状态", "equal", "x", BAD),))
    with pytest.raises(ValueError, match="over 255"):
        ResultSheet("x", ["a"], [], banner="b", notes={"a": "长" * 256})


# ------------------------------------------------------------------------------------------- LibreOffice


def pdf_pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]


def require_poppler() -> None:
    if shutil.which("pdfinfo") is None or shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdfinfo, pdftotext) is not installed")


@pytest.mark.libreoffice
def test_priority_list_of_20_calls_prints_one_page_wide(tmp_path: Path) -> None:
    require_soffice()
    require_poppler()
    sheet = sheet_of("次日优先派工", rows=20)
    assert len(sheet.rows) == 20
    source = tmp_path / "次日优先派工.xlsx"
    source.write_bytes(new_result_workbook([sheet]))
    pdf = convert(source, tmp_path / "pdf", "pdf")
    # 20 rows fit one page tall too, so one page wide means exactly one page: 地址 and 应到达时间 on the same paper.
    assert pdf_pages(pdf) == 1
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    first_line = next(line for line in text.splitlines() if "登记号" in line)
    assert all(h in first_line for h in ("地址", "应到达时间", "剩余(工时)"))
    flat = re.sub(r"\s+", "", text)  # pdftotext spaces CJK text its own way
    assert "FW0019" in flat and "第1页/共1页" in flat and "计算时间2026-02-2410:00" in flat


@pytest.mark.libreoffice
def test_long_deadline_sheet_repeats_its_header_on_every_printed_page(tmp_path: Path) -> None:
    require_soffice()
    require_poppler()
    sheet = sheet_of("派工时限", rows=120)
    source = tmp_path / "派工时限.xlsx"
    source.write_bytes(new_result_workbook([sheet]))
    pdf = convert(source, tmp_path / "pdf", "pdf")
    pages = pdf_pages(pdf)
    assert pages > 1
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    per_page = text.split("\f")[:pages]
    assert all("应到达时间" in page and "超时(工时)" in page for page in per_page)  # one page wide, header repeated
    assert all(f"第{n}页/共{pages}页" in re.sub(r"\s+", "", page) for n, page in enumerate(per_page, 1))
