"""The staff drop-downs' lists: which lists there are, which staff column offers which, and the hidden 员工名单 sheet
the write-back fills from 基础资料/员工.

Shared by the templates (:mod:`automation.templates`, which make the sheet and the validations that list it) and the
write-back (:mod:`automation.pipeline`, which fills it on every run). Kept apart from the template builder so that
writing results back never loads openpyxl.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from .xlsx.sheet_xml import ResultSheet, banner


@dataclass(frozen=True)
class StaffList:
    """One staff drop-down: a column of the hidden 员工名单 sheet and the workbook-level name that refers to it."""

    header: str  # column header in 员工名单
    post: str | None  # 岗位 the list keeps (in-service staff only); None: every in-service employee

    @property
    def name(self) -> str:
        """The defined name the validations list, e.g. 员工名单_技术员."""
        return f"{STAFF_LIST_SHEET}_{self.header}"


STAFF_LIST_SHEET = "员工名单"
STAFF_LISTS: tuple[StaffList, ...] = (
    StaffList("在职员工", None),
    StaffList("技术员", "技术员"),
    StaffList("业务员", "业务员"),
    StaffList("服务主任", "服务主任"),
)
STAFF_COLUMN_LISTS: dict[str, str] = {
    # staff column header -> StaffList.header; the post follows the rules (派工技术员 must be a 技术员, STF003)
    # and the column's name (技术员 columns offer technicians, 业务员 columns salesmen).
    "派工技术员": "技术员",
    "维修技术员": "技术员",
    "技术员": "技术员",
    "服务主任": "服务主任",
    "主办业务员": "业务员",
    "协办业务员": "业务员",
    "本公司人员": "在职员工",
    # The 市场主管 decides (NEW011 warns otherwise), but a staff list from before that 岗位 existed names none, so
    # every staff member in service is offered rather than an empty list.
    "认定审批人": "在职员工",
    "续约拜访人": "在职员工",  # 第十九条 says only 「派员」: whoever the branch sends, salesman or supervisor
    "调查人": "在职员工",  # 售后 第二条 names nobody: a clerk, the supervisor or a salesman asks the customer
}
STAFF_LIST_ROWS = 10_000
"""Names per list the drop-downs can show (the defined names count the filled cells among this many)."""


def staff_lists_in(staff: Iterable[tuple[object, object, object]]) -> dict[str, list[str]]:
    """Each list of :data:`STAFF_LISTS` from 基础资料/员工 rows ``(姓名, 岗位, 在职状态)``: in-service staff only,
    in the order of 基础资料, each name once."""
    lists: dict[str, list[str]] = {s.header: [] for s in STAFF_LISTS}
    for name, post, status in staff:
        if not isinstance(name, str) or not name.strip() or status != "在职":
            continue
        for staff_list in STAFF_LISTS:
            names = lists[staff_list.header]
            if (staff_list.post is None or post == staff_list.post) and name not in names:
                names.append(name)
    return {header: names[:STAFF_LIST_ROWS] for header, names in lists.items()}


def staff_list_sheet(staff: Iterable[tuple[object, object, object]], as_of: dt.datetime) -> ResultSheet:
    """The 员工名单 result sheet written back into a register made from a template (it holds the sheet): the
    lists the staff drop-downs show, from 基础资料/员工 rows ``(姓名, 岗位, 在职状态)``."""
    lists = staff_lists_in(staff)
    depth = max((len(names) for names in lists.values()), default=0)
    rows: list[list[object]] = [
        [names[i] if i < len(names) else None for names in lists.values()] for i in range(depth)
    ]
    # An empty list keeps an empty row rather than the usual 「无记录」, which the drop-downs would offer.
    return ResultSheet(name=STAFF_LIST_SHEET, headers=[s.header for s in STAFF_LISTS], rows=rows or [[None]],
                       banner=banner(as_of), widths=[14] * len(STAFF_LISTS), tab_color="FF808080")
