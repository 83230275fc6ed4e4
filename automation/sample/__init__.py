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
New Year's Day of the coming years lie after it. Those years are not marked 「全年已录入」 (the sample cannot know
their other holidays), so results reaching into them carry the CLD001 reminder (see
:func:`~.company.holiday_overrides`): validation reports the planted mistakes and, where the dates reach an
uncovered year, that reminder.

:func:`write_callins_workbook` writes one big, clean 叫修登记簿 quickly (openpyxl write-only mode) for benchmarks.

Modules, in the order the data is made:

* :mod:`.vocabulary` — names, places, products and texts, and the value makers (phones, 统一社会信用代码 …);
* :mod:`.company` — the shared state every step works on (:class:`~.company.Company`), its records and the
  settings defaults the data respects;
* :mod:`.head_office` — staff, customers and demand information (the head office's registers);
* :mod:`.branches` — contracts, call-ins, workshop items and daily reports (each branch's registers);
* :mod:`.mistakes` — the planted mistakes, one row per plantable catalogue code;
* :mod:`.workbook` — writing the settings file and the register workbooks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from ..catalogue import RULES
from ..registers import REGISTERS
from .branches import (
    build_calls,
    build_contracts,
    build_items,
    call_row,
    contract_row,
    survey_rows,
    worklog_rows,
)
from .company import (
    CALL_WINDOW_DAYS,
    DEFAULT_BRANCHES,
    DEFAULT_SEED,
    HEAD_OFFICE,
    Company,
    PlantedMistake,
    Staff,
    holiday_overrides,
)
from .head_office import (
    build_customers,
    build_new_customers,
    build_staff,
    customer_rows,
    demand_rows,
    master_rows,
)
from .mistakes import plant_all
from .workbook import write_company, write_register

__all__ = [
    "DEFAULT_BRANCHES",
    "DEFAULT_SEED",
    "PlantedMistake",
    "build_sample",
    "holiday_overrides",
    "write_callins_workbook",
]


def _build(co: Company) -> None:
    """Draw the whole clean company and fill every register's rows (the order fixes the random draws)."""
    build_staff(co)
    build_customers(co)
    build_new_customers(co)
    build_contracts(co)
    for branch in co.branches:
        co.calls[branch] = build_calls(co, branch, co.rows)
        build_items(co, branch)
    master_rows(co)
    customer_rows(co)
    demand_rows(co)
    for branch in co.branches:
        co.rows_of(co.branch_file(branch, "contracts"), "保养合同").extend(
            contract_row(co, c) for c in co.contracts[branch])
        co.rows_of(co.branch_file(branch, "callins"), "叫修登记").extend(
            call_row(co, c) for c in co.calls[branch])
        co.rows_of(co.branch_file(branch, "items"), "商品进出").extend(co.items[branch])
        worklog_rows(co, branch)
        survey_rows(co, branch)


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
    clean: validating it as of ``as_of`` reports no problem at all, except the CLD001 reminder where the results
    reach a year without holiday data (2027 while chinesecalendar does not know it).
    """
    company = Company(as_of=as_of, seed=seed, rows=rows, branches=branches, head_office=head_office)
    _build(company)
    if mistakes:
        plant_all(company)
    planted = write_company(company, Path(root))
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
    company = Company(as_of=as_of, seed=seed, rows=rows, branches=[branch], head_office=HEAD_OFFICE)
    build_staff(company)
    if technicians:
        company.staff = [s for s in company.staff if s.post != "技术员"] + [
            Staff(f"T{i:04d}", name, "服务部", "技术员", branch) for i, name in enumerate(technicians, start=1)
        ]
    calls = build_calls(company, branch, rows, window=max(CALL_WINDOW_DAYS, rows // 25), contracts=False,
                        workshop=0.0, archive=False)
    sheet = {"叫修登记": [call_row(company, c) for c in calls]}
    path = Path(path)
    write_register(path, path.name, REGISTERS["callins"], sheet, company.as_of,
                   {"叫修登记": f"{branch} 叫修登记簿"})
