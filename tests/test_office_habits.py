"""Office habits (issue 14, finding 6): copies of a register, files in formats the product cannot read, and a
sample company of tens of thousands of calls a branch."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from pathlib import Path

import pytest
from conftest import write_workbook

from automation.cli import main
from automation.root import discover, original_of
from automation.sample import _build
from automation.sample.company import Company
from automation.sample.mistakes import plant_all
from automation.set_aside import set_aside_files
from automation.settings import Settings

AS_OF = "2026-11-27 16:00"
CONTRACTS = [
    ["合同编号", "客户代码", "客户名称", "商品型号", "开始日期", "到期日期", "合同金额(元)", "合同状态"],
    *[[f"HT-00{i}", "KH00001", "宁波甬江机械有限公司", "CNC-650", dt.date(2026, 1, 1), dt.date(2026, 12, 31), 1200, "有效"]
      for i in range(1, 6)],
]


@pytest.mark.parametrize("name", [
    "保养合同 - 副本.xlsx", "保养合同 - 副本 (2).xlsx", "保养合同 (2).xlsx", "保养合同（3）.xlsx", "复件 保养合同.xlsx",
    "保养合同 - Copy.xlsx", "Copy of 保养合同.xlsx", "保养合同 copy 2.xlsx",
])
def test_copy_names_point_at_their_original(tmp_path, name):
    original = tmp_path / "保养合同.xlsx"
    original.write_bytes(b"x")
    (tmp_path / name).write_bytes(b"x")
    assert original_of(tmp_path / name) == original


def test_a_copy_like_name_without_its_original_is_a_register(tmp_path):
    (tmp_path / "保养合同 (2).xlsx").write_bytes(b"x")
    (tmp_path / "保养合同-2025.xlsx").write_bytes(b"x")
    assert original_of(tmp_path / "保养合同 (2).xlsx") is None
    assert original_of(tmp_path / "保养合同-2025.xlsx") is None  # the documented way to keep two files


def test_a_copy_is_reported_once_and_does_not_turn_rows_into_duplicates(root, capsys):
    branch = root / "服务中心"
    original = write_workbook(branch / "保养合同.xlsx", {"保养合同": CONTRACTS})
    shutil.copy(original, branch / "保养合同 - 副本.xlsx")
    code = main(["run", str(root), "--as-of", AS_OF, "--no-write", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    codes = [p["code"] for book in out["workbooks"] for p in book["problems"]]
    assert "COL006" not in codes
    assert [Path(b["path"]).name for b in out["workbooks"] if b["branch"] == "服务中心"] == ["保养合同.xlsx"]
    [aside] = out["set_aside"]
    assert aside["kind"] == "copy" and Path(aside["original"]).name == "保养合同.xlsx"
    assert "疑似副本" in aside["message"] and "保养合同 - 副本.xlsx" in aside["message"]
    assert "保养合同.xlsx" in aside["message"].replace("保养合同 - 副本.xlsx", "")

    assert main(["run", str(root), "--as-of", AS_OF, "--no-write"]) == 0
    text = capsys.readouterr().out
    assert text.count("疑似副本") == 1


def test_a_copy_named_on_the_command_line_is_checked_alone(root, capsys):
    branch = root / "服务中心"
    original = write_workbook(branch / "保养合同.xlsx", {"保养合同": CONTRACTS})
    copy = shutil.copy(original, branch / "保养合同 (2).xlsx")
    assert main(["validate", str(copy), "--as-of", AS_OF, "--no-write", "--json"]) == 0
    [book] = json.loads(capsys.readouterr().out)["workbooks"]
    assert "COL006" not in book["counts"]


def test_two_files_of_a_register_still_share_uniqueness(root, capsys):
    branch = root / "服务中心"
    write_workbook(branch / "保养合同-2025.xlsx", {"保养合同": CONTRACTS})
    write_workbook(branch / "保养合同-2026.xlsx", {"保养合同": CONTRACTS[:2]})
    main(["run", str(root), "--as-of", AS_OF, "--no-write", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert any(p["code"] == "COL006" for b in out["workbooks"] for p in b["problems"])
    assert out["set_aside"] == []


@pytest.mark.parametrize("suffix", [".et", ".ods", ".csv", ".xlsb", ".numbers"])
def test_unsupported_spreadsheets_are_listed_with_what_to_do(root, capsys, suffix):
    (root / "服务中心" / f"叫修登记簿{suffix}").write_bytes(b"not read")
    (root / "服务中心" / f"~$叫修登记簿{suffix}").write_bytes(b"a lock file")
    main(["run", str(root), "--as-of", AS_OF, "--no-write", "--json"])
    [aside] = json.loads(capsys.readouterr().out)["set_aside"]
    assert aside["kind"] == "unsupported" and aside["path"].endswith(f"叫修登记簿{suffix}")
    assert "另存为" in aside["message"] and ".xlsx" in aside["message"]
    main(["run", str(root), "--as-of", AS_OF, "--no-write", "--lang", "en"])
    assert "save it as an Excel workbook (.xlsx)" in capsys.readouterr().out.replace("\n", " ")


def test_an_et_file_beside_its_xlsx_says_which_one_is_processed(root):
    write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": CONTRACTS})
    (root / "服务中心" / "保养合同.et").write_bytes(b"old")
    [aside] = set_aside_files(root, Settings())
    assert "已处理的是旁边的 保养合同.xlsx" in aside.message()
    assert [s.path.name for s in discover(root, Settings()) if s.branch == "服务中心"] == ["保养合同.xlsx"]


def test_sample_generator_makes_a_20000_call_branch():
    """`demo --rows 20000` used to stop at 「ran out of distinct company names」 and, from 5,000 rows, at
    「Sample larger than population」 (every technician-day taken). The branch's data is drawn in memory (writing
    the workbooks is openpyxl's time, not the generator's); measured at 2.4 s on a 2-core machine."""
    started = time.perf_counter()
    co = Company(as_of=dt.datetime(2026, 11, 27, 16), seed=5, rows=20_000, branches=["服务中心"], head_office="总部")
    _build(co)
    plant_all(co)
    elapsed = time.perf_counter() - started
    calls = co.calls["服务中心"]
    assert len(calls) == 20_000
    assert len({c.number for c in calls}) == len(calls)
    names = [c.name for c in co.customers]
    assert len(set(names)) == len(names) and len(names) >= 3_000
    planted = {code for rows in co.sheets.values() for sheet in rows.values() for r in sheet for code, *_ in r.plants}
    assert {"WRK001", "WRK004", "WRK005", "WRK007"} <= planted
    assert elapsed < 60, f"{elapsed:.1f} s"  # was quadratic: minutes for 20,000 calls


def test_sample_generator_is_deterministic_per_seed():
    def draw(seed: int) -> list[tuple[str, str]]:
        co = Company(as_of=dt.datetime(2026, 11, 27, 16), seed=seed, rows=4_000, branches=["服务中心"], head_office="总部")
        _build(co)
        plant_all(co)
        return [(c.number, c.name) for c in co.calls["服务中心"]]

    assert draw(11) == draw(11)
    assert draw(11) != draw(12)


def test_the_summarys_data_status_lists_a_copy_and_an_unsupported_file(root):
    branch = root / "服务中心"
    original = write_workbook(branch / "保养合同.xlsx", {"保养合同": CONTRACTS})
    shutil.copy(original, branch / "保养合同 - 副本.xlsx")
    (branch / "叫修登记簿.et").write_bytes(b"WPS spreadsheet bytes")
    assert main(["run", str(root), "--as-of", AS_OF]) == 0
    import openpyxl

    status = openpyxl.load_workbook(root / "总部" / "汇总.xlsx", read_only=True)["数据状态"]
    rows = [[c for c in row] for row in status.iter_rows(min_row=3, values_only=True)]
    aside = {str(r[1]): r for r in rows if r[7] and str(r[7]).startswith("未处理")}
    assert set(aside) == {"服务中心/保养合同 - 副本.xlsx", "服务中心/叫修登记簿.et"} or {
        Path(k).name for k in aside} == {"保养合同 - 副本.xlsx", "叫修登记簿.et"}
    copy = next(r for k, r in aside.items() if "副本" in k)
    assert copy[7] == "未处理（疑似副本）" and "疑似副本" in copy[8]
    wps = next(r for k, r in aside.items() if k.endswith(".et"))
    assert wps[7] == "未处理（格式不支持）" and ".xlsx" in wps[8]
