"""Safe-replace cases written for mutants that survived the rest of the suite (docs/testing.md): how a failure of
the file system is classified and told to staff, the temporary names the watcher ignores, history copies and the
leftovers of a killed process. Expected codes, texts and names come from the module's documented contract (SPEC §7)
and are written out here in full."""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import re
import socket
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import ORIGINAL_WORKBOOK, owned_by_another

from automation.xlsx import safe_write, swap
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
    keep_in_history,
    leftover_workbook_name,
    recover_leftover,
    safe_replace,
    temp_path,
    write_file_atomically,
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


# --- temporary names, files the product owns, history folders -----------------------------------------------------


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_temporary_names_say_which_process_made_them_and_for_which_workbook(tmp_path: Path) -> None:
    book = tmp_path / "服务中心" / "叫修登记簿.xlsx"
    book.parent.mkdir()
    book.write_bytes(b"x")
    ours = rf"{HOST}-{os.getpid()}-[0-9a-f]{{8}}-叫修登记簿\.xlsx"
    new = temp_path(book, tmp_path / "history")
    assert new.parent == tmp_path / "history" and re.fullmatch(rf"\.~tmp-{ours}", new.name)
    captured = temp_path(book, tmp_path / "history", captured=True)
    assert re.fullmatch(rf"\.~tmp-was-{ours}", captured.name)
    a_file = tmp_path / "not a folder"
    a_file.write_bytes(b"")
    beside = temp_path(book, a_file / "history")  # no history folder can be made there: beside the workbook
    assert beside.parent == book.parent and re.fullmatch(rf"\.~automation-{ours}\.tmp", beside.name)
    for path in (new, captured, beside):
        assert is_temp_file(path) and leftover_workbook_name(path) == "叫修登记簿.xlsx"
    assert leftover_workbook_name(Path(".~tmp-0123abcd-叫修登记簿.xlsx")) == "叫修登记簿.xlsx"  # no host and pid
    assert leftover_workbook_name(book) is None


def test_a_file_the_product_owns_is_put_in_place_whole_or_not_at_all(tmp_path: Path, umask_022) -> None:
    target = tmp_path / "汇总.xlsx"
    work = tmp_path / ".automation" / "tmp"
    target.write_bytes(b"old summary")
    assert write_file_atomically(target, b"new summary", work) is True
    assert target.read_bytes() == b"new summary" and stat.S_IMODE(target.stat().st_mode) == 0o644
    assert write_file_atomically(target, b"not wanted", work, ready=lambda: False) is False
    assert target.read_bytes() == b"new summary"
    assert write_file_atomically(target, b"newest", work, ready=lambda: True) is True
    assert target.read_bytes() == b"newest"
    assert list(work.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == [".automation", "汇总.xlsx"]


def test_a_durable_write_never_writes_over_an_existing_file(tmp_path: Path) -> None:
    taken = tmp_path / "叫修登记簿.20260301-080000-000000.xlsx"
    taken.write_bytes(b"a history copy")
    with pytest.raises(FileExistsError):
        safe_write._write_durably(taken, b"other bytes", 0o644)
    assert taken.read_bytes() == b"a history copy"


def test_prune_history_keeps_none_when_asked_and_refuses_a_negative_count(tmp_path: Path) -> None:
    for day in (1, 2):
        (tmp_path / f"叫修登记簿.2026030{day}-080000-000000.xlsx").write_bytes(b"x")
    odd = tmp_path / "叫修登记簿.20260303-080000-000000.xlsx"
    odd.mkdir()  # a folder with a copy's name cannot be removed as a file: left alone, no error
    safe_write.prune_history(tmp_path, "叫修登记簿", ".xlsx", 0)
    assert [p.name for p in tmp_path.iterdir()] == [odd.name]
    with pytest.raises(ValueError, match=r"^keep must be >= 0$"):
        safe_write.prune_history(tmp_path, "叫修登记簿", ".xlsx", -1)


def test_keep_in_history_makes_missing_folders(tmp_path: Path) -> None:
    version = tmp_path / "replaced.xlsx"
    version.write_bytes(b"replaced")
    history = tmp_path / ".automation" / "history" / "服务中心"
    kept = keep_in_history(version, tmp_path / "叫修登记簿.xlsx", history, dt.datetime(2026, 3, 1, 8, 0, 0))
    assert kept == history / "叫修登记簿.20260301-080000-000000.xlsx"
    assert kept.read_bytes() == b"replaced" and not version.exists()


def test_keep_in_history_across_file_systems_copies_then_removes(tmp_path: Path, monkeypatch, umask_022) -> None:
    version = tmp_path / "replaced.xlsx"
    version.write_bytes(b"replaced")
    version.chmod(0o600)
    history = tmp_path / "history"
    real_rename = os.rename

    def other_device(a, b) -> None:
        if Path(b).parent == history:
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        real_rename(a, b)

    monkeypatch.setattr(os, "rename", other_device)
    kept = keep_in_history(version, tmp_path / "叫修登记簿.xlsx", history, dt.datetime(2026, 3, 1, 8, 0, 0))
    assert kept == history / "叫修登记簿.20260301-080000-000000.xlsx"
    assert kept.read_bytes() == b"replaced" and stat.S_IMODE(kept.stat().st_mode) == 0o644
    assert not version.exists()

    def denied(a, b) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "rename", denied)  # any other failure is the caller's to report
    version.write_bytes(b"again")
    with pytest.raises(PermissionError):
        keep_in_history(version, tmp_path / "叫修登记簿.xlsx", history)
    assert version.read_bytes() == b"again"


