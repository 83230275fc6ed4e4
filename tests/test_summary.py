"""The head-office summary 总部/汇总.xlsx (issue 6, SPEC §8).

A sample company is generated and run once per module (``run_root``: validation, jobs, write-back, summary); the
tests read 汇总.xlsx back and recompute every 总览 figure independently — from the result sheets written into the
branch registers (read with python-calamine) and from the registers' data — and check the charts, the daily-report
forwarding, the absence of customer phone numbers and addresses, the incremental cache, the open-summary copy, bad
input (broken and missing registers, an unwritable location). Tests that change files work on a copy.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import zipfile
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

import openpyxl
import pytest
from lxml import etree
from python_calamine import CalamineWorkbook

import automation.deployment as deployment_module
import automation.summary.collect as collect_module
from automation.deployment import Deployment
from automation.pipeline import validate_root
from automation.sample import build_sample
from automation.settings import load_settings
from automation.summary import build_summary, is_summary_copy, pending_copy, run_root, summary_sources

AS_OF = dt.datetime(2026, 11, 27, 16, 0)
MONTH = dt.datetime(2026, 11, 1)
CALLS = "2026年11月叫修"  # the month is named, never 「本月」
LATE = "2026年11月超时到达"  # the month's calls that arrived late
OPEN_LATE = "超时未到达"  # open overdue calls, whatever their month
BRANCHES = ("余姚分公司", "慈溪分公司", "服务中心")  # sorted folder names of the sample
HEAD = "总部"
SUMMARY = Path(HEAD) / "汇总.xlsx"


# ---------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("summary") / "company"
    build_sample(root, as_of=AS_OF, rows=40)
    reports, outcome = run_root(root, as_of=AS_OF)
    assert outcome is not None and outcome.written, outcome
    assert len(reports) == 15 and all(r.written for r in reports if not r.error_zh)
    return root


@pytest.fixture
def copy(company: Path, tmp_path: Path) -> Path:
    """A private copy of the processed company (cache and state included)."""
    target = tmp_path / "company"
    shutil.copytree(company, target)
    return target


def sheet(path: Path, name: str) -> list[list[object]]:
    book = CalamineWorkbook.from_path(str(path))
    try:
        return book.get_sheet_by_name(name).to_python() if name in book.sheet_names else []
    finally:
        book.close()


def table(path: Path, name: str) -> list[dict[str, object]]:
    """Data rows (from row 3) of a result-format sheet as dicts; the one-cell "empty" message row is no row."""
    rows = sheet(path, name)
    # 校验结果 has a summary block between its banner and its header row (序号 …) when there are problems.
    at = next((i for i, r in enumerate(rows) if name == "校验结果" and r[:2] == ["序号", "级别"]), 1)
    if len(rows) < at + 1:
        return []
    header = [str(h) for h in rows[at]]
    return [dict(zip(header, r, strict=False)) for r in rows[at + 1 :] if sum(v not in ("", None) for v in r) > 1]


def overview(root: Path) -> dict[str, dict[str, object]]:
    """总览's figures by branch: the key table on top (header in row 2) and the second table under the charts
    (header 分公司 again), both a row per branch, 总部 and 合计."""
    rows = sheet(root / SUMMARY, "总览")
    out: dict[str, dict[str, object]] = {}

    def read(at: int) -> None:
        header = [str(h) for h in rows[at]]
        for r in rows[at + 1 :]:
            if r[0] in ("", None):
                break
            out.setdefault(str(r[0]), {}).update({h: v for h, v in zip(header, r, strict=False) if h})
            if r[0] == "合计":
                break

    read(1)
    read(next(i for i, r in enumerate(rows) if i > 1 and r[0] == "分公司"))
    return out


def as_datetime(value: object) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())  # type: ignore[arg-type]


def opened_files(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every workbook the deployment reads from now on (python-calamine opens)."""
    opened: list[Path] = []
    real = deployment_module.open_workbook

    def counting(path: Path, *args: object):  # noqa: ANN202
        opened.append(Path(path))
        return real(path, *args)

    monkeypatch.setattr(deployment_module, "open_workbook", counting)
    return opened


# ---------------------------------------------------------------------------------------------- 总览 figures


def contracts_ending_within_30_days(register: Path) -> int:
    """Open contracts (renewal undecided) ending 0 to 30 days after AS_OF, counted from the 保养合同 sheet as staff
    typed it: not from 续约提醒 or any other sheet the product wrote."""
    rows = sheet(register, "保养合同")
    header_at = next(i for i, r in enumerate(rows) if "合同编号" in r)
    at = {str(h): i for i, h in enumerate(rows[header_at])}
    count = 0
    for r in rows[header_at + 1 :]:
        if r[at["合同状态"]] in ("已续约", "已终止") or r[at["续约结果"]] in ("已续约", "不续约"):
            continue
        expiry = r[at["到期日期"]]
        if isinstance(expiry, str):  # typed as text, e.g. 2026/12/01; unreadable ones are not counted
            try:
                expiry = dt.date.fromisoformat(expiry.strip().replace("/", "-"))
            except ValueError:
                continue
        if isinstance(expiry, dt.datetime):
            expiry = expiry.date()
        if isinstance(expiry, dt.date) and 0 <= (expiry - AS_OF.date()).days <= 30:
            count += 1
    return count


