"""总览 as a 10-second dashboard, and 数据状态's lines about the morning digest and the notice letters (issue 14,
finding 2; issue 13's leftover).

The sample company is processed once (``company`` of test_summary); every count is recomputed from the branch
registers (``expected_figures``: their own data and the result sheets written into them), never from the summary's
columns, and the tests check that each count's link leads to exactly that many rows of its detail sheet, that the
conditional formats colour what they should against the target from the settings, that the sheet fits a laptop
screen, and (through LibreOffice) that it prints on one landscape page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from urllib.parse import unquote

import openpyxl
import pytest

from automation.settings import SettingsError, load_settings
from automation.summary import build_summary
from tests import test_summary as base
from tests.libreoffice import convert, require_soffice
from tests.test_summary import AS_OF, BRANCHES, CALLS, HEAD, LATE, OPEN_LATE, SUMMARY, expected_figures, table

company, copy = base.company, base.copy  # the processed sample company (module scope) and a private copy of it

# Where each count's rows are, and which of them it counts (None: every row of the branch).
DETAIL = {
    OPEN_LATE: ("超时明细", "状态", "未到达(已超时)"),
    LATE: ("超时明细", "状态", "超时"),
    "未派工": ("次日优先派工", None, None),
    "逾期维修": ("逾期维修", None, None),
    "30天内到期合同": ("续约提醒", "30天内到期", "是"),
    "校验错误": ("校验问题", "级别", "错误"),
    "校验警告": ("校验问题", "级别", "警告"),
}
SCREEN_PX = (1000, 600)  # a laptop at 100 %: about 12 default columns by 30 rows


def headers_at(ws: openpyxl.worksheet.worksheet.Worksheet, row: int) -> dict[str, int]:
    return {str(c.value): c.column for c in ws[row] if c.value not in (None, "")}


def second_table(ws: openpyxl.worksheet.worksheet.Worksheet) -> int:
    return next(r for r in range(4, ws.max_row) if ws.cell(r, 1).value == "分公司")


def linked_rows(book: openpyxl.Workbook, location: str) -> tuple[str, list[dict[str, object]]]:
    """The sheet and the rows (as dicts by header) a hyperlink's location selects."""
    name, cells = location.rsplit("!", 1)
    ws = book[name.strip("'")]
    header = [c.value for c in ws[2]]
    top, bottom = (int(x) for x in re.findall(r"\d+", cells)) if ":" in cells else (int(cells[1:]),) * 2
    rows = [dict(zip(header, [c.value for c in ws[r]], strict=False)) for r in range(top, bottom + 1)]
    return name.strip("'"), [r for r in rows if r.get("分公司")]


# ---------------------------------------------------------------------------------------------- links


def test_every_count_links_to_exactly_its_rows(company: Path) -> None:
    book = openpyxl.load_workbook(company / SUMMARY)
    ws = book["总览"]
    tables = [(2, headers_at(ws, 2)), (second_table(ws), headers_at(ws, second_table(ws)))]
    checked = 0
    for folder in (*BRANCHES, HEAD):
        expected = expected_figures(company, folder)
        for header_row, columns in tables:
            row = next(r for r in range(header_row + 1, header_row + 8) if ws.cell(r, 1).value == folder)
            for name, (sheet, column, wanted) in DETAIL.items():
                if name not in columns:
                    continue
                cell = ws.cell(row, columns[name])
                assert cell.value == expected[name], (folder, name)
                assert cell.hyperlink is not None and cell.hyperlink.location, (folder, name)
                target, rows = linked_rows(book, cell.hyperlink.location)
                assert target == sheet
                if expected[name]:  # a branch's block of the detail sheet: its rows only, all of them
                    assert {r["分公司"] for r in rows} == {folder}, (folder, name)
                    assert len(rows) == sum(1 for r in table(company / SUMMARY, sheet) if r["分公司"] == folder)
                    assert sum(column is None or r[column] == wanted for r in rows) == expected[name], (folder, name)
                checked += 1
    assert checked == 7 * (len(BRANCHES) + 1)
    # 合计 opens the whole detail sheet; 在修商品 opens the branch register's own 在修商品 sheet.
    total = next(r for r in range(3, 12) if ws.cell(r, 1).value == "合计")
    columns = headers_at(ws, 2)
    assert ws.cell(total, columns[OPEN_LATE]).hyperlink.location == "'超时明细'!A3"
    for i, folder in enumerate(BRANCHES):
        link = ws.cell(3 + i, columns["在修商品"]).hyperlink
        assert link is not None and link.location == "'在修商品'!A1"
        assert (company / HEAD / unquote(link.target)).resolve() == (company / folder / "客户商品进出登记簿.xlsx").resolve()
        assert ws.cell(3 + i, columns["在修商品"]).value == expected_figures(company, folder)["在修商品"]
    # the counts stay numbers (sortable, comparable), shown in the link font
    assert isinstance(ws.cell(3, columns[OPEN_LATE]).value, int) and ws.cell(3, columns[OPEN_LATE]).font.u