def test_a_leftover_whose_name_was_taken_meanwhile_goes_to_history(tmp_path: Path) -> None:
    folder = tmp_path / "服务中心"
    folder.mkdir()
    (folder / "叫修登记簿.xlsx").write_bytes(b"saved since")  # staff made a new one meanwhile
    (tmp_path / "history").mkdir()
    leftover = a_workbook(tmp_path / "history" / f".~tmp-was-{HOST}-{dead_pid()}-0123abcd-叫修登记簿.xlsx")
    kept = recover_leftover(leftover, tmp_path / "history", folder)
    assert kept is not None and kept.parent == tmp_path / "history" and kept.name.startswith("叫修登记簿.")
    assert (folder / "叫修登记簿.xlsx").read_bytes() == b"saved since"
    assert not leftover.exists()


def test_a_leftover_that_cannot_reach_history_is_not_an_error_and_is_kept(tmp_path: Path) -> None:
    """A complete workbook (perhaps the version a write-back had just replaced) is never removed: when the history
    folder cannot be made it stays where it is, for the next recovery."""
    leftover = a_workbook(tmp_path / f".~tmp-{HOST}-{dead_pid()}-0123abcd-叫修登记簿.xlsx")
    data = leftover.read_bytes()
    a_file = tmp_path / "not a folder"
    a_file.write_bytes(b"")
    assert recover_leftover(leftover, a_file / "history") is None
    assert leftover.read_bytes() == data


def test_a_process_of_another_user_counts_as_alive() -> None:
    assert safe_write._alive(1)  # init: alive, whether or not this user may signal it


# --- safe_replace: outcomes, counted attempts, and what each one says -----------------------------------------------

ORIGINAL = ORIGINAL_WORKBOOK
BOOK_NAME = "叫修登记簿.xlsx"


@pytest.fixture
def no_exchange(monkeypatch: pytest.MonkeyPatch) -> None:
    """A file system that can neither exchange nor rename without replacing: check-then-rename."""
    def unsupported(a: Path, b: Path) -> None:
        raise swap.ExchangeUnsupported(errno.EINVAL, "Invalid argument")

    monkeypatch.setattr(swap, "exchange", unsupported)
    monkeypatch.setattr(swap, "supports_no_replace", lambda folder, scratch=None: False)


def add_results(data: bytes) -> bytes:
    return data + b"+results"


def copies(history: Path) -> list[bytes]:
    return sorted(p.read_bytes() for p in history.iterdir() if not is_temp_file(p)) if history.exists() else []


def temporaries(history: Path) -> list[str]:
    return [p.name for p in history.iterdir() if is_temp_file(p)] if history.exists() else []


def open_in_excel(book: Path) -> None:
    book.with_name(f"~${book.name}").write_bytes(b"")  # a lock file that does not say who