def expected_figures(root: Path, folder: str) -> dict[str, object]:
    """Every 总览 figure of one folder, recomputed from its registers' result sheets and data."""
    files = sorted((root / folder).glob("*.xlsx"))
    files = [f for f in files if f.name != SUMMARY.name and not is_summary_copy(f, root, load_settings(root))]
    by_name = {f.name: f for f in files}
    figures: dict[str, object] = dict.fromkeys(
        (CALLS, OPEN_LATE, LATE, "未派工", "在修商品", "逾期维修", "A类件数", "B类件数", "C类件数", "30天内到期合同",
         "校验错误", "校验警告"), 0)  # fmt: skip
    figures.update({"服务费收入(元)": 0.0, "技术员工时": 0.0, "按时到达率": None, "日报核阅(近7天)": "0/0"})
    for f in files:
        checks = table(f, "校验结果")
        figures["校验错误"] += sum(r["级别"] == "错误" for r in checks)  # type: ignore[operator]
        figures["校验警告"] += sum(r["级别"] == "警告" for r in checks)  # type: ignore[operator]
    calls = by_name.get("叫修登记簿.xlsx")
    if calls:
        every = table(calls, "派工时限")
        deadline = [r for r in every if MONTH <= as_datetime(r["来电时间"]) <= AS_OF]
        arrived = [r for r in deadline if r["状态"] in ("按时", "超时")]
        figures["按时到达率"] = sum(r["状态"] == "按时" for r in arrived) / len(arrived) if arrived else None
        figures[OPEN_LATE] = sum(r["状态"] == "未到达(已超时)" for r in every)  # any month: needs action now
        figures[LATE] = sum(r["状态"] == "超时" for r in deadline)
        figures["未派工"] = len(table(calls, "次日优先派工"))
        calls_table = Deployment(root, load_settings(root), AS_OF).load(calls).tables["叫修登记"]
        data = calls_table.data
        month = data[(data["来电时间"] >= MONTH) & (data["来电时间"] <= AS_OF)]
        figures[CALLS] = len(month)
        for c in "ABC":
            figures[f"{c}类件数"] = int((month["服务类别"] == c).sum())
        # 服务费收入: A calls completed in the month whose 服务费 cell has no error in 校验结果
        wrong = {int(re.sub(r"\D", "", str(r["单元格"]))) for r in table(calls, "校验结果")
                 if r["列"] == "服务费" and r["级别"] == "错误"}  # fmt: skip
        fine = ~data.index.isin([i for i, row in enumerate(calls_table.excel_rows.tolist()) if row in wrong])
        done = data[(data["完成时间"] >= MONTH) & (data["完成时间"] <= AS_OF) & (data["服务类别"] == "A") & fine]
        figures["服务费收入(元)"] = round(float(done["服务费"].fillna(0).sum()), 2)
    items = by_name.get("客户商品进出登记簿.xlsx")
    if items:
        figures["在修商品"] = len(table(items, "在修商品"))
        figures["逾期维修"] = len(table(items, "逾期维修"))
    contracts = by_name.get("保养合同.xlsx")
    if contracts:
        figures["30天内到期合同"] = contracts_ending_within_30_days(contracts)
    worklog = by_name.get("技术员工作日报表.xlsx")
    if worklog:
        days = [r for r in table(worklog, "服务主任日报") if r["技术员"] == "合计"]
        in_month = [r for r in days if MONTH.date() <= r["日期"] <= AS_OF.date()]  # type: ignore[operator]
        figures["技术员工时"] = round(sum(float(r["合计工时"]) for r in in_month), 2)  # type: ignore[arg-type]
        week = AS_OF.date() - dt.timedelta(days=6)
        recent = [r for r in days if week <= r["日期"] <= AS_OF.date()]  # type: ignore[operator]
        signed = sum(str(r["经理核阅"]).startswith("已核阅") for r in recent)
        figures["日报核阅(近7天)"] = f"{signed}/{len(recent)}"
    return figures


def test_every_overview_figure_equals_the_branch_result_sheets(company: Path) -> None:
    shown = overview(company)
    assert list(shown) == [*BRANCHES, HEAD, "合计"]
    for folder in (*BRANCHES, HEAD):
        expected = expected_figures(company, folder)
        row = shown[folder]
        for name, value in expected.items():
            got = row[name]
            if value is None:
                assert got in ("", None), (folder, name, got)
            elif isinstance(value, float):
                assert got == pytest.approx(value), (folder, name, got, value)
            else:
                assert got == value, (folder, name, got, value)
    assert shown["服务中心"][CALLS] > 0 and shown["服务中心"]["校验错误"] > 0
    total = shown["合计"]
    for name in (CALLS, OPEN_LATE, LATE, "未派工", "在修商品", "逾期维修", "A类件数", "B类件数", "C类件数", "服务费收入(元)",
                 "技术员工时", "30天内到期合同", "校验错误", "校验警告"):  # fmt: skip
        assert total[name] == pytest.approx(sum(shown[f][name] for f in (*BRANCHES, HEAD))), name  # type: ignore[misc]
    reviewed = [str(shown[f]["日报核阅(近7天)"]).split("/") for f in (*BRANCHES, HEAD)]
    assert total["日报核阅(近7天)"] == f"{sum(int(k) for k, _ in reviewed)}/{sum(int(n) for _, n in reviewed)}"
    assert 0 < total["按时到达率"] <= 1  # type: ignore[operator]


# ------------------------------------------------------------------- issue 15: 应收未收, 续约率, 重要客户超期未联系
#
# Recomputed in plain Python from the registers' rows as staff typed them (python-calamine), never from any sheet
# the product wrote: the rules are those of docs/design.md (and of 收费核对, 客户维护提醒).


def raw_rows(path: Path, name: str, key: str) -> list[dict[str, object]]:
    """A register sheet's data rows as dicts by header (the header row is the one holding ``key``; a unit such as
    (元) is dropped from the header)."""
    rows = sheet(path, name)
    at = next(i for i, r in enumerate(rows) if key in r)
    header = [re.sub(r"\(.*\)$", "", str(h)) for h in rows[at]]
    return [dict(zip(header, r, strict=False)) for r in rows[at + 1 :] if any(v not in ("", None) for v in r)]


def a_day(value: object) -> dt.date | None:
    """A date cell as typed: a date, a datetime, or text such as 2026/11/01 or 2026.11.12 (the registers read
    those); None when blank or unreadable."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return dt.date.fromisoformat(re.sub(r"[/.]", "-", value.strip()))
        except ValueError:
            return None
    return None


def a_money(value: object) -> float | None:
    """A money cell as typed: a number, or text such as 970元 / 1,200 (the registers read those too)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip().removesuffix("元").replace(",", "").strip())
        except ValueError:
            return None
    return None


