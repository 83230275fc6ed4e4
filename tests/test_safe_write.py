"""Tests for automation.xlsx.safe_write: locks, concurrent saves, history and I/O failures (SPEC §7)."""

from __future__ import annotations

import errno
import os
import re
import stat
import sys
import time
from pathlib import Path

import pytest
from conftest import ORIGINAL_WORKBOOK, owned_by_another
from unprivileged import privileged, run_unprivileged
from watching import excel_owner_file

from automation.xlsx import safe_write as sw
from automation.xlsx import swap
from automation.xlsx.safe_write import (
    Fingerprint,
    WriteBackError,
    WriteOutcome,
    fingerprint,
    is_temp_file,
    prune_history,
    safe_replace,
)

ORIGINAL = ORIGINAL_WORKBOOK
LIBREOFFICE_LOCK = ",张三,DESKTOP-1,29.11.2026 10:00,file:///C:/Users/zhang/AppData/Roaming/LibreOffice/4;"


def append_marker(data: bytes) -> bytes:
    return data + b"+results"


@pytest.fixture(params=["capture", "exchange"])
def strategy(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways a new version takes the name: capture-and-place (POSIX) and exchange (Windows)."""
    monkeypatch.setattr(sw, "_PLACE", sw._capture_and_place if request.param == "capture" else sw._exchange)
    return request.param


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if "automation" in p.name or p.suffix == ".tmp")


def history_files(history: Path) -> list[Path]:
    return sorted(history.iterdir()) if history.exists() else []


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
    assert outcome.reason.startswith("文件正被 张三") and outcome.reason.endswith("），待关闭后写入")
    assert f"锁文件 {lock_name}，已 0 分" in outcome.reason and outcome.lock.path == book.with_name(lock_name)
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
    assert outcome.reason == f"文件正被 未知用户 打开（锁文件 ~${book.name}，已 0 分），待关闭后写入"
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


def test_temp_file_is_in_the_history_folder_never_beside_the_workbook(
    book: Path, history: Path, monkeypatch
) -> None:
    seen: list[Path] = []
    real_move = swap.move_no_replace

    def spy(a: Path, b: Path) -> None:
        seen.append(Path(a))
        assert sorted(p.name for p in book.parent.iterdir()) == []  # the name is empty for these microseconds
        real_move(a, b)

    monkeypatch.setattr(swap, "move_no_replace", spy)
    assert safe_replace(book, append_marker, history_dir=history).written
    assert len(seen) == 1 and seen[0].parent == history
    assert seen[0].name.startswith(".~tmp-") and seen[0].name.endswith(f"-{book.name}")
    assert is_temp_file(seen[0]) and not is_temp_file(book)
    assert [p.name for p in history.iterdir() if is_temp_file(p)] == []


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
    assert str(info.value) == "磁盘空间不足，无法写入 叫修登记簿.xlsx（原文件未改动）；腾出空间后自动重试"
    assert "Disk full" in info.value.message("en") and "\n" not in info.value.message_en
    assert book.read_bytes() == ORIGINAL and leftovers(book.parent) == [] and history_files(history) == []


@pytest.mark.only_on("linux", "darwin", "freebsd")  # Windows ignores a folder's read-only attribute
def test_read_only_folder_real(book: Path, history: Path, request: pytest.FixtureRequest) -> None:
    if privileged():  # root writes into a 0555 folder: the real test runs again without root's powers
        run_unprivileged(request)
        return
    book.parent.chmod(0o555)
    try:
        with pytest.raises(WriteBackError) as info:
            safe_replace(book, append_marker, history_dir=history)
    finally:
        book.parent.chmod(0o755)
    assert info.value.code == "permission" and "只读" in str(info.value)
    assert book.read_bytes() == ORIGINAL and leftovers(book.parent) == []


def test_read_only_folder_simulated(book: Path, history: Path, monkeypatch) -> None:
    real_rename = os.rename

    def denied(a, b) -> None:
        if Path(a).parent == book.parent or Path(b).parent == book.parent:
            raise PermissionError(errno.EACCES, "Permission denied", str(b))
        real_rename(a, b)

    monkeypatch.setattr(os, "rename", denied)
    with pytest.raises(WriteBackError) as info:
        safe_replace(book, append_marker, history_dir=history)
    assert info.value.code == "permission"
    assert str(info.value) == (
        "没有写入权限：文件夹 服务中心 只读或监视程序无权写入，无法写入 叫修登记簿.xlsx（原文件未改动）；获得权限后自动重试")
    assert book.read_bytes() == ORIGINAL and leftovers(book.parent) == [] and history_files(history) == []
    assert [p for p in history.iterdir() if is_temp_file(p)] == []


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


def test_replace_retried_on_permission_error(book: Path, history: Path, monkeypatch, windows_replace) -> None:
    real_exchange = swap.exchange
    failures = iter([True, True, False])

    def flaky(src, dst) -> None:
        if next(failures):  # Windows: a virus scanner still has the file open
            raise PermissionError(errno.EACCES, "Access is denied")
        real_exchange(src, dst)

    monkeypatch.setattr(swap, "exchange", flaky)
    outcome = safe_replace(book, append_marker, history_dir=history)
    assert outcome.written and book.read_bytes() == ORIGINAL + b"+results"
    assert leftovers(book.parent) == [] and len(history_files(history)) == 1


def test_replace_keeps_failing(book: Path, history: Path, monkeypatch, windows_replace) -> None:
    def always_denied(src, dst) -> None:
        raise PermissionError(errno.EACCES, "Access is denied")

    monkeypatch.setattr(swap, "exchange", always_denied)
    with pytest.raises(WriteBackError) as info:
        safe_replace(book, append_marker, history_dir=history)
    assert info.value.code == "busy" and "\n" not in str(info.value)
    assert book.read_bytes() == ORIGINAL and leftovers(book.parent) == []
    assert history_files(history) == []  # nothing was replaced, so nothing to keep


def test_save_during_replace_retries_restarts_from_their_content(
    book: Path, history: Path, monkeypatch, windows_replace
) -> None:
    real_exchange = swap.exchange
    calls = iter(range(100))

    def busy_then_saved(src, dst) -> None:
        if next(calls) == 0:  # the program holding the file saves it, then lets go
            book.write_bytes(b"their save")
            raise PermissionError(errno.EACCES, "Access is denied")
        real_exchange(src, dst)

    monkeypatch.setattr(swap, "exchange", busy_then_saved)
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


# --- the replace itself: saves and locks landing in the last instant ----------------------------------


def excel_save(path: Path, data: bytes) -> None:
    """Excel's way: a temporary file in the same folder renamed onto the name."""
    tmp = path.with_name("~WRL0001.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


@pytest.mark.parametrize("save", [excel_save, lambda p, d: p.write_bytes(d)], ids=["excel", "in-place"])
def test_save_right_before_the_replace_is_kept_and_results_follow_it(
    book: Path, history: Path, monkeypatch, save, strategy: str
) -> None:
    saves = iter([b"their save"])
    monkeypatch.setattr(sw, "before_swap", lambda p: (data := next(saves, None)) and save(p, data))
    outcome = safe_replace(book, append_marker, history_dir=history)
    assert outcome.written and outcome.attempts == 2
    assert book.read_bytes() == b"their save+results"
    # History holds exactly what was replaced: their save, not the version read first.
    assert [p.read_bytes() for p in history_files(history)] == [b"their save"]
    assert leftovers(book.parent) == [] and [p for p in history.iterdir() if is_temp_file(p)] == []


def test_save_onto_the_empty_name_wins(book: Path, history: Path, monkeypatch) -> None:
    """Capture-and-place: a save landing in the microseconds the name is empty is never replaced."""
    real_move = swap.move_no_replace
    saves = iter([b"save in the gap"])

    def staff_first(a: Path, b: Path) -> None:
        if Path(b) == book and (data := next(saves, None)):
            excel_save(book, data)
        real_move(a, b)

    monkeypatch.setattr(swap, "move_no_replace", staff_first)
    outcome = safe_replace(book, append_marker, history_dir=history)
    assert outcome.written and outcome.attempts == 2
    assert book.read_bytes() == b"save in the gap+results"
    assert sorted(p.read_bytes() for p in history_files(history)) == [ORIGINAL, b"save in the gap"]


def test_save_while_a_captured_version_goes_back_wins(book: Path, history: Path, monkeypatch) -> None:
    """Capture-and-place: a save landed before the capture (so the captured file is not the checked one), and
    another lands on the empty name before it goes back: the newest stays, the other goes to history."""
    real_move = swap.move_no_replace
    events = iter(["before capture", "while empty"])
    monkeypatch.setattr(sw, "before_swap", lambda p: next(events, None) and excel_save(p, b"save 1"))

    def racing(a: Path, b: Path) -> None:
        if Path(b) == book and next(events, None) == "while empty":
            excel_save(book, b"save 2")
        real_move(a, b)

    monkeypatch.setattr(swap, "move_no_replace", racing)
    outcome = safe_replace(book, append_marker, history_dir=history)
    assert outcome.written and book.read_bytes() == b"save 2+results"
    assert sorted(p.read_bytes() for p in history_files(history)) == [b"save 1", b"save 2"]


def test_same_size_same_mtime_rewrite_after_capture_is_undone(book: Path, history: Path, monkeypatch) -> None:
    """The quick look cannot see a rewrite in the same clock tick with the same size: the hash after placing
    catches it and the workbook goes back."""
    real_move = swap.move_no_replace
    sneaky = iter([True])

    def rewrite_captured(a: Path, b: Path) -> None:
        if Path(b) == book and next(sneaky, False):
            captured = next(p for p in history.iterdir() if is_temp_file(p) and p != Path(a))
            st_before = captured.stat()
            captured.write_bytes(ORIGINAL.upper())
            os.utime(captured, ns=(st_before.st_atime_ns, st_before.st_mtime_ns))
        real_move(a, b)

    monkeypatch.setattr(swap, "move_no_replace", rewrite_captured)
    outcome = safe_replace(book, append_marker, history_dir=history)
    assert outcome.written and book.read_bytes() == ORIGINAL.upper() + b"+results"
    assert [p.read_bytes() for p in history_files(history)] == [ORIGINAL.upper()]


def test_save_right_after_the_swap_wins_and_the_checked_version_is_in_history(
    book: Path, history: Path, monkeypatch, windows_replace
) -> None:
    real_exchange = swap.exchange

    def exchange_then_staff_saves(a: Path, b: Path) -> None:
        real_exchange(a, b)
        excel_save(book, b"their save")  # lands on our freshly written file: theirs wins, ours is gone

    monkeypatch.setattr(swap, "exchange", exchange_then_staff_saves)
    outcome = safe_replace(book, append_marker, history_dir=history)
    assert outcome.written
    assert book.read_bytes() == b"their save"
    assert [p.read_bytes() for p in history_files(history)] == [ORIGINAL]


def test_save_replacing_ours_while_we_give_back_is_kept(book: Path, history: Path, monkeypatch, windows_replace) -> None:
    """Exchange (Windows): a save lands before the swap (so it must be given back) and another replaces our file
    before the give-back: the newest save ends at the name, the older one in history, ours nowhere."""
    real_exchange = swap.exchange
    calls = iter(range(100))

    def racing(a: Path, b: Path) -> None:
        n = next(calls)
        if n == 0:
            excel_save(book, b"save 1")  # before the swap
        real_exchange(a, b)
        if n == 0:
            excel_save(book, b"save 2")  # replaces our file right after the swap

    monkeypatch.setattr(swap, "exchange", racing)
    outcome = safe_replace(book, append_marker, history_dir=history)
    assert outcome.written and book.read_bytes() == b"save 2+results"
    kept = sorted(p.read_bytes() for p in history_files(history))
    assert kept == [b"save 1", b"save 2"]


def test_lock_appearing_right_before_the_replace_undoes_it(
    book: Path, history: Path, monkeypatch, strategy: str
) -> None:
    monkeypatch.setattr(sw, "before_swap", lambda p: p.with_name(f".~lock.{p.name}#").write_text(
        ",李四,PC-2,29.11.2026 10:00,file:///x;", encoding="utf-8"))
    outcome = safe_replace(book, append_marker, history_dir=history)
    assert (outcome.written, outcome.code, outcome.holder) == (False, "locked", "李四 (PC-2)")
    assert book.read_bytes() == ORIGINAL
    assert history_files(history) == [] and [p for p in history.iterdir() if is_temp_file(p)] == []


def test_history_that_cannot_be_kept_undoes_the_replace(book: Path, history: Path, monkeypatch, strategy: str) -> None:
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(sw, "keep_in_history", full)
    with pytest.raises(WriteBackError) as info:
        safe_replace(book, append_marker, history_dir=history)
    assert info.value.code == "disk_full"
    assert book.read_bytes() == ORIGINAL  # untouched, since its replaced version could not be kept
    assert [p for p in history.iterdir() if is_temp_file(p)] == []


def test_file_system_without_exchange_falls_back_to_check_then_rename(
    book: Path, history: Path, monkeypatch, strategy: str
) -> None:
    def unsupported(a: Path, b: Path) -> None:
        raise swap.ExchangeUnsupported(errno.EINVAL, "Invalid argument")

    monkeypatch.setattr(swap, "exchange", unsupported)
    monkeypatch.setattr(swap, "supports_no_replace", lambda folder, scratch=None: False)
    outcome = safe_replace(book, append_marker, history_dir=history)
    assert outcome.written and book.read_bytes() == ORIGINAL + b"+results"
    assert [p.read_bytes() for p in history_files(history)] == [ORIGINAL]
    # and a save caught by the last look is not replaced
    monkeypatch.setattr(sw, "before_swap", lambda p: p.write_bytes(b"a longer save by staff"))
    outcome = safe_replace(book, append_marker, history_dir=history, max_attempts=1)
    assert (outcome.written, outcome.code) == (False, "changed")
    assert book.read_bytes() == b"a longer save by staff"
    assert [p.read_bytes() for p in history_files(history)] == [ORIGINAL]


def test_exchange_is_available_here() -> None:
    if sys.platform.startswith("linux") or sys.platform == "darwin" or os.name == "nt":
        assert swap.can_exchange()


# --- read-only files and owners -----------------------------------------------------------------------


def test_read_only_register_is_not_written(book: Path, history: Path) -> None:
    book.chmod(0o444)
    calls: list[bytes] = []
    outcome = safe_replace(book, lambda b: calls.append(b) or append_marker(b), history_dir=history)
    assert (outcome.written, outcome.code) == (False, "read_only")
    assert outcome.reason == "文件为只读，未写入结果表（取消只读后自动写入）" and "read-only" in outcome.reason_en
    assert calls == [] and book.read_bytes() == ORIGINAL and stat.S_IMODE(book.stat().st_mode) == 0o444
    assert history_files(history) == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to give a file away")
def test_owner_and_mode_are_kept(book: Path, history: Path) -> None:
    os.chown(book, 1234, 2345)
    book.chmod(0o664)
    assert safe_replace(book, append_marker, history_dir=history).written
    st_after = book.stat()
    assert (st_after.st_uid, st_after.st_gid, stat.S_IMODE(st_after.st_mode)) == (1234, 2345, 0o664)


@pytest.mark.only_on("linux", "darwin", "freebsd")  # POSIX owners
def test_owner_that_cannot_be_kept_is_not_written(book: Path, history: Path, monkeypatch) -> None:
    owned_by_another(monkeypatch, book, 4321)  # the register belongs to someone else
    outcome = safe_replace(book, append_marker, history_dir=history)
    assert (outcome.written, outcome.code) == (False, "owner")
    assert "4321" in outcome.reason or "所有者" in outcome.reason
    monkeypatch.undo()
    assert book.read_bytes() == ORIGINAL and history_files(history) == []
    assert [p for p in history.iterdir() if is_temp_file(p)] == []


# --- leftovers of a killed process --------------------------------------------------------------------


def dead_pid() -> int:
    import subprocess

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_leftovers_of_a_dead_process_are_recovered_or_removed(book: Path, history: Path, tmp_path: Path) -> None:
    import io
    import zipfile

    history.mkdir(parents=True)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
    pid = dead_pid()
    complete = history / f".~tmp-{sw._HOST}-{pid}-0123abcd-{book.name}"
    complete.write_bytes(buf.getvalue())
    partial = history / f".~tmp-{sw._HOST}-{pid}-4567abcd-{book.name}"
    partial.write_bytes(buf.getvalue()[:10])
    mine = history / f".~tmp-{sw._HOST}-{os.getpid()}-89abcdef-{book.name}"  # a write in flight: left alone
    mine.write_bytes(b"x")
    assert sw.abandoned(complete) and sw.abandoned(partial) and not sw.abandoned(mine)
    kept = sw.recover_leftover(complete, history)
    assert kept is not None and re.fullmatch(r"叫修登记簿\.\d{8}-\d{6}-\d{6}\.xlsx", kept.name)
    assert kept.read_bytes() == buf.getvalue()
    assert sw.recover_leftover(partial, history) is None and not partial.exists()
    old = time.time() - sw.LEFTOVER_AGE - 5
    os.utime(mine, (old, old))
    assert sw.abandoned(mine)  # too old to belong to a write in flight


def test_no_replace_rename_never_replaces(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_bytes(b"new")
    b.write_bytes(b"theirs")
    assert swap.supports_no_replace(tmp_path)
    with pytest.raises(FileExistsError):
        swap.move_no_replace(a, b)
    assert (a.read_bytes(), b.read_bytes()) == (b"new", b"theirs")
    b.unlink()
    swap.move_no_replace(a, b)
    assert not a.exists() and b.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b"]  # the probe leaves nothing behind


def test_a_replace_killed_while_the_name_is_empty_gives_the_workbook_back_at_the_next_start(
    tmp_path: Path, monkeypatch
) -> None:
    """Capture-and-place leaves the name empty for microseconds: a process killed right then leaves the workbook
    under its temporary name, and the clean-up at the next start (watcher or run) puts it back."""
    import io
    import zipfile

    import automation.writeback as writeback

    book = tmp_path / "服务中心" / "叫修登记簿.xlsx"
    book.parent.mkdir()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
    book.write_bytes(buf.getvalue())
    history = writeback.history_dir(tmp_path, book)

    class Killed(BaseException):
        pass

    def killed(a: Path, b: Path) -> None:
        raise Killed

    monkeypatch.setattr(swap, "move_no_replace", killed)
    with pytest.raises(Killed):
        safe_replace(book, append_marker, history_dir=history)
    monkeypatch.undo()
    assert not book.exists()  # as after kill -9 in those microseconds
    monkeypatch.setattr(writeback, "abandoned", lambda path: True)  # its process is gone
    handled = writeback.clean_leftovers(tmp_path)
    assert handled and book.read_bytes() == buf.getvalue()
    assert [p for p in history.iterdir() if is_temp_file(p)] == []