def excel_save(book: Path, data: bytes) -> None:
    tmp = book.with_name("~WRL0001.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, book)


def test_bad_arguments_are_refused_and_one_history_copy_is_allowed(book: Path, history: Path) -> None:
    for bad in ({"max_attempts": 0}, {"history_keep": 0}):
        with pytest.raises(ValueError, match=r"^max_attempts and history_keep must be >= 1$"):
            safe_replace(book, add_results, history_dir=history, **bad)
    for _ in range(2):
        assert safe_replace(book, add_results, history_dir=history, history_keep=1).written
    assert copies(history) == [ORIGINAL + b"+results"]


def test_twenty_history_copies_are_kept_by_default(book: Path, history: Path) -> None:
    for _ in range(21):
        assert safe_replace(book, add_results, history_dir=history).written
    assert len(copies(history)) == 20 and ORIGINAL not in copies(history)


def test_by_default_a_workbook_saved_on_every_try_is_given_up_after_five(book: Path, history: Path) -> None:
    saves = iter(range(100))

    def saved_meanwhile(data: bytes) -> bytes:
        book.write_bytes(b"save %d" % next(saves))
        return add_results(data)

    outcome = safe_replace(book, saved_meanwhile, history_dir=history)
    assert (outcome.written, outcome.code, outcome.attempts) == (False, "changed", 5)
    assert outcome.reason == "文件在处理期间被反复修改（已尝试 5 次），本次未写入，下次保存后重试"
    assert outcome.reason_en == ("The file kept changing while being processed (5 tries); not written, "
                                 "will retry after the next save")
    assert book.read_bytes() == b"save 4"


def test_a_workbook_gone_after_the_last_try_is_reported_by_name(book: Path, history: Path, monkeypatch) -> None:
    monkeypatch.setattr(safe_write, "_PLACE", safe_write._capture_and_place)
    monkeypatch.setattr(safe_write, "before_swap", lambda p: p.unlink())  # deleted in the last instant
    with pytest.raises(WriteBackError) as caught:
        safe_replace(book, add_results, history_dir=history, max_attempts=1)
    assert caught.value.code == "vanished"
    assert str(caught.value) == "文件 叫修登记簿.xlsx 已不存在（被移动或删除），未写入"
    assert caught.value.message_en == "叫修登记簿.xlsx no longer exists (moved or deleted); nothing written"
    assert not book.exists()


def test_nothing_to_write_on_the_second_try_counts_two(book: Path, history: Path) -> None:
    seen: list[bytes] = []

    def transform(data: bytes) -> bytes:
        seen.append(data)
        if len(seen) == 1:
            book.write_bytes(b"their save")
            return add_results(data)
        return data  # their save already holds the results

    outcome = safe_replace(book, transform, history_dir=history)
    assert (outcome.written, outcome.code, outcome.attempts) == (False, "noop", 2)


def test_a_lock_is_reported_with_the_try_it_was_seen_on(book: Path, history: Path) -> None:
    open_in_excel(book)
    outcome = safe_replace(book, add_results, history_dir=history)
    assert (outcome.code, outcome.attempts) == ("locked", 1)
    book.with_name(f"~${book.name}").unlink()

    def opened_while_computing(data: bytes) -> bytes:
        open_in_excel(book)
        return add_results(data)

    outcome = safe_replace(book, opened_while_computing, history_dir=history)
    assert (outcome.code, outcome.attempts) == ("locked", 1)
    assert book.read_bytes() == ORIGINAL and copies(history) == []
    book.with_name(f"~${book.name}").unlink()
    seen: list[bytes] = []

    def saved_then_opened(data: bytes) -> bytes:
        seen.append(data)
        if len(seen) == 1:
            book.write_bytes(b"their save")
        else:
            open_in_excel(book)
        return add_results(data)

    outcome = safe_replace(book, saved_then_opened, history_dir=history)
    assert (outcome.code, outcome.attempts) == ("locked", 2)


def test_a_lock_older_than_twelve_hours_is_called_stale_by_default(book: Path, history: Path) -> None:
    lock = book.with_name(f"~${book.name}")
    lock.write_bytes(b"")
    for hours, stale in ((11.5, False), (12.5, True)):
        old = dt.datetime.now().timestamp() - hours * 3600
        os.utime(lock, (old, old))
        outcome = safe_replace(book, add_results, history_dir=history)
        assert outcome.code == "locked"
        assert ("可能是程序异常退出后遗留" in outcome.reason) is stale
        assert ("probably left by a program that crashed" in outcome.reason_en) is stale
        if stale:  # the command that clears it names the workbook
            assert f'automation unlock "{book}"' in outcome.reason and f'automation unlock "{book}"' in outcome.reason_en


def test_a_register_made_read_only_meanwhile_is_reported_on_the_next_try(book: Path, history: Path) -> None:
    def saved_read_only(data: bytes) -> bytes:
        book.write_bytes(b"their save")
        book.chmod(0o444)
        return add_results(data)

    outcome = safe_replace(book, saved_read_only, history_dir=history)
    assert (outcome.written, outcome.code, outcome.attempts) == (False, "read_only", 2)
    assert outcome.reason == "文件为只读，未写入结果表（取消只读后自动写入）"
    assert outcome.reason_en == "The file is read-only; results not written (written once it is writable)"
    book.chmod(0o644)


def test_a_register_writable_only_by_its_group_is_written_when_we_may_write_it(book: Path, history: Path) -> None:
    book.chmod(0o464)
    outcome = safe_replace(book, add_results, history_dir=history)
    assert outcome.code == ("written" if os.access(book, os.W_OK) else "read_only")


@pytest.mark.only_on("linux", "darwin", "freebsd")  # POSIX owners
def test_the_owner_message_names_the_owner(book: Path, history: Path, monkeypatch) -> None:
    owned_by_another(monkeypatch, book, 4321)
    outcome = safe_replace(book, add_results, history_dir=history)
    monkeypatch.undo()
    import pwd

    try:
        owner = pwd.getpwuid(4321).pw_name  # a machine may have such a user
    except KeyError:
        owner = "4321"  # no name: the number
    assert (outcome.written, outcome.code, outcome.attempts) == (False, "owner", 1)
    assert outcome.reason == (f"文件属于用户 {owner}，以监视程序的用户写入会改变文件所有者，未写入；请以该用户或管理员身份运行")
    assert outcome.reason_en == (f"The file belongs to user {owner}; writing it as the watcher's user would change "
                                 "its owner, so it was not written; run the watcher as that user or as administrator")
    assert book.read_bytes() == ORIGINAL and temporaries(history) == []


# --- the moment of the replace ---------------------------------------------------------------------------------------


def test_the_no_replace_probe_uses_temporary_names_in_the_history_folder(book: Path, history: Path,
                                                                        monkeypatch) -> None:
    monkeypatch.setattr(swap, "_NO_REPLACE_BY_DEVICE", {})  # not probed yet on this file system
    real_move = swap.move_no_replace
    moved: list[Path] = []

    def spy(a: Path, b: Path) -> None:
        moved.append(Path(a))
        real_move(a, b)

    monkeypatch.setattr(swap, "move_no_replace", spy)
    monkeypatch.setattr(safe_write, "_PLACE", safe_write._capture_and_place)
    assert safe_replace(book, add_results, history_dir=history).written
    assert len(moved) == 2  # the probe, then the new version onto the name
    assert all(p.parent == history and is_temp_file(p) for p in moved)
    assert temporaries(history) == [] and book.read_bytes() == ORIGINAL + b"+results"


def test_exchange_a_lock_appearing_right_before_the_swap_is_reported_at_once(book: Path, history: Path,
                                                                            monkeypatch, windows_replace) -> None:
    monkeypatch.setattr(safe_write, "before_swap", open_in_excel)
    outcome = safe_replace(book, add_results, history_dir=history)
    assert (outcome.code, outcome.attempts) == ("locked", 1)
    assert book.read_bytes() == ORIGINAL and copies(history) == [] and temporaries(history) == []


def test_exchange_a_lock_appearing_while_the_swap_is_denied_stops_it(book: Path, history: Path, monkeypatch,
                                                                      windows_replace) -> None:
    def denied_and_opened(a: Path, b: Path) -> None:
        open_in_excel(book)
        raise PermissionError(errno.EACCES, "Access is denied")

    monkeypatch.setattr(swap, "exchange", denied_and_opened)
    outcome = safe_replace(book, add_results, history_dir=history)
    assert (outcome.code, outcome.attempts) == ("locked", 1)
    assert "文件正被 未知用户 打开" in outcome.reason
    assert book.read_bytes() == ORIGINAL and copies(history) == [] and temporaries(history) == []


def test_exchange_denied_every_time_is_busy_because_of_the_denial(book: Path, history: Path, monkeypatch,
                                                                  windows_replace) -> None:
    def denied(a: Path, b: Path) -> None:
        raise PermissionError(errno.EACCES, "Access is denied")

    monkeypatch.setattr(swap, "exchange", denied)
    with pytest.raises(WriteBackError) as caught:
        safe_replace(book, add_results, history_dir=history)
    assert caught.value.code == "busy" and isinstance(caught.value.__cause__, PermissionError)
    assert book.read_bytes() == ORIGINAL and temporaries(history) == []


def test_exchange_give_back_that_fails_keeps_their_save(book: Path, history: Path, monkeypatch,
                                                        windows_replace) -> None:
    real_exchange = swap.exchange
    calls = iter(range(100))

    def racing(a: Path, b: Path) -> None:
        if next(calls) == 0:
            excel_save(book, b"their save")  # lands before the swap: ours must go back
            real_exchange(a, b)
        else:
            raise OSError(errno.EIO, "Input/output error")  # the share drops while giving back

    monkeypatch.setattr(swap, "exchange", racing)
    with pytest.raises(WriteBackError) as caught:
        safe_replace(book, add_results, history_dir=history)
    assert caught.value.code == "share"
    assert copies(history) == [b"their save"] and temporaries(history) == []


def test_exchange_give_back_onto_a_name_being_saved_keeps_both_saves(book: Path, history: Path, monkeypatch,
                                                                     windows_replace) -> None:
    real_exchange = swap.exchange
    calls = iter(range(100))

    def racing(a: Path, b: Path) -> None:
        n = next(calls)
        if n == 0:
            excel_save(book, b"save 1")  # lands before the swap: ours must go back
            real_exchange(a, b)
        elif n == 1:  # giving back: a second save has just taken our file off the name
            aside = book.with_name("~WRL0002.tmp")
            os.rename(book, aside)
            try:
                real_exchange(a, b)
            finally:
                aside.write_bytes(b"save 2")
                os.replace(aside, book)
        else:
            real_exchange(a, b)

    monkeypatch.setattr(swap, "exchange", racing)
    outcome = safe_replace(book, add_results, history_dir=history)
    assert outcome.written and book.read_bytes() == b"save 2+results"
    assert copies(history) == [b"save 1", b"save 2"] and temporaries(history) == []


def test_capture_a_put_back_without_no_replace_rename_uses_the_plain_rename(book: Path, history: Path,
                                                                            monkeypatch) -> None:
    monkeypatch.setattr(safe_write, "_PLACE", safe_write._capture_and_place)
    monkeypatch.setattr(safe_write, "before_swap", open_in_excel)
    real_move = swap.move_no_replace

    def refused_onto_the_workbook(a: Path, b: Path) -> None:
        if Path(b) == book:
            raise OSError(errno.ENOTSUP, "Operation not supported")
        real_move(a, b)

    monkeypatch.setattr(swap, "move_no_replace", refused_onto_the_workbook)
    outcome = safe_replace(book, add_results, history_dir=history)
    assert outcome.code == "locked"
    assert book.read_bytes() == ORIGINAL and copies(history) == [] and temporaries(history) == []


def test_capture_a_put_back_onto_a_name_saved_meanwhile_keeps_the_captured_version(book: Path, history: Path,
                                                                                   monkeypatch) -> None:
    monkeypatch.setattr(safe_write, "_PLACE", safe_write._capture_and_place)
    monkeypatch.setattr(safe_write, "before_swap", open_in_excel)
    real_move = swap.move_no_replace

    def saved_then_refused(a: Path, b: Path) -> None:
        if Path(b) == book:
            excel_save(book, b"their save")
            raise OSError(errno.ENOTSUP, "Operation not supported")
        real_move(a, b)

    monkeypatch.setattr(swap, "move_no_replace", saved_then_refused)
    outcome = safe_replace(book, add_results, history_dir=history)
    assert outcome.code == "locked"
    assert book.read_bytes() == b"their save" and copies(history) == [ORIGINAL] and temporaries(history) == []


def test_capture_a_failing_placement_puts_the_workbook_back(book: Path, history: Path, monkeypatch) -> None:
    monkeypatch.setattr(safe_write, "_PLACE", safe_write._capture_and_place)
    real_move = swap.move_no_replace

    def new_version_refused(a: Path, b: Path) -> None:
        if Path(b) == book and "was-" not in Path(a).name:
            raise OSError(errno.EIO, "Input/output error")
        real_move(a, b)

    monkeypatch.setattr(swap, "move_no_replace", new_version_refused)
    with pytest.raises(WriteBackError) as caught:
        safe_replace(book, add_results, history_dir=history)
    assert caught.value.code == "share"
    assert book.read_bytes() == ORIGINAL and copies(history) == [] and temporaries(history) == []


# --- check-then-rename, where nothing better exists -----------------------------------------------------------------


def test_check_then_rename_a_deleted_workbook_is_not_recreated(book: Path, history: Path, monkeypatch,
                                                              no_exchange) -> None:
    monkeypatch.setattr(safe_write, "before_swap", lambda p: p.unlink())
    with pytest.raises(WriteBackError) as caught:
        safe_replace(book, add_results, history_dir=history)
    assert caught.value.code == "vanished"
    assert not book.exists() and copies(history) == [] and temporaries(history) == []


def test_check_then_rename_sees_a_save_of_the_same_size_and_time(book: Path, history: Path, no_exchange) -> None:
    seen: list[bytes] = []

    def transform(data: bytes) -> bytes:
        seen.append(data)
        if len(seen) == 1:
            st = book.stat()
            book.write_bytes(ORIGINAL.upper())
            os.utime(book, ns=(st.st_atime_ns, st.st_mtime_ns))
        return add_results(data)

    outcome = safe_replace(book, transform, history_dir=history)
    assert outcome.written and outcome.attempts == 2
    assert book.read_bytes() == ORIGINAL.upper() + b"+results" and copies(history) == [ORIGINAL.upper()]


def test_check_then_rename_a_lock_appearing_right_before_is_reported(book: Path, history: Path, monkeypatch,
                                                                    no_exchange) -> None:
    monkeypatch.setattr(safe_write, "before_swap", open_in_excel)
    outcome = safe_replace(book, add_results, history_dir=history)
    assert (outcome.code, outcome.attempts) == ("locked", 1)
    assert book.read_bytes() == ORIGINAL and copies(history) == [] and temporaries(history) == []


def deny_replace(monkeypatch: pytest.MonkeyPatch, book: Path, times: int) -> None:
    real_replace = os.replace
    left = iter(range(times))

    def held_for_a_moment(a, b) -> None:
        if Path(b) == book and next(left, None) is not None:
            raise PermissionError(errno.EACCES, "Access is denied")
        real_replace(a, b)

    monkeypatch.setattr(os, "replace", held_for_a_moment)


def test_check_then_rename_tries_again_while_the_file_is_held(book: Path, history: Path, monkeypatch,
                                                              no_exchange, windows_replace) -> None:
    deny_replace(monkeypatch, book, 2)
    outcome = safe_replace(book, add_results, history_dir=history)
    assert outcome.written and outcome.attempts == 1 and book.read_bytes() == ORIGINAL + b"+results"
    assert copies(history) == [ORIGINAL]


def test_check_then_rename_held_every_time_is_busy(book: Path, history: Path, monkeypatch, no_exchange,
                                                   windows_replace) -> None:
    deny_replace(monkeypatch, book, 100)
    with pytest.raises(WriteBackError) as caught:
        safe_replace(book, add_results, history_dir=history)
    assert caught.value.code == "busy" and isinstance(caught.value.__cause__, PermissionError)
    assert str(caught.value) == "文件 叫修登记簿.xlsx 正被其他程序占用，多次重试后仍无法替换（原文件未改动）；稍后自动重试"
    assert book.read_bytes() == ORIGINAL and temporaries(history) == []
