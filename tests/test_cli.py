"""The command line's contract (§9): JSON shape, languages, exit codes."""

from __future__ import annotations

import datetime as dt
import json

from conftest import write_workbook

from automation.cli import main

CONTRACTS = [
    ["合同编号", "客户代码", "客户名称", "商品型号", "开始日期", "到期日期", "合同金额(元)", "合同状态"],
    ["HT-001", "KH00001", "宁波甬江机械有限公司", "CNC-650", dt.date(2026, 1, 1), dt.date(2026, 12, 31), 1200, "有效"],
    ["HT-002", "KH00001", "宁波甬江机械", "CNC-650", dt.date(2026, 1, 1), dt.date(2025, 12, 31), 1200, "有效"],
]


def run_json(capsys, *args: str) -> tuple[int, dict]:
    code = main([*args, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_validate_json_has_the_shape_of_section_9(root, capsys):
    path = write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": CONTRACTS})
    code, out = run_json(capsys, "validate", str(path), "--as-of", "2026-11-27 16:00", "--no-write")
    assert code == 1
    assert set(out) == {"as_of", "workbooks", "errors", "warnings"}
    assert out["as_of"] == "2026-11-27T16:00:00"
    [book] = out["workbooks"]
    # "notes" only because this register has no 客户设备 sheet (an optional one): a note, not a problem.
    assert set(book) == {"path", "register", "branch", "problems", "counts", "results", "error", "notes"}
    assert book["counts"] == {"CON001": 1, "CON002": 1}  # findings per code, summaries at their full count
    assert [note[:13] for note in book["notes"]] == ["没有选填工作表「客户设备」"]
    assert (book["register"], book["branch"], book["error"]) == ("contracts", "服务中心", None)
    assert book["results"] == {"sheets": ["校验结果", "续约提醒", "保修到期"], "written": False, "reason": "--no-write"}
    keys = {"code", "severity", "sheet", "cell", "row", "column", "value", "message", "article"}
    assert all(set(p) == keys for p in book["problems"])
    found = {(p["code"], p["cell"], p["severity"]) for p in book["problems"]}
    assert found == {("CON001", "F3", "error"), ("CON002", "C3", "warning")}
    con001 = next(p for p in book["problems"] if p["code"] == "CON001")
    assert con001["value"] == "2025-12-31" and con001["row"] == 3 and con001["column"] == "到期日期"
    assert con001["article"] == "《售后服务管理制度》第十九条"  # 到期日期: the renewal notice counts from it
    assert (out["errors"], out["warnings"]) == (1, 1)


def test_english_messages(root, capsys):
    path = write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": CONTRACTS})
    _, out = run_json(capsys, "validate", str(path), "--as-of", "2026-11-27", "--no-write", "--lang", "en")
    messages = {p["code"]: p["message"] for p in out["workbooks"][0]["problems"]}
    assert messages["CON001"] == "the expiry date must be after the start date"


def test_warnings_alone_exit_0_and_writing_is_reported(root, capsys):
    path = write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": [CONTRACTS[0], [*CONTRACTS[2][:5], dt.date(2026, 12, 31), 1, "有效"]]})
    code, out = run_json(capsys, "validate", str(path), "--as-of", "2026-11-27 16:00")
    assert code == 0 and out["warnings"] == 1 and out["errors"] == 0
    assert out["workbooks"][0]["results"]["written"] is True


def test_run_json_adds_the_summary(root, capsys):
    write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": CONTRACTS[:2]})
    code, out = run_json(capsys, "run", str(root), "--as-of", "2026-11-27 16:00")
    assert out["summary"]["written"] is True and out["summary"]["path"].endswith("汇总.xlsx")
    assert (root / "总部" / "汇总.xlsx").is_file()
    assert code == (1 if out["errors"] else 0)


def test_bad_as_of_and_lang_are_usage_errors(root, capsys):
    path = write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": CONTRACTS})
    assert main(["validate", str(path), "--as-of", "tomorrow"]) == 2
    assert main(["validate", str(path), "--lang", "fr"]) == 2
    assert main(["frobnicate"]) == 2
    err = capsys.readouterr().err
    assert "--as-of" in err and "--lang" in err


def test_watch_and_consolidate_refuse_a_missing_root(tmp_path, capsys):
    assert main(["watch", str(tmp_path / "nope")]) == 2
    assert main(["consolidate", str(tmp_path / "nope"), "--lang", "en"]) == 2
    assert "root folder does not exist" in capsys.readouterr().err
