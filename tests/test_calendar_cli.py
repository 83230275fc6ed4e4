"""The `automation calendar` command (§9): a deadline and a year of the working calendar, through the CLI entry
point ``automation.cli.main`` with the output captured."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from automation.cli import main


@pytest.fixture(autouse=True)
def _no_deployment_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The default --root is ./workbooks; run where there is none so the plain calendar is used.
    monkeypatch.chdir(tmp_path)


def test_deadline_over_the_make_up_saturday(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calendar", "deadline", "2026-02-13 15:30", "--hours", "6"]) == 0
    out = capsys.readouterr().out
    assert "2026-02-14 13:30" in out
    assert "注意" not in out  # 2026 is covered: no warning


def test_deadline_suburban_stays_on_closing_time(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calendar", "deadline", "2026-02-13 09:00", "--hours", "7"]) == 0
    assert "→ 2026-02-13 17:00" in capsys.readouterr().out


def test_deadline_in_an_uncovered_year_warns(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calendar", "deadline", "2027-01-04 09:00", "--hours", "6"]) == 0
    out = capsys.readouterr().out
    assert "2027-01-04 16:00" in out and "2027" in out and "节假日调整" in out


def test_deadline_uses_the_deployment_overrides(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "员工"
    wb.active.append(["工号", "姓名", "部门", "岗位", "所属单位", "在职状态", "离职日期"])
    sheet = wb.create_sheet("节假日调整")
    sheet.append(["日期", "类型", "说明"])
    sheet.append([dt.date(2026, 2, 14), "休息日", "公司统一放假"])
    (tmp_path / "root" / "总部").mkdir(parents=True)
    wb.save(tmp_path / "root" / "总部" / "基础资料.xlsx")
    code = main(["calendar", "deadline", "2026-02-13 15:30", "--hours", "6", "--root", str(tmp_path / "root")])
    assert code == 0
    # 1.5 h on Friday; the Saturday is now off, the Spring Festival follows; 4.5 h on Tuesday 02-24.
    assert "2026-02-24 13:30" in capsys.readouterr().out


def test_year_lists_make_up_days(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calendar", "--year", "2026"]) == 0
    out = capsys.readouterr().out
    for day in ("2026-02-14", "2026-02-28", "2026-09-20", "2026-10-10"):  # the 2026 make-up working days
        line = next(line for line in out.splitlines() if day in line)
        assert "调休" in line
    assert "2026-10-01" in out and "2026-03-10" not in out  # holidays listed, ordinary days not
    assert "248" in out  # working days in 2026


def test_bad_deadline_input_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calendar", "deadline", "明天", "--hours", "6"]) == 2
