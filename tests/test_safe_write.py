"""Tests for automation.xlsx.safe_write: locks, concurrent saves, history and I/O failures (SPEC §7)."""

from __future__ import annotations

import errno
import os
import re
import stat
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from automation.xlsx import safe_write as sw
from automation.xlsx.safe_write import (
    Fingerprint,
    WriteBackError,
    WriteOutcome,
    fingerprint,
    is_temp_file,
    lock_files,
    lock_holder,
    prune_history,
    safe_replace,
)

ORIGINAL = b"PK\x03\x04 original workbook bytes"
LIBREOFFICE_LOCK = ",张三,DESKTOP-1,29.11.2026 10:00,file:///C:/Users/zhang/AppData/Roaming/LibreOffice/4;"


def excel_owner_file(ansi: bytes, utf16_name: str | None = None) -> bytes:
    """An Excel ``~$`` owner file: length byte + ANSI name padded to 54, then optionally length + UTF-16LE."""
    head = (bytes([len(ansi)]) + ansi).ljust(54, b" ")
    if utf16_name is None:
        return head.ljust(162, b" ")
    tail = len(utf16_name).to_bytes(2, "little") + utf16_name.encode("utf-16-le")
    return (head + tail).ljust(162, b" ")


def append_marker(data: bytes) -> bytes:
    return data + b"+results"


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "服务中心" / "叫修登记簿.xlsx"
    path.parent.mkdir()
    path.write_bytes(ORIGINAL)
    return path


@pytest.fixture
def history(tmp_path: Path) -> Path:
    return tmp_path / ".automation" / "history" / "服务中心"


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sw, "_REPLACE_DELAYS", (0.0, 0.0, 0.0))


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if "automation" in p.name or p.suffix == ".tmp")


def history_files(history: Path) -> list[Path]:
    return sorted(history.iterdir()) if history.exists() else []


# --- lock files -------------------------------------------------------------------------------------


def test_lock_files_finds_every_form(tmp_path: Path) -> None:
    path = tmp_path / "LongWorkbook.xlsx"
    assert lock_files(path) == []
    for name in ("~$LongWorkbook.xlsx", "~$ngWorkbook.xlsx", ".~lock.LongWorkbook.xlsx#"):
        (tmp_path / name).write_bytes(b"")
    assert {p.name for p in lock_files(path)} == {
        "~$LongWorkbook.xlsx",
        "~$ngWorkbook.xlsx",
        ".~lock.LongWorkbook.xlsx#",
    }
    assert lock_files(tmp_path / "other.xlsx") == []


def test_lock_holder_libreoffice(book: Path) -> None:
    assert lock_holder(book) is None
    book.with_name(f".~lock.{book.name}#").write_text(LIBREOFFICE_LOCK, encoding="utf-8")
    assert lock_holder(book) == "张三 (DESKTOP-1)"


def test_lock_holder_libreoffice_full_name_and_escapes(book: Path) -> None:
    book.with_name(f".~lock.{book.name}#").write_text(
        r"Zhang\, San,zhang,PC-7,29.11.2026 10:00,file:///x;", "utf-8"
    )
    assert lock_holder(book) == "Zhang, San (PC-7)"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (excel_owner_file("张三".encode("gbk"), "张三"), "张三"),  # newer Excel: UTF-16 copy wins
        (excel_owner_file(b"zhangsan"), "zhangsan"),  # older: ANSI only
        (excel_owner_file("李四".encode("gbk")), "李四"),  # ANSI on Chinese Windows (GBK)
        (excel_owner_file(b"??", "王五"), "王五"),  # ANSI lost the name, UTF-16 still has it
    ],
)
def test_lock_holder_excel(book: Path, content: bytes, expected: str) -> None:
    book.with_name(f"~${book.name}").write_bytes(content)
    assert lock_holder(book) == expected


@pytest.mark.parametrize("content", [b"", b"\x00" * 162, b"\xff" + b"\x01" * 10, bytes(range(256))])
def test_lock_holder_unreadable_owner_file_falls_back(book: Path, content: bytes) -> None:
    book.with_name(f"~${book.name}").write_bytes(content)
    assert lock_holder(book) == f"未知用户 (lock file ~${book.name})"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_lock_holder_parsers_never_raise(raw: bytes) -> None:
    for parse in (sw._excel_holder, sw._libreoffice_holder):
        name = parse(raw)
        assert name is None or (name and name.isprintable())


