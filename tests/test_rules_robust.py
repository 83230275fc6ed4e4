"""Rules and jobs never crash, whatever the registers and the lookups hold (issue 11: a fresh root crashed a rule).

Property tests: every register (master, customers, demand, contracts, callins, items, worklog) is generated with
0 to a few rows — sheets missing, empty, header only, columns missing or all blank, duplicate keys, values of the
wrong type (text in date columns, numbers in name columns, times, durations) — beside lookups of any size: no
基础资料 at all or one whose 员工 sheet is missing or empty, no customers, no contracts, no call-ins, no items,
an empty 节假日调整, and the same register's other workbook in the folder. Validation must give no SYS001 (a rule
that crashed) and the jobs none either, and their results must turn into result sheets.

Tables are built in memory with the reader's own :func:`build_table` and the lookups with the deployment's own
:func:`build_lookups`, so an example costs milliseconds. Examples are derandomized (the same in every run);
``AUTOMATION_PROPERTY_EXAMPLES`` sets how many per register (default 30: about 17 s for the seven registers on a
2-core machine; 400 take about 4 minutes). A failing example is shrunk before it is shown, which can take minutes;
the SYS001 message already names the rule and the line.

Then the exact regressions: a root made by ``automation init`` with one call typed into 叫修登记簿 (the empty 员工
sheet crashed check_staff), and the other crashes the property tests found.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_jobs import make_input, rows_of

from automation.deployment import build_lookups
from automation.jobs import JobInput, make_calendar, run_jobs, to_result_sheet
from automation.pipeline import validate_paths
from automation.problems import Problem
from automation.registers import REGISTERS
from automation.registers.model import Column, Kind, SheetModel
from automation.settings import Settings
from automation.templates import init_root
from automation.validators import validate
from automation.validators.context import Context
from automation.xlsx.table import Table, build_table

EXAMPLES = int(os.environ.get("AUTOMATION_PROPERTY_EXAMPLES", "30"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    derandomize=True,  # the same examples in every run: CI is deterministic
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
MAX_ROWS = 6
BRANCH = "服务中心"

# The as-of instants: an ordinary Friday afternoon, a make-up working Saturday, and a year without holiday data.
AS_OF = (dt.datetime(2026, 11, 27, 16, 0), dt.datetime(2026, 2, 14, 10, 0), dt.datetime(2031, 3, 3, 9, 0))
# The defaults, and every setting at an edge the settings file allows.
SETTINGS = (
    Settings(),
    Settings(holidays="none", complete_years=(2026,), urban_hours=0.5, suburban_hours=100, window_days=1,
             notice_days=400, reward_min=0, reward_max=0, max_daily_hours=1, code_pattern=r"^(KH|KS)\d{5}$"),
)

# Values that make rows refer to each other: staff names and numbers, customer codes, contract and call numbers,
# receipt numbers — few, so keys repeat and references sometimes resolve.
KEYS = ("王强", "E001", "李娜", "E002", "刘洋", "无此人", "KH00001", "KH00002", "KH1", "HT-1", "HT-2", "J1", "J2",
        "S1", "服务中心", "总部", "HX-160", "HX-160、CNC-650", "全部设备", "注塑机 HX160")
DAYS = (dt.date(2026, 11, 2), dt.date(2026, 11, 27), dt.date(2026, 11, 28), dt.date(2026, 2, 14),
        dt.date(2025, 12, 31), dt.date(2031, 1, 1), dt.date(1990, 1, 1), dt.date(1, 1, 1), dt.date(9999, 12, 31))
INSTANTS = (dt.datetime(2026, 11, 2, 9, 0), dt.datetime(2026, 11, 27, 15, 59), dt.datetime(2026, 11, 28, 0, 0),
            dt.datetime(2026, 2, 13, 15, 30), dt.datetime(2031, 3, 3, 8, 0), dt.datetime(2026, 11, 2, 0, 0),
            dt.datetime(1, 1, 1, 0, 1), dt.datetime(9999, 12, 31, 23, 59))
TEXTS = ("2026-11-02", "2026/11/02 09:30", "09:30", "昨天", "12", "-3", "3.5元", "0", "1e308", "1e400", "inf",
         "-inf", "nan", "是", "否", "市区", "A", "B", "C", "离职", "在职", "技术员", "全年已录入", "工作日", "休息日", " ",
         "None", "0001-01-01 00:01", "9999-12-31 23:59", "2026-02-30", "24:00", "23:59:59")

# What python-calamine can hand over for any cell: the reader's input types, in any column.
ANY_VALUE = st.one_of(
    st.sampled_from(KEYS),
    st.sampled_from(TEXTS),
    st.text(max_size=5),
    st.integers(min_value=-10, max_value=100_000),
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
    st.booleans(),
    st.sampled_from(DAYS),
    st.sampled_from(INSTANTS),
    st.dates(),  # years 1 to 9999: a typed date text reaches any of them
    st.datetimes(),
    st.times(),
    st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=3)),
)


def fitting(column: Column) -> st.SearchStrategy[object]:
    """Values of the column's own type, so rows get past reading and reach the rules."""
    kind = column.kind
    if column.choices:
        return st.sampled_from(column.choices + tuple(column.aliases))
    if kind is Kind.DATE:
        return st.sampled_from(DAYS)
    if kind is Kind.DATETIME:
        return st.sampled_from(INSTANTS)
    if kind is Kind.TIME:
        return st.one_of(st.times(), st.sampled_from(("08:00", "09:30", "17:00")))
    if kind in (Kind.NUMBER, Kind.MONEY, Kind.HOURS, Kind.INT):
        return st.one_of(st.integers(min_value=-1, max_value=30), st.sampled_from((0.5, 8.0, 25.0, 600.0, 1e6)))
    if kind is Kind.PHONE:
        return st.sampled_from(("13805740001", "0574-87654321", "12345"))
    return st.sampled_from(KEYS)


