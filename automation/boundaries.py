"""Boundaries of the comparing rules: the one place that says where each comparison flips.

Every rule that compares — a date against another date, a time against a deadline, an amount against a setting, a
length against a fixed count — declares here what it compares and which side is wrong. ``tests/test_boundaries.py``
turns each declaration into three cases (the value at the limit, one unit below, one unit above) and checks that
the rule speaks exactly on the declared side; another test fails when a comparing rule of
``automation/validators/rules`` has no boundary here (or a reason in :data:`NOT_BOUNDARIES` why it needs none).

Boundaries of the register model's own column checks (COL003 ranges, COL004 "not in the future", the fixed
lengths of postcodes, credit codes and mobile numbers) are derived from the model by :func:`model_boundaries`, so
a new column with a ``minimum`` gets its boundary tests without an edit here.

A limit is a small expression, read by :func:`limit_of`::

    limit  := term (("+" | "-") amount unit)*
    term   := as_of | today | this_year | <number> | settings.<name> | <register>[<column>].<field> | <column>
    amount := <number> | settings.<name> | <column>
    unit   := day | minute | hour | working_hour

``<column>`` is another cell of the same row; ``<register>[<column>].<field>`` is a field of the row of another
register that this row's cell refers to (``contracts[合同编号].到期日期``: the expiry of the row's contract);
``working_hour`` counts on the working calendar (§5). Tokens are separated by spaces.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from .registers import REGISTERS
from .registers.model import Kind, Register
from .settings import Settings

# Which side of the limit the rule speaks on: the moved value compared with the limit.
Side = Literal[">", ">=", "<", "<=", "!="]


@dataclass(frozen=True)
class Unit:
    """The smallest step of a compared value: one unit inside and one unit outside are this far from the limit."""

    name: str
    step: float | dt.timedelta


DAY = Unit("day", dt.timedelta(days=1))
MINUTE = Unit("minute", dt.timedelta(minutes=1))
YUAN = Unit("yuan", 0.01)  # amounts are kept to the fen
HOUR = Unit("hour", 0.01)  # hours are typed to two decimals at most
NUMBER = Unit("number", 0.01)
YEAR = Unit("year", 1)
INTEGER = Unit("integer", 1)
CHARACTER = Unit("character", 1)


@dataclass(frozen=True)
class Boundary:
    """One comparison of one rule (or of one job's result sheet).

    ``column`` of ``sheet`` is moved to the limit and one ``unit`` either side; the rule must flag the row exactly
    where ``moved <side> limit`` holds. ``given`` are the other cells of the row that make the rule apply (a
    C call for "free service charges no fee"); ``None`` blanks a cell. A catalogue code is checked at the cell of
    ``at`` (default ``column``). For a job, ``code`` is the name of its result sheet and ``shows`` what marks the
    row there: ``listed``, ``unlisted`` or ``<column>=<text>``.
    """

    code: str
    register: str
    sheet: str
    column: str
    limit: str
    unit: Unit
    side: Side
    given: Mapping[str, object] = field(default_factory=dict)
    at: str | None = None
    shows: str | None = None
    why: str = ""

    @property
    def is_job(self) -> bool:
        return self.shows is not None

    @property
    def name(self) -> str:
        """A short id for test reports: ``CAL005 来电时间 > contracts[合同编号].到期日期 (day)``."""
        return f"{self.code} {self.column} {self.side} {self.limit} ({self.unit.name})"

    def flagged(self, steps: int) -> bool:
        """Whether the rule must speak when the moved value is ``steps`` units from the limit."""
        return {
            ">": steps > 0, ">=": steps >= 0, "<": steps < 0, "<=": steps <= 0, "!=": steps != 0,
        }[self.side]


# Register keys and sheet names, named once so that each boundary below stays one readable line.
CALLINS, CONTRACTS, ITEMS, WORKLOG, CUSTOMERS, DEMAND = "callins", "contracts", "items", "worklog", "customers", "demand"
CALL, CONTRACT, ITEM, DAILY, REVIEW = "叫修登记", "保养合同", "商品进出", "工作日报", "日报核阅"
NEW = "新客户开发"
END_OF_CONTRACT = "contracts[合同编号].到期日期"
NO_TIMES: Mapping[str, object] = {"开始时间": None, "结束时间": None}
EQUIPMENT, SURVEY = "客户设备", "客户意见调查"
# A free (C) call: no fee, nothing billed.
FREE_CALL: Mapping[str, object] = {"服务类别": "C", "服务费": None, "收费方式": None, "发票号": None, "开票日期": None,
                                   "收款日期": None}  # fmt: skip

# The comparisons of the rule functions (automation/validators/rules) and of the jobs, by catalogue code.
RULE_BOUNDARIES: tuple[Boundary, ...] = (
    # 第六条(2): a contract covers calls from its first day to the end of its last day.
    Boundary("CAL005", CALLINS, CALL, "来电时间", "contracts[合同编号].开始日期", MINUTE, "<", at="合同编号"),
    Boundary("CAL005", CALLINS, CALL, "来电时间", "contracts[合同编号].开始日期", DAY, "<", at="合同编号"),
    Boundary("CAL005", CALLINS, CALL, "来电时间", END_OF_CONTRACT, DAY, ">", at="合同编号",
             why="a call on the last day is covered"),
    Boundary("CAL005", CALLINS, CALL, "来电时间", f"{END_OF_CONTRACT} + 1 day", MINUTE, ">=", at="合同编号"),
    Boundary("CAL006", CALLINS, CALL, "派工时间", "来电时间", MINUTE, "<"),
    Boundary("CAL007", CALLINS, CALL, "到达时间", "派工时间", MINUTE, "<"),
    Boundary("CAL009", CALLINS, CALL, "完成时间", "到达时间", MINUTE, "<"),
    Boundary("CAL011", CALLINS, CALL, "服务费", "0", YUAN, "<=", given={"服务类别": "A"}),
    Boundary("CAL012", CALLINS, CALL, "服务费", "0", YUAN, ">", given={"服务类别": "C"}),
    Boundary("CAL014", CALLINS, CALL, "开票日期", "完成时间", DAY, ">", given={"服务类别": "A", "收费方式": None}),
    # 第九条: invoiced to collect later, the fee may be collected on the invoice day, not before.
    Boundary("CAL020", CALLINS, CALL, "收款日期", "开票日期", DAY, "<", given={"收费方式": "开票另收"}),
    # 第九条: cash collected on the spot may wait HANDOVER_DAYS (3) days for the 会计员; a day more and it is warned.
    Boundary("CAL021", CALLINS, CALL, "完成时间", "today - 3 day", DAY, "<",
             given={"收费方式": "当场收费", "交会计员日期": None}, at="交会计员日期"),
    # A technician may work on the day he leaves, not after.
    Boundary("STF002", CALLINS, CALL, "派工时间", "staff[派工技术员].离职日期", DAY, ">", given={"派工技术员": "刘洋"},
             at="派工技术员"),
    Boundary("STF002", ITEMS, ITEM, "带回日期", "staff[维修技术员].离职日期", DAY, ">", given={"维修技术员": "刘洋"},
             at="维修技术员"),
    Boundary("CON001", CONTRACTS, CONTRACT, "到期日期", "开始日期", DAY, "<="),
    Boundary("CON003", CONTRACTS, CONTRACT, "到期通知日期", "到期日期", DAY, ">"),
    # 第十九条「期满前一个月」: late from the day after expiry − notice_days up to the expiry (later is CON003).
    Boundary("CON007", CONTRACTS, CONTRACT, "到期通知日期", "到期日期 - settings.notice_days day", DAY, ">"),
    Boundary("CON007", CONTRACTS, CONTRACT, "到期通知日期", "到期日期", DAY, "<="),
    # 第十九条: the renewal visit may be on the day the notice goes out, not before it.
    Boundary("CON008", CONTRACTS, CONTRACT, "拜访日期", "到期通知日期", DAY, "<"),
    Boundary("ITM001", ITEMS, ITEM, "约定完成日期", "带回日期", DAY, "<"),
    Boundary("ITM002", ITEMS, ITEM, "修妥日期", "带回日期", DAY, "<"),
    Boundary("ITM004", ITEMS, ITEM, "归还日期", "修妥日期", DAY, "<"),
    Boundary("ITM007", ITEMS, ITEM, "开票日期", "归还日期", DAY, "!="),
    Boundary("WRK001", WORKLOG, DAILY, "结束时间", "开始时间", MINUTE, "<="),
    # 工时 may differ from end − start by 0.1 h (6 minutes) either way.
    Boundary("WRK002", WORKLOG, DAILY, "结束时间", "开始时间 + 工时 hour + 0.1 hour", MINUTE, ">", at="工时"),
    Boundary("WRK002", WORKLOG, DAILY, "结束时间", "开始时间 + 工时 hour - 0.1 hour", MINUTE, "<", at="工时"),
    # One entry without start and end times: the day's total alone is compared.
    Boundary("WRK003", WORKLOG, DAILY, "工时", "24", HOUR, ">", given=NO_TIMES),
    Boundary("WRK004", WORKLOG, DAILY, "工时", "settings.max_daily_hours", HOUR, ">", given=NO_TIMES),
    Boundary("WRK004", WORKLOG, DAILY, "工时", "24", HOUR, "<=", given=NO_TIMES,
             why="above 24 h it is the error WRK003 instead"),
    Boundary("WRK006", WORKLOG, REVIEW, "核阅日期", "日期", DAY, "<"),
    Boundary("DEM001", DEMAND, "需求信息", "奖励金额", "0", YUAN, ">", given={"采用情况": "未采用", "使用价值": "低"}),
    Boundary("DEM002", DEMAND, "需求信息", "奖励金额", "settings.reward_min", YUAN, "<"),
    Boundary("DEM002", DEMAND, "需求信息", "奖励金额", "settings.reward_max", YUAN, ">"),
    Boundary("CUS005", CUSTOMERS, "年度业绩", "年度", "this_year", YEAR, ">"),
    Boundary("NEW001", CUSTOMERS, NEW, "实地调查日期", "一般调查日期", DAY, "<"),
    Boundary("NEW003", CUSTOMERS, NEW, "认定申请日期", "实地调查日期", DAY, "<"),
    Boundary("NEW004", CUSTOMERS, NEW, "供应合同日期", "认定申请日期", DAY, "<"),
    Boundary("NEW005", CUSTOMERS, NEW, "质保合同日期", "供应合同日期", DAY, "!="),
    # 第三条(1): the decision cannot precede the application; the same day is fine.
    Boundary("NEW010", CUSTOMERS, NEW, "审批日期", "认定申请日期", DAY, "<"),
    # 第三条(5): notify and file within 7 days of the contracts; the 8th day is late.
    Boundary("NEW008", CUSTOMERS, NEW, "供应合同日期", "today - 7 day", DAY, "<", given={"已通知相关部门": "否"},
             at="已通知相关部门"),
    # 第六条(3): free within the warranty, its last day included; a minute after that day it is not.
    Boundary("CAL022", CALLINS, CALL, "来电时间", "equipment[出厂编号].保修截止日期", DAY, ">", given=FREE_CALL,
             at="服务类别", why="a call on the warranty's last day is free"),
    Boundary("CAL022", CALLINS, CALL, "来电时间", "equipment[出厂编号].保修截止日期 + 1 day", MINUTE, ">=",
             given=FREE_CALL, at="服务类别"),
    Boundary("EQP001", CONTRACTS, EQUIPMENT, "保修截止日期", "销售日期", DAY, "<"),
    # 售后 第二条: the survey may be on the day the call was completed, not before.
    Boundary("SUR003", CALLINS, SURVEY, "调查日期", "calls[登记号].完成时间", DAY, "<"),
    # 第十六条: sent to 服务部 on the day the manager signed, or later.
    Boundary("WRK008", WORKLOG, REVIEW, "转送服务部日期", "核阅日期", DAY, "<"),
)

# The comparisons of the jobs: dispatch deadlines on the working calendar, the 派工时限 window, renewals, repairs.
JOB_BOUNDARIES: tuple[Boundary, ...] = (
    Boundary("派工时限", CALLINS, CALL, "到达时间", "来电时间 + settings.urban_hours working_hour", MINUTE, ">",
             given={"区域": "市区"}, shows="状态=超时", why="第十八条: 市区 6 working hours"),
    Boundary("派工时限", CALLINS, CALL, "到达时间", "来电时间 + settings.suburban_hours working_hour", MINUTE, ">",
             given={"区域": "郊区"}, shows="状态=超时", why="第十八条: 郊区 7 working hours"),
    Boundary("派工时限", CALLINS, CALL, "来电时间", "as_of - settings.window_days day", MINUTE, "<", shows="unlisted",
             why="completed calls are listed for window_days days"),
    Boundary("续约提醒", CONTRACTS, CONTRACT, "到期日期", "today + settings.notice_days day", DAY, "<=", shows="listed"),
    Boundary("续约提醒", CONTRACTS, CONTRACT, "到期日期", "today", DAY, "<", shows="状态=已过期未续约"),
    # 信息 第七条(3): a 重要客户's last contact may be exactly contact_days old; a day more and it is listed.
    Boundary("客户维护提醒", CUSTOMERS, "往来记录", "日期", "today - settings.contact_days day", DAY, "<", shows="listed"),
    Boundary("逾期维修", ITEMS, ITEM, "约定完成日期", "today", DAY, "<", shows="listed",
             given={"修妥日期": None, "维修工时": None, "主任验收": None, "归还日期": None, "客户签章": None,
                    "收据作废": None, "发票号": None, "开票日期": None}),
)

# Codes whose rule compares but has no boundary of its own to test, and why.
NOT_BOUNDARIES: Mapping[str, str] = {
    "CAL004": "compares the contract's customer code with the call's: identity, not an order",
    "CAL018": "applies only where CAL005 found the call inside the contract period; compares no value of its own",
    "CAL019": "compares product models for identity; gated by CAL005 like CAL018",
    "CON002": "compares customer names with the archive's for identity",
    "CUS003": "compares two salespeople for identity",
    "NEW007": "compares customer names for identity",
    "STF001": "a position below 0 means the name is not in the staff list: a lookup, not a compared value",
    "STF003": "compares a post with 技术员: identity",
    "CAL024": "compares the machine's customer code with the call's: identity",
    "CAL025": "asks whether the machine's contract cell is blank: presence, not an order",
    "EQP003": "compares the contract's customer code with the machine's: identity",
    "EQP004": "compares product models for identity, like CAL019",
    "NEW011": "compares the approver's post with 市场主管: identity",
}

# Text kinds of a fixed length (xlsx/values.py): the code when the length is wrong, and the length.
KIND_LENGTHS: Mapping[Kind, tuple[str, int]] = {
    Kind.POSTCODE: ("TYP009", 6),
    Kind.CREDITCODE: ("TYP011", 18),
    Kind.PHONE: ("TYP008", 11),  # a mobile number; the row holds one
}
_KIND_UNITS: Mapping[Kind, Unit] = {
    Kind.MONEY: YUAN, Kind.HOURS: HOUR, Kind.NUMBER: NUMBER, Kind.INT: INTEGER, Kind.DATE: DAY, Kind.DATETIME: MINUTE,
}


def model_boundaries(registers: Iterable[Register] = REGISTERS.values()) -> tuple[Boundary, ...]:
    """The boundaries the register model declares itself: every column's range, "not in the future" and fixed
    length."""
    out: list[Boundary] = []
    for register in registers:
        for sheet in register.sheets:
            for col in sheet.columns:
                where = (register.key, sheet.name, col.header)
                unit = _KIND_UNITS.get(col.kind, NUMBER)
                if col.minimum is not None:
                    out.append(Boundary("COL003", *where, f"{col.minimum:g}", unit, "<=" if col.minimum_open else "<"))
                if col.maximum is not None:
                    out.append(Boundary("COL003", *where, f"{col.maximum:g}", unit, ">"))
                if col.not_future:
                    out.append(Boundary("COL004", *where, "as_of" if col.kind is Kind.DATETIME else "today", unit, ">"))
                if col.kind in KIND_LENGTHS:
                    code, length = KIND_LENGTHS[col.kind]
                    out.append(Boundary(code, *where, str(length), CHARACTER, "!="))
    return tuple(out)


def all_boundaries() -> tuple[Boundary, ...]:
    return (*model_boundaries(), *RULE_BOUNDARIES, *JOB_BOUNDARIES)


# --- reading a limit -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scene:
    """What a limit is read against: the row, the rows of other registers it refers to, settings, the as-of
    instant and the working calendar (``working(start, minutes)`` → the instant)."""

    row: Mapping[str, object]
    lookup: Callable[[str, object], Mapping[str, object]]  # (register, the row's cell) -> that register's row
    settings: Settings
    as_of: dt.datetime
    working: Callable[[dt.datetime, int], dt.datetime]


_LOOKUP = re.compile(r"(\w+)\[(\w+)\]\.(\w+)")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def limit_of(expression: str, scene: Scene) -> object:
    """The value of a limit expression (grammar in the module docstring)."""
    tokens = expression.split()
    value = _term(tokens[0], scene)
    rest = tokens[1:]
    if len(rest) % 3:
        raise ValueError(f"limit {expression!r}: an offset is 'sign amount unit'")
    for sign, amount, unit in zip(rest[::3], rest[1::3], rest[2::3], strict=True):
        if sign not in "+-":
            raise ValueError(f"limit {expression!r}: {sign!r} is not + or -")
        size = float(_term(amount, scene)) * (1 if sign == "+" else -1)  # type: ignore[arg-type]
        value = _shift(value, size, unit, scene)
    return value


def _term(token: str, scene: Scene) -> object:
    if token == "as_of":
        return scene.as_of.replace(second=0, microsecond=0)
    if token == "today":
        return scene.as_of.date()
    if token == "this_year":
        return scene.as_of.year
    if _NUMBER.fullmatch(token):
        return float(token)
    if token.startswith("settings."):
        return getattr(scene.settings, token.removeprefix("settings."))
    if m := _LOOKUP.fullmatch(token):
        register, column, name = m.groups()
        return scene.lookup(register, scene.row[column])[name]
    return scene.row[token]


def _shift(value: object, size: float, unit: str, scene: Scene) -> object:
    if unit == "working_hour":
        if not isinstance(value, dt.datetime):
            raise ValueError("working hours are added to a date and time")
        return scene.working(value, round(size * 60))
    delta = {"day": dt.timedelta(days=size), "minute": dt.timedelta(minutes=size), "hour": dt.timedelta(hours=size)}[unit]
    if isinstance(value, dt.time):  # a time of day: on any day, it does not cross midnight in the registers
        return (dt.datetime.combine(dt.date(2000, 1, 3), value) + delta).time()
    if isinstance(value, dt.datetime | dt.date):
        return value + delta
    raise ValueError(f"cannot add {unit}s to {value!r}")