@pytest.mark.parametrize(
    ("lock_name", "content"),
    [
        (".~lock.叫修登记簿.xlsx#", LIBREOFFICE_LOCK.encode("utf-8")),
        ("~$叫修登记簿.xlsx", excel_owner_file("张三".encode("gbk"), "张三")),
        ("~$登记簿.xlsx", excel_owner_file("张三".encode("gbk"), "张三")),  # Excel's shortened form
    ],
)
def test_locked_workbook_is_not_written(book: Path, history: Path, lock_name: str, content: bytes) -> None:
    book.with_name(lock_name).write_bytes(content)
    calls: list[bytes] = []
    outcome = safe_replace(book, lambda b: calls.append(b) or append_marker(b), history_dir=history)
    assert not outcome.written
    assert outcome.code == "locked"
    assert "张三" in outcome.holder
    assert outcome.reason.startswith("文件正被 张三") and outcome.reason.endswith("打开，待关闭后写入")
    assert "张三" in outcome.reason_en and outcome.message("en") == outcome.reason_en
    assert book.read_bytes() == ORIGINAL
    assert calls == []  # not even computed while someone has it open
    assert history_files(history) == [] and leftovers(book.parent) == []


def test_lock_appearing_during_compute_blocks_the_write(book: Path, history: Path) -> None:
    def transform(data: bytes) -> bytes:
        book.with_name(f"~${book.name}").write_bytes(b"")  # opened in Excel meanwhile; unreadable owner
        return append_marker(data)

    outcome = safe_replace(book, transform, history_dir=history)
    assert (outcome.written, outcome.code) == (False, "locked")
    assert outcome.reason == f"文件正被 未知用户 (lock file ~${book.name}) 打开，待关闭后写入"
    assert "unknown user" in outcome.reason_en
    assert book.read_bytes() == ORIGINAL and leftovers(book.parent) == []


# --- the normal path ----------------------------------------------------------------------------------


def test_write_keeps_history_permissions_and_fingerprint(book: Path, history: Path) -> None:
    book.chmod(0o640)
    outcome = safe_replace(book, append_marker, history_dir=history)
    assert outcome == WriteOutcome(True, history=outcome.history, attempts=1, fingerprint=outcome.fingerprint)
    assert book.read_bytes() == ORIGINAL + b"+results"
    assert outcome.fingerprint == fingerprint(book)
    if os.name != "nt":  # Windows only has a read-only flag
        assert stat.S_IMODE(book.stat().st_mode) == 0o640
    assert outcome.history is not None and outcome.history.read_bytes() == ORIGINAL
    assert re.fullmatch(r"叫修登记簿\.\d{8}-\d{6}-\d{6}\.xlsx", outcome.history.name)
    assert outcome.history.parent == history
    assert leftovers(book.parent) == []


@pytest.mark.parametrize("result", [None, ORIGINAL])
def test_nothing_to_write(book: Path, history: Path, result: bytes | None) -> None:
    mtime = book.stat().st_mtime_ns
    outcome = safe_replace(book, lambda _: result, history_dir=history)
    assert (outcome.written, outcome.code, outcome.reason) == (False, "noop", None)
    assert book.stat().st_mtime_ns == mtime and history_files(history) == []


def test_temp_file_is_in_the_same_folder_and_recognisable(book: Path, history: Path, monkeypatch) -> None:
    seen: list[Path] = []
    real_replace = os.replace

    def spy(src, dst) -> None:
        seen.append(Path(src))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    assert safe_replace(book, append_marker, history_dir=history).written
    assert len(seen) == 1 and seen[0].parent == book.parent
    assert seen[0].name.startswith(".~automation-") and seen[0].name.endswith(".tmp")
    assert is_temp_file(seen[0]) and not is_temp_file(book)


def test_fingerprint_reads_the_file_when_no_data_given(book: Path) -> None:
    fp = fingerprint(book)
    assert isinstance(fp, Fingerprint) and fp.size == len(ORIGINAL)
    assert fp == fingerprint(book, book.read_bytes())


# --- concurrent saves ---------------------------------------------------------------------------------