@st.composite
def cell(draw: st.DrawFn, column: Column) -> object:
    """Blank, a value of the column's type (twice as often: rows get through reading to the rules and jobs), or
    anything. Blank first: examples shrink towards blank cells. (A plain ``st.one_of`` would flatten ANY_VALUE's
    branches and pick the column's own type once in fifteen.)"""
    pick = draw(st.sampled_from(("blank", "own", "own", "any")))
    if pick == "blank":
        return ""
    return draw(fitting(column) if pick == "own" else ANY_VALUE)


ONCE_IN_FOUR = st.sampled_from((False, True, False, False))


@st.composite
def sheet_rows(draw: st.DrawFn, model: SheetModel) -> list[list[object]] | None:
    """A sheet as calamine gives it (Excel row 1 first), or None when the workbook has no such sheet."""
    shape = draw(st.sampled_from(("rows", "missing", "rows", "empty", "rows", "header", "rows", "rows")))
    if shape == "missing":
        return None
    if shape == "empty":
        return []
    columns = list(model.columns)
    if draw(ONCE_IN_FOUR):  # columns left out: present, but all blank when read
        columns = [c for c in columns if not draw(ONCE_IN_FOUR)] or columns[:1]
    header: list[object] = [c.header for c in columns]
    n = 0 if shape == "header" else draw(st.integers(min_value=1, max_value=MAX_ROWS))
    rows = [[draw(cell(c)) for c in columns] for _ in range(n)]
    if rows and draw(st.booleans()):
        rows.append(list(rows[0]))  # a duplicated row: every key repeats
    return [header, *rows]


@st.composite
def workbook(draw: st.DrawFn, key: str, name: str) -> dict[str, Table]:
    """Every sheet of a register's workbook, read into tables."""
    return {
        model.name: build_table(name, model.name, draw(sheet_rows(model)), model) for model in REGISTERS[key].sheets
    }


LOOKUP_SOURCES = ("master", "customers", "contracts", "callins", "items")


@st.composite
def scenes(draw: st.DrawFn, key: str) -> Context:
    """A workbook of register ``key``, the registers it looks things up in (each absent or any size), and a sibling
    workbook of the same register in the folder; returns its context (validation not yet run)."""
    register = REGISTERS[key]
    name = f"{BRANCH}/{register.file_name}"
    tables = draw(workbook(key, name))
    around: dict[str, list[dict[str, Table]]] = {}
    for source in LOOKUP_SOURCES:
        if source == key:
            around[source] = [tables]  # the deployment reads the folder, this workbook included
        elif draw(st.sampled_from((True, False, True))):
            around[source] = [draw(workbook(source, f"{BRANCH}/{REGISTERS[source].file_name}"))]
        else:
            around[source] = []  # the register is absent
    siblings: dict[str, list[Table]] = {}
    if draw(st.booleans()):
        other = draw(workbook(key, f"{BRANCH}/{register.name}-2025.xlsx"))
        siblings = {sheet: [table] for sheet, table in other.items()}
        around.setdefault(key, []).append(other)

    def sheets(source: str, sheet: str) -> list[Table]:
        return [book[sheet] for book in around.get(source, [])]

    lookups = build_lookups(
        staff=sheets("master", "员工"),
        calendar=sheets("master", "节假日调整"),
        customers=sheets("customers", "客户"),
        contracts=sheets("contracts", "保养合同"),
        callins=sheets("callins", "叫修登记"),
        items=sheets("items", "商品进出"),
        units=draw(st.sampled_from((frozenset(), frozenset({"总部", BRANCH})))),
        siblings=siblings,
    )
    return Context(register, name, BRANCH, tables, draw(st.sampled_from(SETTINGS)), draw(st.sampled_from(AS_OF)), lookups)


