"""The sample company (automation.sample): layout, determinism, realistic values, and above all that validation
reports exactly the planted mistakes — nothing missed, nothing on a clean row."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from automation import pipeline
from automation.calendar import WorkCalendar
from automation.catalogue import RULES
from automation.registers import REGISTERS
from automation.sample import PlantedMistake, build_sample, holiday_overrides, write_callins_workbook
from automation.sample.vocabulary import credit_check_char, credit_code, org_check_digit, wrong_credit_code

AS_OF = dt.datetime(2026, 11, 27, 16, 0)  # a Friday afternoon
BRANCHES = ("服务中心", "慈溪分公司", "余姚分公司")
ROWS = 60

# Codes that cannot be planted in the data of a complete sample: a missing sheet / header / column or a duplicated
# header hides a whole sheet (XLS*), a missing or empty register is a file-level matter (REF003, REF004), a crashing
# rule (SYS001), COL006 needs two workbooks of one register in a folder (tested in test_rules_service), and CLD001
# is no mistake: it is the reminder about a year without holiday data (see calendar_reminders).
NOT_PLANTED = {"XLS001", "XLS002", "XLS003", "XLS004", "REF003", "REF004", "SYS001", "CLD001", "COL006"}
# Columns whose dates may lie after as_of: contract expiry, the agreed repair date, next year's calendar overrides.
FUTURE_ALLOWED = {("保养合同", "到期日期"), ("客户设备", "保修截止日期"), ("商品进出", "约定完成日期"), ("节假日调整", "日期")}


def layout(root: Path, head_office: str = "总部", branches: tuple[str, ...] = BRANCHES) -> list[Path]:
    files = [root / head_office / REGISTERS[k].file_name for k in ("master", "customers", "demand")]
    files += [root / b / REGISTERS[k].file_name for b in branches for k in ("contracts", "callins", "items", "worklog")]
    return files


def values(path: Path) -> dict[str, list[list[object]]]:
    book = CalamineWorkbook.from_path(str(path))
    try:
        return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}
    finally:
        book.close()


def key(m: PlantedMistake) -> tuple[str, str, str | None, str]:
    return (m.path, m.sheet, m.cell, m.code)


def calendar_reminders(
    as_of: dt.datetime, branches: tuple[str, ...] = BRANCHES, head_office: str = "总部"
) -> set[tuple[str, str, str | None, str]]:
    """The CLD001 reminders validation must give on the sample, besides the planted mistakes. The sample enters
    New Year's Day of 2027 on but cannot know those years' other holidays, so it never marks them 「全年已录入」
    (SPEC §5): 工作日历 reminds when its 60 days reach such a year, each branch's 派工时限 when its calls are
    dated in one."""
    cal = WorkCalendar(overrides={day: kind == "工作日" for day, kind, _ in holiday_overrides(as_of.date())})
    found = set()
    if any(not cal.covered((as_of + dt.timedelta(days=i)).year) for i in range(60)):
        found.add((f"{head_office}/基础资料.xlsx", "工作日历", None, "CLD001"))
    if not cal.covered(as_of.year):
        found |= {(f"{branch}/叫修登记簿.xlsx", "派工时限", None, "CLD001") for branch in branches}
    return found


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[PlantedMistake]]:
    root = tmp_path_factory.mktemp("sample")
    return root, build_sample(root, as_of=AS_OF, rows=ROWS)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("clean")
    assert build_sample(root, as_of=AS_OF, rows=ROWS, mistakes=False) == []
    return root


# --------------------------------------------------------------------------------------------- layout


def test_layout_has_every_register_and_settings(sample: tuple[Path, list[PlantedMistake]]) -> None:
    root, _ = sample
    assert (root / "automation.toml").is_file()
    for path in layout(root):
        assert path.is_file(), path
    for path in layout(root):
        register = next(r for r in REGISTERS.values() if r.file_name == path.name)
        sheets = values(path)
        assert list(sheets) == [s.name for s in register.sheets]


def test_headers_match_the_model_with_a_title_row_in_some_registers(clean: Path) -> None:
    titled = set()
    for path in layout(clean):
        register = next(r for r in REGISTERS.values() if r.file_name == path.name)
        for model in register.sheets:
            rows = values(path)[model.name]
            header_at = next(i for i, row in enumerate(rows[:5]) if row[0] == model.columns[0].title)
            assert rows[header_at][: len(model.columns)] == [c.title for c in model.columns]
            assert len(rows) > header_at + 1, f"{path.name}/{model.name} has no data"
            if header_at:
                titled.add(register.key)
    assert {"callins", "contracts"} <= titled


def test_custom_head_office_and_branches(tmp_path: Path) -> None:
    branches = ("北仑分公司",)
    assert build_sample(tmp_path, as_of=AS_OF, rows=5, branches=branches, head_office="公司总部", mistakes=False) == []
    for path in layout(tmp_path, "公司总部", branches):
        assert path.is_file(), path
    assert 'head_office = "公司总部"' in (tmp_path / "automation.toml").read_text(encoding="utf-8")


def test_bad_branch_lists_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        build_sample(tmp_path, as_of=AS_OF, branches=("总部",))
    with pytest.raises(ValueError):
        build_sample(tmp_path, as_of=AS_OF, branches=("服务中心", "服务中心"))


# --------------------------------------------------------------------------------------------- determinism


def test_same_seed_gives_identical_cells(tmp_path: Path) -> None:
    a = build_sample(tmp_path / "a", as_of=AS_OF, rows=30, seed=7)
    b = build_sample(tmp_path / "b", as_of=AS_OF, rows=30, seed=7)
    assert a == b
    for pa, pb in zip(layout(tmp_path / "a"), layout(tmp_path / "b"), strict=True):
        assert values(pa) == values(pb), pa.name
    c = build_sample(tmp_path / "c", as_of=AS_OF, rows=30, seed=8)
    assert values(layout(tmp_path / "c")[-3]) != values(layout(tmp_path / "a")[-3])  # a branch's call-ins
    assert {m.code for m in c} == {m.code for m in a}


# --------------------------------------------------------------------------------------------- planted mistakes


def test_planted_mistakes_cover_every_plantable_code(sample: tuple[Path, list[PlantedMistake]]) -> None:
    _, planted = sample
    codes = {m.code for m in planted}
    assert codes == set(RULES) - NOT_PLANTED
    families = {RULES[c].family for c in codes}
    assert families == {r.family for r in RULES.values()} - {"结构", "系统", "工作日历"}
    # one mistake, one cell: no two planted problems share a cell
    cells = Counter((m.path, m.sheet, m.cell) for m in planted)
    assert max(cells.values()) == 1
    for m in planted:
        assert re.fullmatch(r"[A-Z]{1,2}[1-9]\d*", m.cell or ""), m
        assert "/" in m.path and "\\" not in m.path
        assert m.note


def test_planted_mistakes_are_in_the_cells_they_name(sample: tuple[Path, list[PlantedMistake]]) -> None:
    root, planted = sample
    for m in planted:
        register = next(r for r in REGISTERS.values() if r.file_name == Path(m.path).name)
        model = register.sheet(m.sheet)
        rows = values(root / m.path)[m.sheet]
        header_at = next(i for i, row in enumerate(rows[:5]) if row[0] == model.columns[0].title)
        match = re.fullmatch(r"([A-Z])(\d+)", m.cell or "")
        assert match, m
        col, row = ord(match.group(1)) - ord("A"), int(match.group(2)) - 1
        assert header_at < row < len(rows), m
        assert rows[header_at][col] in {c.title for c in model.columns}, m


# --------------------------------------------------------------------------------------------- realistic values


def test_event_dates_are_not_after_as_of(clean: Path) -> None:
    limit = AS_OF
    for path in layout(clean):
        for name, rows in values(path).items():
            header_at = next(i for i, row in enumerate(rows[:5]) if "" not in row[:3])
            header = rows[header_at]
            for row in rows[header_at + 1 :]:
                for title, value in zip(header, row, strict=False):
                    if (name, title) in FUTURE_ALLOWED or not isinstance(value, dt.date):
                        continue
                    instant = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
                    assert instant <= limit, (path.name, name, title, value)


def test_values_look_like_a_ningbo_machinery_company(clean: Path) -> None:
    book = values(clean / "总部" / "客户档案.xlsx")
    rows = book["客户"][1:]
    header = book["客户"][0]
    col = {h: i for i, h in enumerate(header)}
    assert rows
    for row in rows:
        assert re.fullmatch(r"KH\d{5}", row[col["客户代码"]])
        assert 315000 <= int(row[col["邮编"]]) <= 315499
        assert row[col["客户名称"]].endswith("公司")
        assert "区" in row[col["地址"]] or "市" in row[col["地址"]]
        code = row[col["统一社会信用代码"]]
        if code:
            assert credit_check_char(code[:17]) == code[17]
            assert org_check_digit(code[8:16]) == code[16]
    important = [r for r in rows if r[col["重要客户"]] == "是"]
    assert important and all(r[col["协办业务员"]] not in ("", r[col["主办业务员"]]) for r in important)
    phones = [r[col["电话"]] for r in rows]
    assert any(re.fullmatch(r"1[3-9]\d{9}", p) for p in phones)
    assert any(re.fullmatch(r"0574-[68]\d{7}(-\d+)?", p) for p in phones)


def test_staff_who_left_appear_only_before_leaving(clean: Path) -> None:
    staff = values(clean / "总部" / "基础资料.xlsx")["员工"]
    left = {r[1]: r[6] for r in staff[1:] if r[5] == "离职"}
    posts = {r[1]: r[3] for r in staff[1:]}
    assert {"技术员", "业务员"} <= {posts[name] for name in left}
    calls = values(clean / BRANCHES[0] / "叫修登记簿.xlsx")["叫修登记"]
    header = calls[1]
    tech, dispatched = header.index("派工技术员"), header.index("派工时间")
    for row in calls[2:]:
        if row[tech] in left:
            assert row[dispatched].date() < left[row[tech]]
    # the salesperson who left still looks after customers: a hand-over reminder for the summary
    customers = values(clean / "总部" / "客户档案.xlsx")["客户"]
    main = customers[0].index("主办业务员")
    assert any(r[main] in left for r in customers[1:])


def test_service_registers_have_every_state(clean: Path) -> None:
    calls = values(clean / BRANCHES[0] / "叫修登记簿.xlsx")["叫修登记"]
    h = {name: i for i, name in enumerate(calls[1])}
    rows = calls[2:]
    assert any(r[h["派工时间"]] == "" for r in rows)  # not dispatched yet
    assert any(r[h["派工时间"]] != "" and r[h["到达时间"]] == "" for r in rows)  # on the way
    assert any(r[h["完成时间"]] != "" for r in rows)
    assert any(r[h["处理方式"]] == "带回修理" for r in rows)
    categories = {r[h["服务类别"]] for r in rows}
    assert {"A", "B", "C"} <= categories
    outside = [r[h["来电时间"]] for r in rows if isinstance(r[h["来电时间"]], dt.datetime)
               and not (8 <= r[h["来电时间"]].hour < 17 and r[h["来电时间"]].weekday() < 5)]
    assert outside
    contracts = values(clean / BRANCHES[0] / "保养合同.xlsx")["保养合同"]
    c = {name: i for i, name in enumerate(contracts[1])}
    ends = [r[c["到期日期"]] for r in contracts[2:]]
    today = AS_OF.date()
    assert any(today <= e <= today + dt.timedelta(days=30) for e in ends)
    assert any(e < today and r[c["续约结果"]] != "已续约" for e, r in zip(ends, contracts[2:], strict=True))
    numbers = {r[c["合同编号"]] for r in contracts[2:]}
    renewed = [r[c["新合同编号"]] for r in contracts[2:] if r[c["续约结果"]] == "已续约"]
    assert renewed and set(renewed) <= numbers
    items = values(clean / BRANCHES[0] / "客户商品进出登记簿.xlsx")["商品进出"]
    i = {name: k for k, name in enumerate(items[0])}
    assert any(r[i["修妥日期"]] == "" and r[i["约定完成日期"]] < today for r in items[1:])  # overdue
    assert any(r[i["归还日期"]] != "" for r in items[1:])
    review = values(clean / BRANCHES[0] / "技术员工作日报表.xlsx")["日报核阅"]
    assert {r[2] for r in review[1:]} == {"是", "否"}


def test_credit_code_check_characters() -> None:
    # A published example: organisation code M000100Y-4, credit code 91350100M000100Y43.
    assert org_check_digit("M000100Y") == "4"
    assert credit_check_char("91350100M000100Y4") == "3"
    import random

    rng = random.Random(1)
    for _ in range(200):
        code = credit_code(rng, "330203")
        assert len(code) == 18 and code.startswith("91330203")
        assert credit_check_char(code[:17]) == code[17]
        assert credit_check_char(code[:17]) != wrong_credit_code(code)[17]


# --------------------------------------------------------------------------------------------- the key test


def reported(reports: list, root: Path) -> set[tuple[str, str, str | None, str]]:
    return {(r.path.relative_to(root).as_posix(), p.sheet, p.cell, p.code) for r in reports for p in r.problems}


def test_validation_reports_exactly_the_planted_mistakes(sample: tuple[Path, list[PlantedMistake]]) -> None:
    root, planted = sample
    reports = pipeline.validate_root(root, as_of=AS_OF)
    assert not [r.name for r in reports if r.error_zh]
    got = reported(reports, root)
    reminders = calendar_reminders(AS_OF)
    assert reminders == {("总部/基础资料.xlsx", "工作日历", None, "CLD001")}  # late November: 2027 is ahead
    want = {key(m) for m in planted} | reminders
    assert not want - got, f"missed: {sorted(want - got)}"
    assert not got - want, f"reported on clean rows: {sorted(got - want)}"
    assert sum(len(r.problems) for r in reports) == len(planted) + len(reminders)


def test_clean_sample_has_no_problem_at_all(clean: Path) -> None:
    reports = pipeline.validate_root(clean, as_of=AS_OF)
    assert len(reports) == len(layout(clean))
    problems = [(r.name, p.cell, p.code, p.message_zh) for r in reports for p in r.problems if p.code != "CLD001"]
    assert problems == []
    assert reported(reports, clean) == calendar_reminders(AS_OF)


@pytest.mark.parametrize(("as_of", "branches"), [
    (dt.datetime(2026, 1, 5, 8, 30), ("服务中心",)),
    (dt.datetime(2027, 2, 20, 10, 0), ("服务中心", "慈溪分公司")),
])
def test_other_dates_and_branches(tmp_path: Path, as_of: dt.datetime, branches: tuple[str, ...]) -> None:
    planted = build_sample(tmp_path, as_of=as_of, rows=20, seed=3, branches=branches)
    want = {key(m) for m in planted} | calendar_reminders(as_of, branches)
    assert reported(pipeline.validate_root(tmp_path, as_of=as_of), tmp_path) == want


# --------------------------------------------------------------------------------------------- benchmark workbook


def test_callins_workbook_for_benchmarks(tmp_path: Path) -> None:
    path = tmp_path / "服务中心" / "叫修登记簿.xlsx"
    write_callins_workbook(path, 400, as_of=AS_OF, seed=2)
    rows = values(path)["叫修登记"]
    header = [c.title for c in REGISTERS["callins"].sheet("叫修登记").columns]
    assert rows[1] == header
    data = rows[2:]
    assert len(data) == 400
    assert len({r[0] for r in data}) == 400
    # a few call times are typed as text ("2026/11/03 09:15"), as staff do
    called = [t if isinstance(t, dt.datetime) else dt.datetime.strptime(t, "%Y/%m/%d %H:%M") for t in (r[1] for r in data)]
    assert all(t <= AS_OF for t in called)
    assert called == sorted(called)
    # the same seed writes the same cells
    again = tmp_path / "again.xlsx"
    write_callins_workbook(again, 400, as_of=AS_OF, seed=2)
    assert values(again) == values(path)
    reports = pipeline.validate_paths([path], as_of=AS_OF)
    # clean data; only the absent staff list can be reported
    assert {p.code for r in reports for p in r.problems} <= {"REF003"}
