"""The sample company's shared state: the settings it respects, its records, and the :class:`Company` object.

Every builder (:mod:`.head_office`, :mod:`.branches`), :mod:`.mistakes` and :mod:`.workbook` is a set of plain
functions taking one :class:`Company`: it holds the seeded ``random.Random`` and Faker (with ``billing_rng``
the only sources of randomness, so their call order *is* the output), the working calendar, the people,
customers, contracts and calls drawn so far, and the rows of every register sheet (:meth:`Company.rows_of`)
waiting to be written.

Records: :class:`Row` (a register row with the mistakes planted in it), :class:`Staff`, :class:`Customer`,
:class:`Contract` and :class:`Call`; :class:`PlantedMistake` is what :func:`automation.sample.build_sample`
returns for each planted mistake.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from faker import Faker

from ..calendar import WorkCalendar
from ..registers import REGISTERS
from . import vocabulary as vocab

DEFAULT_SEED = 20261129
DEFAULT_BRANCHES: tuple[str, ...] = ("服务中心", "慈溪分公司", "余姚分公司")
HEAD_OFFICE = "总部"

# Settings defaults the data is made to respect (SPEC §10).
SLA_MINUTES = {"市区": 6 * 60, "郊区": 7 * 60}
NOTICE_DAYS = 30
REWARD_MIN, REWARD_MAX = 50, 500
MAX_DAILY_HOURS = 12
CALL_WINDOW_DAYS = 120

YES, NO = "是", "否"


@dataclass(frozen=True)
class PlantedMistake:
    """One mistake planted in the sample: where validation must report it, and with which code."""

    path: str  # workbook path relative to the root, "/" separators: "服务中心/叫修登记簿.xlsx"
    sheet: str
    cell: str | None  # A1 reference; None for a file-level problem
    code: str  # catalogue code expected there
    note: str  # what was planted, in words


# ------------------------------------------------------------------------------------------------- records


@dataclass
class Row:
    """One data row of a register sheet: header -> value, a sort key, and the mistakes planted in it."""

    values: dict[str, object]
    key: tuple = ()
    plants: list[tuple[str, str, str]] = field(default_factory=list)  # (code, header, note)

    def plant(self, code: str, header: str, value: object, note: str) -> Row:
        """Set ``header`` to the mistaken ``value`` and expect ``code`` at that cell."""
        self.values[header] = value
        return self.mark(code, header, note)

    def mark(self, code: str, header: str, note: str) -> Row:
        """Expect ``code`` at the ``header`` cell (the mistake lies in the row's other values)."""
        self.plants.append((code, header, note))
        return self


@dataclass
class Staff:
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
class Customer:
    code: str
    name: str
    district: vocab.District
    address: str
    phone: str
    branch: str
    filed: dt.date
    main: Staff
    second: Staff | None
    model: tuple[str, str]
    # 第七条(4): a salesperson who left and was replaced as 主办; ``told`` whether 往来记录 shows the customer was told.
    former: Staff | None = None
    told: bool = True
    # 第七条(3) for an important customer: "regular" contacts up to now, "overdue" (none for months) or "never".
    contacts: str = "regular"


@dataclass
class Contract:
    number: str
    customer: Customer
    model: str
    start: dt.date
    end: dt.date
    amount: int
    status: str
    notice: dt.date | None = None
    result: str | None = None
    new_number: str | None = None
    renewal: Contract | None = None  # the contract that renewed this one

    def covers(self, day: dt.date) -> bool:
        return self.start < day < self.end


@dataclass
class Call:
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
    payment: str | None = None  # 收费方式 of a paid on-site call (第九条): 当场收费 or 开票另收
    branch: str = ""  # the branch whose register holds it (its equipment file registers the machine)


# -------------------------------------------------------------------------------------------- time helpers


def _minutes(t: dt.datetime) -> np.datetime64:
    return np.datetime64(t.replace(second=0, microsecond=0), "m")


def add_working(cal: WorkCalendar, starts: Sequence[dt.datetime], minutes: Sequence[int]) -> list[dt.datetime]:
    if not starts:
        return []
    arr = np.array([_minutes(t) for t in starts], dtype="datetime64[m]")
    out = cal.add_working_minutes(arr, np.asarray(minutes, dtype=np.int64))
    return [v.astype(dt.datetime) for v in out]


def holiday_overrides(today: dt.date) -> list[tuple[dt.date, str, str]]:
    """节假日调整 rows: New Year's Day of every year from 2027 (which the holiday package does not know yet) to
    next year. The sample cannot know those years' other holidays (Spring Festival, make-up days), so it never
    marks them 「全年已录入」: they stay uncovered (SPEC §5), and a result reaching into one of them carries the
    CLD001 reminder, as it would for the real company (工作日历 from November on, 派工时限 once calls are dated
    there). That reminder is the one problem a clean sample may show."""
    return [(dt.date(y, 1, 1), "休息日", f"{y}年元旦") for y in range(2027, max(2027, today.year + 1) + 1)]


# --------------------------------------------------------------------------------------------- the company


class Company:
    """Everything drawn so far and every register's rows in memory; the builders in :mod:`.head_office`,
    :mod:`.branches` and :mod:`.mistakes` fill it, :func:`.workbook.write_company` writes it."""

    left_sales: Staff  # a salesperson who left, still 主办业务员 of a few customers (set by build_staff)
    left_tech: Staff  # a technician who left seven weeks ago (set by build_staff)

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
        # Draws for 收费方式 (第九条's two ways of billing), added later: their own generator, so a seed's company is
        # otherwise drawn exactly as before.
        self.billing_rng = random.Random(f"{seed}/收费方式")
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.rows = rows
        self.branches = list(branches)
        self.head_office = head_office
        self.names = vocab.UniqueNames(self.fake)
        self.companies = vocab.UniqueCompanies(self.rng)
        self.prefix = {b: vocab.BRANCH_PREFIXES.get(b, f"B{i + 1}") for i, b in enumerate(self.branches)}
        self.overrides = holiday_overrides(self.today)
        self.cal = WorkCalendar(overrides={d: kind == "工作日" for d, kind, _ in self.overrides})
        self.sheets: dict[str, dict[str, list[Row]]] = {}
        self.staff: list[Staff] = []
        self.customers: list[Customer] = []
        self.contracts: dict[str, list[Contract]] = {b: [] for b in self.branches}
        self.calls: dict[str, list[Call]] = {b: [] for b in self.branches}
        self.items: dict[str, list[Row]] = {b: [] for b in self.branches}
        self.worklog_hours: dict[str, dict[tuple[dt.date, str], float]] = {}
        self.review_days: dict[str, set[dt.date]] = {}
        # 客户设备 (issue 15): a machine per free call and per contract, keyed so a contract's calls share one.
        self.machines: dict[tuple[str, str], str] = {}
        self.call_numbers: set[str] = set()
        self.foreign_contract = ""  # a contract number of another branch (CAL003)
        self.cancelled_contract: Contract | None = None  # ended before its term (CAL018)
        self._next_code = 10001

    # --- small helpers ----------------------------------------------------------------------------------

    def rows_of(self, rel: str, sheet: str) -> list[Row]:
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

    def techs(self, branch: str) -> list[Staff]:
        return [s for s in self.staff if s.unit == branch and s.post == "技术员"]

    def post_of(self, branch: str, post: str) -> Staff:
        return next(s for s in self.staff if s.unit == branch and s.post == post)

    def salespeople(self, active_on: dt.date) -> list[Staff]:
        return [s for s in self.staff if s.post == "业务员" and s.active_through(active_on)]

    def pick_tech(self, branch: str, last_day: dt.date | None) -> Staff:
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
