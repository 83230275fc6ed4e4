"""The sample company: a complete deployment root with realistic registers and known, planted mistakes.

:func:`build_sample` writes the layout of SPEC §1 — ``automation.toml`` (defaults), the head office's 基础资料,
客户档案 and 需求信息, and for every branch 保养合同, 叫修登记簿, 客户商品进出登记簿 and 技术员工作日报表 — filled with
the data of a Ningbo machinery company: staff (one technician and one salesperson who have left), customers with
contacts, correspondence, yearly results and new customers at every stage of approval, maintenance contracts
(running, expiring within 30 days, expired, renewed), call-ins over the recent months (on time, late, not yet
dispatched, still open; a few outside working hours), workshop repairs (overdue, in the workshop, returned),
technicians' daily reports with the manager's review, and demand information with rewards.

Clean rows obey every rule of the catalogue, warnings included; the realistic variations staff type (text dates
such as ``2026/11/03`` or ``2026年11月3日``, service categories written ``A类`` or ``有费服务``, fees like ``350元``,
invoice numbers typed as numbers, a title row above the header) are all valid per SPEC §3. With ``mistakes=True``
one row per planted mistake is added, each made so that exactly one problem is reported, at exactly one cell;
:func:`build_sample` returns them as :class:`PlantedMistake` records, which the tests compare with what
validation reports.

Everything is deterministic for a given ``seed`` and ``as_of`` (``random.Random`` and a seeded Faker; no clock):
all events happen at or before ``as_of``; only contract expiries, agreed repair dates and the 节假日调整 rows for
New Year's Day of the coming years (entered so that every deadline year has holiday data) lie after it.

:func:`write_callins_workbook` writes one big, clean 叫修登记簿 quickly (openpyxl write-only mode) for benchmarks.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from faker import Faker
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from . import sample_data as sd
from .calendar import WorkCalendar
from .catalogue import RULES
from .registers import REGISTERS
from .registers.customers import SITE_CHECKS
from .registers.demand import SOURCES
from .registers.model import Column, Kind, Register, SheetModel

__all__ = ["DEFAULT_BRANCHES", "DEFAULT_SEED", "PlantedMistake", "build_sample", "write_callins_workbook"]

DEFAULT_SEED = 20261129
DEFAULT_BRANCHES: tuple[str, ...] = ("服务中心", "慈溪分公司", "余姚分公司")
HEAD_OFFICE = "总部"
REGISTER_PROPERTY = "automation.register"

# Settings defaults the data is made to respect (SPEC §10).
SLA_MINUTES = {"市区": 6 * 60, "郊区": 7 * 60}
NOTICE_DAYS = 30
REWARD_MIN, REWARD_MAX = 50, 500
MAX_DAILY_HOURS = 12
CALL_WINDOW_DAYS = 120

YES, NO = "是", "否"

_NUMBER_FORMATS = {
    Kind.DATE: "yyyy-mm-dd",
    Kind.DATETIME: "yyyy-mm-dd hh:mm",
    Kind.TIME: "hh:mm",
    Kind.MONEY: "#,##0.00",
    Kind.NUMBER: "#,##0.##",
    Kind.HOURS: "0.0#",
}


@dataclass(frozen=True)
class PlantedMistake:
    """One mistake planted in the sample: where validation must report it, and with which code."""

    path: str  # workbook path relative to the root, "/" separators: "服务中心/叫修登记簿.xlsx"
    sheet: str
    cell: str | None  # A1 reference; None for a file-level problem
    code: str  # catalogue code expected there
    note: str  # what was planted, in words


# ------------------------------------------------------------------------------------------------ records


@dataclass
class _Row:
    """One data row of a register sheet: header -> value, a sort key, and the mistakes planted in it."""

    values: dict[str, object]
    key: tuple = ()
    plants: list[tuple[str, str, str]] = field(default_factory=list)  # (code, header, note)

    def plant(self, code: str, header: str, value: object, note: str) -> _Row:
        """Set ``header`` to the mistaken ``value`` and expect ``code`` at that cell."""
        self.values[header] = value
        return self.mark(code, header, note)

    def mark(self, code: str, header: str, note: str) -> _Row:
        """Expect ``code`` at the ``header`` cell (the mistake lies in the row's other values)."""
        self.plants.append((code, header, note))
        return self


@dataclass
class _Staff:
    number: str
    name: str
    dept: str
    post: str
    unit: str
    left: dt.date | None = None

    def active_through(self, day: dt.date | None) -> bool:
        """In service on every day up to ``day`` (None: still in service today)."""
        return self.left is None or (day is not None and day < self.left)


@dataclass
class _Customer:
    code: str
    name: str
    district: sd.District
    address: str
    phone: str
    branch: str
    filed: dt.date
    main: _Staff
    second: _Staff | None
    model: tuple[str, str]


@dataclass
class _Contract:
    number: str
    customer: _Customer
    model: str
    start: dt.date
    end: dt.date
    amount: int
    status: str
    notice: dt.date | None = None
    result: str | None = None
    new_number: str | None = None
    renewal: _Contract | None = None  # the contract that renewed this one

    def covers(self, day: dt.date) -> bool:
        return self.start < day < self.end


@dataclass
class _Call:
    number: str
    t0: dt.datetime
    name: str
    code: str | None
    address: str
    phone: str
    model: str
    region: str
    category: str
    contract: str | None = None
    tech: str | None = None
    t1: dt.datetime | None = None
    t2: dt.datetime | None = None
    method: str | None = None
    t3: dt.datetime | None = None
    signed: str | None = None
    fee: float | None = None
    invoice: str | int | None = None
    invoice_date: dt.date | None = None
    voucher: str | None = None


# ------------------------------------------------------------------------------------------------ time helpers


def _minutes(t: dt.datetime) -> np.datetime64:
    return np.datetime64(t.replace(second=0, microsecond=0), "m")


def _add_working(cal: WorkCalendar, starts: Sequence[dt.datetime], minutes: Sequence[int]) -> list[dt.datetime]:
    if not starts:
        return []
    arr = np.array([_minutes(t) for t in starts], dtype="datetime64[m]")
    out = cal.add_working_minutes(arr, np.asarray(minutes, dtype=np.int64))
    return [v.astype(dt.datetime) for v in out]


# ------------------------------------------------------------------------------------------------ writing


def _number_format(column: Column, value: object) -> str | None:
    if isinstance(value, dt.datetime):
        return _NUMBER_FORMATS[Kind.DATE] if column.kind is Kind.DATE else _NUMBER_FORMATS[Kind.DATETIME]
    if isinstance(value, dt.date):
        return _NUMBER_FORMATS[Kind.DATE]
    if isinstance(value, dt.time):
        return _NUMBER_FORMATS[Kind.TIME]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _NUMBER_FORMATS.get(column.kind)
    return None


_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_TITLE_FONT = Font(bold=True, size=14)


def _write_sheet(
    ws: WriteOnlyWorksheet, model: SheetModel, rows: Sequence[_Row], *, title: str | None
) -> tuple[dict[str, int], int]:
    """Write one register sheet; returns (header -> 1-based column, Excel row of the first data row)."""
    columns = model.columns
    for i, column in enumerate(columns, start=1):
        width = column.width or max(10.0, 2.2 * len(column.title) + 2)
        ws.column_dimensions[get_column_letter(i)].width = width
    header_row = 2 if title else 1
    ws.freeze_panes = f"A{header_row + 1}"
    last = get_column_letter(len(columns))
    ws.auto_filter.ref = f"A{header_row}:{last}{header_row + max(len(rows), 1)}"
    if title:
        cell = WriteOnlyCell(ws, title)
        cell.font = _TITLE_FONT
        ws.append([cell])
    header = []
    for column in columns:
        cell = WriteOnlyCell(ws, column.title)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        header.append(cell)
    ws.append(header)
    # A write-only sheet serialises each row as it is appended, so one formatted cell per column and format can
    # be reused for every row: much faster than a new cell per value.
    styled: dict[tuple[int, str], WriteOnlyCell] = {}
    for row in rows:
        out: list[object] = []
        for i, column in enumerate(columns):
            value = row.values.get(column.header)
            fmt = _number_format(column, value) if value is not None else None
            if fmt is None:
                out.append(value)
                continue
            cell = styled.get((i, fmt))
            if cell is None:
                cell = styled[(i, fmt)] = WriteOnlyCell(ws)
                cell.number_format = fmt
            cell.value = value
            out.append(cell)
        ws.append(out)
    return {c.header: i for i, c in enumerate(columns, start=1)}, header_row + 1


def _new_workbook(register: Register, as_of: dt.datetime) -> Workbook:
    wb = Workbook(write_only=True)
    wb.properties.creator = "售后服务自动化 示例数据"
    wb.properties.title = register.name
    wb.properties.created = as_of.replace(microsecond=0)
    wb.custom_doc_props.append(StringProperty(name=REGISTER_PROPERTY, value=register.key))
    return wb


def _write_register(
    path: Path, rel: str, register: Register, sheets: dict[str, list[_Row]], as_of: dt.datetime,
    titles: dict[str, str] | None = None,
) -> list[PlantedMistake]:
    """Write a register workbook (sheets in model order, rows sorted by key); return its planted mistakes."""
    wb = _new_workbook(register, as_of)
    planted: list[PlantedMistake] = []
    for model in register.sheets:
        rows = sorted(sheets.get(model.name, []), key=lambda r: r.key)
        ws = wb.create_sheet(model.name)
        cols, first = _write_sheet(ws, model, rows, title=(titles or {}).get(model.name))
        for offset, row in enumerate(rows):
            for code, header, note in row.plants:
                cell = f"{get_column_letter(cols[header])}{first + offset}" if header else None
                planted.append(PlantedMistake(rel, model.name, cell, code, note))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return planted


def _settings_text(head_office: str) -> str:
    from .templates import settings_text

    return settings_text(head_office)


# ------------------------------------------------------------------------------------------------ the company


class _Company:
    """Builds every register's rows in memory, plants the mistakes, then writes the workbooks."""

    def __init__(self, *, as_of: dt.datetime, seed: int, rows: int, branches: Sequence[str], head_office: str) -> None:
        if isinstance(branches, str) or not branches:
            raise ValueError("branches must be a non-empty sequence of folder names")
        if head_office in branches or len(set(branches)) != len(branches):
            raise ValueError("branch names must be distinct and differ from the head office")
        if rows < 1:
            raise ValueError("rows must be at least 1")
        self.as_of = as_of.replace(second=0, microsecond=0, tzinfo=None)
        self.today = self.as_of.date()
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.rows = rows
        self.branches = list(branches)
        self.head_office = head_office
        self.names = sd.UniqueNames(self.fake)
        self.companies = sd.UniqueCompanies(self.rng)
        self.prefix = {b: sd.BRANCH_PREFIXES.get(b, f"B{i + 1}") for i, b in enumerate(self.branches)}
        self.overrides = holiday_overrides(self.today)
        self.cal = WorkCalendar(overrides={d: kind == "工作日" for d, kind, _ in self.overrides})
        self.sheets: dict[str, dict[str, list[_Row]]] = {}
        self.staff: list[_Staff] = []
        self.customers: list[_Customer] = []
        self.contracts: dict[str, list[_Contract]] = {b: [] for b in self.branches}
        self.calls: dict[str, list[_Call]] = {b: [] for b in self.branches}
        self.items: dict[str, list[_Row]] = {b: [] for b in self.branches}
        self.worklog_hours: dict[str, dict[tuple[dt.date, str], float]] = {}
        self.review_days: dict[str, set[dt.date]] = {}
        self.call_numbers: set[str] = set()
        self.foreign_contract = ""  # a contract number of another branch (CAL003)
        self._next_code = 10001

    # --- small helpers ----------------------------------------------------------------------------------

    def rows_of(self, rel: str, sheet: str) -> list[_Row]:
        return self.sheets.setdefault(rel, {}).setdefault(sheet, [])

    def office(self, key: str) -> str:
        return f"{self.head_office}/{REGISTERS[key].file_name}"

    def branch_file(self, branch: str, key: str) -> str:
        return f"{branch}/{REGISTERS[key].file_name}"

    def day(self, days_ago: int) -> dt.date:
        return self.today - dt.timedelta(days=days_ago)

    def new_code(self) -> str:
        code = f"KH{self._next_code:05d}"
        self._next_code += self.rng.randrange(1, 4)
        return code

    def techs(self, branch: str) -> list[_Staff]:
        return [s for s in self.staff if s.unit == branch and s.post == "技术员"]

    def post_of(self, branch: str, post: str) -> _Staff:
        return next(s for s in self.staff if s.unit == branch and s.post == post)

    def salespeople(self, active_on: dt.date) -> list[_Staff]:
        return [s for s in self.staff if s.post == "业务员" and s.active_through(active_on)]

    def pick_tech(self, branch: str, last_day: dt.date | None) -> _Staff:
        """A technician of the branch in service on every day of the job (``None``: the job is still open)."""
        return self.rng.choice([t for t in self.techs(branch) if t.active_through(last_day)])

    def working_days(self, first: dt.date, last: dt.date) -> list[dt.date]:
        days, d = [], first
        while d <= last:
            if self.cal.is_working_day(d):
                days.append(d)
            d += dt.timedelta(days=1)
        return days

    def call_number(self, branch: str, t0: dt.datetime, seq: int) -> str:
        number = f"{self.prefix[branch]}{t0:%y%m%d}{seq:02d}"
        while number in self.call_numbers:
            seq += 1
            number = f"{self.prefix[branch]}{t0:%y%m%d}{seq:02d}"
        self.call_numbers.add(number)
        return number

    # --- master data --------------------------------------------------------------------------------------

    def build_staff(self) -> None:
        def add(dept: str, post: str, unit: str, left: dt.date | None = None) -> _Staff:
            staff = _Staff(f"E{1001 + len(self.staff):04d}", self.names(), dept, post, unit, left)
            self.staff.append(staff)
            return staff

        ho = self.head_office
        add("其他", "经理", ho)
        add("营业部", "经理", ho)
        for _ in range(max(5, 2 * len(self.branches) + 1)):
            add("营业部", "业务员", ho)
        # left five weeks ago and is still 主办业务员 of a few customers: a hand-over reminder, not a mistake
        self.left_sales = add("营业部", "业务员", ho, self.day(35))
        add("信息部", "经理", ho)
        add("信息部", "其他", ho)
        add("企划部", "其他", ho)
        add("财务部", "会计员", ho)
        add("技术部", "其他", ho)
        add("质量管理部", "其他", ho)
        add("资材部", "其他", ho)
        add("资材部", "其他", ho, self.day(self.rng.randrange(400, 700)))
        n_tech = max(3, min(12, self.rows // 60 + 2))
        for b in self.branches:
            add("服务部", "经理", b)
            add("服务部", "服务主任", b)
            add("财务部", "会计员", b)
            for _ in range(n_tech):
                add("服务部", "技术员", b)
        # left seven weeks ago; appears only on jobs finished before that
        self.left_tech = add("服务部", "技术员", self.branches[0], self.day(50))

    def master_rows(self) -> None:
        rel = self.office("master")
        for s in self.staff:
            self.rows_of(rel, "员工").append(self.staff_row(s))
        for d, kind, note in self.overrides:
            self.rows_of(rel, "节假日调整").append(_Row({"日期": d, "类型": kind, "说明": note}, key=(d,)))

    @staticmethod
    def staff_row(s: _Staff) -> _Row:
        return _Row({"工号": s.number, "姓名": s.name, "部门": s.dept, "岗位": s.post, "所属单位": s.unit,
                     "在职状态": "离职" if s.left else "在职", "离职日期": s.left}, key=(s.number,))

    # --- customers ----------------------------------------------------------------------------------------

    def draft_customer(self, branch: str, filed: dt.date, *, name: str | None = None) -> _Customer:
        rng = self.rng
        wanted = sd.BRANCH_DISTRICTS.get(branch)
        district = rng.choice([d for d in sd.DISTRICTS if wanted is None or d.name in wanted])
        place = rng.choice(sd.DISTRICT_PLACES.get(district.name, ("宁波",)))
        main = rng.choice([s for s in self.salespeople(filed) if s is not self.left_sales])
        return _Customer(
            code="", name=name or self.companies(place), district=district, address=sd.address(rng, district),
            phone=sd.phone(rng), branch=branch, filed=filed, main=main, second=None, model=sd.product(rng),
        )

    def build_customers(self) -> None:
        rng = self.rng
        n = max(10 * len(self.branches), self.rows * len(self.branches) // 6)
        drafts = [self.draft_customer(self.branches[i % len(self.branches)], self.day(rng.randrange(150, 3000)))
                  for i in range(n)]
        for i, c in enumerate(drafts):
            if i % 4 == 1:  # important customers have a second salesperson
                c.second = rng.choice([s for s in self.salespeople(c.filed) if s not in (c.main, self.left_sales)])
        # the salesperson who left is still 主办 of three customers and 协办 of one (客户维护提醒)
        before_leaving = self.left_sales.left - dt.timedelta(days=60)  # type: ignore[operator]
        for c in (*drafts[3:6], drafts[9]):
            c.filed = min(c.filed, before_leaving)
        for c in drafts[3:6]:
            c.main = self.left_sales
        drafts[9].second = self.left_sales
        drafts.sort(key=lambda c: c.filed)
        for c in drafts:
            c.code = self.new_code()
        self.customers = drafts

    def customer_row(self, c: _Customer) -> _Row:
        rng = self.rng
        return _Row({
            "客户代码": c.code, "客户名称": c.name,
            "客户类别": rng.choices(("终端用户", "经销商", "供应商"), (7, 2, 1))[0],
            "统一社会信用代码": sd.credit_code(rng, c.district.division) if rng.random() < 0.92 else None,
            "法定代表人": self.fake.name(), "地址": c.address, "邮编": rng.choice(c.district.postcodes),
            "电话": c.phone, "传真": sd.landline(rng) if rng.random() < 0.6 else None,
            "经营范围": rng.choice(sd.BUSINESS_SCOPES),
            "注册资本": rng.choice((50, 100, 200, 300, 500, 800, 1000, 2000, 5000)),
            "重要客户": YES if c.second else NO, "主办业务员": c.main.name,
            "协办业务员": c.second.name if c.second else None,
            "建档日期": c.filed, "往来状态": rng.choices(("正常", "暂停", "终止"), (17, 2, 1))[0],
        }, key=(c.filed, c.code))

    def customer_rows(self) -> None:
        rng = self.rng
        rel = self.office("customers")
        for c in self.customers:
            self.rows_of(rel, "客户").append(self.customer_row(c))
            for _ in range(rng.randrange(1, 4)):
                self.rows_of(rel, "联系人").append(_Row({
                    "客户代码": c.code, "姓名": self.fake.name(), "职务": rng.choice(sd.CONTACT_TITLES),
                    "电话": sd.mobile(rng) if rng.random() < 0.8 else sd.landline(rng),
                    "邮箱": sd.email(rng, self.fake) if rng.random() < 0.6 else None,
                }, key=(c.code,)))
            for _ in range(rng.randrange(0, 5)):
                day = c.filed + dt.timedelta(days=rng.randrange(0, (self.today - c.filed).days + 1))
                self.rows_of(rel, "往来记录").append(self.correspondence_row(c, day))
            last = self.today.year if self.today.month >= 7 else self.today.year - 1
            for year in range(max(c.filed.year, self.today.year - 3), last + 1):
                self.rows_of(rel, "年度业绩").append(self.results_row(c, year))

    def correspondence_row(self, c: _Customer, day: dt.date, *, major: bool | None = None) -> _Row:
        rng = self.rng
        people = [p for p in (c.main, c.second) if p is not None and p.active_through(day)]
        person = rng.choice(people or self.salespeople(day))
        way = rng.choice(tuple(sd.CORRESPONDENCE))
        major = rng.random() < 0.06 if major is None else major
        text = rng.choice(sd.MAJOR_MATTERS if major else sd.CORRESPONDENCE[way]).format(model=c.model[1])
        return _Row({"日期": day, "客户代码": c.code, "方式": way, "本公司人员": person.name, "摘要": text,
                     "重大事项": YES if major else rng.choice((NO, None)), "已报信息部": YES if major else None},
                    key=(day, c.code))

    def results_row(self, c: _Customer, year: object) -> _Row:
        rng = self.rng
        return _Row({"客户代码": c.code, "年度": year, "交易额": round(rng.uniform(3, 600), 1),
                     "财务状况": rng.choices(("良好", "一般", "较差", None), (6, 3, 1, 2))[0],
                     "备注": "本年度截至目前" if year == self.today.year else None}, key=(c.code, str(year)))

    def build_new_customers(self) -> None:
        """新客户开发 at every stage of approval; the filed ones join the archive (and so the customer list)."""
        rng = self.rng
        rel = self.office("customers")
        for i in range(max(8, self.rows // 25)):
            stage = i % 7  # 0 general survey … 4 contracts signed, 5 filed and notified, 6 filed this week
            branch = self.branches[i % len(self.branches)]
            general = self.day((rng.randrange(5, 20), rng.randrange(60, 200), rng.randrange(30, 90),
                                rng.randrange(30, 90), rng.randrange(40, 90), rng.randrange(70, 140),
                                rng.randrange(40, 60))[stage])
            row = self.new_customer_row(f"XK{self.today.year}{i + 1:03d}", self.companies(), general,
                                        stage=min(stage, 5))
            v = row.values
            if stage == 1:
                v[rng.choice(SITE_CHECKS)] = "不合格"
            if stage == 6:
                v["供应合同日期"] = v["质保合同日期"] = max(v["认定申请日期"], self.day(rng.randrange(0, 5)))  # type: ignore[type-var]
            if stage >= 5:
                filed = min(self.today, v["供应合同日期"] + dt.timedelta(days=rng.randrange(0, 3)))  # type: ignore[operator]
                customer = self.draft_customer(branch, filed, name=str(v["客户名称"]))
                customer.code = self.new_code()
                self.customers.append(customer)
                v["客户代码"] = customer.code
                if stage == 6:  # filed within the last week: notifying and archiving may still be pending
                    v["已通知相关部门"], v["资料已存档"] = rng.choice((NO, None)), NO
            self.rows_of(rel, "新客户开发").append(row)

    def new_customer_row(self, number: str, name: str, general: dt.date, *, stage: int) -> _Row:
        """A consistent 新客户开发 row that has reached ``stage`` (0 general survey … 5 filed and notified)."""
        rng = self.rng
        v: dict[str, object] = {"申请编号": number, "客户名称": name, "一般调查日期": general,
                                "资料齐全": YES if stage else rng.choice((NO, None))}
        if stage >= 1:
            site = general + dt.timedelta(days=rng.randrange(3, 15))
            v.update({"实地调查日期": site, **dict.fromkeys(SITE_CHECKS, "合格")})
        if stage >= 3:
            v["认定申请日期"] = site + dt.timedelta(days=rng.randrange(2, 8))
        if stage >= 4:
            v["供应合同日期"] = v["质保合同日期"] = v["认定申请日期"] + dt.timedelta(days=rng.randrange(5, 15))  # type: ignore[operator]
        if stage >= 5:
            v["已通知相关部门"] = v["资料已存档"] = YES
        return _Row(v, key=(number,))

    # --- contracts ----------------------------------------------------------------------------------------

    _SCENARIOS = ("active", "renewed", "expiring_notice", "expired_talks", "active", "expiring_quiet",
                  "renewed", "terminated", "active", "renewed")

    def build_contracts(self) -> None:
        rng = self.rng
        year = dt.timedelta(days=364)
        for branch in self.branches:
            mine = [c for c in self.customers if c.branch == branch]  # oldest first
            drafts: list[_Contract] = []
            for i, customer in enumerate(mine[: max(8, len(mine) * 11 // 20)]):
                scenario = self._SCENARIOS[i % len(self._SCENARIOS)]
                model = sd.model_text(rng, customer.model)
                amount = rng.randrange(20, 300) * 100

                def add(start: dt.date, end: dt.date, status: str = "有效", *, notice: dt.date | None = None,
                        result: str | None = None, customer: _Customer = customer, model: str = model,
                        amount: int = amount, drafts: list[_Contract] = drafts) -> _Contract:
                    contract = _Contract("", customer, model, start, end, amount, status, notice, result)
                    drafts.append(contract)
                    return contract

                if scenario == "active":
                    start = self.day(rng.randrange(130, 300))
                    add(start, start + year)
                elif scenario == "renewed":
                    start = self.day(rng.randrange(400, 600))
                    old = add(start, start + year, "已续约", notice=start + year - dt.timedelta(days=rng.randrange(28, 35)),
                              result="已续约")
                    new = add(old.end + dt.timedelta(days=1), old.end + dt.timedelta(days=1) + year)
                    old.renewal = new
                elif scenario in ("expiring_notice", "expiring_quiet"):
                    end = self.today + dt.timedelta(days=rng.randrange(3, 28))
                    sent = scenario == "expiring_notice"
                    add(end - year, end, notice=end - dt.timedelta(days=NOTICE_DAYS) if sent else None,
                        result="洽谈中" if sent else None)
                elif scenario == "expired_talks":
                    end = self.day(rng.randrange(5, 40))
                    add(end - year, end, notice=end - dt.timedelta(days=NOTICE_DAYS), result="洽谈中")
                else:
                    end = self.day(rng.randrange(60, 200))
                    add(end - year, end, "已终止", notice=end - dt.timedelta(days=NOTICE_DAYS), result="不续约")
            drafts.sort(key=lambda c: (c.start, c.customer.code))
            for n, c in enumerate(drafts, start=1):
                c.number = f"BY-{self.prefix[branch]}-{c.start.year}{n:03d}"
            for c in drafts:
                if c.renewal is not None:
                    c.new_number = c.renewal.number
            self.contracts[branch] = drafts

    def contract_row(self, c: _Contract) -> _Row:
        start: object = sd.text_date(c.start, self.rng) if self.rng.random() < 0.05 else c.start
        return _Row({
            "合同编号": c.number, "客户代码": c.customer.code, "客户名称": c.customer.name, "商品型号": c.model,
            "开始日期": start, "到期日期": c.end, "合同金额": c.amount, "合同状态": c.status,
            "到期通知日期": c.notice, "续约结果": c.result, "新合同编号": c.new_number,
        }, key=(c.start, c.number))

    # --- call-ins -----------------------------------------------------------------------------------------

    def call_times(self, n: int, window: int) -> list[dt.datetime]:
        """``n`` call-in times over the last ``window`` days, more of them recently; about 8 % outside hours."""
        rng = self.rng
        first = self.day(window)
        days = self.working_days(first, self.today)
        cum, total = [], 0.0
        for i in range(len(days)):
            total += 1 + 2 * i / max(len(days), 1)
            cum.append(total)
        limit = self.as_of - dt.timedelta(minutes=5)
        times: list[dt.datetime] = []
        while len(times) < n:
            picks = rng.choices(days, cum_weights=cum, k=n - len(times))
            for d in picks:
                if rng.random() < 0.08:  # evening, early morning, or a day off
                    d = first + dt.timedelta(days=rng.randrange(0, window + 1))
                    t = sd.at(d, sd.outside_minute(rng) if self.cal.is_working_day(d) else sd.working_minute(rng))
                else:
                    t = sd.at(d, sd.working_minute(rng))
                if t <= limit:
                    times.append(t)
        return sorted(times)

    def build_calls(self, branch: str, n: int, *, window: int = CALL_WINDOW_DAYS, contracts: bool = True,
                    workshop: float = 0.13, archive: bool = True) -> list[_Call]:
        rng = self.rng
        mine = [c for c in self.customers if c.branch == branch] if archive else []
        walk_ins = [self.draft_customer(branch, self.today) for _ in range(max(4, min(400, n // 8)))]
        per_day: dict[dt.date, int] = {}
        calls: list[_Call] = []
        for t0 in self.call_times(n, window):
            seq = per_day[t0.date()] = per_day.get(t0.date(), 0) + 1
            number = self.call_number(branch, t0, seq)
            covering = [c for c in self.contracts[branch] if c.covers(t0.date())] if contracts else []
            known = [c for c in mine if c.filed < t0.date()]
            roll = rng.random()
            if covering and roll < 0.35:
                k = rng.choice(covering)
                cu = k.customer
                call = _Call(number, t0, cu.name, cu.code, cu.address, cu.phone, k.model, sd.region_of(cu.address),
                             "B", contract=k.number)
            elif known and roll < 0.7:
                cu = rng.choice(known)
                call = _Call(number, t0, cu.name, cu.code if rng.random() < 0.6 else None, cu.address, cu.phone,
                             sd.model_text(rng, cu.model), sd.region_of(cu.address), rng.choice("AAC"))
            else:
                cu = rng.choice(walk_ins)
                call = _Call(number, t0, cu.name, None, cu.address, cu.phone, sd.model_text(rng, cu.model),
                             sd.region_of(cu.address), rng.choice("AAAC"))
            calls.append(call)
        self.dispatch(branch, calls, workshop)
        return calls

    def dispatch(self, branch: str, calls: list[_Call], workshop: float) -> None:
        """Dispatch, arrival (mostly on time, about one in six late) and completion, as far as ``as_of`` allows."""
        rng = self.rng
        k1 = [rng.randrange(5, 90) for _ in calls]
        k2 = []
        for call, d in zip(calls, k1, strict=True):
            sla = SLA_MINUTES[call.region]
            late = rng.random() < 0.17
            k2.append(rng.randrange(sla + 15, sla + 900) if late else rng.randrange(d + 15, max(d + 16, sla - 5)))
        starts = [c.t0 for c in calls]
        t1s, t2s = _add_working(self.cal, starts, k1), _add_working(self.cal, starts, k2)
        for call, t1, t2 in zip(calls, t1s, t2s, strict=True):
            age = self.as_of - call.t0
            if t1 > self.as_of or (age < dt.timedelta(days=3) and rng.random() < 0.35):
                continue  # not dispatched yet (次日优先派工)
            call.t1 = t1
            if t2 > self.as_of or (age < dt.timedelta(days=5) and rng.random() < 0.15):
                call.tech = self.pick_tech(branch, None).name
                continue  # dispatched, not there yet
            call.t2 = t2
            if rng.random() < workshop:
                call.method = "带回修理"  # completed when the item is returned (build_items)
                continue
            call.method = "现场修复"
            t3 = min(t2 + dt.timedelta(minutes=rng.randrange(25, 240)), dt.datetime.combine(t2.date(), dt.time(21)))
            call.t3 = t3 if t3 <= self.as_of else None
            self.complete(call)
            call.tech = self.pick_tech(branch, call.t3.date() if call.t3 else None).name

    def complete(self, call: _Call) -> None:
        """Signature, voucher, fee and invoice of a completed call."""
        rng = self.rng
        if call.t3 is None:
            return
        call.signed = YES
        call.voucher = f"PZ{call.number}" if rng.random() < 0.7 else None
        if call.category == "A":
            call.fee = rng.randrange(15, 250) * 10
            call.invoice = rng.randrange(10**7, 10**8) if rng.random() < 0.3 else f"NB{rng.randrange(10**7, 10**8)}"
            call.invoice_date = call.t3.date()
        elif call.category == "C" and rng.random() < 0.3:
            call.fee = 0

    def call_row(self, c: _Call) -> _Row:
        rng = self.rng
        t0: object = f"{c.t0:%Y/%m/%d %H:%M}" if rng.random() < 0.02 else c.t0
        fee: object = f"{c.fee:g}元" if c.fee and rng.random() < 0.05 else c.fee
        billed: object = sd.text_date(c.invoice_date, rng) if c.invoice_date and rng.random() < 0.1 else c.invoice_date
        return _Row({
            "登记号": c.number, "来电时间": t0, "客户代码": c.code, "客户名称": c.name, "地址": c.address,
            "电话": c.phone, "商品型号": c.model, "区域": c.region,
            "服务类别": sd.category_alias(c.category, rng) if rng.random() < 0.1 else c.category,
            "合同编号": c.contract, "服务凭证号": c.voucher, "派工技术员": c.tech, "派工时间": c.t1,
            "到达时间": c.t2, "处理方式": c.method, "完成时间": c.t3, "客户签字": c.signed, "服务费": fee,
            "发票号": c.invoice, "开票日期": billed,
            "备注": (rng.choice(sd.REMARKS) or None) if rng.random() < 0.15 else None,
        }, key=(c.t0, c.number))

    # --- workshop items -----------------------------------------------------------------------------------

    def build_items(self, branch: str) -> None:
        rng = self.rng
        for call in self.calls[branch]:
            if call.method != "带回修理":
                continue
            brought = call.t2.date()  # type: ignore[union-attr]
            agreed = brought + dt.timedelta(days=rng.randrange(3, 13))
            repaired: dt.date | None = brought + dt.timedelta(days=rng.randrange(1, 15))
            if repaired > self.today or (agreed < self.today and rng.random() < 0.2):  # type: ignore[operator]
                repaired = None  # still in the workshop; overdue once the agreed date has passed
            checked = repaired is not None and rng.random() < 0.9
            returned: dt.date | None = None
            if checked and rng.random() < 0.75:
                returned = repaired + dt.timedelta(days=rng.randrange(0, 5))  # type: ignore[operator]
                if dt.datetime.combine(returned, dt.time(8, 1)) > self.as_of:
                    returned = None
            tech = self.pick_tech(branch, returned)
            call.tech = tech.name
            row = self.item_row(branch, call.number, call.name, call.model, brought, agreed, tech.name,
                                category=call.category, repaired=repaired, checked=checked, returned=returned)
            self.items[branch].append(row)
            if returned is not None:  # the call is complete when the item goes back
                done = sd.at(returned, sd.working_minute(rng))
                if done <= call.t2:  # type: ignore[operator]
                    done = call.t2 + dt.timedelta(minutes=rng.randrange(60, 180))  # type: ignore[operator]
                call.t3 = min(done, self.as_of)
                self.complete(call)
                if call.category == "A":
                    call.invoice_date = returned
                    row.values["发票号"], row.values["开票日期"] = call.invoice, returned

    def item_row(self, branch: str, number: str, name: str, model: str, brought: dt.date, agreed: dt.date,
                 tech: str, *, category: str, repaired: dt.date | None, checked: bool,
                 returned: dt.date | None) -> _Row:
        rng = self.rng
        n = len(self.items[branch]) + 1
        return _Row({
            "收据号": f"SJ{self.prefix[branch]}{n:05d}", "登记号": number, "客户名称": name, "商品型号": model,
            "带回日期": sd.text_date(brought, rng) if rng.random() < 0.08 else brought, "约定完成日期": agreed,
            "修理卡号": f"WX{self.prefix[branch]}{n:05d}", "维修技术员": tech,
            "维修工时": rng.randrange(2, 17) / 2 if repaired else None,
            "配套零件": rng.choice(sd.PARTS) if repaired and rng.random() < 0.7 else None,
            "修妥日期": repaired, "主任验收": YES if checked else None, "归还日期": returned,
            "客户签章": YES if returned else None, "收据作废": YES if returned else None,
            "服务类别": category, "发票号": None, "开票日期": None,
        }, key=(brought, number, n))

    # --- technicians' daily reports ---------------------------------------------------------------------

    def worklog_rows(self, branch: str) -> None:
        rng = self.rng
        rel = self.branch_file(branch, "worklog")
        total = self.worklog_hours.setdefault(branch, {})
        entries: list[tuple] = []

        def add(day: dt.date, tech: str, number: str | None, cat: str, text: str,
                start: dt.time | None, end: dt.time | None, hours: float) -> None:
            if total.get((day, tech), 0) + hours <= MAX_DAILY_HOURS - 2:  # a normal day, never near the limit
                total[(day, tech)] = total.get((day, tech), 0) + hours
                entries.append((day, tech, start or dt.time(23, 59), len(entries), number, cat, text, start, end, hours))

        for call in self.calls[branch]:
            if call.method == "现场修复" and call.t3 and call.t2 and call.t3.date() == call.t2.date():
                text = rng.choice(sd.WORK_ONSITE).format(fault=rng.choice(sd.FAULTS), model=call.model)
                hours = round((call.t3 - call.t2).total_seconds() / 3600, 2)
                add(call.t2.date(), call.tech, call.number, call.category, text,  # type: ignore[arg-type]
                    call.t2.time(), call.t3.time(), hours)
        for row in self.items[branch]:
            v = row.values
            if v["修妥日期"] is None:
                continue
            hours = float(v["维修工时"])  # type: ignore[arg-type]
            start = dt.time(13, 30) if hours <= 3.5 else dt.time(8, 0)
            end = (dt.datetime.combine(self.today, start) + dt.timedelta(hours=hours)).time()
            timed = rng.random() < 0.6
            text = rng.choice(sd.WORK_WORKSHOP).format(model=v["商品型号"], part=rng.choice(sd.PARTS),
                                                       fault=rng.choice(sd.FAULTS))
            add(v["修妥日期"], v["维修技术员"], v["登记号"], v["服务类别"], text,  # type: ignore[arg-type]
                start if timed else None, end if timed else None, hours)
        models = [c.model for c in self.contracts[branch]] or ["NB-CNC-650"]
        for day in self.working_days(self.day(60), self.day(1)):
            for tech in self.techs(branch):
                if tech.active_through(day) and rng.random() < 0.12:
                    text = rng.choice(sd.WORK_MAINTENANCE).format(model=rng.choice(models))
                    add(day, tech.name, None, "B", text, dt.time(14, 0), dt.time(16, 30), 2.5)
        for e in entries:
            day, tech, _, i, number, cat, text, start, end, hours = e
            self.rows_of(rel, "工作日报").append(_Row({
                "日期": day, "技术员": tech, "登记号": number,
                "服务类别": sd.category_alias(cat, rng) if rng.random() < 0.05 else cat, "工作内容": text,
                "开始时间": start, "结束时间": end, "工时": hours,
            }, key=e[:4]))
        supervisor = self.post_of(branch, "服务主任").name
        days = sorted({e[0] for e in entries})
        self.review_days[branch] = set(days)
        for day in days:
            signed = (self.today - day).days >= 2 and rng.random() < 0.9
            reviewed = min(self.today, day + dt.timedelta(days=rng.randrange(0, 3))) if signed else None
            self.rows_of(rel, "日报核阅").append(_Row({"日期": day, "服务主任": supervisor,
                                                    "经理核阅": YES if signed else NO, "核阅日期": reviewed},
                                                   key=(day,)))

    # --- demand information -------------------------------------------------------------------------------

    def demand_row(self, number: str, day: dt.date, *, value: str | None = None, adopted: str | None = None,
                   reward: object = "auto") -> _Row:
        rng = self.rng
        kind, model = sd.product(rng)
        text = rng.choice(sd.DEMAND_TEXTS).format(product=kind, model=model, n=rng.randrange(1, 6))
        provider = rng.choice([s for s in self.staff if s.left is None])
        value = value or rng.choices(("高", "中", "低"), (2, 5, 3))[0]
        if adopted is None:
            adopted = rng.choices(("已采用", "未采用", "待定"), (3, 3, 2))[0] if (self.today - day).days > 20 else "待定"
        if reward == "auto":
            earns = (adopted == "已采用" or value == "高") and rng.random() < 0.85
            reward = rng.randrange(REWARD_MIN // 10, REWARD_MAX // 10 + 1) * 10 if earns else None
        return _Row({
            "信息编号": number, "登记日期": sd.text_date(day, rng) if rng.random() < 0.05 else day,
            "提供人": provider.name, "提供人部门": provider.dept,
            "信息来源": rng.choices(SOURCES, (1, 2, 1, 1, 4, 1, 2, 5, 1))[0],
            "相关单位": self.companies() if rng.random() < 0.8 else None, "需求内容": text,
            "订货信息": YES if any(w in text for w in ("采购", "询价", "配套")) else NO,
            "可信度": rng.choice(("高", "中", "低")), "使用价值": value, "分送部门": rng.choice(sd.DEMAND_DEPTS),
            "采用情况": adopted,
            "效益": rng.randrange(100, 3000) * 100 if adopted == "已采用" and rng.random() < 0.7 else None,
            "奖励金额": reward, "已提交信息报告": YES if value == "高" else rng.choice((NO, None)),
        }, key=(day, number))

    def demand_rows(self) -> None:
        rel = self.office("demand")
        days = sorted(self.day(self.rng.randrange(0, 330)) for _ in range(max(20, self.rows // 3)))
        for i, day in enumerate(days, start=1):
            self.rows_of(rel, "需求信息").append(self.demand_row(f"XQ{day.year}{i:04d}", day))

    # --- building and writing -----------------------------------------------------------------------------

    def build(self) -> None:
        self.build_staff()
        self.build_customers()
        self.build_new_customers()
        self.build_contracts()
        for branch in self.branches:
            self.calls[branch] = self.build_calls(branch, self.rows)
            self.build_items(branch)
        self.master_rows()
        self.customer_rows()
        self.demand_rows()
        for branch in self.branches:
            self.rows_of(self.branch_file(branch, "contracts"), "保养合同").extend(
                self.contract_row(c) for c in self.contracts[branch])
            self.rows_of(self.branch_file(branch, "callins"), "叫修登记").extend(
                self.call_row(c) for c in self.calls[branch])
            self.rows_of(self.branch_file(branch, "items"), "商品进出").extend(self.items[branch])
            self.worklog_rows(branch)

    def write(self, root: Path) -> list[PlantedMistake]:
        root.mkdir(parents=True, exist_ok=True)
        (root / "automation.toml").write_text(_settings_text(self.head_office), encoding="utf-8")
        planted: list[PlantedMistake] = []
        files = [(self.office(k), k, None) for k in ("master", "customers", "demand")]
        for b in self.branches:
            files += [
                (self.branch_file(b, "contracts"), "contracts", {"保养合同": f"{b} 保养合同登记表"}),
                (self.branch_file(b, "callins"), "callins", {"叫修登记": f"{b} 叫修登记簿 {self.today.year}"}),
                (self.branch_file(b, "items"), "items", None),
                (self.branch_file(b, "worklog"), "worklog", None),
            ]
        for b in self.branches:  # receipts and repair cards are numbered in the order items came in
            items = sorted(self.rows_of(self.branch_file(b, "items"), "商品进出"), key=lambda r: r.key)
            for n, row in enumerate(items, start=1):
                row.values["收据号"] = f"SJ{self.prefix[b]}{n:05d}"
                row.values["修理卡号"] = f"WX{self.prefix[b]}{n:05d}"
        for rel, key, titles in files:
            planted += _write_register(root / rel, rel, REGISTERS[key], self.sheets.get(rel, {}), self.as_of, titles)
        return planted

    # --- planted mistakes -----------------------------------------------------------------------------------
    # Each planted row is a clean row with one value changed, chosen so that exactly one problem is reported,
    # at exactly one cell. The note says what was planted.

    def plant_all(self) -> None:
        b = self.branches
        self.plant_master()
        self.plant_customers()
        self.plant_new_customers()
        self.plant_demand()
        self.plant_contracts(b[0], other=b[1] if len(b) > 1 else None)
        self.plant_calls(b[0])
        self.plant_call_values(b[1 % len(b)])
        self.plant_items(b[1 % len(b)])
        self.plant_worklog(b[2 % len(b)])

    def plant_master(self) -> None:
        rows = self.rows_of(self.office("master"), "员工")

        def staff(number: int) -> _Row:
            return self.staff_row(_Staff(f"E{number:04d}", self.names(), "资材部", "其他", self.head_office))

        row = staff(9001)
        row.values["在职状态"] = "离职"
        rows.append(row.mark("MST001", "离职日期", "在职状态为离职但没有离职日期"))
        rows.append(staff(9002).plant("MST002", "离职日期", self.day(90), "在职员工填写了离职日期"))
        unit = next(u for u in ("鄞州分公司", "北仑分公司", "奉化分公司", "宁海分公司") if u not in self.branches)
        rows.append(staff(9003).plant("MST003", "所属单位", unit, f"所属单位「{unit}」不是总部也不是分公司"))

    def plant_customers(self) -> None:
        rng = self.rng
        rel = self.office("customers")
        branch = self.branches[0]

        def customer(note_code: str, header: str, value: object, note: str, *, important: bool = False,
                     code: str | None = None) -> None:
            c = self.draft_customer(branch, self.day(rng.randrange(200, 900)))
            c.code = code or self.new_code()
            if important:
                c.second = rng.choice([s for s in self.salespeople(c.filed) if s not in (c.main, self.left_sales)])
            row = self.customer_row(c)
            row.values["统一社会信用代码"] = sd.credit_code(rng, c.district.division)
            self.rows_of(rel, "客户").append(row.plant(note_code, header, value, note))

        customer("CUS001", "客户代码", "KH1234", "客户代码只有 4 位数字", code="KH1234")
        customer("CUS002", "协办业务员", None, "重要客户没有协办业务员", important=True)
        same = self.draft_customer(branch, self.day(300))
        same.code, same.second = self.new_code(), same.main
        self.rows_of(rel, "客户").append(self.customer_row(same).mark(
            "CUS003", "协办业务员", "协办业务员与主办业务员是同一人"))
        customer("TYP005", "注册资本", "五百万", "注册资本写成汉字「五百万」")
        customer("TYP009", "邮编", "31530", "邮编只有 5 位")
        good = sd.credit_code(rng, "330203")
        customer("TYP011", "统一社会信用代码", sd.wrong_credit_code(good), "统一社会信用代码校验位错误")

        clean = [c for c in self.customers if c.main is not self.left_sales]
        c1, c2 = clean[1], clean[2]
        contact = {"客户代码": c1.code, "姓名": self.fake.name(), "职务": "设备主管", "电话": sd.mobile(rng),
                   "邮箱": None}
        self.rows_of(rel, "联系人").append(_Row(dict(contact), key=(c1.code,)).plant(
            "TYP008", "电话", "0574-876543", "电话号码少一位"))
        contact.update(姓名=self.fake.name(), 电话=sd.landline(rng))
        self.rows_of(rel, "联系人").append(_Row(dict(contact), key=(c1.code,)).plant(
            "TYP010", "邮箱", "zhangwei@163", "邮箱缺少 .com"))

        day = self.day(rng.randrange(10, 60))
        self.rows_of(rel, "往来记录").append(self.correspondence_row(c1, day, major=True).plant(
            "CUS004", "已报信息部", NO, "重大事项未报信息部"))
        future = self.today + dt.timedelta(days=3)
        row = self.correspondence_row(c2, future, major=False)
        row.values["本公司人员"] = c2.main.name
        self.rows_of(rel, "往来记录").append(row.plant("COL004", "日期", future, "往来记录日期在今天之后"))
        major = self.correspondence_row(c2, self.day(rng.randrange(10, 60)), major=True)
        bool_kind = REGISTERS["customers"].sheet("往来记录").column("重大事项").kind is Kind.BOOL
        self.rows_of(rel, "往来记录").append(major.plant(
            "TYP007" if bool_kind else "TYP012", "重大事项", "有", "重大事项写成「有」"))

        results = self.rows_of(rel, "年度业绩")
        year = self.today.year - 1
        results.append(self.results_row(c1, self.today.year + 1).plant(
            "CUS005", "年度", self.today.year + 1, "年度晚于今年"))
        results.append(self.results_row(c2, f"{year}年度").mark("TYP006", "年度", "年度写成「…年度」，不是整数"))
        target = next(r for r in results if not r.plants and r.values["年度"] == year)
        dup = self.results_row(next(c for c in self.customers if c.code == target.values["客户代码"]), year)
        dup.key = (*target.key, 1)
        results.append(dup.plant("COL005", "年度", year, f"客户 {target.values['客户代码']} 的 {year} 年度业绩登记了两次"))

    def plant_new_customers(self) -> None:
        rng = self.rng
        rel = self.office("customers")
        rows = self.rows_of(rel, "新客户开发")
        n = 900

        def row(stage: int, general_ago: int = 120) -> _Row:
            nonlocal n
            n += 1
            return self.new_customer_row(f"XK{self.today.year}{n:03d}", self.companies(), self.day(general_ago),
                                         stage=stage)

        r = row(1)
        rows.append(r.plant("NEW001", "实地调查日期", r.values["一般调查日期"] - dt.timedelta(days=10),  # type: ignore[operator]
                            "实地调查日期早于一般调查日期"))
        r = row(3)
        r.values["设备技术"] = "不合格"
        rows.append(r.mark("NEW002", "认定申请日期", "设备技术不合格却提出认定申请"))
        r = row(3)
        rows.append(r.plant("NEW003", "认定申请日期", r.values["实地调查日期"] - dt.timedelta(days=2),  # type: ignore[operator]
                            "认定申请日期早于实地调查日期"))
        r = row(4)
        early = r.values["认定申请日期"] - dt.timedelta(days=3)  # type: ignore[operator]
        r.values["质保合同日期"] = early
        rows.append(r.plant("NEW004", "供应合同日期", early, "供应合同早于认定申请"))
        r = row(4)
        rows.append(r.plant("NEW005", "质保合同日期", r.values["供应合同日期"] + dt.timedelta(days=3),  # type: ignore[operator]
                            "质保合同比供应合同晚 3 天签订"))
        existing = self.customers[0]
        r = row(3)
        r.values["客户名称"] = existing.name
        rows.append(r.plant("NEW006", "客户代码", existing.code, "合同未签订就编了客户代码"))
        r = row(5)
        r.values["已通知相关部门"] = r.values["资料已存档"] = YES
        rows.append(r.plant("NEW007", "客户代码", self.customers[1].code, "客户代码属于另一个客户"))
        # filed three weeks ago, the departments were never notified
        r = row(4, general_ago=80)
        signed = self.day(rng.randrange(15, 25))
        r.values["供应合同日期"] = r.values["质保合同日期"] = signed
        customer = self.draft_customer(self.branches[0], signed + dt.timedelta(days=1), name=str(r.values["客户名称"]))
        customer.code = self.new_code()
        self.rows_of(rel, "客户").append(self.customer_row(customer))
        r.values["客户代码"], r.values["资料已存档"] = customer.code, YES
        rows.append(r.plant("NEW008", "已通知相关部门", NO, "建档三周后仍未通知相关部门"))

    def plant_demand(self) -> None:
        rng = self.rng
        rel = self.office("demand")
        rows = self.rows_of(rel, "需求信息")
        year = self.today.year

        def row(k: int, **kw: object) -> _Row:
            return self.demand_row(f"XQ{year}9{k:03d}", self.day(rng.randrange(25, 200)), **kw)  # type: ignore[arg-type]

        rows.append(row(1, value="中", adopted="未采用").plant("DEM001", "奖励金额", 100, "未采用、价值中等的信息发了奖励"))
        rows.append(row(2, value="中", adopted="已采用").plant("DEM002", "奖励金额", 800, "奖励 800 元超过上限 500 元"))
        rows.append(row(3, value="高", adopted="待定", reward=None).plant(
            "DEM003", "已提交信息报告", NO, "使用价值高的信息未提交信息报告"))
        r = row(4)
        rows.append(r.plant("COL001", "提供人", None, "提供人未填写"))
        r = row(5)
        rows.append(r.plant("TYP012", "信息来源", "朋友介绍", "信息来源不是可选值"))
        r = row(6)
        rows.append(r.plant("TYP001", "登记日期", f"{year}-02-30", "登记日期 2 月 30 日不存在"))
        first = min((r for r in rows if not r.plants), key=lambda r: r.key)
        dup = self.demand_row(str(first.values["信息编号"]), self.day(1))
        rows.append(dup.plant("COL002", "信息编号", first.values["信息编号"], "信息编号与较早的一条重复"))

    def plant_contracts(self, branch: str, *, other: str | None) -> None:
        rng = self.rng
        rel = self.branch_file(branch, "contracts")
        rows = self.rows_of(rel, "保养合同")
        mine = [c for c in self.customers if c.branch == branch]
        year = dt.timedelta(days=364)
        n = 900

        def contract(customer: _Customer, start: dt.date, end: dt.date, status: str = "有效", **kw: object) -> _Row:
            nonlocal n
            n += 1
            k = _Contract(f"BY-{self.prefix[branch]}-{start.year}{n}", customer, sd.model_text(rng, customer.model),
                          start, end, rng.randrange(20, 300) * 100, status, **kw)  # type: ignore[arg-type]
            return self.contract_row(k)

        start = self.day(100)
        rows.append(contract(mine[0], start, start + year).plant(
            "CON001", "到期日期", start - dt.timedelta(days=1), "到期日期年份写错，早于开始日期"))
        c = mine[1]
        short = c.name.removesuffix("股份有限公司").removesuffix("有限公司")
        start = self.day(200)
        rows.append(contract(c, start, start + year).plant("CON002", "客户名称", short, "客户名称用了简称"))
        end = self.day(20)
        rows.append(contract(mine[2], end - year, end, result="洽谈中").plant(
            "CON003", "到期通知日期", end + dt.timedelta(days=5), "到期通知在合同到期后才寄出"))
        start = self.day(500)
        rows.append(contract(mine[3], start, start + year, "已续约", notice=start + year - dt.timedelta(days=30),
                             result="已续约").plant("CON004", "新合同编号", None, "已续约但没有新合同编号"))
        start = self.day(480)
        rows.append(contract(mine[4], start, start + year, "已续约", notice=start + year - dt.timedelta(days=30),
                             result="已续约").plant("CON005", "新合同编号", f"BY-{self.prefix[branch]}-2099001",
                                                   "新合同编号在本登记簿中不存在"))
        end = self.day(90)
        rows.append(contract(mine[5], end - year, end, "已终止", notice=end - dt.timedelta(days=30),
                             result="不续约").plant("CON006", "新合同编号", self.contracts[branch][0].number,
                                                   "不续约却填写了新合同编号"))
        start = self.day(150)
        rows.append(contract(mine[6], start, start + year).plant("COL003", "合同金额", 0, "合同金额为 0"))
        self.foreign_contract = self.contracts[other][0].number if other else f"BY-ZZ-{self.today.year}001"

    def clean_call(self, branch: str, category: str, *, customer: _Customer | None = None,
                   contract: _Contract | None = None, day: dt.date | None = None,
                   tech: _Staff | None = None) -> _Call:
        """A complete, consistent call (dispatched, arrived, repaired on site, signed, billed when A)."""
        rng = self.rng
        if day is None:
            day = rng.choice(self.working_days(self.day(60), self.day(5)))
        t0 = sd.at(day, rng.randrange(8 * 60 + 1, 10 * 60))
        t1, t2 = _add_working(self.cal, [t0, t0], [20, 120])
        cu = customer or (contract.customer if contract else None)
        if cu is None:
            cu = self.draft_customer(branch, self.today)
        call = _Call(self.call_number(branch, t0, 90), t0, cu.name, cu.code or None, cu.address, cu.phone,
                     contract.model if contract else sd.model_text(rng, cu.model), sd.region_of(cu.address), category,
                     contract=contract.number if contract else None, t1=t1, t2=t2, method="现场修复",
                     t3=t2 + dt.timedelta(minutes=90))
        call.tech = (tech or self.pick_tech(branch, None)).name
        self.complete(call)
        return call

    def plant_calls(self, branch: str) -> None:
        rng = self.rng
        rows = self.rows_of(self.branch_file(branch, "callins"), "叫修登记")
        clean = [k for k in self.contracts[branch] if k.status == "有效" and k.start < self.day(70) < self.day(6) < k.end]
        k, k2 = clean[0], clean[1]
        day = rng.choice(self.working_days(self.day(60), self.day(6)))

        def add(call: _Call, code: str, header: str, value: object, note: str) -> None:
            row = self.call_row(call)
            row.values["服务类别"] = call.category
            rows.append(row.plant(code, header, value, note))

        add(self.clean_call(branch, "B", contract=k, day=day), "CAL001", "客户代码", None, "合同服务没有填客户代码")
        add(self.clean_call(branch, "B", contract=k, day=day), "CAL002", "合同编号", None, "合同服务没有填合同编号")
        add(self.clean_call(branch, "B", contract=k, day=day), "CAL003", "合同编号", self.foreign_contract,
            "合同编号是其他分公司的合同")
        add(self.clean_call(branch, "B", contract=k2, day=day), "CAL004", "合同编号", k.number,
            "合同编号属于另一个客户")
        renewed = next(c for c in self.contracts[branch] if c.renewal is not None)
        late_day = rng.choice(self.working_days(renewed.end + dt.timedelta(days=1), self.day(5)) or [self.day(5)])
        add(self.clean_call(branch, "B", contract=renewed.renewal, day=late_day), "CAL005", "合同编号",
            renewed.number, "续约后仍填写已到期的旧合同编号")
        call = self.clean_call(branch, "C")
        add(call, "CAL006", "派工时间", call.t0 - dt.timedelta(minutes=40), "派工时间早于来电时间")  # type: ignore[operator]
        call = self.clean_call(branch, "C")
        add(call, "CAL007", "到达时间", call.t1 - dt.timedelta(minutes=10), "到达时间早于派工时间")  # type: ignore[operator]
        call = self.clean_call(branch, "C")
        add(call, "CAL008", "派工技术员", None, "已派工、已到达却没有派工技术员")
        call = self.clean_call(branch, "C")
        add(call, "CAL009", "完成时间", call.t2 - dt.timedelta(minutes=30), "完成时间早于到达时间")  # type: ignore[operator]
        call = self.clean_call(branch, "C")
        add(call, "CAL010", "客户签字", NO, "现场修复完成但客户未签字")
        call = self.clean_call(branch, "A")
        add(call, "CAL011", "服务费", None, "有费服务完成但没有收服务费")
        call = self.clean_call(branch, "C")
        add(call, "CAL012", "服务费", 200, "免费服务收了 200 元")
        call = self.clean_call(branch, "A")
        call.invoice_date = None
        add(call, "CAL013", "发票号", None, "有费现场修复完成但没有开发票")
        call = self.clean_call(branch, "A")
        add(call, "CAL014", "开票日期", call.t3.date() + dt.timedelta(days=3), "完成三天后才开票")  # type: ignore[union-attr]
        call = self.clean_call(branch, "C")
        call.t3 = call.signed = call.voucher = call.fee = None
        add(call, "CAL015", "处理方式", "带回修理", "带回修理却没有在商品进出登记簿登记")
        left = self.left_tech
        after = rng.choice(self.working_days(left.left + dt.timedelta(days=1), self.day(3)))  # type: ignore[operator]
        call = self.clean_call(branch, "C", day=after)
        add(call, "STF002", "派工技术员", left.name, f"{left.name}已离职仍被派工")

    def plant_call_values(self, branch: str) -> None:
        rows = self.rows_of(self.branch_file(branch, "callins"), "叫修登记")

        def add(call: _Call, code: str, header: str, value: object, note: str) -> None:
            rows.append(self.call_row(call).plant(code, header, value, note))

        known = set(self.names.used)
        stranger = next(n for n in ("张师傅", "李师傅", "王师傅", "陈工") if n not in known)
        call = self.clean_call(branch, "C")
        add(call, "STF001", "派工技术员", stranger, f"派工技术员「{stranger}」不在员工名单中")
        call = self.clean_call(branch, "C")
        add(call, "STF003", "派工技术员", self.post_of(branch, "服务主任").name, "服务主任被登记为派工技术员")
        call = self.clean_call(branch, "C")
        add(call, "TYP002", "派工时间", "上午10点", "派工时间写成「上午10点」")
        call = self.clean_call(branch, "C")
        add(call, "TYP003", "到达时间", call.t2.date(), "到达时间只有日期没有时间")  # type: ignore[union-attr]
        call = self.clean_call(branch, "C")
        add(call, "COL001", "电话", None, "电话未填写")
        call = self.clean_call(branch, "A")
        add(call, "REF001", "客户代码", "KH99999", "客户代码不在客户档案中")

    def plant_items(self, branch: str) -> None:
        rng = self.rng
        rows = self.rows_of(self.branch_file(branch, "items"), "商品进出")
        calls = [c for c in self.calls[branch] if c.method == "带回修理"] or self.calls[branch]
        tech = self.pick_tech(branch, None)

        def item(category: str = "C", **kw: object) -> _Row:
            """A clean item of an existing call: brought in, repaired after 4 days, returned after 6."""
            call = rng.choice(calls)
            brought = self.day(rng.randrange(20, 40))
            args: dict = {"repaired": brought + dt.timedelta(days=4), "checked": True,
                          "returned": brought + dt.timedelta(days=6), **kw}
            row = self.item_row(branch, call.number, call.name, call.model, brought, brought + dt.timedelta(days=7),
                                tech.name, category=category, **args)
            row.values["带回日期"] = brought
            if category == "A" and args["returned"]:
                row.values["发票号"], row.values["开票日期"] = f"NB{rng.randrange(10**7, 10**8)}", args["returned"]
            self.items[branch].append(row)
            rows.append(row)
            return row

        r = item()
        r.plant("ITM001", "约定完成日期", r.values["带回日期"] - dt.timedelta(days=3), "约定完成日期早于带回日期")
        r = item(returned=None)
        r.plant("ITM002", "修妥日期", r.values["带回日期"] - dt.timedelta(days=2), "修妥日期早于带回日期")
        item(returned=None).plant("ITM003", "维修工时", None, "已修妥但没有维修工时")
        r = item()
        r.plant("ITM004", "归还日期", r.values["修妥日期"] - dt.timedelta(days=1), "归还日期早于修妥日期")
        r = item()
        r.values["客户签章"] = NO
        r.mark("ITM005", "归还日期", "归还时客户未签章")
        r = item("A")
        r.values["开票日期"] = None
        r.plant("ITM006", "发票号", None, "有费服务归还时没有开发票")
        r = item("A")
        r.plant("ITM007", "开票日期", r.values["归还日期"] + dt.timedelta(days=2), "开票日期比归还日期晚两天")
        item().plant("REF002", "登记号", f"{self.prefix[branch]}000000", "登记号在叫修登记簿中不存在")

    def plant_worklog(self, branch: str) -> None:
        rng = self.rng
        rel = self.branch_file(branch, "worklog")
        daily, reviews = self.rows_of(rel, "工作日报"), self.rows_of(rel, "日报核阅")
        hours = self.worklog_hours.setdefault(branch, {})
        techs = [t for t in self.techs(branch) if t.left is None]
        free = [(d, t.name) for d in self.working_days(self.day(60), self.day(2)) for t in techs
                if (d, t.name) not in hours]
        picks = rng.sample(free, 5)

        def row(pick: tuple[dt.date, str], i: int, start: dt.time | None, end: dt.time | None, h: float) -> _Row:
            day, tech = pick
            text = rng.choice(sd.WORK_MAINTENANCE).format(model="NB-CNC-650")
            r = _Row({"日期": day, "技术员": tech, "登记号": None, "服务类别": "B", "工作内容": text,
                      "开始时间": start, "结束时间": end, "工时": h}, key=(day, tech, start or dt.time(23, 59), -9 + i))
            daily.append(r)
            return r

        row(picks[0], 0, dt.time(15, 0), dt.time(14, 0), 1.0).plants.append(
            ("WRK001", "结束时间", "结束时间早于开始时间"))
        row(picks[1], 0, dt.time(9, 0), dt.time(10, 30), 3.0).plants.append(
            ("WRK002", "工时", "工时 3 小时与 9:00–10:30 不符"))
        row(picks[2], 0, dt.time(14, 0), None, 3.0).plant("TYP004", "结束时间", "下午5点", "结束时间写成「下午5点」")
        row(picks[3], 0, None, None, 9.5)
        row(picks[3], 1, None, None, 9.5)
        row(picks[3], 2, None, None, 6.0).plants.append(("WRK003", "工时", "一天合计 25 小时"))
        row(picks[4], 0, dt.time(8, 0), dt.time(12, 0), 4.0)
        row(picks[4], 1, dt.time(13, 0), dt.time(17, 0), 4.0)
        row(picks[4], 2, dt.time(18, 0), dt.time(23, 0), 5.0).plants.append(("WRK004", "工时", "一天合计 13 小时"))

        supervisor = self.post_of(branch, "服务主任").name
        taken = self.review_days.get(branch, set())
        days = [d for d in self.working_days(self.day(CALL_WINDOW_DAYS + 60), self.day(3)) if d not in taken]
        for (code, signed, offset, note), day in zip((
            ("WRK005", YES, None, "经理已核阅但没有核阅日期"),
            ("WRK006", YES, -1, "核阅日期早于日报日期"),
            ("WRK007", NO, 1, "经理未核阅却填写了核阅日期"),
        ), rng.sample(days, 3), strict=True):
            reviewed = None if offset is None else day + dt.timedelta(days=offset)
            reviews.append(_Row({"日期": day, "服务主任": supervisor, "经理核阅": signed, "核阅日期": reviewed},
                                key=(day,), plants=[(code, "核阅日期", note)]))



def holiday_overrides(today: dt.date) -> list[tuple[dt.date, str, str]]:
    """节假日调整 rows: New Year's Day of every year from 2027 (which the holiday package does not know yet) to
    next year, so the calendar covers every year the sample touches and no CLD001 warning appears."""
    return [(dt.date(y, 1, 1), "休息日", f"{y}年元旦") for y in range(2027, max(2027, today.year + 1) + 1)]


# ------------------------------------------------------------------------------------------------ public API


def build_sample(
    root: Path,
    *,
    as_of: dt.datetime,
    seed: int = DEFAULT_SEED,
    rows: int = 300,
    branches: Sequence[str] = DEFAULT_BRANCHES,
    head_office: str = HEAD_OFFICE,
    mistakes: bool = True,
) -> list[PlantedMistake]:
    """Write the sample company under ``root`` (SPEC §1 layout) and return the planted mistakes.

    ``rows`` is the number of call-ins per branch; customers, contracts, workshop items, daily reports and demand
    information scale with it. Existing files of the layout are overwritten. With ``mistakes=False`` the data is
    clean: validating it as of ``as_of`` reports no problem at all.
    """
    company = _Company(as_of=as_of, seed=seed, rows=rows, branches=branches, head_office=head_office)
    company.build()
    if mistakes:
        company.plant_all()
    planted = company.write(Path(root))
    order = {code: i for i, code in enumerate(RULES)}
    return sorted(planted, key=lambda p: (p.path, p.sheet, order.get(p.code, len(order)), p.cell or ""))


def write_callins_workbook(
    path: Path,
    rows: int,
    *,
    as_of: dt.datetime,
    seed: int = 1,
    branch: str = "服务中心",
    technicians: Sequence[str] | None = None,
) -> None:
    """Write one big, clean 叫修登记簿 of ``rows`` call-ins (e.g. 50,000) for benchmarks, quickly.

    Calls are spread over enough past days for the volume, all A/C categories repaired on site, customers without
    a 客户代码 (so the workbook needs no archive). ``technicians`` names the dispatched technicians (by default
    generated names; pass the names of a 基础资料 to validate the file inside a deployment).
    """
    company = _Company(as_of=as_of, seed=seed, rows=rows, branches=[branch], head_office=HEAD_OFFICE)
    company.build_staff()
    if technicians:
        company.staff = [s for s in company.staff if s.post != "技术员"] + [
            _Staff(f"T{i:04d}", name, "服务部", "技术员", branch) for i, name in enumerate(technicians, start=1)
        ]
    calls = company.build_calls(branch, rows, window=max(CALL_WINDOW_DAYS, rows // 25), contracts=False,
                                workshop=0.0, archive=False)
    sheet = {"叫修登记": [company.call_row(c) for c in calls]}
    path = Path(path)
    _write_register(path, path.name, REGISTERS["callins"], sheet, company.as_of,
                    {"叫修登记": f"{branch} 叫修登记簿"})
