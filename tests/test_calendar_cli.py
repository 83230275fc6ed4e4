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


# ---------------------------------------------------------------------------------------------------------
# Coverage of a year by the deployment: only a declared year is covered (SPEC §5)
# ---------------------------------------------------------------------------------------------------------


def _root_with(tmp_path: Path, overrides: list[list[object]], toml: str | None = None) -> Path:
    root = tmp_path / "root"
    wb = openpyxl.Workbook()
    wb.active.title = "员工"
    wb.active.append(["工号", "姓名", "部门", "岗位", "所属单位", "在职状态", "离职日期"])
    sheet = wb.create_sheet("节假日调整")
    sheet.append(["日期", "类型", "说明"])
    for row in overrides:
        sheet.append(row)
    (root / "总部").mkdir(parents=True)
    wb.save(root / "总部" / "基础资料.xlsx")
    if toml is not None:
        (root / "automation.toml").write_text(toml, encoding="utf-8")
    return root


NEW_YEAR_2027 = [dt.date(2027, 1, 1), "休息日", "元旦"]


def test_year_with_one_override_row_is_not_covered(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _root_with(tmp_path, [NEW_YEAR_2027])
    assert main(["calendar", "--year", "2027", "--root", str(root)]) == 0
    out = capsys.readouterr().out
    assert "2027-01-01" in out and "覆盖" in out  # the row is used
    assert "注意" in out and "全年已录入" in out  # but the year is not known


def test_deadline_in_a_year_with_one_override_row_warns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _root_with(tmp_path, [NEW_YEAR_2027])
    assert main(["calendar", "deadline", "2027-02-05 15:00", "--hours", "6", "--root", str(root)]) == 0
    out = capsys.readouterr().out
    assert "2027-02-08 12:00" in out
    assert "注意" in out and "2027" in out and "全年已录入" in out
    assert "[calendar]写complete_years=[2027]" in "".join(out.split())  # the settings way, shown literally


def test_whole_year_marker_covers_the_year(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _root_with(tmp_path, [NEW_YEAR_2027, [dt.date(2027, 2, 10), "全年已录入", None]])
    assert main(["calendar", "--year", "2027", "--root", str(root)]) == 0
    out = capsys.readouterr().out
    assert "注意" not in out
    assert "2027-02-10" not in out  # the marker is no holiday: 02-10 stays an ordinary working day
    assert "2027 年共 260 个工作日" in out  # 261 weekdays less New Year's Day
    assert main(["calendar", "deadline", "2027-02-05 15:00", "--hours", "6", "--root", str(root)]) == 0
    out = capsys.readouterr().out
    assert "2027-02-08 12:00" in out and "注意" not in out


def test_complete_years_setting_covers_the_year(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _root_with(tmp_path, [NEW_YEAR_2027], toml="[calendar]\ncomplete_years = [2027]\n")
    assert main(["calendar", "--year", "2027", "--root", str(root)]) == 0
    assert "注意" not in capsys.readouterr().out
    assert main(["calendar", "deadline", "2027-02-05 15:00", "--root", str(root)]) == 0
    assert "注意" not in capsys.readouterr().out
    assert main(["calendar", "--root", str(root), "deadline", "2027-02-05 15:00"]) == 0  # --root before the command
    assert "注意" not in capsys.readouterr().out


@pytest.mark.parametrize("value", ["2027", '["2027"]', "[27]", "[2027.0]", "[true]", '"2027"'])
def test_bad_complete_years_setting_names_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    root = _root_with(tmp_path, [], toml=f"[calendar]\ncomplete_years = {value}\n")
    assert main(["calendar", "--year", "2027", "--root", str(root)]) == 2
    err = capsys.readouterr().err
    assert "calendar.complete_years" in err and "[2027]" in err


@pytest.mark.parametrize("args", [
    ["calendar", "--year", "2027", "--root"],
    ["calendar", "deadline", "2027-02-05 15:00", "--root"],
    ["calendar", "--root"],
])
def test_missing_root_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    tail = ["deadline", "2027-02-05 15:00"] if args == ["calendar", "--root"] else []
    assert main([*args, str(tmp_path / "nowhere"), *tail]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "根目录不存在" in lines[0] and "nowhere" in lines[0]
