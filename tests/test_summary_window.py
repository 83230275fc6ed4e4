"""The summary's 30天内到期合同 at its boundary: contracts ending 29, 30 and 31 days after the as-of day.

Expected counts are computed here from the 保养合同 register as typed (read back with openpyxl, counted with plain
Python), never from a sheet the product wrote. The renewal notice period is also set to 45 days, so the 续约提醒
sheet the summary reads holds contracts 31 to 45 days away too: only the summary's own 30-day window keeps them out
of the figure (a window widened to 31 days is caught here, and not by the default 30-day notice period).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from conftest import write_workbook
from python_calamine import CalamineWorkbook

from automation.summary import run_root

AS_OF = dt.datetime(2026, 11, 27, 16, 0)
BRANCH = "服务中心"
HEADER = ["合同编号", "客户代码", "客户名称", "商品型号", "开始日期", "到期日期", "合同金额(元)", "合同状态", "到期通知日期",
          "续约结果", "新合同编号"]  # fmt: skip
WINDOW = 30  # SPEC §8: contracts ending within 30 days of the as-of day


def contract(no: str, days: int, state: str = "有效", outcome: str | None = None) -> list[object]:
    expiry = AS_OF.date() + dt.timedelta(days=days)
    return [no, "KH00001", "宁波甬江机械有限公司", "XJ-1", expiry - dt.timedelta(days=365), expiry, 3000, state,
            None, outcome, None]  # fmt: skip


CONTRACTS = [
    contract("HT-29", 29),
    contract("HT-30", 30),
    contract("HT-30B", 30),
    contract("HT-31", 31),
    contract("HT-0", 0),  # ends on the as-of day: still within
    contract("HT-M1", -1),  # ended yesterday: overdue, not "within 30 days"
    contract("HT-45", 45),
    contract("HT-46", 46),
    contract("HT-30R", 30, state="已续约"),  # settled: no reminder at all
    contract("HT-30N", 30, outcome="不续约"),
    contract("HT-29T", 29, state="已终止"),
]


def days_left(register: Path) -> dict[str, int]:
    """Per open contract (renewal undecided): calendar days from the as-of day to its end, from the cells alone."""
    book = openpyxl.load_workbook(register, read_only=True)
    rows = list(book["保养合同"].iter_rows(values_only=True))
    book.close()
    at = {name: i for i, name in enumerate(rows[0])}
    result = {}
    for row in rows[1:]:
        if row[at["合同状态"]] in ("已续约", "已终止") or row[at["续约结果"]] in ("已续约", "不续约"):
            continue
        expiry = row[at["到期日期"]]
        expiry = expiry.date() if isinstance(expiry, dt.datetime) else expiry
        result[str(row[at["合同编号"]])] = (expiry - AS_OF.date()).days
    return result


def summary_sheet(root: Path, name: str) -> list[dict[str, object]]:
    rows = CalamineWorkbook.from_path(str(root / "总部" / "汇总.xlsx")).get_sheet_by_name(name).to_python()
    header = [str(h) for h in rows[1]]  # row 1 is the banner
    if name == "总览":  # the key table ends at 合计; below it are a legend, the charts and a second table
        rows = rows[: next((i for i, r in enumerate(rows) if i > 1 and r and r[0] == "合计"), len(rows) - 1) + 1]
    return [dict(zip(header, r, strict=False)) for r in rows[2:] if r and r[0] not in ("", None)]


@pytest.mark.parametrize("notice_days", [30, 45])
def test_thirty_day_window_at_its_boundary(root: Path, notice_days: int) -> None:
    (root / "automation.toml").write_text(f"[contracts]\nnotice_days = {notice_days}\n", encoding="utf-8")
    register = write_workbook(root / BRANCH / "保养合同.xlsx", {"保养合同": [HEADER, *CONTRACTS]})
    left = days_left(register)
    soon = {n: 0 <= days <= WINDOW for n, days in left.items()}
    assert sorted(n for n, s in soon.items() if s) == ["HT-0", "HT-29", "HT-30", "HT-30B"]  # the test's own premise

    reports, outcome = run_root(root, as_of=AS_OF)
    assert outcome is not None and outcome.written, outcome
    assert not [r.name for r in reports if r.error_zh]
    overview = {str(r["分公司"]): r for r in summary_sheet(root, "总览")}
    assert overview[BRANCH]["30天内到期合同"] == sum(soon.values()) == 4
    assert overview["合计"]["30天内到期合同"] == 4

    # The detail sheet lists every reminder (the notice period decides which) and marks the 30-day ones.
    listed = {str(r["合同编号"]): r["30天内到期"] for r in summary_sheet(root, "续约提醒")}
    reminded = {n for n, days in left.items() if days <= notice_days}
    assert set(listed) == reminded
    assert {n: v == "是" for n, v in listed.items()} == {n: soon[n] for n in reminded}