def crashes(problems: Sequence[Problem]) -> list[str]:
    return [p.message_en for p in problems if p.code == "SYS001"]


def check_scene(ctx: Context) -> None:
    problems = validate(ctx)
    assert crashes(problems) == [], "validation"
    calendar = make_calendar(ctx.settings, ctx.lookups.calendar_overrides, ctx.lookups.calendar_complete_years)
    results = run_jobs(JobInput.of(ctx, calendar))
    assert crashes([p for r in results for p in r.problems]) == [], "jobs"
    source = next(iter(ctx.tables.values())).sheet
    for result in results:
        sheet = to_result_sheet(result, as_of=ctx.as_of, source_sheet=source)
        assert all(len(row) == len(sheet.headers) for row in sheet.rows)


@pytest.mark.parametrize("key", sorted(REGISTERS))
@PROPERTY
@given(data=st.data())
def test_rules_and_jobs_never_crash(key: str, data: st.DataObject) -> None:
    check_scene(data.draw(scenes(key)))


# --- the exact regressions ----------------------------------------------------------------------------------

AS_OF_FRESH = dt.datetime(2026, 11, 27, 16, 0)
FIRST_CALL = {
    "登记号": "J001", "来电时间": dt.datetime(2026, 11, 2, 9, 0), "客户代码": "KH00001", "客户名称": "宁波甬江机械有限公司",
    "地址": "江北区长兴路 8 号", "电话": "0574-87654321", "商品型号": "CNC-650", "区域": "市区", "服务类别": "B",
    "合同编号": "HT-001", "派工技术员": "王强", "派工时间": dt.datetime(2026, 11, 2, 9, 30),
}


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What ``automation init`` lays out (made once: writing the seven templates takes seconds)."""
    root = tmp_path_factory.mktemp("init")
    init_root(root)
    return root


@pytest.fixture
def fresh(initialised: Path, tmp_path: Path) -> Path:
    """A fresh root of a new company: a copy of what ``automation init`` laid out."""
    shutil.copytree(initialised, tmp_path, dirs_exist_ok=True)
    return tmp_path


def type_row(path: Path, sheet: str, values: dict[str, object]) -> None:
    """Type one row under a template's headers (``*登记号``, ``服务费(元)``), as a clerk does in Excel."""
    book = openpyxl.load_workbook(path)
    rows = book[sheet]
    for j, title in enumerate(c.value for c in rows[1]):
        header = str(title or "").strip("*").split("(")[0]
        if header in values:
            rows.cell(row=2, column=j + 1, value=values[header])
    book.save(path)


@pytest.mark.parametrize("staff_sheet", ["empty", "missing"])
def test_the_first_call_of_a_new_company(fresh: Path, staff_sheet: str) -> None:
    """``automation init``, then the first call typed into 叫修登记簿, before anyone filled in 基础资料/员工 (or with
    基础资料 lacking the 员工 sheet), 客户档案 or 保养合同: no crash (it was SYS001 「IndexError: index 0 is out of
    bounds」 from check_staff), no error per row, one REF004 warning per reference that cannot be checked yet."""
    if staff_sheet == "missing":
        master = fresh / "总部" / "基础资料.xlsx"
        book = openpyxl.load_workbook(master)
        del book["员工"]
        book.save(master)
    path = fresh / BRANCH / "叫修登记簿.xlsx"
    type_row(path, "叫修登记", FIRST_CALL)
    [report] = validate_paths([path], as_of=AS_OF_FRESH)
    assert report.error_zh is None
    found = sorted((p.code, p.severity, p.column) for p in report.problems)
    assert found == [("REF004", "warning", c) for c in sorted(("合同编号", "客户代码", "派工技术员"))]
    staff = next(p for p in report.problems if p.column == "派工技术员")
    assert staff.message_zh == "基础资料/员工为空，无法核对派工技术员"
    assert staff.message_en == "the staff list (基础资料/员工) is empty; 派工技术员 cannot be checked"
    assert (staff.sheet, staff.cell, staff.row) == ("叫修登记", None, 1)
    assert [r.name for r in report.results] == ["派工时限", "次日优先派工", "收费核对", "满意度"]


