"""``automation status``, ``automation unlock`` and the demo's refusal to replace a company's registers (issue 9).

Each test lays out a real root (``automation init``) or uses the ``root`` fixture, makes real lock files and real
read-only files, and runs the command line as staff would.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import stat
from pathlib import Path

import pytest
from watching import excel_owner_file

from automation.cli import main
from automation.sample.guard import MARKER

BRANCH = "服务中心"
CALLINS = "叫修登记簿.xlsx"
AS_OF = "2026-11-27 16:00"


def excel_lock(workbook: Path, name: str = "张三", hours_old: float = 0.0) -> Path:
    """Excel's owner file ``~$<name>`` naming its holder, made ``hours_old`` hours ago."""
    lock = workbook.with_name(f"~${workbook.name}")
    lock.write_bytes(excel_owner_file("zhang", name))
    when = (dt.datetime.now() - dt.timedelta(hours=hours_old)).timestamp()
    os.utime(lock, (when, when))
    return lock


@pytest.fixture
def company(tmp_path: Path) -> Path:
    root = tmp_path / "company"
    assert main(["init", str(root), "--branch", BRANCH]) == 0
    return root


def status_json(capsys: pytest.CaptureFixture[str], root: Path, *extra: str) -> dict:
    capsys.readouterr()
    assert main(["status", str(root), "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_status_names_the_lock_its_holder_and_age_and_calls_an_old_one_stale(
    company: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert status_json(capsys, company)["waiting"] == []
    book = company / BRANCH / CALLINS
    lock = excel_lock(book, hours_old=3)
    assert main(["run", str(company), "--as-of", AS_OF]) == 0
    [waiting] = status_json(capsys, company)["waiting"]
    assert (waiting["name"], waiting["code"], waiting["holder"], waiting["stale"]) == (
        f"{BRANCH}/{CALLINS}", "locked", "张三", False)
    assert waiting["lock"] == str(lock) and 2.9 < waiting["lock_age_hours"] < 3.1
    assert waiting["reason"] == f"文件正被 张三 打开（锁文件 ~${CALLINS}，已 3 小时），待关闭后写入"
    assert waiting["processed"]  # it was checked, only the write waits

    excel_lock(book, hours_old=13)
    [waiting] = status_json(capsys, company, "--lang", "en")["waiting"]
    assert waiting["stale"] is True and "probably left by a program that crashed" in waiting["reason"]
    assert f'automation unlock "{book}"' in waiting["reason"]
    assert main(["status", str(company)]) == 0
    text = re.sub(r"[\s│┃]", "", capsys.readouterr().out)  # the table wraps long reasons over lines
    assert "可能是程序异常退出后遗留" in text and "automationunlock" in text


def test_status_lists_a_read_only_register(company: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = company / BRANCH / CALLINS
    book.chmod(0o444)
    before = book.read_bytes()
    assert main(["run", str(company), "--as-of", AS_OF]) == 0
    assert book.read_bytes() == before and stat.S_IMODE(book.stat().st_mode) == 0o444
    [waiting] = status_json(capsys, company)["waiting"]
    assert (waiting["code"], waiting["lock"]) == ("read_only", None)
    assert waiting["reason"].startswith("文件为只读")


def test_unlock_refuses_a_recent_lock_removes_a_stale_one_and_nothing_else(
    company: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = company / BRANCH / CALLINS
    others = {p: p.read_bytes() for p in (company / BRANCH).iterdir()}
    lock = excel_lock(book, hours_old=1)
    capsys.readouterr()
    assert main(["unlock", str(book)]) == 2
    err = capsys.readouterr().err
    assert "只存在了 1 小时" in err and "不到 12 小时" in err and "--force" in err
    assert lock.exists()

    excel_lock(book, hours_old=12.5)
    assert main(["unlock", str(book)]) == 0
    assert "已删除锁文件" in capsys.readouterr().out
    assert not lock.exists()
    assert {p: p.read_bytes() for p in (company / BRANCH).iterdir()} == others  # nothing else touched

    assert main(["unlock", str(book)]) == 2  # nothing left to remove
    assert "没有锁文件" in capsys.readouterr().err


def test_unlock_with_force_and_given_the_lock_file_itself(company: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = company / BRANCH / CALLINS
    libre = book.with_name(f".~lock.{book.name}#")
    libre.write_text(",李四,PC-2,29.11.2026 10:00,file:///x;", encoding="utf-8")
    assert main(["unlock", str(libre), "--lang", "en"]) == 2
    assert "only 0 min old" in capsys.readouterr().err and libre.exists()
    assert main(["unlock", str(libre), "--force", "--lang", "en"]) == 0
    assert not libre.exists() and book.exists()
    assert "removed" in capsys.readouterr().out


def test_unlock_honours_the_configured_limit(company: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (company / "automation.toml").write_text("[watch]\nstale_lock_hours = 2\n", encoding="utf-8")
    book = company / BRANCH / CALLINS
    lock = excel_lock(book, hours_old=2.5)
    assert main(["unlock", str(book)]) == 0 and not lock.exists()


# --- the demo never replaces a company's registers ----------------------------------------------------------


def test_demo_refuses_a_folder_with_registers_it_did_not_write(company: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = {p: p.read_bytes() for p in company.rglob("*") if p.is_file()}
    assert main(["demo", str(company), "--rows", "10", "--as-of", AS_OF]) == 2
    err = capsys.readouterr().err
    assert "不是示例数据" in err and "--force" in err
    assert {p: p.read_bytes() for p in company.rglob("*") if p.is_file()} == before  # not one byte changed
    assert not (company / MARKER).exists()


def test_demo_with_force_keeps_every_replaced_file_in_history(company: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (company / "automation.toml").write_text("[sla]\nurban_hours = 5\n", encoding="utf-8")
    before = {p.relative_to(company).as_posix(): p.read_bytes() for p in company.rglob("*.xlsx")}
    before["automation.toml"] = (company / "automation.toml").read_bytes()
    assert main(["demo", str(company), "--rows", "10", "--as-of", AS_OF, "--force"]) in (0, 1)
    history = company / ".automation" / "history"
    kept = [p.read_bytes() for p in history.rglob("*") if p.is_file()]
    for name, data in before.items():
        assert data in kept, f"{name} was replaced by the demo without a copy in history"
    assert (company / MARKER).is_file()


def test_demo_runs_again_in_its_own_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    demo = tmp_path / "demo"
    assert main(["demo", str(demo), "--rows", "10", "--as-of", AS_OF]) in (0, 1)
    assert main(["demo", str(demo), "--rows", "10", "--as-of", AS_OF, "--seed", "7"]) in (0, 1)
    (demo / BRANCH / "叫修登记簿-2025.xlsx").write_bytes((demo / BRANCH / CALLINS).read_bytes())  # staff's own file
    assert main(["demo", str(demo), "--rows", "10", "--as-of", AS_OF]) == 2
    assert "叫修登记簿-2025.xlsx" in capsys.readouterr().err


def test_a_forged_demo_marker_cannot_make_the_demo_lose_a_register(company: Path) -> None:
    """The marker lives on a share anyone can write: it may spare the --force, never a history copy."""
    from automation.sample.guard import sample_files

    before = {p.relative_to(company).as_posix(): p.read_bytes() for p in company.rglob("*.xlsx")}
    (company / MARKER).parent.mkdir(parents=True, exist_ok=True)
    (company / MARKER).write_text(json.dumps({"files": sample_files(("服务中心",))}), encoding="utf-8")
    assert main(["demo", str(company), "--rows", "10", "--as-of", AS_OF]) in (0, 1)
    kept = [p.read_bytes() for p in (company / ".automation" / "history").rglob("*.xlsx")]
    for name, data in before.items():
        assert data in kept, f"{name} was replaced by the demo without a copy in history"