def test_save_by_someone_else_during_compute_is_kept(book: Path, history: Path) -> None:
    seen: list[bytes] = []

    def transform(data: bytes) -> bytes:
        seen.append(data)
        if len(seen) == 1:
            book.write_bytes(b"their save")  # staff saved while we were computing
        return append_marker(data)

    outcome = safe_replace(book, transform, history_dir=history)
    assert outcome.written and outcome.attempts == 2
    assert seen == [ORIGINAL, b"their save"]
    assert book.read_bytes() == b"their save+results"  # our results on top of their content
    assert outcome.history.read_bytes() == b"their save"  # the version we actually replaced
    assert [p.read_bytes() for p in history_files(history)] == [b"their save"]
    assert leftovers(book.parent) == []


def test_same_size_same_mtime_change_is_still_detected(book: Path, history: Path) -> None:
    seen: list[bytes] = []

    def transform(data: bytes) -> bytes:
        seen.append(data)
        if len(seen) == 1:
            st_before = book.stat()
            book.write_bytes(ORIGINAL.upper())  # same size
            os.utime(book, ns=(st_before.st_atime_ns, st_before.st_mtime_ns))  # coarse clock: same mtime
        return append_marker(data)

    outcome = safe_replace(book, transform, history_dir=history)
    assert outcome.attempts == 2 and book.read_bytes() == ORIGINAL.upper() + b"+results"


def test_gives_up_when_the_file_keeps_changing(book: Path, history: Path) -> None:
    counter = iter(range(100))

    def transform(data: bytes) -> bytes:
        book.write_bytes(f"save {next(counter)}".encode())
        return append_marker(data)

    outcome = safe_replace(book, transform, history_dir=history, max_attempts=3)
    assert (outcome.written, outcome.code, outcome.attempts) == (False, "changed", 3)
    assert "3" in outcome.reason and "3 tries" in outcome.reason_en
    assert book.read_bytes() == b"save 2"  # the latest staff save survives
    assert history_files(history) == [] and leftovers(book.parent) == []


# --- history ------------------------------------------------------------------------------------------


def test_history_is_bounded_and_keeps_the_newest(book: Path, history: Path) -> None:
    for _ in range(6):
        assert safe_replace(book, append_marker, history_dir=history, history_keep=3).written
    kept = history_files(history)
    assert len(kept) == 3
    assert [p.read_bytes() for p in kept] == [ORIGINAL + b"+results" * n for n in (3, 4, 5)]


def test_prune_history_only_touches_one_workbook(tmp_path: Path) -> None:
    names = [f"a.2026010{d}-120000-000000.xlsx" for d in range(1, 6)]
    others = ["a-2026.20260101-120000-000000.xlsx", "a.20260101-120000-000000.xlsm", "a.notes.xlsx", "b.xlsx"]
    for name in names + others:
        (tmp_path / name).write_bytes(b"x")
    prune_history(tmp_path, "a", "xlsx", keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[-2:] + others)
    prune_history(tmp_path / "missing", "a", ".xlsx", keep=2)  # no history yet: nothing to do
    with pytest.raises(ValueError):
        prune_history(tmp_path, "a", ".xlsx", keep=-1)


def test_history_names_stay_unique_within_one_clock_tick(book: Path, history: Path, monkeypatch) -> None:
    from datetime import datetime

    class FrozenClock(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 11, 29, 10, 0, 0, 123456)

    monkeypatch.setattr(sw, "datetime", FrozenClock)
    for _ in range(3):
        assert safe_replace(book, append_marker, history_dir=history).written
    assert [p.name for p in history_files(history)] == [
        "叫修登记簿.20261129-100000-123456.xlsx",
        "叫修登记簿.20261129-100000-123457.xlsx",
        "叫修登记簿.20261129-100000-123458.xlsx",
    ]


# --- failures -----------------------------------------------------------------------------------------


def test_transform_error_leaves_everything_untouched(book: Path, history: Path) -> None:
    def transform(data: bytes) -> bytes:
        raise ValueError("corrupt workbook")

    with pytest.raises(ValueError, match="corrupt workbook"):
        safe_replace(book, transform, history_dir=history)
    assert book.read_bytes() == ORIGINAL and leftovers(book.parent) == [] and history_files(history) == []