def test_once_staff_are_entered_an_unknown_technician_is_an_error(fresh: Path) -> None:
    """The warning is for an empty list only: with one person in 员工, 王强 is STF001 on his cell."""
    type_row(fresh / "总部" / "基础资料.xlsx", "员工", {"工号": "E002", "姓名": "李娜", "部门": "服务部", "岗位": "技术员",
                                                        "所属单位": BRANCH, "在职状态": "在职"})
    path = fresh / BRANCH / "叫修登记簿.xlsx"
    type_row(path, "叫修登记", FIRST_CALL)
    [report] = validate_paths([path], as_of=AS_OF_FRESH)
    staff = [(p.code, p.cell) for p in report.problems if p.column == "派工技术员"]
    assert staff == [("STF001", "M2")]  # the template's 派工技术员 column
    assert all(p.code != "SYS001" for p in report.problems)


def test_a_mistyped_year_does_not_empty_the_deadline_sheets() -> None:
    """A call typed in the year 0206 or an arrival in 9026 asked the working calendar for 18 centuries and left
    派工时限 and 次日优先派工 empty (SYS001 「span more than 110000 days」). Such instants now count as unreadable
    in these sheets: the other calls are listed as before."""
    header = ["登记号", "来电时间", "客户名称", "区域", "服务类别", "派工时间", "到达时间", "完成时间"]
    calls = [
        header,
        ["J1", "2026-11-27 08:30", "甲", "市区", "A", None, None, None],  # open: due 15:30, late at 16:00
        ["J2", "0206-11-27 09:00", "乙", "市区", "A", None, None, None],  # the year mistyped: no deadline
        ["J3", "2026-11-26 09:00", "丙", "市区", "A", "2026-11-26 09:30", "9026-11-26 10:00", None],
    ]
    inp = make_input("callins", {"叫修登记": calls}, AS_OF_FRESH)
    results = {r.name: r for r in run_jobs(inp)}
    assert crashes([p for r in results.values() for p in r.problems]) == []
    deadlines = rows_of(results["派工时限"])
    assert [(r[0], r[7]) for r in deadlines] == [("J3", "未到达(已超时)"), ("J1", "未到达(已超时)")]
    assert deadlines[0][6] is None  # an arrival in 9026 is a typing slip (TYP002 in 校验结果), not an instant
    assert [r[1] for r in rows_of(results["次日优先派工"])] == ["J1"]


def test_a_staff_number_without_a_name_stays_a_person() -> None:
    """A 员工 row with a 工号 but a blank 姓名 made that number vanish from 服务主任日报 (it resolved to no name)."""
    staff = [["工号", "姓名", "岗位", "在职状态"], ["E009", None, "技术员", "在职"]]
    lookups = build_lookups(staff=[build_table("基础资料.xlsx", "员工", staff, REGISTERS["master"].sheet("员工"))])
    work = [["日期", "技术员", "服务类别", "工时"], [dt.date(2026, 11, 26), "E009", "A", 2]]
    inp = make_input("worklog", {"工作日报": work}, AS_OF_FRESH, staff=lookups.staff)
    report, _ = run_jobs(inp)  # 服务主任日报, 日报缺失
    assert [r[:2] for r in rows_of(report)] == [[dt.date(2026, 11, 26), "E009"], [dt.date(2026, 11, 26), "合计"]]


def test_a_due_day_before_the_year_one_is_named_in_the_message() -> None:
    """A contract typed to expire in January of the year 1 has its notice due in December of the year 0, which
    pandas will not strftime (SYS001 「strftime not yet supported」 from contracts.period)."""
    header = ["合同编号", "客户代码", "客户名称", "商品型号", "开始日期", "到期日期", "合同状态", "到期通知日期"]
    contract = ["HT-1", "KH00001", "甲", "CNC", None, dt.date(1, 1, 20), "有效", dt.date(1, 1, 10)]
    register = REGISTERS["contracts"]
    tables = {"保养合同": build_table("保养合同.xlsx", "保养合同", [header, contract], register.sheet("保养合同"))}
    ctx = Context(register, "保养合同.xlsx", BRANCH, tables, Settings(), AS_OF_FRESH, build_lookups())
    problems = validate(ctx)
    assert crashes(problems) == []
    # Since dates outside 1990–2100 are read as typing slips, such a year never reaches the rules at all.
    found = {(p.code, p.column) for p in problems}
    assert {("TYP001", "到期日期"), ("TYP001", "到期通知日期")} <= found
    assert not [p for p in problems if p.code == "CON007"]
    check_scene(ctx)
