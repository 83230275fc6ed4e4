"""Boundary tests of every comparing rule, generated from ``automation/boundaries.py`` and the register model.

For each declared boundary, one valid row of its register (below: ``BASE``, with the registers it refers to) is
given the boundary's ``given`` cells, its compared value is set to the limit, one unit below and one unit above,
and the row is validated (or its jobs run): the rule must speak exactly on the declared side. Boundaries whose
limit reads a setting run twice, with the defaults and with other settings, so a threshold written into the code
instead of read from settings fails. The last tests make sure every comparing rule of the rule modules has a
boundary declared (or a reason why not), so a new rule cannot slip in without its boundary tests.

Tables are built in memory with the reader's own ``build_table`` and the lookups with the deployment's own
``build_lookups``: the whole module runs in seconds.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import functools
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from conftest import STAFF_HEADER, STAFF_ROWS

from automation.boundaries import (
    JOB_BOUNDARIES,
    NOT_BOUNDARIES,
    RULE_BOUNDARIES,
    Boundary,
    Scene,
    all_boundaries,
    limit_of,
)
from automation.catalogue import RULES
from automation.deployment import build_lookups
from automation.jobs import JobInput, make_calendar, run_jobs
from automation.problems import Problem
from automation.registers import REGISTERS
from automation.registers.model import Kind
from automation.settings import Settings
from automation.validators import validate
from automation.validators.context import Context, Lookups
from automation.xlsx.table import Table, build_table

D, T = dt.date, dt.datetime
AS_OF = T(2026, 11, 27, 16, 0)  # a Friday afternoon
BRANCH = "服务中心"
# Settings other than the defaults, each limit moved: a rule that ignores its setting fails with these.
OTHER = Settings(urban_hours=4, suburban_hours=5, window_days=10, notice_days=45, reward_min=80, reward_max=300,
                 max_daily_hours=10, contact_days=60)

Row = dict[str, object]

# One valid row per sheet (the first row of a sheet is the one moved), consistent across the registers: the call
# J001 of customer KH00001 under contract HT-001, taken in on receipt S1 and worked on by 王强 (E001).
BASE: dict[str, dict[str, list[Row]]] = {
    "master": {
        "员工": [dict(zip(STAFF_HEADER, row, strict=True)) for row in STAFF_ROWS],
        "节假日调整": [],
    },
    "customers": {
        "客户": [{
            "客户代码": "KH00001", "客户名称": "宁波甬江机械有限公司", "客户类别": "终端用户",
            "统一社会信用代码": "91330200MA2AAAAA0G", "法定代表人": "周建国", "地址": "宁波市江北区长兴路 8 号",
            "邮编": "315020", "电话": "13805740001", "传真": "13805740002", "经营范围": "机械", "注册资本": 500,
            "重要客户": "是", "主办业务员": "张伟", "协办业务员": "陈静", "建档日期": D(2025, 3, 1), "往来状态": "正常",
        }],
        "联系人": [{"客户代码": "KH00001", "姓名": "孙海", "职务": "经理", "电话": "13805740003", "邮箱": "sun@example.com"}],
        "往来记录": [{"日期": D(2026, 11, 20), "客户代码": "KH00001", "方式": "电话", "本公司人员": "张伟",
                      "摘要": "回访", "重大事项": "否", "已报信息部": "否"}],
        "年度业绩": [{"客户代码": "KH00001", "年度": 2025, "交易额": 120, "财务状况": "良好", "备注": None}],
        "新客户开发": [{
            "申请编号": "SQ001", "客户名称": "宁波甬江机械有限公司", "一般调查日期": D(2025, 1, 5), "资料齐全": "是",
            "实地调查日期": D(2025, 1, 20), "设备技术": "合格", "按时供货": "合格", "财务信用": "合格", "合作态度": "合格",
            "保密": "合格", "成本水平": "合格", "认定申请日期": D(2025, 2, 1), "供应合同日期": D(2025, 2, 10),
            "质保合同日期": D(2025, 2, 10), "认定审批人": "张伟", "审批日期": D(2025, 2, 5), "审批结论": "同意",
            "客户代码": "KH00001", "已通知相关部门": "是", "资料已存档": "是",
        }],
    },
    "demand": {
        "需求信息": [{
            "信息编号": "XX001", "登记日期": D(2026, 11, 20), "提供人": "张伟", "提供人部门": "营业部", "信息来源": "客户",
            "相关单位": "甬江机械", "需求内容": "采购数控车床 2 台", "订货信息": "是", "可信度": "高", "使用价值": "中",
            "分送部门": "营业部", "采用情况": "已采用", "效益": 1000, "奖励金额": 100, "已提交信息报告": "否",
        }],
    },
    "contracts": {
        "保养合同": [{
            "合同编号": "HT-001", "客户代码": "KH00001", "客户名称": "宁波甬江机械有限公司", "商品型号": "CNC-650",
            "开始日期": D(2026, 1, 1), "到期日期": D(2026, 12, 31), "合同金额": 1200, "合同状态": "有效",
            "到期通知日期": D(2026, 11, 20), "续约结果": "洽谈中", "新合同编号": None,
            "续约拜访人": "张伟", "拜访日期": D(2026, 11, 24), "拜访结果": "待定", "不续约原因": None,
        }],
        "客户设备": [{
            "出厂编号": "SN001", "客户代码": "KH00001", "客户名称": "宁波甬江机械有限公司", "商品型号": "CNC-650",
            "销售日期": D(2025, 6, 1), "保修截止日期": D(2026, 11, 30), "保养合同编号": "HT-001", "备注": None,
        }],
    },
    "callins": {
        "叫修登记": [{
            "登记号": "J001", "来电时间": T(2026, 11, 26, 14, 0), "客户代码": "KH00001", "客户名称": "宁波甬江机械有限公司",
            "地址": "江北区长兴路 8 号", "电话": "13805740001", "商品型号": "CNC-650", "区域": "市区", "服务类别": "A",
            "合同编号": "HT-001", "服务凭证号": "PZ001", "派工技术员": "王强", "派工时间": T(2026, 11, 26, 14, 20),
            "到达时间": T(2026, 11, 26, 15, 30), "处理方式": "现场修复", "完成时间": T(2026, 11, 26, 16, 30),
            "客户签字": "是", "服务费": 200, "收费方式": "开票另收", "发票号": "FP001", "开票日期": D(2026, 11, 26),
            "收款日期": D(2026, 11, 27), "交会计员日期": None, "备注": None, "出厂编号": "SN001",
        }],
        "客户意见调查": [{"登记号": "J001", "调查日期": D(2026, 11, 27), "调查方式": "电话", "调查人": "李娜",
                         "满意度": "满意", "客户意见": None, "处理措施": None}],
    },
    "items": {
        "商品进出": [{
            "收据号": "S1", "登记号": "J001", "客户名称": "宁波甬江机械有限公司", "商品型号": "CNC-650",
            "带回日期": D(2026, 11, 20), "约定完成日期": D(2026, 11, 25), "修理卡号": "K1", "维修技术员": "王强",
            "维修工时": 3, "配套零件": None, "修妥日期": D(2026, 11, 24), "主任验收": "是", "归还日期": D(2026, 11, 25),
            "客户签章": "是", "收据作废": "是", "服务类别": "A", "发票号": "F1", "开票日期": D(2026, 11, 25),
        }],
    },
    "worklog": {
        "工作日报": [{"日期": D(2026, 11, 26), "技术员": "王强", "登记号": "J001", "服务类别": "A", "工作内容": "现场维修",
                      "开始时间": dt.time(9, 0), "结束时间": dt.time(11, 0), "工时": 2.0}],
        "日报核阅": [{"日期": D(2026, 11, 26), "服务主任": "李娜", "经理核阅": "是", "核阅日期": D(2026, 11, 27),
                      "转送服务部日期": D(2026, 11, 27)}],
    },
}
# Where the limits' ``register[column]`` references look: the staff list and the branch's contracts.
LOOKUP_SHEETS = {"staff": ("master", "员工"), "contracts": ("contracts", "保养合同"),
                 "equipment": ("contracts", "客户设备"), "calls": ("callins", "叫修登记")}


def tables_of(key: str, sheets: Mapping[str, list[Row]]) -> dict[str, Table]:
    """Every sheet of register ``key`` read from rows of cells (header first, in the model's column order)."""
    register = REGISTERS[key]
    out = {}
    for model in register.sheets:
        rows = [list(model.headers)] + [[row.get(h) for h in model.headers] for row in sheets.get(model.name, [])]
        out[model.name] = build_table(f"{BRANCH}/{register.file_name}", model.name, rows, model)
    return out


@functools.cache
def base_tables(key: str) -> dict[str, Table]:
    """The base rows of register ``key`` read once: the registers around a probe never change."""
    return tables_of(key, BASE[key])


def context(key: str, sheets: Mapping[str, list[Row]], settings: Settings) -> Context:
    """The validation context of register ``key`` holding ``sheets``, beside the base rows of every other register
    (a register's own lookups come from the tables being checked, as the deployment reads the folder)."""
    books = {k: base_tables(k) for k in BASE}
    books[key] = tables_of(key, sheets)
    lookups: Lookups = build_lookups(
        staff=[books["master"]["员工"]], calendar=[books["master"]["节假日调整"]],
        customers=[books["customers"]["客户"]], contracts=[books["contracts"]["保养合同"]],
        equipment=[books["contracts"]["客户设备"]],
        callins=[books["callins"]["叫修登记"]], items=[books["items"]["商品进出"]],
        units=frozenset({"总部", BRANCH}),
    )
    register = REGISTERS[key]
    return Context(register, f"{BRANCH}/{register.file_name}", BRANCH, books[key], settings, AS_OF, lookups)


def lookup(register: str, key: object) -> Row:
    """The base row of ``register`` that a cell holding ``key`` refers to (by any of its cells: 姓名 or 工号)."""
    book, sheet = LOOKUP_SHEETS[register]
    [row] = [r for r in BASE[book][sheet] if key in r.values()]
    return row


def scene(row: Row, settings: Settings) -> Scene:
    calendar = make_calendar(settings, {})

    def working(start: dt.datetime, minutes: int) -> dt.datetime:
        [due] = calendar.add_working_minutes([start], [minutes]).astype("datetime64[m]").tolist()
        return due

    return Scene(row, lookup, settings, AS_OF, working)


def probe(boundary: Boundary, limit: object, base: object, steps: int) -> object:
    """The value ``steps`` units from the limit, of the moved column's type."""
    kind = REGISTERS[boundary.register].sheet(boundary.sheet).column(boundary.column).kind
    step = boundary.unit.step
    if kind is Kind.DATETIME:
        if not isinstance(limit, dt.datetime):  # a day limit: the row's own time of day, or midnight by minutes
            assert isinstance(limit, dt.date) and isinstance(base, dt.datetime)
            limit = dt.datetime.combine(limit, base.time() if boundary.unit.name == "day" else dt.time())
        return limit + steps * step  # type: ignore[operator]
    if kind is Kind.DATE:
        day = limit.date() if isinstance(limit, dt.datetime) else limit
        return day + steps * step  # type: ignore[operator]
    if kind is Kind.TIME:
        assert isinstance(limit, dt.time)
        return (dt.datetime.combine(D(2000, 1, 3), limit) + steps * step).time()  # type: ignore[operator]
    if boundary.unit.name == "character":
        assert isinstance(base, str) and isinstance(limit, float | int)
        return (base * 2)[: int(limit) + steps]
    # Amounts to the fen, hours to the hundredth: rounded so that 50 - 0.01 is 49.99, not 49.989999.
    return round(float(limit) + steps * float(step), 6)  # type: ignore[arg-type]


def settings_for(boundary: Boundary) -> list[Settings]:
    return [Settings(), OTHER] if "settings." in boundary.limit else [Settings()]


def cases() -> Iterator[object]:
    for boundary in all_boundaries():
        for i, settings in enumerate(settings_for(boundary)):
            for steps in (-1, 0, 1):
                where = ("below", "at", "above")[steps + 1]
                label = f"{boundary.name} {where}{' other settings' if i else ''}"
                yield pytest.param(boundary, settings, steps, id=label)


def moved(boundary: Boundary, settings: Settings, steps: int) -> tuple[dict[str, list[Row]], object]:
    """The base sheets of the boundary's register with its row moved ``steps`` units from the limit, and the
    limit."""
    sheets = {name: [dict(r) for r in rows] for name, rows in BASE[boundary.register].items()}
    row = sheets[boundary.sheet][0]
    row.update(boundary.given)
    limit = limit_of(boundary.limit, scene(row, settings))
    row[boundary.column] = probe(boundary, limit, row[boundary.column], steps)
    return sheets, limit


def spoken(boundary: Boundary, ctx: Context) -> bool:
    """Whether the rule (or job) spoke on the moved row (Excel row 2)."""
    table = ctx.table(boundary.sheet)
    if not boundary.is_job:
        cell = table.cell(boundary.at or boundary.column, 0)
        problems = validate(ctx)
        assert [p.message_en for p in problems if p.code == "SYS001"] == []
        return any(p.code == boundary.code and p.cell == cell for p in problems)
    inp = JobInput.of(ctx, make_calendar(ctx.settings, {}))
    [result] = [r for r in run_jobs(inp) if r.name == boundary.code]
    assert [p.message_en for p in result.problems if p.code == "SYS001"] == []
    key = result.frame.columns[0]
    rows = result.frame[result.frame[key] == table.data[key].iloc[0]]
    assert boundary.shows is not None
    if boundary.shows in ("listed", "unlisted"):
        return (len(rows) > 0) == (boundary.shows == "listed")
    column, text = boundary.shows.split("=", 1)
    return bool(len(rows)) and rows[column].iloc[0] == text


@pytest.mark.parametrize(("boundary", "settings", "steps"), list(cases()))
def test_boundary(boundary: Boundary, settings: Settings, steps: int) -> None:
    sheets, limit = moved(boundary, settings, steps)
    ctx = context(boundary.register, sheets, settings)
    value = sheets[boundary.sheet][0][boundary.column]
    expected = boundary.flagged(steps)
    assert spoken(boundary, ctx) == expected, (
        f"{boundary.code} {'silent' if expected else 'spoke'} at {boundary.column} = {value!r} (limit {limit!r})"
    )


# --- the base rows and the limits are what the cases rely on ---------------------------------------------------


@pytest.mark.parametrize("key", sorted(BASE))
def test_the_base_rows_are_clean(key: str) -> None:
    """Every probe starts from a row without problems, so the code a probe brings is its own doing."""
    ctx = context(key, BASE[key], Settings())
    problems: list[Problem] = validate(ctx)
    assert [(p.code, p.cell) for p in problems] == []


def test_every_boundary_names_a_real_place() -> None:
    """Codes are the catalogue's (jobs: a result sheet of the register), columns are the model's, limits read."""
    for boundary in all_boundaries():
        register = REGISTERS[boundary.register]
        model = register.sheet(boundary.sheet)
        model.column(boundary.column)
        if boundary.at:
            model.column(boundary.at)
        if boundary.is_job:
            ctx = context(boundary.register, BASE[boundary.register], Settings())
            names = [r.name for r in run_jobs(JobInput.of(ctx, make_calendar(Settings(), {})))]
            assert boundary.code in names, boundary.name
        else:
            assert boundary.code in RULES, boundary.name
        row = dict(BASE[boundary.register][boundary.sheet][0]) | dict(boundary.given)
        assert limit_of(boundary.limit, scene(row, Settings())) is not None, boundary.name


def test_dispatch_deadlines_are_the_hand_counted_ones() -> None:
    """The dispatch limits are read on the product's calendar; here they are pinned by hand, so a calendar that
    moved them would not move the boundary along with it. Thursday 14:00 + 6 working hours (08:00–12:00,
    13:00–17:00) is Friday 11:00; + 7 is Friday 12:00, a closing time, where the deadline stays; a call at 10:00
    is due at 17:00 the same day, not at 08:00 the next."""
    row = BASE["callins"]["叫修登记"][0]
    urban, suburban = (b for b in JOB_BOUNDARIES if "working_hour" in b.limit)
    assert limit_of(urban.limit, scene(row, Settings())) == T(2026, 11, 27, 11, 0)
    assert limit_of(suburban.limit, scene(row, Settings())) == T(2026, 11, 27, 12, 0)
    assert limit_of(urban.limit, scene(row, OTHER)) == T(2026, 11, 27, 9, 0)
    morning = row | {"来电时间": T(2026, 11, 26, 10, 0)}
    assert limit_of(urban.limit, scene(morning, Settings())) == T(2026, 11, 26, 17, 0)


def test_setting_thresholds_move_the_boundary() -> None:
    """With other settings the limit is elsewhere: a case at the default limit lands on the other side."""
    [low] = [b for b in RULE_BOUNDARIES if b.code == "DEM002" and b.side == "<"]
    sheets, _limit = moved(low, Settings(), -1)  # 49.99 yuan: below the default 50, and below 80
    assert spoken(low, context("demand", sheets, OTHER))
    sheets, _limit = moved(low, Settings(), 1)  # 50.01 yuan: inside by default, below 80
    assert spoken(low, context("demand", sheets, OTHER))
    assert not spoken(low, context("demand", sheets, Settings()))


# --- every comparing rule has its boundary -------------------------------------------------------------------

RULE_MODULES = Path(__file__).resolve().parent.parent / "automation" / "validators" / "rules"
ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq)
ORDERING_METHODS = {"lt", "le", "gt", "ge", "between"}


