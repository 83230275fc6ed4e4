"""Results written back into registers through the whole pipeline: what staff made survives, what we write reads
back, a busy or changing workbook is never overwritten, and LibreOffice opens the result."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest
from conftest import AS_OF, write_workbook
from libreoffice import convert, require_soffice
from python_calamine import CalamineWorkbook

from automation.cli import main
from automation.pipeline import validate_paths
from automation.sample import build_sample
from automation.state import State
from automation.xlsx.package import staff_part_names

T = dt.datetime
CONTRACTS = [
    ["合同编号", "客户代码", "客户名称", "商品型号", "开始日期", "到期日期", "合同金额(元)", "合同状态"],
    ["HT-001", "KH00001", "宁波甬江机械有限公司", "CNC-650", dt.date(2026, 1, 1), dt.date(2026, 12, 10), 1200, "有效"],
    ["HT-002", "KH00001", "宁波甬江机械有限公司", "CNC-650", dt.date(2026, 1, 1), dt.date(2025, 12, 31), 1200, "有效"],
]


def sheets_of(path: Path) -> dict[str, list[list[object]]]:
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def check_table(rows: list[list[object]]) -> list[list[object]]:
    """The problem rows of 校验结果 as read back (§6: headers in row 2, one problem a row from row 3, each with its
    序号); the summary block beside the table may run on below it."""
    assert rows[1][:2] == ["序号", "级别"]
    return [r for r in rows[2:] if isinstance(r[0], int | float) and r[0] != ""]


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def test_check_sheet_lists_each_problem_with_a_link_to_its_cell(root):
    path = write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": CONTRACTS})
    [report] = validate_paths([path], as_of=AS_OF, write=True)
    assert report.written, report.reason
    sheets = sheets_of(path)
    assert list(sheets) == ["保养合同", "校验结果", "续约提醒", "保修到期"]
    check = sheets["校验结果"]
    # The optional 客户设备 sheet is not kept: a note under the block, not a problem.
    notes = [r for r in check if any(isinstance(v, str) and v.startswith("没有选填工作表「客户设备」") for v in r)]
    assert len(notes) == 1
    assert check[0][0] == "本表由系统自动生成 · 计算时间 2026-11-27 16:00 · 请勿在此表编辑"
    assert check[1][:5] == ["序号", "级别", "代码", "工作表", "单元格"]
    assert [r[2:5] for r in check_table(check)] == [["CON001", "保养合同", "F3"]]
    assert "共检查 2 行：错误 1 处，警告 0 处（1 种问题，涉及 1 列）" in check[1]  # the block beside the table
    xml = parts(path)
    sheet_xml = next(v for k, v in xml.items() if k.startswith("xl/worksheets/") and b"CON001" in v)
    assert b'location="\'\xe4\xbf\x9d\xe5\x85\xbb\xe5\x90\x88\xe5\x90\x8c\'!F3"' in sheet_xml  # '保养合同'!F3
    renew = {r[0]: (r[6], r[7]) for r in sheets["续约提醒"][2:]}
    # HT-001 expires 2026-12-10, within 30 days of 2026-11-27, and links to its notice; HT-002 ran out a year ago
    # without renewal.
    assert renew == {"HT-001": ("需寄通知", "通知书/HT-001_宁波甬江机械有限公司.docx"), "HT-002": ("已过期未续约", "")}


def test_clean_workbook_says_so_with_the_rows_checked(root):
    path = write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": CONTRACTS[:2]})
    validate_paths([path], as_of=AS_OF, write=True)
    assert sheets_of(path)["校验结果"][2][0] == "校验通过：共检查 1 行，未发现问题"


def test_no_write_leaves_the_file_alone(root):
    path = write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": CONTRACTS})
    before = path.read_bytes()
    assert main(["validate", str(path), "--no-write", "--as-of", "2026-11-27 16:00"]) == 1
    assert path.read_bytes() == before
    assert not (root / ".automation").exists()


def test_staff_parts_survive_two_runs_byte_for_byte_and_history_is_kept(root):
    path = write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": CONTRACTS})
    original = parts(path)
    staff = staff_part_names(path.read_bytes())
    validate_paths([path], as_of=AS_OF, write=True)
    validate_paths([path], as_of=AS_OF + dt.timedelta(days=1), write=True)  # a day later: 剩余天数 changed
    after = parts(path)
    for name in staff:
        assert after[name] == original[name], name
    history = sorted((root / ".automation" / "history" / "服务中心").iterdir())
    assert len(history) == 2
    assert parts(history[0]) == original


def test_results_computed_again_unchanged_leave_the_file_alone(root):
    """Only 计算时间 would change (the same figures an hour later): no rewrite, no history copy, and the banner
    keeps the time the figures were computed; once a figure changes (a day later) the file is written."""
    path = write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": CONTRACTS})
    [first] = validate_paths([path], as_of=AS_OF, write=True)
    assert first.written
    data, mtime = path.read_bytes(), path.stat().st_mtime_ns
    history = root / ".automation" / "history" / "服务中心"
    copies = sorted(history.iterdir())
    [again] = validate_paths([path], as_of=AS_OF + dt.timedelta(hours=1), write=True)
    assert (again.written, again.write_code, again.reason) == (False, "noop", None)
    assert path.read_bytes() == data and path.stat().st_mtime_ns == mtime
    assert sorted(history.iterdir()) == copies
    [later] = validate_paths([path], as_of=AS_OF + dt.timedelta(days=1), write=True)
    assert later.written
    sheets = sheets_of(path)
    assert {sheets[name][0][0] for name in ("校验结果", "续约提醒")} == {"本表由系统自动生成 · 计算时间 2026-11-28 16:00 · 请勿在此表编辑"}
    assert {r[0]: r[4] for r in sheets["续约提醒"][2:]} == {"HT-001": 12, "HT-002": -332}  # 剩余天数 a day later


def test_a_locked_workbook_is_checked_but_not_written(root):
    path = write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": CONTRACTS})
    lock = root / "服务中心" / ".~lock.保养合同.xlsx#"
    lock.write_text(",王芳,DESKTOP-7,27.11.2026 15:00,file:///C:/Users/wf/AppData/Roaming/LibreOffice/4;", encoding="utf-8")
    before = path.read_bytes()
    [report] = validate_paths([path], as_of=AS_OF, write=True)
    assert not report.written and "王芳" in report.reason
    assert report.errors == 1
    assert path.read_bytes() == before
    record = State(root).get(path)
    assert record is not None and not record.written and "王芳" in record.reason
    lock.unlink()
    [report] = validate_paths([path], as_of=AS_OF, write=True)
    assert report.written


def test_a_save_during_processing_is_kept_and_results_follow_it(root, monkeypatch):
    """Someone saves the register between our read and our write: their row stays, our results describe it."""
    path = write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": CONTRACTS[:2]})
    import automation.pipeline as pipeline

    real = pipeline.check_workbook
    calls = {"n": 0}

    def check_then_staff_saves(deployment, loaded):
        report = real(deployment, loaded)
        calls["n"] += 1
        if calls["n"] == 1:  # the clerk adds a faulty contract while we compute
            write_workbook(path, {"保养合同": CONTRACTS})
        return report

    monkeypatch.setattr(pipeline, "check_workbook", check_then_staff_saves)
    [report] = validate_paths([path], as_of=AS_OF, write=True)
    assert report.written
    sheets = sheets_of(path)
    assert [r[0] for r in sheets["保养合同"][1:]] == ["HT-001", "HT-002"]
    assert [r[2] for r in check_table(sheets["校验结果"])] == ["CON001"]


def test_unusable_workbook_is_reported_and_untouched(root):
    path = root / "服务中心" / "叫修登记簿.xlsx"
    path.write_bytes(b"PK\x03\x04 truncated")
    [report] = validate_paths([path], as_of=AS_OF, write=True)
    assert report.error_zh and not report.written
    assert path.read_bytes() == b"PK\x03\x04 truncated"


@pytest.mark.libreoffice
def test_sample_registers_with_results_open_in_libreoffice(tmp_path):
    require_soffice()
    build_sample(tmp_path / "demo", as_of=AS_OF, rows=30)
    reports = validate_paths([tmp_path / "demo"], as_of=AS_OF, write=True)
    assert all(r.written for r in reports)
    calls = tmp_path / "demo" / "服务中心" / "叫修登记簿.xlsx"
    ours = sheets_of(calls)
    assert {"校验结果", "派工时限", "次日优先派工", "收费核对"} <= set(ours)
    converted = convert(calls, tmp_path / "lo")
    theirs = sheets_of(converted)
    for name in ("校验结果", "派工时限", "次日优先派工", "收费核对"):
        assert [r[:3] for r in theirs[name][1:]] == [r[:3] for r in ours[name][1:]], name


@pytest.mark.libreoffice
def test_legacy_xls_gets_a_sidecar(root, tmp_path):
    require_soffice()
    source = write_workbook(tmp_path / "src" / "保养合同.xlsx", {"保养合同": CONTRACTS})
    xls = convert(source, root / "服务中心", "xls")
    before = xls.read_bytes()
    [report] = validate_paths([xls], as_of=AS_OF, write=True)
    assert report.written and report.errors == 1
    assert xls.read_bytes() == before
    sidecar = xls.with_name("保养合同.结果.xlsx")
    assert [r[2] for r in check_table(sheets_of(sidecar)["校验结果"])] == ["CON001"]
    # The sidecar is never taken for a register itself.
    assert [Path(r.path).name for r in validate_paths([root / "服务中心"], as_of=AS_OF)] == ["保养合同.xls"]
