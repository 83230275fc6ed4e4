"""Safe-replace cases written for mutants that survived the rest of the suite (docs/testing.md): how a failure of
the file system is classified and told to staff, the temporary names the watcher ignores, history copies and the
leftovers of a killed process. Expected codes, texts and names come from the module's documented contract (SPEC §7)
and are written out here in full."""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import socket
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from automation.xlsx import safe_write
from automation.xlsx.safe_write import (
    LEFTOVER_AGE,
    RETRYABLE,
    WriteBackError,
    WriteOutcome,
    abandoned,
    copy_to_history,
    io_error,
    io_error_code,
    is_temp_file,
    recover_leftover,
)

BOOK = Path("服务中心") / "叫修登记簿.xlsx"


def test_temporary_file_names() -> None:
    assert is_temp_file(".~tmp-123-叫修登记簿.xlsx")
    assert is_temp_file(".~automation-叫修登记簿.xlsx.tmp")
    assert not is_temp_file(".~automation-叫修登记簿.xlsx")
    assert not is_temp_file("叫修登记簿.xlsx.tmp")
    assert not is_temp_file("叫修登记簿.xlsx")


def with_winerror(winerror: int) -> OSError:
    exc = OSError(None, "The network path was not found")
    exc.winerror = winerror  # type: ignore[attr-defined]  # what Windows sets; absent elsewhere
    return exc


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (FileNotFoundError(errno.ENOENT, "No such file or directory"), "vanished"),
        (OSError(errno.ENOSPC, "No space left on device"), "disk_full"),
        (OSError(errno.EDQUOT, "Disk quota exceeded"), "disk_full"),
        (PermissionError(errno.EACCES, "Permission denied"), "permission"),
        (OSError(errno.EROFS, "Read-only file system"), "permission"),
        (OSError(errno.EIO, "Input/output error"), "share"),
        (OSError(errno.ESTALE, "Stale file handle"), "share"),
        (with_winerror(53), "share"),
        (with_winerror(5), "io"),
        (OSError(errno.EEXIST, "File exists"), "io"),
        (OSError("no errno at all"), "io"),
    ],
)
def test_io_errors_are_classified(exc: OSError, code: str) -> None:
    assert io_error_code(exc) == code
    error = io_error(exc, BOOK)
    assert isinstance(error, WriteBackError)
    assert error.code == code
    assert (code in RETRYABLE) is (code != "vanished")


def test_the_plain_io_message_gives_the_system_text_in_english_and_the_errno_name_in_chinese() -> None:
    error = io_error(OSError(errno.EEXIST, "File exists"), BOOK)
    assert str(error) == "写入 叫修登记簿.xlsx 失败：系统错误 EEXIST（原文件未改动）；稍后自动重试"
    assert error.message() == str(error)
    assert error.message("zh") == str(error)
    assert error.message("en") == "Could not write 叫修登记簿.xlsx: File exists (original left untouched); retried later"


def test_an_io_error_without_errno_or_text_is_still_explained() -> None:
    error = io_error(OSError(), BOOK)
    assert error.message_zh == "写入 叫修登记簿.xlsx 失败：系统错误（原文件未改动）；稍后自动重试"
    assert error.message_en == "Could not write 叫修登记簿.xlsx: OSError (original left untouched); retried later"


def test_the_permission_message_names_the_folder() -> None:
    error = io_error(PermissionError(errno.EACCES, "Permission denied"), BOOK)
    assert "文件夹 服务中心 只读" in str(error) and "无法写入 叫修登记簿.xlsx" in str(error)
    assert error.message("en").startswith("No permission: folder 服务中心 is read-only")
    beside = io_error(PermissionError(errno.EACCES, "Permission denied"), Path("叫修登记簿.xlsx"))
    assert "文件夹 . 只读" in str(beside)


def test_outcome_messages_by_language() -> None:
    outcome = WriteOutcome(False, reason="文件正被打开", code="locked", reason_en="the file is open")
    assert outcome.message() == "文件正被打开"
    assert outcome.message("zh") == "文件正被打开"
    assert outcome.message("en") == "the file is open"


# --- history copies and leftovers ---------------------------------------------------------------------------------

HOST = hashlib.sha1(socket.gethostname().encode("utf-8")).hexdigest()[:6]  # the host part of a temporary name


def a_workbook(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
    return path


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


class FrozenClock(dt.datetime):
    @classmethod
    def now(cls, tz: dt.tzinfo | None = None) -> FrozenClock:
        return cls(2026, 3, 1, 8, 0, 0)


def test_history_copies_in_one_clock_tick_get_the_next_microsecond(tmp_path: Path, monkeypatch) -> None:
    book = tmp_path / "叫修登记簿.xlsx"
    book.write_bytes(b"first")
    history = tmp_path / ".automation" / "history" / "服务中心"  # several missing folders
    monkeypatch.setattr(safe_write, "datetime", FrozenClock)
    first = copy_to_history(book, history)
    book.write_bytes(b"second")
    second = copy_to_history(book, history)
    assert first.name == "叫修登记簿.20260301-080000-000000.xlsx"
    assert second.name == "叫修登记簿.20260301-080000-000001.xlsx"
    assert (first.read_bytes(), second.read_bytes()) == (b"first", b"second")
    assert stat.S_IMODE(first.stat().st_mode) & 0o111 == 0  # a copy of a workbook is never executable


def test_a_process_that_is_gone_is_not_alive() -> None:
    assert safe_write._alive(os.getpid())
    assert not safe_write._alive(dead_pid())


def test_a_leftover_is_abandoned_when_older_than_the_limit_or_its_process_is_gone(tmp_path: Path) -> None:
    mine = tmp_path / f".~tmp-{HOST}-{os.getpid()}-0123abcd-叫修登记簿.xlsx"
    mine.write_bytes(b"x")
    made = mine.stat().st_mtime
    assert not abandoned(mine, now=made + 1)  # this very process is writing it
    assert not abandoned(mine, now=made + LEFTOVER_AGE)  # exactly the limit: still in flight
    assert abandoned(mine, now=made + LEFTOVER_AGE + 1)
    gone = tmp_path / f".~tmp-{HOST}-{dead_pid()}-0123abcd-叫修登记簿.xlsx"
    gone.write_bytes(b"x")
    assert abandoned(gone, now=gone.stat().st_mtime + 1)
    elsewhere = tmp_path / f".~tmp-{'0' * 6 if HOST != '0' * 6 else '1' * 6}-{dead_pid()}-0123abcd-叫修登记簿.xlsx"
    elsewhere.write_bytes(b"x")
    assert not abandoned(elsewhere, now=elsewhere.stat().st_mtime + 1)  # another machine's process: age decides
    odd = tmp_path / "叫修登记簿.xlsx"
    odd.write_bytes(b"x")
    assert not abandoned(odd, now=odd.stat().st_mtime + 1)
    assert not abandoned(tmp_path / "missing.xlsx")


def test_a_captured_leftover_without_its_folder_goes_to_history_under_its_time(tmp_path: Path) -> None:
    leftover = a_workbook(tmp_path / f".~tmp-was-{HOST}-{dead_pid()}-0123abcd-叫修登记簿.xlsx")
    stamp = dt.datetime(2026, 3, 1, 8, 0, 0).timestamp()
    os.utime(leftover, (stamp, stamp))
    kept = recover_leftover(leftover, tmp_path / "history")
    assert kept == tmp_path / "history" / "叫修登记簿.20260301-080000-000000.xlsx"
    assert kept.exists() and not leftover.exists()