def _compares(node: ast.AST, names: Mapping[str, list[ast.AST]], helpers: Mapping[str, ast.AST],
              seen: set[str]) -> bool:
    """Whether an expression compares values: an ordering or equality operator (not against a text constant, which
    is a choice such as 服务类别 == "A"), a pandas ordering method, or a local name or module helper that does."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Compare) and any(isinstance(op, ORDERING) for op in sub.ops):
            operands = [sub.left, *sub.comparators]
            if not any(isinstance(o, ast.Constant) and isinstance(o.value, str) for o in operands):
                return True
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr in ORDERING_METHODS:
            return True
        if isinstance(sub, ast.Name) and sub.id not in seen:
            seen.add(sub.id)
            if any(_compares(v, names, helpers, seen) for v in names.get(sub.id, [])):
                return True
            if sub.id in helpers and _compares(helpers[sub.id], {}, helpers, seen):
                return True
    return False


def _assignments(function: ast.FunctionDef) -> dict[str, list[ast.AST]]:
    names: dict[str, list[ast.AST]] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        names.setdefault(name.id, []).append(node.value)
        if isinstance(node, ast.NamedExpr):
            names.setdefault(node.target.id, []).append(node.value)
    return names


def _flagged(function: ast.FunctionDef) -> Iterator[tuple[str, ast.AST]]:
    """(code, row mask) of every ``ctx.flag(code, table, mask, …)`` and ``required_when(ctx, code, table, mask,
    …)`` in a function; a code taken from a loop over (code, mask) pairs is resolved to each pair."""
    loops: dict[str, list[tuple[str, ast.AST]]] = {}
    for node in ast.walk(function):
        if (isinstance(node, ast.For) and isinstance(node.target, ast.Tuple) and isinstance(node.iter, ast.Tuple)
                and len(node.target.elts) == 2 and isinstance(node.target.elts[0], ast.Name)):
            pairs = [e.elts for e in node.iter.elts if isinstance(e, ast.Tuple) and len(e.elts) == 2]
            loops[node.target.elts[0].id] = [(p[0].value, p[1]) for p in pairs if isinstance(p[0], ast.Constant)]
    for node in ast.walk(function):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "flag" and len(node.args) >= 3:
            code, mask = node.args[0], node.args[2]
        elif isinstance(func, ast.Name) and func.id == "required_when" and len(node.args) >= 4:
            code, mask = node.args[1], node.args[3]
        else:
            continue
        if isinstance(code, ast.Constant) and isinstance(code.value, str):
            yield code.value, mask
        elif isinstance(code, ast.Name):
            yield from loops.get(code.id, [])


def comparing_codes() -> set[str]:
    """The catalogue codes whose row mask compares values, read from the rule modules' source."""
    found: set[str] = set()
    for path in sorted(RULE_MODULES.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
        helpers = {f.name: f for f in functions}
        for function in functions:
            names = _assignments(function)
            for code, mask in _flagged(function):
                if _compares(mask, names, helpers, set()):
                    found.add(code)
    return found


def test_the_detector_finds_the_known_comparisons() -> None:
    """The source reading below must see what it is there to see, or the next test would pass on nothing."""
    found = comparing_codes()
    assert {"CAL005", "CAL012", "CON007", "DEM002", "STF002", "WRK003", "WRK004", "NEW008"} <= found
    assert not {"CAL001", "CAL013", "CON004", "MST001", "REF001"} & found


def test_every_comparing_rule_declares_its_boundary() -> None:
    """A rule that compares has a boundary in automation/boundaries.py, or a reason there why it needs none."""
    declared = {b.code for b in RULE_BOUNDARIES}
    missing = comparing_codes() - declared - set(NOT_BOUNDARIES)
    assert missing == set(), f"declare the boundaries of {sorted(missing)} in automation/boundaries.py"


def test_no_stale_exemptions() -> None:
    """An exemption names a rule that compares and has no boundary: otherwise it only hides a future one."""
    assert set(NOT_BOUNDARIES) <= comparing_codes()
    assert not set(NOT_BOUNDARIES) & {b.code for b in RULE_BOUNDARIES}
    assert set(NOT_BOUNDARIES) <= set(RULES)


def test_each_boundary_is_declared_once() -> None:
    keys = [dataclasses.astuple(b)[:7] for b in all_boundaries()]
    assert len(keys) == len(set(keys))
