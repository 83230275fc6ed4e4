"""Head-office summary counts at their boundaries, built from job results written by hand (docs/testing.md).

The job result frames and per-day call counts of two call-in workbooks, a contracts workbook and a daily report are
made up right here, each with values on both sides of a boundary the summary draws (the month's first minute and
the as-of instant, 0 and 30 remaining days, the last 7 days, 按时/超时/未到达(已超时)); the summary is built from
them with the product's ``workbook_rows`` and ``summary_book``, and every 总览 figure is compared with the number
counted by hand from the rows above, never with the summary's own columns.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from automation.problems import Problem, Severity
from automation.summary.build import (
    SummaryBook,
    SummaryInput,
    month_label,
    month_start,
    summary_book,
    workbook_rows,
)
from automation.summary.collect import WorkbookFacts
from automation.xlsx.sheet_xml import Link

AS_OF = dt.datetime(2026, 10, 20, 16, 0)  # a Tuesday; the month counted is 2026-10-01 .. AS_OF
T = dt.datetime
CIXI, YUYAO, HEAD = "慈溪分公司", "余姚分公司", "总部"


def test_the_month_is_named_and_starts_on_its_first_day() -> None:
    as_of = dt.datetime(2026, 10, 31, 23, 59)
    assert month_label(as_of) == "2026年10月"
    assert month_start(as_of) == pd.Timestamp(2026, 10, 1)


def deadline_rows() -> pd.DataFrame:
    rows = [  # 登记号, 来电时间, 状态
        ("J1", T(2026, 10, 1, 0, 0), "按时"),  # the month's first minute: arrived, on time
        ("J2", T(2026, 9, 30, 23, 59), "超时"),  # a minute before the month: not counted anywhere
        ("J3", T(2026, 10, 20, 16, 0), "超时"),  # at the as-of instant: arrived late this month
        ("J4", T(2026, 10, 20, 16, 1), "按时"),  # after the as-of instant: not this month's
        ("J5", T(2026, 8, 15, 9, 0), "未到达(已超时)"),  # open and late: counted whatever its month
        ("J6", T(2026, 10, 5, 9, 0), "未到达"),  # open, not late yet
        ("J7", T(2026, 10, 6, 9, 0), "按时"),
    ]
    return pd.DataFrame({
        "登记号": [r[0] for r in rows],
        "来电时间": pd.to_datetime([r[1] for r in rows]),
        "客户名称": ["宁波甬江机械有限公司"] * len(rows),
        "区域": ["市区"] * len(rows),
        "时限(工时)": [4.0] * len(rows),
        "状态": [r[2] for r in rows],
    })


def renewal_rows() -> pd.DataFrame:
    left = [-1, 0, 10, 30, 31]  # 0, 10 and 30 are within 30 days; -1 (expired) and 31 are not
    return pd.DataFrame({
        "合同编号": [f"HT-{i}" for i in range(len(left))],
        "客户代码": ["KH00001"] * len(left),
        "到期日期": pd.to_datetime([AS_OF.date() + dt.timedelta(days=d) for d in left]),
        "剩余天数": left,
    })


def daily_report_rows() -> pd.DataFrame:
    rows = [  # 日期, 技术员, 合计工时, 经理核阅
        (dt.date(2026, 10, 20), "王强", 4.0, ""),  # a technician's row, not a day total
        (dt.date(2026, 10, 20), "合计", 8.5, "已核阅（李娜 2026-10-20）"),  # today: recent, signed
        (dt.date(2026, 10, 14), "合计", 7.25, "未核阅"),  # today - 6: recent, not signed
        (dt.date(2026, 10, 13), "合计", 6.0, "已核阅"),  # today - 7: not recent, still this month
        (dt.date(2026, 9, 30), "合计", 5.0, "已核阅"),  # last month
        (dt.date(2026, 10, 21), "合计", 3.0, "已核阅"),  # after today
    ]
    return pd.DataFrame({
        "日期": pd.to_datetime([r[0] for r in rows]),
        "技术员": [r[1] for r in rows],
        "合计工时": [r[2] for r in rows],
        "经理核阅": [r[3] for r in rows],
    })


def calls_per_day(days: dict[dt.date, tuple[int, int, int, int, float]]) -> pd.DataFrame:
    index = pd.DatetimeIndex(pd.to_datetime(list(days)), name="日期")
    return pd.DataFrame([list(v) for v in days.values()], index=index, columns=["叫修", "A", "B", "C", "服务费"])


def problem(code: str, severity: Severity) -> Problem:
    return Problem(code, severity, "叫修登记簿.xlsx", "叫修登记", "B2", 2, "来电时间", None, "问题", "problem")


def facts(path: str, branch: str, register: str, results: dict[str, pd.DataFrame], problems: list[Problem],
          calls: pd.DataFrame | None = None) -> WorkbookFacts:
    rows = workbook_rows(results, problems, branch=branch, name=Path(path).name, target=f"../{path}", as_of=AS_OF)
    return WorkbookFacts(path=path, branch=branch, register=register, sha256=None, written_sha256=None, as_of=AS_OF,
                         processed=AS_OF, rows_of=rows, calls=calls)


@pytest.fixture
def book(tmp_path: Path) -> SummaryBook:
    callins = facts(
        f"{CIXI}/叫修登记簿.xlsx", CIXI, "callins",
        {"派工时限": deadline_rows(), "逾期维修": pd.DataFrame({"收据号": ["S1", "S2"]}),
         "次日优先派工": pd.DataFrame({"登记号": ["J6", "J8", "J9"]}),
         "在修商品": pd.DataFrame({"收据号": ["S1", "S2", "S3", "S4"]})},
        [problem("CAL006", Severity.ERROR), problem("CAL012", Severity.ERROR), problem("CAL014", Severity.WARNING)],
        calls_per_day({dt.date(2026, 9, 30): (5, 2, 2, 1, 100.0), dt.date(2026, 10, 1): (3, 1, 1, 1, 200.5),
                       dt.date(2026, 10, 20): (2, 2, 0, 0, 50.25), dt.date(2026, 10, 21): (4, 4, 0, 0, 999.0)}),
    )
    more_calls = facts(f"{CIXI}/叫修登记簿-2.xlsx", CIXI, "callins", {}, [],
                       calls_per_day({dt.date(2026, 10, 1): (1, 1, 0, 0, 10.0)}))
    contracts = facts(f"{CIXI}/保养合同.xlsx", CIXI, "contracts", {"续约提醒": renewal_rows()}, [])
    daily = facts(f"{CIXI}/技术员工作日报表.xlsx", CIXI, "worklog", {"服务主任日报": daily_report_rows()}, [])
    head = facts(f"{HEAD}/客户档案.xlsx", HEAD, "customers", {}, [problem("CUS001", Severity.WARNING)])
    yuyao = facts(f"{YUYAO}/叫修登记簿.xlsx", YUYAO, "callins", {}, [],
                  calls_per_day({dt.date(2026, 10, 2): (1, 0, 0, 1, 0.0)}))  # one workbook: one free call
    inp = SummaryInput(root=tmp_path, summary_path=tmp_path / HEAD / "汇总.xlsx", head_office=HEAD,
                       branches=[CIXI, YUYAO], as_of=AS_OF, facts=[callins, more_calls, contracts, daily, head, yuyao],
                       records={})
    return summary_book(inp)


def overview_rows(book: SummaryBook) -> dict[str, dict[str, object]]:
    table = book.overview
    headers = [h.replace("2026年10月", "<月>") for h in table.columns]
    return {row[0]: dict(zip(headers, row, strict=True)) for row in table.itertuples(index=False)}


def test_overview_counts_of_a_branch(book: SummaryBook) -> None:
    cixi = overview_rows(book)[CIXI]
    assert cixi["<月>叫修"] == 3 + 2 + 1  # 10-01 and 10-20 of the first workbook, 10-01 of the second
    assert (cixi["A类件数"], cixi["B类件数"], cixi["C类件数"]) == (1 + 2 + 1, 1, 1)
    assert cixi["服务费收入(元)"] == pytest.approx(200.5 + 50.25 + 10.0)
    assert cixi["按时到达率"] == pytest.approx(2 / 3)  # J1, J7 on time of J1, J3, J7 arrived
    assert cixi["超时未到达"] == 1  # J5
    assert cixi["<月>超时到达"] == 1  # J3
    assert cixi["未派工"] == 3
    assert cixi["在修商品"] == 4
    assert cixi["逾期维修"] == 2
    assert cixi["30天内到期合同"] == 3  # 0, 10 and 30 days left
    assert (cixi["校验错误"], cixi["校验警告"]) == (2, 1)
    assert cixi["技术员工时"] == pytest.approx(8.5 + 7.25 + 6.0)
    assert cixi["日报核阅(近7天)"] == "1/2"


def test_a_branch_without_workbooks_and_the_totals(book: SummaryBook) -> None:
    rows = overview_rows(book)
    yuyao, head, total = rows[YUYAO], rows[HEAD], rows["合计"]
    assert (yuyao["<月>叫修"], yuyao["C类件数"]) == (1, 1)
    assert pd.isna(yuyao["按时到达率"]) and yuyao["日报核阅(近7天)"] == "0/0"
    assert (head["校验错误"], head["校验警告"]) == (0, 1)
    assert list(rows) == [CIXI, YUYAO, HEAD, "合计"]
    assert total["<月>叫修"] == 7
    assert total["服务费收入(元)"] == pytest.approx(260.75)
    assert total["按时到达率"] == pytest.approx(2 / 3)
    assert (total["校验错误"], total["校验警告"]) == (2, 2)
    assert total["技术员工时"] == pytest.approx(21.75)
    assert total["日报核阅(近7天)"] == "1/2"


def sheet(book: SummaryBook, name: str) -> list[list[object]]:
    [found] = [s for s in book.sheets if s.name == name]
    return [list(r) for r in found.rows]


def test_detail_sheets_hold_exactly_the_counted_rows(book: SummaryBook) -> None:
    late = sheet(book, "超时明细")
    assert sorted(str(r[1]) for r in late) == ["J3", "J5"]
    assert all(r[0] == CIXI for r in late)
    renewals = sheet(book, "续约提醒")
    assert [(r[5], r[8]) for r in renewals] == [(-1, "否"), (0, "是"), (10, "是"), (30, "是"), (31, "否")]
    daily = sheet(book, "服务日报汇总")
    # day totals only, newest first; 转报状态 and 近7天 worked out above
    assert [(r[1], r[11], r[12]) for r in daily] == [
        (dt.date(2026, 10, 21), "已转报", "否"),
        (dt.date(2026, 10, 20), "已转报", "是"),
        (dt.date(2026, 10, 14), "待经理核阅", "是"),
        (dt.date(2026, 10, 13), "已转报", "否"),
        (dt.date(2026, 9, 30), "已转报", "否"),
    ]
    [found] = [s for s in book.sheets if s.name == "服务日报汇总"]
    assert list(found.row_fills or []) == [None, None, "FFFFF4CE", None, None]  # the unsigned day is marked
    problems = sheet(book, "校验问题")
    assert [(r[0], r[2]) for r in problems] == [(CIXI, "错误"), (CIXI, "错误"), (CIXI, "警告"), (HEAD, "警告")]


def test_daily_calls_cover_the_last_30_days(book: SummaryBook) -> None:
    [line] = [c for c in book.charts if c.kind == "line"]
    days = line.categories
    assert days[0] == dt.date(2026, 9, 21) and days[-1] == dt.date(2026, 10, 20) and len(days) == 30
    per_day = dict(zip(days, line.series[0].values, strict=True))
    assert per_day[dt.date(2026, 9, 30)] == 5
    assert per_day[dt.date(2026, 10, 1)] == 3 + 1
    assert per_day[dt.date(2026, 10, 2)] == 1
    assert per_day[dt.date(2026, 10, 20)] == 2
    assert sum(per_day.values()) == 5 + 4 + 1 + 2


# --- the detail rows as written: links to the source cell, dates, blanks, hidden contact data -------------------

TARGET = f"../{CIXI}/叫修登记簿.xlsx"


def test_detail_rows_link_to_their_source_cell_and_keep_value_types() -> None:
    late = pd.DataFrame({
        "登记号": ["J3", "J5"],
        "来电时间": pd.to_datetime([T(2026, 10, 20, 16, 0), T(2026, 8, 15, 9, 0)]),
        "客户名称": ["甲厂", None],
        "区域": [pd.NA, "郊区"],
        "时限(工时)": [4.0, float("nan")],
        "状态": ["超时", "未到达(已超时)"],
        "_cell": ["A4", None],  # the second row's source cell is unknown: its number stays plain text
        "_sheet": ["叫修登记", "叫修登记"],
    })
    renewals = pd.DataFrame({"合同编号": ["HT-1"], "到期日期": pd.to_datetime([dt.date(2026, 11, 1)]),
                             "剩余天数": [12], "_cell": ["A2"], "_sheet": [""]})
    rows = workbook_rows({"派工时限": late, "续约提醒": renewals}, [], branch=CIXI, name="叫修登记簿.xlsx",
                         target=TARGET, as_of=AS_OF).sheets
    first, second = rows["超时明细"]
    assert first[:6] == [CIXI, Link("J3", sheet="叫修登记", cell="A4", file=TARGET), T(2026, 10, 20, 16, 0), "甲厂",
                         None, 4.0]
    assert second[:6] == [CIXI, "J5", T(2026, 8, 15, 9, 0), None, "郊区", None]
    assert type(first[2]) is dt.datetime  # a call time keeps its time of day
    [renewal] = rows["续约提醒"]
    assert renewal[1] == Link("HT-1", sheet=None, cell="A2", file=TARGET)  # no sheet name: the file's first sheet
    assert renewal[4] == dt.date(2026, 11, 1) and type(renewal[4]) is dt.date  # a 日期 column is a date
    assert renewal[5] == 12 and type(renewal[5]) is int


def test_problem_rows_errors_first_contact_data_hidden_cells_linked() -> None:
    def found(code: str, severity: Severity, sheet: str | None, cell: str | None, row: int | None, column: str,
              value: object, zh: str, en: str) -> Problem:
        return Problem(code, severity, "叫修登记簿.xlsx", sheet, cell, row, column, value, zh, en)

    problems = [
        found("CAL014", Severity.WARNING, "叫修登记", "S3", 3, "开票日期", dt.date(2026, 10, 9), "晚", "late"),
        found("TYP008", Severity.ERROR, "叫修登记", "F4", 4, "电话", "13805740001",
              "电话「13805740001」格式不对", "phone '13805740001' is malformed"),
        found("COL001", Severity.ERROR, "叫修登记", None, None, "登记号", None, "缺少列", "missing column"),
        found("SYS001", Severity.ERROR, None, None, None, "", "", "规则出错", "a rule failed"),
    ]
    rows = workbook_rows({}, problems, branch=CIXI, name="叫修登记簿.xlsx", target=TARGET, as_of=AS_OF)
    table = rows.sheets["校验问题"]
    book = Link("叫修登记簿.xlsx", file=TARGET)
    assert [r[3] for r in table] == ["SYS001", "COL001", "TYP008", "CAL014"]  # errors by sheet and row, then warnings
    assert all(r[0] == CIXI and r[1] == book for r in table)
    sys001, col001, typ008, cal014 = table
    assert sys001[5] is None and sys001[7] is None  # no sheet: no link; an empty value is no value
    assert col001[5] == Link("叫修登记", sheet="叫修登记", cell="A1", file=TARGET)
    assert typ008[5] == Link("F4", sheet="叫修登记", cell="F4", file=TARGET)
    assert typ008[7:9] == ["（已隐藏）", "电话「（已隐藏）」格式不对"]
    assert typ008[10] == "phone '（已隐藏）' is malformed"
    assert cal014[2] == "警告" and cal014[7] == dt.date(2026, 10, 9) and cal014[8] == "晚"
    assert rows.fills["校验问题"] == ["FFFDE2E1", "FFFDE2E1", "FFFDE2E1", "FFFFF4CE"]


def test_rows_of_a_folder_that_is_no_branch_do_not_hide_the_branches_rows(tmp_path: Path) -> None:
    report = daily_report_rows()
    stray = facts("旧仓库/技术员工作日报表.xlsx", "旧仓库", "worklog", {"服务主任日报": report.iloc[[1]]}, [])
    ours = facts(f"{CIXI}/技术员工作日报表.xlsx", CIXI, "worklog", {"服务主任日报": report.iloc[[2]]}, [])
    inp = SummaryInput(root=tmp_path, summary_path=tmp_path / HEAD / "汇总.xlsx", head_office=HEAD, branches=[CIXI],
                       as_of=AS_OF, facts=[stray, ours], records={})
    cixi = overview_rows(summary_book(inp))[CIXI]
    assert cixi["日报核阅(近7天)"] == "0/1"  # its 10-14 report, not signed; the stray folder's newer day is not its
    assert cixi["技术员工时"] == pytest.approx(7.25)