def spelled(value: object, aliases: dict[str, str], canonical: tuple[str, ...]) -> object:
    """A choice as staff may spell it (「A类」, 「有费」, 「挂账」) mapped to the canonical one by the company's spelling
    table (the register model's aliases: data the clerks were given, not the product's logic)."""
    text = "".join(str(value).split()) if isinstance(value, str) else value
    return text if text in canonical else aliases.get(text, value)  # type: ignore[arg-type]


def expected_receivable(register: Path) -> tuple[float, int | None]:
    """(amount, oldest days) of A calls completed with a fee, invoiced to collect later and not collected."""
    from automation.registers.callins import CASH, CATEGORY_ALIASES, INVOICE, PAYMENT_ALIASES

    amount, oldest = 0.0, None
    for r in raw_rows(register, "叫修登记", "登记号"):
        fee = a_money(r.get("服务费"))
        category = spelled(r.get("服务类别"), {"".join(k.split()): v for k, v in CATEGORY_ALIASES.items()}, ("A", "B", "C"))
        payment = spelled(r.get("收费方式"), PAYMENT_ALIASES, (CASH, INVOICE))
        cash = payment == CASH and r.get("处理方式") != "带回修理"
        invoiced = a_day(r.get("开票日期"))
        if (category != "A" or a_day(r.get("完成时间")) is None or fee is None or not fee > 0 or cash
                or invoiced is None
                or r.get("收款日期") not in ("", None)):  # fmt: skip
            continue
        amount += fee
        days = (AS_OF.date() - invoiced).days
        oldest = days if oldest is None else max(oldest, days)
    return round(amount, 2), oldest


def expected_renewals(register: Path) -> tuple[int, int]:
    """(renewed, decided) among contracts expiring from 365 days before AS_OF to 30 days after it."""
    renewed = decided = 0
    for r in raw_rows(register, "保养合同", "合同编号"):
        expiry = a_day(r.get("到期日期"))
        if expiry is None or not -365 <= (expiry - AS_OF.date()).days <= 30:
            continue
        result, state, visit = r.get("续约结果"), r.get("合同状态"), r.get("拜访结果")
        if result in ("已续约", "不续约"):
            yes = result == "已续约"
        elif state == "已续约":
            yes = True
        elif visit in ("续约", "不续约"):
            yes = visit == "续约"
        else:
            continue
        renewed += yes
        decided += 1
    return renewed, decided


def expected_uncontacted(archive: Path, limit: int) -> int:
    """重要客户 (not 终止) whose latest 往来记录 is more than ``limit`` days old, or with none and filed (建档日期)
    longer ago than that or on an unknown day."""
    cutoff = AS_OF.date() - dt.timedelta(days=limit)
    last: dict[object, dt.date] = {}
    for r in raw_rows(archive, "往来记录", "客户代码"):
        day = a_day(r.get("日期"))
        if day is not None and r.get("客户代码") not in ("", None):
            last[r["客户代码"]] = max(day, last.get(r["客户代码"], day))
    count = 0
    for r in raw_rows(archive, "客户", "客户代码"):
        if r.get("重要客户") != "是" or r.get("往来状态") == "终止" or r.get("客户代码") in ("", None):
            continue
        latest = last.get(r["客户代码"])
        filed = a_day(r.get("建档日期"))
        if (latest is None and (filed is None or filed < cutoff)) or (latest is not None and latest < cutoff):
            count += 1
    return count


def expected_satisfaction(callins: Path) -> tuple[int, int]:
    """(非常满意 + 满意, all readable answers) of the 客户意见调查 rows dated in the as-of month, from the raw sheet."""
    ratings = ("非常满意", "满意", "一般", "不满意", "很不满意")
    satisfied = surveyed = 0
    for r in raw_rows(callins, "客户意见调查", "登记号"):
        day = a_day(r.get("调查日期"))
        if day is None or (day.year, day.month) != (AS_OF.year, AS_OF.month) or r.get("满意度") not in ratings:
            continue
        surveyed += 1
        satisfied += r["满意度"] in ratings[:2]
    return satisfied, surveyed


def test_missing_daily_reports_and_the_months_satisfaction_per_branch(company: Path) -> None:
    """日报缺失 = the branch's missing technician and supervisor reports (rows of its 日报缺失 sheet of those two
    kinds, not the unreviewed ones); 2026年11月满意率 from the raw survey rows of the month."""
    shown = overview(company)
    satisfied_all = surveyed_all = missing_all = 0
    for folder in BRANCHES:
        rows = table(company / folder / "技术员工作日报表.xlsx", "日报缺失")
        missing = sum(r["类型"] in ("技术员日报缺失", "服务主任日报缺失") for r in rows)
        assert shown[folder]["日报缺失"] == missing, folder
        satisfied, surveyed = expected_satisfaction(company / folder / "叫修登记簿.xlsx")
        assert surveyed > 0, folder  # the sample surveys calls every month, so the check means something
        assert shown[folder]["2026年11月满意率"] == pytest.approx(satisfied / surveyed), folder
        satisfied_all, surveyed_all, missing_all = satisfied_all + satisfied, surveyed_all + surveyed, missing_all + missing
    assert shown["合计"]["日报缺失"] == missing_all
    assert shown["合计"]["2026年11月满意率"] == pytest.approx(satisfied_all / surveyed_all)
    assert shown[HEAD]["日报缺失"] == 0 and shown[HEAD]["2026年11月满意率"] == ""