# ------------------------------------------------------------------------------------- conditional formats


def rules_by_column(ws: openpyxl.worksheet.worksheet.Worksheet) -> dict[str, list[tuple[str, object, int, int]]]:
    """Column letter → (formula, fill colour, first row, last row) of each expression rule."""
    found: dict[str, list[tuple[str, object, int, int]]] = {}
    for ranges in ws.conditional_formatting:
        for cells in ranges.sqref.ranges:
            for rule in ranges.rules:
                fill = rule.dxf.fill.bgColor.rgb if rule.dxf is not None and rule.dxf.fill is not None else None
                letter = re.match(r"[A-Z]+", cells.coord).group(0)
                found.setdefault(letter, []).append((rule.formula[0], fill, cells.min_row, cells.max_row))
    return found


def applies(formula: str, value: object) -> bool:
    """Evaluate the rule formulas the dashboard writes: AND(ISNUMBER(X),X<op>number)."""
    found = re.fullmatch(r"AND\(ISNUMBER\(([A-Z]+\d+)\),\1(<=|>=|<|>)([\d.]+)\)", formula)
    assert found, formula
    if not isinstance(value, int | float):
        return False
    limit = float(found.group(3))
    return {"<": value < limit, ">": value > limit, "<=": value <= limit, ">=": value >= limit}[found.group(2)]


def test_conditional_formats_against_the_target_from_settings(copy: Path) -> None:
    (copy / "automation.toml").write_text("[summary]\non_time_target = 0.85\n", encoding="utf-8")
    assert build_summary(copy, as_of=AS_OF).written
    ws = openpyxl.load_workbook(copy / SUMMARY)["总览"]
    columns = {h: openpyxl.utils.get_column_letter(c) for h, c in headers_at(ws, 2).items()}
    rules = rules_by_column(ws)
    red, green = "FFFFC7CE", "FFC6EFCE"
    rate = rules[columns["按时到达率"]]
    assert {fill for _, fill, _, _ in rate} == {red, green}
    for i, folder in enumerate((*BRANCHES, HEAD, "合计")):
        row = 3 + i
        if folder == "合计":
            shown = ws[f"{columns['按时到达率']}{row}"].value
        else:
            shown = expected_figures(copy, folder)["按时到达率"]
        colours = {fill for formula, fill, top, bottom in rate if top <= row <= bottom and applies(formula, shown)}
        want = set() if shown is None else {red if shown < 0.85 else green}
        assert colours == want, (folder, shown)
    # counts that need action are red when above 0, those that want attention amber; 0 is never coloured
    for name, colour in ((OPEN_LATE, red), ("逾期维修", red), ("校验错误", red), (LATE, "FFFFEB9C"),
                         ("未派工", "FFFFEB9C"), ("30天内到期合同", "FFFFEB9C")):  # fmt: skip
        ((formula, fill, top, bottom),) = [r for r in rules[columns[name]] if r[2] == 3]  # the key table's
        assert fill == colour and top == 3 and bottom == 3 + len(BRANCHES) + 1  # 合计 included
        for i, folder in enumerate((*BRANCHES, HEAD)):
            count = expected_figures(copy, folder)[name]
            assert applies(formula.replace(f"{columns[name]}3", f"{columns[name]}{3 + i}"), count) == (count > 0)
    # the chart shows the same target as a line; the legend line says it
    assert [c.value for c in ws["B"] if c.value == 0.85] and any("目标 85%" in str(c.value) for c in ws["A"])