def test_disk_full_while_writing_temp(book: Path, history: Path, monkeypatch) -> None:
    def full_disk(fd: int, data: bytes) -> None:
        os.write(fd, data[:5])  # part of it made it to disk
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(sw, "_write_all", full_disk)
    with pytest.raises(WriteBackError) as info:
        safe_replace(book, append_marker, history_dir=history)
    assert info.value.code == "disk_full"
    assert str(info.value) == "磁盘空间不足，无法写入 叫修登记簿.xlsx（原文件未改动）"
    assert "Disk full" in info.value.message("en") and "\n" not in info.value.message_en
    assert book.read_bytes() == ORIGINAL and leftovers(book.parent) == [] and history_files(history) == []


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0, reason="root (or Windows) ignores chmod 0o555"
)
def test_read_only_folder_real(book: Path, history: Path) -> None:
    book.parent.chmod(0o555)
    try:
        with pytest.raises(WriteBackError) as info:
            safe_replace(book, append_marker, history_dir=history)
    finally:
        book.parent.chmod(0o755)
    assert info.value.code == "read_only" and "只读" in str(info.value)
    assert book.read_bytes() == ORIGINAL and leftovers(book.parent) == []


def test_read_only_folder_simulated(book: Path, history: Path, monkeypatch) -> None:
    real_open = os.open

    def no_create(file, flags, *args, **kwargs):
        if flags & os.O_CREAT and Path(file).parent == book.parent:
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", no_create)
    with pytest.raises(WriteBackError) as info:
        safe_replace(book, append_marker, history_dir=history)
    assert info.value.code == "read_only"
    assert str(info.value) == "文件夹 服务中心 只读或没有写入权限，无法写入 叫修登记簿.xlsx（原文件未改动）"
    assert book.read_bytes() == ORIGINAL and leftovers(book.parent) == [] and history_files(history) == []


def test_missing_file(book: Path, history: Path) -> None:
    book.unlink()
    with pytest.raises(WriteBackError) as info:
        safe_replace(book, append_marker, history_dir=history)
    assert info.value.code == "vanished" and "已不存在" in str(info.value)
    assert "no longer exists" in info.value.message("en")


def test_file_deleted_during_compute_is_not_recreated(book: Path, history: Path) -> None:
    def transform(data: bytes) -> bytes:
        book.unlink()
        return append_marker(data)

    with pytest.raises(WriteBackError) as info:
        safe_replace(book, transform, history_dir=history)
    assert info.value.code == "vanished"
    assert not book.exists() and leftovers(book.parent) == [] and history_files(history) == []


def test_replace_retried_on_permission_error(book: Path, history: Path, monkeypatch, fast_retries) -> None:
    real_replace = os.replace
    failures = iter([True, True, False])

    def flaky(src, dst) -> None:
        if next(failures):  # Windows: a virus scanner still has the file open
            raise PermissionError(errno.EACCES, "Access is denied")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", flaky)
    outcome = safe_replace(book, append_marker, history_dir=history)
    assert outcome.written and book.read_bytes() == ORIGINAL + b"+results"
    assert leftovers(book.parent) == [] and len(history_files(history)) == 1


def test_replace_keeps_failing(book: Path, history: Path, monkeypatch, fast_retries) -> None:
    def always_denied(src, dst) -> None:
        raise PermissionError(errno.EACCES, "Access is denied")

    monkeypatch.setattr(os, "replace", always_denied)
    with pytest.raises(WriteBackError) as info:
        safe_replace(book, append_marker, history_dir=history)
    assert info.value.code == "busy" and "\n" not in str(info.value)
    assert book.read_bytes() == ORIGINAL and leftovers(book.parent) == []
    assert history_files(history) == []  # nothing was replaced, so nothing to keep


def test_save_during_replace_retries_restarts_from_their_content(
    book: Path, history: Path, monkeypatch, fast_retries
) -> None:
    real_replace = os.replace
    calls = iter(range(100))

    def busy_then_saved(src, dst) -> None:
        if next(calls) == 0:  # the program holding the file saves it, then lets go
            book.write_bytes(b"their save")
            raise PermissionError(errno.EACCES, "Access is denied")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", busy_then_saved)
    outcome = safe_replace(book, append_marker, history_dir=history)
    assert outcome.written and outcome.attempts == 2
    assert book.read_bytes() == b"their save+results"
    assert [p.read_bytes() for p in history_files(history)] == [b"their save"]
    assert leftovers(book.parent) == []


def test_bad_arguments(book: Path, history: Path) -> None:
    with pytest.raises(ValueError):
        safe_replace(book, append_marker, history_dir=history, max_attempts=0)
    with pytest.raises(ValueError):
        safe_replace(book, append_marker, history_dir=history, history_keep=0)