def test_receivables_renewal_rate_and_uncontacted_customers_per_branch(company: Path) -> None:
    shown = overview(company)
    owed_total, oldest_all, renewed_all, decided_all = 0.0, [], 0, 0
    for folder in BRANCHES:
        amount, oldest = expected_receivable(company / folder / "叫修登记簿.xlsx")
        renewed, decided = expected_renewals(company / folder / "保养合同.xlsx")
        row = shown[folder]
        assert row["应收未收(元)"] == pytest.approx(amount), folder
        assert row["应收最久(天)"] == (oldest if oldest is not None else ""), folder
        assert row["续约率"] == (pytest.approx(renewed / decided) if decided else ""), folder
        assert row["重要客户超期未联系"] == 0, folder  # the customer archive is at head office
        owed_total += amount
        oldest_all += [oldest] if oldest is not None else []
        renewed_all, decided_all = renewed_all + renewed, decided_all + decided
    assert owed_total > 0 and decided_all > 0  # the sample has both, so the check means something
    uncontacted = expected_uncontacted(company / HEAD / "客户档案.xlsx", load_settings(company).contact_days)
    assert uncontacted > 0 and shown[HEAD]["重要客户超期未联系"] == uncontacted
    assert shown[HEAD]["应收未收(元)"] == 0 and shown[HEAD]["续约率"] == ""
    total = shown["合计"]
    assert total["应收未收(元)"] == pytest.approx(owed_total)
    assert total["应收最久(天)"] == max(oldest_all)
    assert total["续约率"] == pytest.approx(renewed_all / decided_all)  # pooled, not an average of the rates
    assert total["重要客户超期未联系"] == uncontacted


def test_each_count_is_the_number_of_rows_of_its_detail_sheet(company: Path) -> None:
    shown = overview(company)
    path = company / SUMMARY
    late_rows = table(path, "超时明细")
    open_late = Counter(r["分公司"] for r in late_rows if r["状态"] == "未到达(已超时)")
    late = Counter(r["分公司"] for r in late_rows if r["状态"] == "超时")
    waiting = Counter(r["分公司"] for r in table(path, "次日优先派工"))
    overdue = Counter(r["分公司"] for r in table(path, "逾期维修"))
    marked = Counter(r["分公司"] for r in table(path, "续约提醒") if r["30天内到期"] == "是")
    # Counted from the registers as typed, not from the summary's own 30天内到期 column.
    soon = Counter({f: contracts_ending_within_30_days(company / f / "保养合同.xlsx") for f in BRANCHES})
    problems = table(path, "校验问题")
    errors = Counter(r["分公司"] for r in problems if r["级别"] == "错误")
    warnings = Counter(r["分公司"] for r in problems if r["级别"] == "警告")
    for folder in (*BRANCHES, HEAD):
        row = shown[folder]
        assert (row[OPEN_LATE], row[LATE], row["未派工"], row["逾期维修"], row["30天内到期合同"]) == (
            open_late[folder], late[folder], waiting[folder], overdue[folder], soon[folder])  # fmt: skip
        assert (row["校验错误"], row["校验警告"]) == (errors[folder], warnings[folder])
        assert marked[folder] == soon[folder]
    # 超时明细 holds exactly the two figures: open overdue calls of any month, and the month's late arrivals
    assert {r["状态"] for r in late_rows} <= {"未到达(已超时)", "超时"} and open_late and late
    assert all(MONTH <= r["来电时间"] <= AS_OF for r in late_rows if r["状态"] == "超时")  # type: ignore[operator]


def append_call(path: Path, values: dict[str, object]) -> None:
    """Append a call to a call-in register: a copy of its last row with ``values`` (openpyxl: the file changes)."""
    book = openpyxl.load_workbook(path)
    ws = book["叫修登记"]
    header_row = next(r for r in range(1, 6) if "登记号" in [c.value for c in ws[r]])
    headers = [c.value for c in ws[header_row]]
    new = [c.value for c in ws[ws.max_row]]
    for name, value in values.items():
        if name in headers:
            new[headers.index(name)] = value
    ws.append(new)
    book.save(path)


def test_open_overdue_calls_count_whatever_their_month(copy: Path) -> None:
    """Issue 10: 总览 showed 0 超时 at the start of a month while last month's calls were still not reached. Open
    overdue calls (未到达(已超时)) count whatever their month, beside the month's late arrivals, each in its own
    column, and each equals its rows of 超时明细."""
    before = overview(copy)
    path = copy / "慈溪分公司" / "叫修登记簿.xlsx"
    open_call = {"派工技术员": None, "派工时间": None, "到达时间": None, "处理方式": None, "完成时间": None,
                 "客户签字": None, "服务费": None, "发票号": None, "开票日期": None}  # fmt: skip
    append_call(path, {**open_call, "登记号": "CXOLD0001", "来电时间": dt.datetime(2026, 10, 20, 9, 0)})
    append_call(path, {**open_call, "登记号": "CXOLD0002", "来电时间": dt.datetime(2026, 10, 30, 14, 0)})
    assert build_summary(copy, as_of=AS_OF).written

    after = overview(copy)
    assert after["慈溪分公司"][OPEN_LATE] == before["慈溪分公司"][OPEN_LATE] + 2
    assert after["慈溪分公司"][LATE] == before["慈溪分公司"][LATE]
    assert after["慈溪分公司"][CALLS] == before["慈溪分公司"][CALLS]  # October calls are not this month's calls
    assert after["合计"][OPEN_LATE] == before["合计"][OPEN_LATE] + 2
    late = {r["登记号"]: r for r in table(copy / SUMMARY, "超时明细") if r["分公司"] == "慈溪分公司"}
    assert late["CXOLD0001"]["状态"] == late["CXOLD0002"]["状态"] == "未到达(已超时)"
    assert sum(r["状态"] == "未到达(已超时)" for r in late.values()) == after["慈溪分公司"][OPEN_LATE]
    assert sum(r["状态"] == "超时" for r in late.values()) == after["慈溪分公司"][LATE]