@pytest.mark.parametrize("value", [0, 1.5, "90%", True, -0.1])
def test_a_bad_on_time_target_is_refused_naming_the_key(tmp_path: Path, value: object) -> None:
    text = json.dumps(value) if not isinstance(value, bool) else "true"
    (tmp_path / "automation.toml").write_text(f"[summary]\non_time_target = {text}\n", encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings(tmp_path)
    assert "summary.on_time_target" in caught.value.zh and "summary.on_time_target" in caught.value.en
    assert "0.01–1" in caught.value.zh


def test_on_time_target_default_and_unknown_key(tmp_path: Path) -> None:
    assert load_settings(tmp_path).on_time_target == 0.9
    (tmp_path / "automation.toml").write_text("[summary]\ntarget = 0.9\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="summary.target"):
        load_settings(tmp_path)


# ------------------------------------------------------------------------------------------- the screen


def test_the_dashboard_fits_a_laptop_screen_and_one_page(company: Path) -> None:
    book = openpyxl.load_workbook(company / SUMMARY)
    ws = book["总览"]
    header = headers_at(ws, 2)
    assert len(header) <= 12
    width = sum(int((ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width or 8.43) * 7 + 5)
                for c in range(1, len(header) + 1))
    assert width <= SCREEN_PX[0]
    area = ws.print_area
    assert area is not None
    last_row = int(re.findall(r"\d+", str(area))[-1])
    assert last_row <= 30  # three branches, 总部 and 合计: the whole dashboard on one screen
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    # every chart lies inside the print area and the first screen
    with zipfile.ZipFile(company / SUMMARY) as z:
        drawing = z.read("xl/drawings/drawing1.xml").decode()
    anchors = re.findall(r"<xdr:col>(\d+)</xdr:col><xdr:colOff>(\d+)</xdr:colOff><xdr:row>(\d+)</xdr:row>.*?"
                         r'<xdr:ext cx="(\d+)" cy="(\d+)"/>', drawing)  # fmt: skip
    assert len(anchors) == 3
    edges = [0]
    for c in range(1, len(header) + 1):
        edges.append(edges[-1] + int((ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width or 8.43) * 7 + 5))
    for col, offset, row, cx, cy in anchors:
        right = edges[int(col)] + int(offset) / 9525 + int(cx) / 9525
        bottom_row = int(row) + int(cy) / 9525 / 20
        assert right <= edges[-1] and bottom_row <= last_row, (col, row)


# ------------------------------------------------------------------------------------------ 数据状态


def write_notify_state(root: Path, days: dict[str, dict[str, dict[str, object]]]) -> None:
    path = root / ".automation" / "notify.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps({"version": 1, "days": days}, ensure_ascii=False), encoding="utf-8")


def delivery(**fields: object) -> dict[str, object]:
    return {"sent": None, "parts": 0, "attempts": 1, "error": None, "next_try": None} | fields


def test_data_status_shows_failed_and_retrying_digests_and_edited_letters(copy: Path) -> None:
    today, yesterday = AS_OF.date().isoformat(), (AS_OF.date() - dt.timedelta(days=1)).isoformat()
    write_notify_state(copy, {
        today: {
            "email|服务中心|服务主任": delivery(attempts=2, error="邮件服务器拒绝登录", next_try="2026-11-27T16:30:00"),
            "webhook:慈溪群|慈溪分公司|": delivery(sent="2026-11-27T08:00:03", parts=1),
        },
        yesterday: {"webhook:余姚群|余姚分公司|": delivery(attempts=9, error="群机器人无应答", next_try="2026-11-26T17:00:00")},
        "2026-11-01": {"email|服务中心|经理": delivery(attempts=3, error="too old to list")},
    })  # fmt: skip
    letter = copy / "服务中心" / "通知书" / "HT-1_某客户.docx"
    letter.parent.mkdir(exist_ok=True)
    letter.write_bytes(b"edited by hand")
    untouched = letter.with_name("HT-2_另一客户.docx")
    untouched.write_bytes(b"as written")
    record = {"version": 1, "letters": {
        "服务中心/通知书/HT-1_某客户.docx": {"contract": "HT-1", "sha256": hashlib.sha256(b"as written").hexdigest()},
        "服务中心/通知书/HT-2_另一客户.docx": {"contract": "HT-2", "sha256": hashlib.sha256(b"as written").hexdigest()},
        "服务中心/通知书/已寄走.docx": {"contract": "HT-3", "sha256": "0" * 64},  # removed after mailing: no problem
        "../outside.docx": {"contract": "X", "sha256": "0" * 64},  # not ours to look at
    }}  # fmt: skip
    (copy / ".automation" / "notices.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")

    assert build_summary(copy, as_of=AS_OF).written
    status = table(copy / SUMMARY, "数据状态")
    digest = [r for r in status if r["登记簿"] == "晨报"]
    assert [(r["分公司"], r["结果写回"]) for r in digest] == [("余姚分公司", "发送失败"), ("服务中心", "重试中")]
    retrying = digest[1]
    assert "邮件 → 服务主任" in retrying["工作簿"] and "邮件服务器拒绝登录" in retrying["说明"]
    assert "16:30" in retrying["说明"] and "第 2 次" in retrying["说明"]
    assert "当日已停止重试" in digest[0]["说明"] and "群机器人「余姚群」" in digest[0]["工作簿"]
    letters = [r for r in status if r["登记簿"] == "保养到期通知书"]
    assert [(r["工作簿"], r["结果写回"]) for r in letters] == [("服务中心/通知书/HT-1_某客户.docx", "已手工修改")]
    assert "HT-1" in letters[0]["说明"]
    # the workbooks' own rows are all still there
    assert sum(r["登记簿"] not in ("晨报", "保养到期通知书") for r in status) == len(table(copy / SUMMARY, "数据状态")) - 3


def test_damaged_or_missing_state_files_are_ignored(copy: Path) -> None:
    before = table(copy / SUMMARY, "数据状态")
    (copy / ".automation").mkdir(exist_ok=True)
    (copy / ".automation" / "notify.json").write_text("{not json", encoding="utf-8")
    (copy / ".automation" / "notices.json").write_text(json.dumps({"version": 1, "letters": ["x"]}), encoding="utf-8")
    assert build_summary(copy, as_of=AS_OF).written
    assert table(copy / SUMMARY, "数据状态") == before
    assert (copy / ".automation" / "notify.json").read_text(encoding="utf-8") == "{not json"  # only read, never moved
    write_notify_state(copy, {AS_OF.date().isoformat(): {"email|服务中心|经理": {"sent": None, "error": 5}}})
    assert build_summary(copy, as_of=AS_OF).written
    assert table(copy / SUMMARY, "数据状态") == before


def test_a_template_that_cannot_be_used_is_one_line(copy: Path) -> None:
    template = copy / HEAD / "模板" / "保养到期通知书.docx"
    template.parent.mkdir(parents=True, exist_ok=True)
    template.write_bytes(b"not a word document")
    assert build_summary(copy, as_of=AS_OF).written
    lines = [r for r in table(copy / SUMMARY, "数据状态") if r["结果写回"] == "模板有误"]
    assert len(lines) == 1 and lines[0]["分公司"] == HEAD and "无法使用" in lines[0]["说明"]


# ------------------------------------------------------------------------------------------- on paper


@pytest.mark.libreoffice
def test_the_dashboard_prints_on_one_landscape_page(company: Path, tmp_path: Path) -> None:
    """LibreOffice prints the workbook; the pages whose footer names 总览 are one, landscape, holding the key
    table, the three charts (whole: their titles and the second table below them are on the same page) and the
    notes. The page image is kept as dashboard.png in the test's folder for a look."""
    require_soffice()
    if shutil.which("pdfinfo") is None or shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdfinfo, pdftotext) is not installed")
    pdf = convert(company / SUMMARY, tmp_path / "lo", "pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    width, height = (float(x) for x in re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    texts = [subprocess.run(["pdftotext", "-f", str(p), "-l", str(p), "-layout", str(pdf), "-"],
                            capture_output=True, text=True, check=True).stdout for p in range(1, pages + 1)]  # fmt: skip
    footers = [next((line for line in reversed(t.splitlines()) if line.strip()), "") for t in texts]
    overview = [i for i, f in enumerate(footers) if f.strip().startswith("总览")]
    assert overview == [0], footers
    assert width > height  # landscape
    page = texts[0]
    for words in ("2026年11月按时到达率", "A/B/C", "每日叫修", "服务费收入", "说明：", CALLS[:7]):
        assert words.replace(" ", "") in page.replace(" ", ""), words
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                        str(tmp_path / "dashboard")], check=True)  # fmt: skip
        assert (tmp_path / "dashboard.png").stat().st_size > 10_000