def test_the_month_is_named_and_the_figures_explained(company: Path) -> None:
    """The month figures say which month they count (「2026年11月」, not 「本月」), in the headers and the banner; the
    notes under 合计 say what 超时 and 服务费收入 count."""
    rows = sheet(company / SUMMARY, "总览")
    banner, header = str(rows[0][0]), [str(h) for h in rows[1]]
    assert "统计月份：2026年11月（11月1日至27日）" in banner
    assert header[:6] == ["分公司", CALLS, "2026年10月叫修", "按时到达率", OPEN_LATE, LATE]  # the previous month beside
    assert "上月：2026年10月" in banner
    assert not any("本月" in h for h in header)
    total = next(i for i, r in enumerate(rows) if r[0] == "合计")
    assert rows[total + 1][0].startswith("红＝须立即处理")  # the key table ends at 合计, its colours explained
    notes = [str(r[0]) for r in rows if str(r[0]).startswith(("说明：", "服务费收入(元) ="))]
    assert "超时未到达" in notes[0] and "不论来电月份" in notes[0] and "2026年11月1日至27日" in notes[0]
    assert notes[1].startswith("服务费收入(元) = 2026年11月内完成的 A 类") and "服务费单元格有错误的" in notes[1]
    with zipfile.ZipFile(company / SUMMARY) as z:
        titles = " ".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart"))
    assert "2026年11月按时到达率" in titles and "本月" not in titles


def test_service_fee_income_is_a_calls_whose_fee_has_no_error(copy: Path) -> None:
    """Issue 10: 服务费收入 summed every class, a charged C call included. It is the 服务费 of A calls completed in the
    month whose fee cell has no error: a C call with a fee (CAL012) is not income."""
    path = copy / "服务中心" / "叫修登记簿.xlsx"
    calls = Deployment(copy, load_settings(copy), AS_OF).load(path).tables["叫修登记"]
    data = calls.data
    paid = data[(data["服务类别"] == "A") & (data["完成时间"] >= MONTH) & (data["完成时间"] <= AS_OF) & (data["服务费"] > 0)]
    i = int(paid.index[0])
    fee, row = float(data["服务费"][i]), int(calls.excel_rows[i])
    before = overview(copy)["服务中心"]["服务费收入(元)"]
    assert before >= fee > 0

    book = openpyxl.load_workbook(path)
    book["叫修登记"].cell(row, calls.columns["服务类别"] + 1).value = "C"  # the same call, now free, still charged
    book.save(path)
    assert build_summary(copy, as_of=AS_OF).written
    shown = overview(copy)
    assert shown["服务中心"]["服务费收入(元)"] == pytest.approx(before - fee)
    flagged = [r for r in table(copy / SUMMARY, "校验问题") if r["分公司"] == "服务中心" and r["代码"] == "CAL012"]
    assert any(r["单元格"] == f"{openpyxl.utils.get_column_letter(calls.columns['服务费'] + 1)}{row}" for r in flagged)
    run_root(copy, as_of=AS_OF)  # write 校验结果 back, so the figures can be recomputed from the branch's sheets
    assert overview(copy)["服务中心"]["服务费收入(元)"] == pytest.approx(
        expected_figures(copy, "服务中心")["服务费收入(元)"]
    )


def test_cache_entries_of_an_older_facts_layout_are_not_used(copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the facts hold changed (超时明细 rows, 服务费): facts cached by an older layout are read again."""
    before = overview(copy)
    folder = copy / ".automation" / "summary-cache"
    for path in folder.glob("*.json"):
        if path.name == "index.json":
            continue
        body = collect_module.unframe(path.read_bytes(), collect_module.FACTS_KIND)  # of this version
        path.write_bytes(collect_module.frame(collect_module.FACTS_KIND, collect_module.CACHE_VERSION - 1, body))
    processed = processed_files(monkeypatch)
    assert build_summary(copy, as_of=AS_OF).written
    assert len(processed) == len(summary_sources(copy, load_settings(copy)))
    assert overview(copy) == before


def test_sheets_layout_real_values_frozen_headers_and_filters(company: Path) -> None:
    path = company / SUMMARY
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["总览", "服务日报汇总", "超时明细", "逾期维修", "续约提醒", "次日优先派工", "校验问题", "数据状态"]
    for ws in book.worksheets:
        assert str(ws["A1"].value).startswith("本表由系统自动生成 · 计算时间 2026-11-27 16:00 · 请勿在此表编辑")
        assert ws.freeze_panes == "A3"
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A2:")
        assert all(ws.column_dimensions[c].width >= 5 for c in "ABC")
        if ws.title != "总览":
            assert ws["A2"].value == "分公司"
    late = table(path, "超时明细")
    assert late and isinstance(late[0]["来电时间"], dt.datetime) and isinstance(late[0]["时限(工时)"], float)
    assert isinstance(table(path, "续约提醒")[0]["到期日期"], dt.date)
    ws = book["总览"]
    assert ws["D3"].number_format == "0.0%" and isinstance(ws["B3"].value, int)


def test_charts_exist_and_point_at_the_overview(company: Path) -> None:
    with zipfile.ZipFile(company / SUMMARY) as z:
        names = z.namelist()
        charts = sorted(n for n in names if re.fullmatch(r"xl/charts/chart\d+\.xml", n))
        assert len(charts) == 3
        assert "xl/drawings/drawing1.xml" in names
        assert b"drawing1.xml" in z.read("xl/worksheets/_rels/sheet1.xml.rels")
        assert b"<drawing " in z.read("xl/worksheets/sheet1.xml")
        xml = [z.read(c).decode() for c in charts]
    refs = [re.findall(r"<c:f>([^<]+)</c:f>", x) for x in xml]
    kinds = [re.findall(r"<c:(barChart|lineChart)>", x) for x in xml]
    n = len(BRANCHES)
    assert kinds == [["barChart", "lineChart"], ["barChart"], ["lineChart"]]  # on-time columns + the target line
    book = openpyxl.load_workbook(company / SUMMARY)
    ws = book["总览"]
    # on-time rate: title D2, categories A3:A5, values D3:D5; then the target line over cells holding the target
    assert refs[0][:3] == ["'总览'!$D$2", f"'总览'!$A$3:$A${2 + n}", f"'总览'!$D$3:$D${2 + n}"]
    target_cells = re.findall(r"\$B\$(\d+)", refs[0][5])
    assert [ws[f"B{r}"].value for r in range(int(target_cells[0]), int(target_cells[1]) + 1)] == [0.9] * n
    # A/B/C by branch: three series over the second table's columns headed A类件数, B类件数, C类件数
    second = next(r for r in range(4, ws.max_row) if ws[f"A{r}"].value == "分公司")
    header = [c.value for c in ws[second]]
    abc = [openpyxl.utils.get_column_letter(header.index(f"{k}类件数") + 1) for k in "ABC"]
    categories = f"'总览'!$A${second + 1}:$A${second + n}"
    assert refs[1] == [x for c in abc for x in (f"'总览'!${c}${second}", categories,
                                                  f"'总览'!${c}${second + 1}:${c}${second + n}")]  # fmt: skip
    # daily calls: 30 dates in column A, totals in column B, below the print area
    title, cats, values = refs[2]
    first, last = (int(x) for x in re.findall(r"\$A\$(\d+)", cats))
    assert last - first + 1 == 30 and values == f"'总览'!$B${first}:$B${last}" and title == f"'总览'!$B${first - 1}"
    assert [ws[f"A{r}"].value for r in range(3, 3 + n)] == list(BRANCHES)
    assert [ws[f"A{r}"].value for r in range(second + 1, second + 1 + n)] == list(BRANCHES)
    days = [ws[f"A{r}"].value for r in range(first, last + 1)]
    assert days[0].date() == AS_OF.date() - dt.timedelta(days=29) and days[-1].date() == AS_OF.date()
    calls = sum(ws[f"B{r}"].value for r in range(first, last + 1))
    assert calls == sum(ws[f"{c}{r}"].value for r in range(first, last + 1) for c in "CDE")  # per branch columns
    assert ws[f"B{first - 1}"].value == "合计"
    # data labels on every chart; the on-time axis zoomed below the lowest rate (not 0 %), up to 100 %
    assert all("<c:dLbls>" in x for x in xml)
    lowest = min(ws[f"D{r}"].value for r in range(3, 3 + n))
    low = float(re.search(r'<c:min val="([\d.]+)"/>', xml[0]).group(1))
    assert 0 < low < min(lowest, 0.9) and low > min(lowest, 0.9) - 0.1
    assert '<c:max val="1.0"/>' in xml[0]


def test_unsigned_daily_reports_are_pending_not_forwarded(company: Path) -> None:
    rows = table(company / SUMMARY, "服务日报汇总")
    settings = load_settings(company)
    deployment = Deployment(company, settings, AS_OF)
    pending = 0
    for branch in BRANCHES:
        review = deployment.load(company / branch / "技术员工作日报表.xlsx").tables["日报核阅"].data
        signed = {d.date() for d, ok in zip(review["日期"], review["经理核阅"], strict=True) if ok is True}
        mine = [r for r in rows if r["分公司"] == branch]
        assert mine
        for r in mine:
            assert (r["转报状态"] == "已转报") == (r["日期"] in signed), r
            pending += r["转报状态"] != "已转报"
    assert pending > 0  # the sample has unsigned days, shown as pending
    shown = overview(company)
    for branch in BRANCHES:
        recent = [r for r in rows if r["分公司"] == branch and r["近7天"] == "是"]
        assert shown[branch]["日报核阅(近7天)"] == f"{sum(r['转报状态'] == '已转报' for r in recent)}/{len(recent)}"


def sensitive_strings(root: Path) -> set[str]:
    """Every phone number and address typed in the customer archive and the call-in registers."""
    found: set[str] = set()
    sources = [(root / HEAD / "客户档案.xlsx", ("客户", "联系人"))] + [
        (root / b / "叫修登记簿.xlsx", ("叫修登记",)) for b in BRANCHES
    ]
    for path, sheets in sources:
        for name in sheets:
            rows = sheet(path, name)
            top = next(i for i, r in enumerate(rows[:5]) if "电话" in r)
            columns = [j for j, h in enumerate(rows[top]) if str(h) in ("电话", "地址", "传真")]
            for r in rows[top + 1 :]:
                for j in columns:
                    value = r[j] if j < len(r) else ""
                    if isinstance(value, float) and value.is_integer():
                        value = str(int(value))
                    if isinstance(value, str) and len(value.strip()) >= 5:
                        found.add(value.strip())
    return found


def test_no_customer_phone_or_address_anywhere_in_the_summary(company: Path) -> None:
    secrets = sensitive_strings(company)
    assert len(secrets) > 100
    text = []
    with zipfile.ZipFile(company / SUMMARY) as z:
        for name in z.namelist():
            root = etree.parse(io.BytesIO(z.read(name)))
            text.extend(t for t in root.iter() for t in (t.text or "", *t.attrib.values()))
    blob = "\n".join(text)
    leaks = sorted(s for s in secrets if s in blob)
    assert not leaks, leaks[:5]
    # a mistyped phone number is reported, but its value is hidden
    hidden = [r for r in table(company / SUMMARY, "校验问题") if r["列"] in ("电话", "地址", "传真")]
    assert hidden and all(r["填写内容"] in ("（已隐藏）", "") for r in hidden)


def test_problems_link_to_their_file_and_cell(company: Path) -> None:
    ws = openpyxl.load_workbook(company / SUMMARY)["校验问题"]
    headers = [c.value for c in ws[2]]
    cell_col, book_col = headers.index("单元格") + 1, headers.index("工作簿") + 1
    checked = 0
    for r in range(3, ws.max_row + 1):
        cell = ws.cell(r, cell_col)
        if cell.hyperlink is None:
            continue
        target = unquote(cell.hyperlink.target)
        assert (company / HEAD / target).resolve() == (company / ws.cell(r, book_col).value).resolve()
        assert (company / HEAD / target).is_file()
        sheet_name, ref = cell.hyperlink.location.rsplit("!", 1)
        sheet_name = sheet_name.strip("'")
        assert sheet_name == ws.cell(r, headers.index("工作表") + 1).value
        # A problem at a cell shows and opens that cell; one about a whole sheet (CLD001 on 工作日历) shows the
        # sheet's name and opens its A1.
        assert ref == cell.value or (ref == "A1" and cell.value == sheet_name)
        checked += 1
    assert checked == len(table(company / SUMMARY, "校验问题")) > 10
    assert unquote(ws.cell(3, book_col).hyperlink.target).startswith("../") or ws.cell(3, 1).value == HEAD


def test_data_status_lists_every_workbook_with_its_write_back(company: Path) -> None:
    rows = table(company / SUMMARY, "数据状态")
    sources = {s.name for s in summary_sources(company, load_settings(company))}
    assert {r["工作簿"] for r in rows} == sources
    assert all(r["结果写回"] == "已写回" and isinstance(r["修改时间"], dt.datetime) for r in rows)
    assert {r["登记簿"] for r in rows if r["分公司"] == HEAD} == {"基础资料", "客户档案", "需求信息"}


# ---------------------------------------------------------------------------------------------- incremental


def test_rebuild_without_changes_reads_no_workbook(copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = overview(copy)
    opened = opened_files(monkeypatch)
    outcome = build_summary(copy, as_of=AS_OF)
    assert outcome.written and opened == []
    assert overview(copy) == before


def test_after_one_branch_changes_only_that_branch_is_read_again(copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = copy / "慈溪分公司" / "叫修登记簿.xlsx"
    book = openpyxl.load_workbook(path)
    ws = book["叫修登记"]
    header_row = next(r for r in range(1, 6) if "登记号" in [c.value for c in ws[r]])
    headers = [c.value for c in ws[header_row]]
    new = [c.value for c in ws[ws.max_row]]
    values = {"登记号": "CXNEW0001", "来电时间": AS_OF - dt.timedelta(hours=1), "派工技术员": None, "派工时间": None,
              "到达时间": None, "处理方式": None, "完成时间": None, "客户签字": None, "服务费": None, "发票号": None,
              "开票日期": None}  # fmt: skip
    for name, value in values.items():
        if name in headers:
            new[headers.index(name)] = value
    ws.append(new)
    book.save(path)
    before = overview(copy)

    opened = opened_files(monkeypatch)
    outcome = build_summary(copy, as_of=AS_OF)
    assert outcome.written
    folders = {p.parent.name for p in opened}
    assert path in opened and folders <= {"慈溪分公司", HEAD}
    after = overview(copy)
    assert after["慈溪分公司"][CALLS] == before["慈溪分公司"][CALLS] + 1
    assert after["慈溪分公司"]["未派工"] == before["慈溪分公司"]["未派工"] + 1
    assert after["服务中心"] == before["服务中心"] and after["余姚分公司"] == before["余姚分公司"]
    status = {r["工作簿"]: r for r in table(copy / SUMMARY, "数据状态")}
    assert status["慈溪分公司/叫修登记簿.xlsx"]["结果写回"] == "待写回"

    opened.clear()
    assert build_summary(copy, as_of=AS_OF).written and opened == []  # and now it is cached


def test_our_own_write_back_does_not_invalidate_the_cache(copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reports, _ = run_root(copy, as_of=AS_OF)  # writes every register again (same results)
    assert reports
    opened = opened_files(monkeypatch)
    assert build_summary(copy, as_of=AS_OF).written and opened == []


def processed_files(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every workbook a build validates again (relative names)."""
    processed: list[str] = []
    real = collect_module.process_workbook

    def counting(deployment, path, *, write):  # noqa: ANN001, ANN202
        processed.append(Path(path).relative_to(deployment.root).as_posix())
        return real(deployment, path, write=write)

    monkeypatch.setattr(collect_module, "process_workbook", counting)
    return processed


def edit_cell(path: Path, sheet_name: str, header: str, value: object) -> None:
    """Set ``header`` of the first data row of a staff sheet (openpyxl: the file really changes)."""
    book = openpyxl.load_workbook(path)
    ws = book[sheet_name]
    top = next(r for r in range(1, 6) if header in [c.value for c in ws[r]])
    column = [c.value for c in ws[top]].index(header) + 1
    ws.cell(top + 1, column).value = value
    book.save(path)


def test_an_edit_that_changes_no_lookup_rereads_only_that_register(
    copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit_cell(copy / "服务中心" / "叫修登记簿.xlsx", "叫修登记", "备注", "客户来电催修")
    edit_cell(copy / HEAD / "客户档案.xlsx", "往来记录", "摘要", "电话回访，客户满意")
    processed = processed_files(monkeypatch)
    assert build_summary(copy, as_of=AS_OF).written
    assert sorted(processed) == ["总部/客户档案.xlsx", "服务中心/叫修登记簿.xlsx"]


def test_reports_handed_in_give_the_same_summary(copy: Path) -> None:
    before = overview(copy)
    shutil.rmtree(copy / ".automation" / "summary-cache")
    reports = validate_root(copy, as_of=AS_OF)
    assert build_summary(copy, as_of=AS_OF, reports=reports).written
    assert overview(copy) == before


def test_worker_processes_give_the_same_summary(copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = {name: table(copy / SUMMARY, name) for name in ("总览", "超时明细", "校验问题", "服务日报汇总")}
    shutil.rmtree(copy / ".automation" / "summary-cache")
    monkeypatch.setattr(collect_module, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(collect_module, "PARALLEL_BYTES_PER_WORKER", 1)
    monkeypatch.setattr(collect_module, "_cpus", lambda: 2)
    used: list[bool] = []
    real = collect_module.in_workers
    monkeypatch.setattr(collect_module, "in_workers", lambda *a: used.append(real(*a)) or used[-1])
    assert build_summary(copy, as_of=AS_OF).written
    assert used == [True]
    for name, rows in before.items():
        assert table(copy / SUMMARY, name) == rows, name


# ---------------------------------------------------------------------------------------------- open summary


def test_open_summary_gets_a_timestamped_copy_then_is_replaced(copy: Path) -> None:
    summary = copy / SUMMARY
    original, inode = summary.read_bytes(), summary.stat().st_ino
    lock = summary.with_name(f".~lock.{summary.name}#")
    lock.write_text("王经理,wang,PC-01,29.11.2026 09:00,file:///home/wang;", encoding="utf-8")
    stale = summary.with_name("汇总.20200101-000000.xlsx")
    stale.write_bytes(b"old copy")

    outcome = build_summary(copy, as_of=AS_OF)
    assert not outcome.written and outcome.copy is not None and outcome.copy.is_file()
    assert re.fullmatch(r"汇总\.\d{8}-\d{6}\.xlsx", outcome.copy.name)
    assert "王经理" in (outcome.reason or "") and outcome.copy.name in (outcome.reason or "") and outcome.reason_en
    assert summary.read_bytes() == original and summary.stat().st_ino == inode and not stale.exists()
    assert pending_copy(copy) == outcome.copy
    assert outcome.copy.name not in {s.path.name for s in summary_sources(copy, load_settings(copy))}
    assert [r[0] for r in sheet(outcome.copy, "总览")[2:5]] == list(BRANCHES)

    lock.unlink()
    again = build_summary(copy, as_of=AS_OF)
    assert again.written and again.copy is None and again.reason is None
    assert summary.stat().st_ino != inode and pending_copy(copy) is None and not outcome.copy.exists()


# ---------------------------------------------------------------------------------------------- bad input


def test_broken_and_missing_registers_still_get_their_rows(copy: Path) -> None:
    (copy / "余姚分公司" / "保养合同.xlsx").write_bytes(b"this is not a workbook")
    (copy / "慈溪分公司" / "技术员工作日报表.xlsx").unlink()
    (copy / "新分公司").mkdir()

    outcome = build_summary(copy, as_of=AS_OF)
    assert outcome.written
    shown = overview(copy)
    assert list(shown) == ["余姚分公司", "慈溪分公司", "新分公司", "服务中心", HEAD, "合计"]
    assert shown["新分公司"][CALLS] == 0 and "缺少叫修登记簿" in shown["新分公司"]["备注"]
    assert "无法读取 保养合同.xlsx" in shown["余姚分公司"]["备注"]
    assert shown["余姚分公司"]["30天内到期合同"] == 0 and shown["余姚分公司"][CALLS] > 0
    assert shown["慈溪分公司"]["日报核阅(近7天)"] == "0/0" and shown["服务中心"][CALLS] > 0

    status = table(copy / SUMMARY, "数据状态")
    broken = next(r for r in status if r["工作簿"] == "余姚分公司/保养合同.xlsx")
    assert broken["结果写回"] == "无法读取" and broken["说明"] and broken["登记簿"] == "保养合同"
    missing = {(r["分公司"], r["登记簿"]) for r in status if r["结果写回"] == "缺失"}
    deleted = next(r for r in status if r["工作簿"] == "慈溪分公司/技术员工作日报表.xlsx")  # one row, not two
    assert deleted["结果写回"] == "已删除或改名" and "慈溪分公司现缺少技术员工作日报表" in deleted["说明"]
    assert "缺少技术员工作日报表" in shown["慈溪分公司"]["备注"]
    assert {("新分公司", name) for name in ("叫修登记簿", "客户商品进出登记簿", "技术员工作日报表", "保养合同")} <= missing
    assert expected_figures(copy, "服务中心")[CALLS] == shown["服务中心"][CALLS]


def test_unwritable_summary_location_is_reported(copy: Path) -> None:
    (copy / "automation.toml").write_text('[layout]\nsummary = "报表/汇总.xlsx"\n', encoding="utf-8")
    (copy / "报表").write_text("a file where the folder should be")
    outcome = build_summary(copy, as_of=AS_OF)
    assert not outcome.written and outcome.copy is None
    assert "无法写入汇总" in (outcome.reason or "") and "汇总.xlsx" in (outcome.reason or "")
    assert outcome.reason_en and "cannot write the summary" in outcome.reason_en


def test_a_root_without_registers_gives_no_summary(tmp_path: Path) -> None:
    (tmp_path / "服务中心").mkdir()
    reports, outcome = run_root(tmp_path, as_of=AS_OF)
    assert reports == [] and outcome is None


def test_data_status_tells_current_results_from_written_ones_and_lists_deleted_workbooks(copy: Path) -> None:
    """A run with nothing new to write says 结果已是最新 (not 未写回); a workbook deleted or renamed away is listed as
    such; one open elsewhere names its lock file and holder."""
    reports, _ = run_root(copy, as_of=AS_OF)  # same content, same as-of: nothing to write
    assert not any(r.written for r in reports)
    status = {r["工作簿"]: r for r in table(copy / SUMMARY, "数据状态")}
    readable = [r for r in status.values() if r["结果写回"] not in ("无法读取", "缺失")]
    assert readable and all(r["结果写回"] == "结果已是最新" for r in readable)

    (copy / "慈溪分公司" / "技术员工作日报表.xlsx").rename(copy / "慈溪分公司" / "技术员工作日报表-旧.xlsx")
    (copy / "余姚分公司" / "客户商品进出登记簿.xlsx").unlink()
    book = copy / "服务中心" / "叫修登记簿.xlsx"
    edit_cell(book, "叫修登记", "备注", "已电话回访")
    book.with_name(f".~lock.{book.name}#").write_text(",张三,PC-1,29.11.2026 10:00,file:///x;", encoding="utf-8")
    run_root(copy, as_of=AS_OF)
    status = {r["工作簿"]: r for r in table(copy / SUMMARY, "数据状态")}
    gone = status["余姚分公司/客户商品进出登记簿.xlsx"]
    assert gone["结果写回"] == "已删除或改名" and "最后处理于" in gone["说明"]
    assert status["慈溪分公司/技术员工作日报表.xlsx"]["结果写回"] == "已删除或改名"
    # the new name is a workbook too, its results already there
    assert status["慈溪分公司/技术员工作日报表-旧.xlsx"]["结果写回"] == "结果已是最新"
    locked = status["服务中心/叫修登记簿.xlsx"]
    assert locked["结果写回"] == "待写回"
    assert locked["说明"].startswith(f"文件正被 张三 (PC-1) 打开（锁文件 .~lock.{book.name}#")
