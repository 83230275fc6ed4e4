"""The watcher waits, retries and tells the truth (issue 9): read-only registers, a disk that fills up and is
cleared, a state database that cannot be written, a lock left by a crashed program, a summary that cannot be
written. Real files and real file-system events; the only injected failures are where the real one needs a
privilege the machine may not grant (a small tmpfs is used when it can be mounted)."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from watching import (
    BRANCH,
    CALLINS,
    Started,
    console_text,
    file_sha,
    log_text,
    record,
    register_bytes,
    sheets,
    wait_for,
    write_plain,
    written_from,
)

import automation.summary
from automation import watch_waiting
from automation.cli import main
from automation.state import State, StateError
from automation.summary import SummaryOutcome
from automation.xlsx import safe_write


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(watch_waiting, "FIRST_DELAY", 0.2)


def checked_not_written(root: Path, book: Path, content: str, code: str):
    def probe():
        rec = record(root, book)
        return rec if rec is not None and rec.sha256 == content and rec.code == code else None
    return probe


def test_read_only_register_is_not_written_until_it_is_writable(root: Path, src: Path, start: Started) -> None:
    watcher = start(pending_poll=0.2)
    book = root / BRANCH / CALLINS
    content = write_plain(book, register_bytes(src))
    book.chmod(0o444)
    owner = book.stat().st_uid
    rec = wait_for(checked_not_written(root, book, content, "read_only"), what="checked, not written: read-only")
    assert rec.reason.startswith("文件为只读") and not rec.written
    assert file_sha(book) == content
    # The state is recorded inside the processing; the wait list and the log line follow it a moment later.
    wait_for(lambda: watcher.waiting_for(book) == "read_only", what="waiting for the file to become writable")
    wait_for(lambda: "文件为只读" in log_text(root), what="the reason in the log")
    book.chmod(0o640)  # no new save: the watcher notices the attribute by itself
    wait_for(lambda: written_from(root, book, content), what="written once writable")
    assert "校验结果" in sheets(book)
    assert stat.S_IMODE(book.stat().st_mode) == 0o640 and book.stat().st_uid == owner
    # The state is recorded before the watcher clears its wait list: give it the moment it takes.
    wait_for(lambda: watcher.waiting_for(book) is None, what="the wait list cleared")


def test_disk_full_is_retried_with_back_off_until_it_clears(
    root: Path, src: Path, start: Started, monkeypatch: pytest.MonkeyPatch, quick_retries: None
) -> None:
    real = safe_write._write_durably
    full = {"on": True}

    def maybe_full(target: Path, data: bytes, mode: int) -> None:
        if full["on"]:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(target, data, mode)

    monkeypatch.setattr(safe_write, "_write_durably", maybe_full)
    watcher = start()
    book = root / BRANCH / CALLINS
    content = write_plain(book, register_bytes(src))
    rec = wait_for(checked_not_written(root, book, content, "disk_full"), what="the disk-full outcome recorded")
    assert rec.reason.startswith("磁盘空间不足") and "自动重试" in rec.reason
    assert watcher.waiting_for(book) == "disk_full"
    assert file_sha(book) == content
    wait_for(lambda: log_text(root).count("磁盘空间不足") >= 2, what="a retry that still found the disk full")
    full["on"] = False  # space freed; no new save
    wait_for(lambda: written_from(root, book, content), what="written after the disk was cleared")
    # The state is recorded before the watcher clears its wait list: give it the moment it takes.
    wait_for(lambda: watcher.waiting_for(book) is None, what="the wait list cleared")


def test_state_database_that_cannot_be_written_is_said_plainly_and_retried(
    root: Path, src: Path, start: Started, monkeypatch: pytest.MonkeyPatch, quick_retries: None
) -> None:
    real_save = State.save
    failures = iter([True, True])

    def save(self: State, rec) -> None:
        if next(failures, False):
            raise StateError("磁盘空间不足，无法更新状态记录（.automation/state.sqlite3）",
                             "Disk full: the state database (.automation/state.sqlite3) cannot be updated")
        real_save(self, rec)

    monkeypatch.setattr(State, "save", save)
    start()
    book = root / BRANCH / CALLINS
    content = write_plain(book, register_bytes(src))
    wait_for(lambda: written_from(root, book, content), what="the state recorded after the retry")
    log = log_text(root)
    assert "无法更新状态记录" in log and "OperationalError" not in log and "稍后自动重试" in log


def _mount_tmpfs(where: Path, size: str) -> bool:
    where.mkdir(parents=True, exist_ok=True)
    if shutil.which("mount") is None:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True, check=False)
    return done.returncode == 0


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MB file system of its own (tmpfs), when this machine lets us mount one."""
    where = tmp_path / "small-disk"
    if not _mount_tmpfs(where, "3m"):
        pytest.skip("cannot mount a tmpfs here (needs root); the injected disk-full test covers the logic")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(folder: Path) -> Path:
    """Fill the file system to the last byte."""
    filler = folder / "filler.bin"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for chunk in (65536, 4096, 1):
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * chunk)
    finally:
        os.close(fd)
    return filler


def test_a_really_full_disk_is_reported_plainly_and_results_follow_once_it_is_cleared(
    small_disk: Path, src: Path, quick_retries: None
) -> None:
    root = small_disk / "company"
    (root / BRANCH).mkdir(parents=True)
    book = root / BRANCH / CALLINS
    content = write_plain(book, register_bytes(src))
    State(root).get(book)  # the state database exists before the disk fills (as it would in a running company)
    filler = _fill(small_disk)
    started = Started(root)
    watcher = started(summary_delay=0.2)
    try:
        wait_for(lambda: "磁盘空间不足" in log_text(root) or "磁盘空间不足" in console_text(watcher),
                 what="disk full reported")
        text = console_text(watcher)
        assert "OperationalError" not in text and "Traceback" not in text
        assert file_sha(book) == content  # untouched
        assert [p.name for p in book.parent.iterdir()] == [CALLINS]  # nothing half-written beside it
        filler.unlink()
        wait_for(lambda: written_from(root, book, content), timeout=30, what="results once space is back")
        assert "校验结果" in sheets(book)
    finally:
        watcher.stop()


def test_a_stale_lock_is_named_with_the_command_that_clears_it(
    root: Path, src: Path, start: Started, capsys: pytest.CaptureFixture[str]
) -> None:
    book = root / BRANCH / CALLINS
    content = write_plain(book, register_bytes(src))
    lock = book.with_name(f".~lock.{CALLINS}#")
    lock.write_text("张三,zhangsan,PC-01,27.11.2026 16:00,file:///x;", encoding="utf-8")
    old = (dt.datetime.now() - dt.timedelta(hours=30)).timestamp()
    os.utime(lock, (old, old))
    watcher = start(pending_poll=0.2)
    rec = wait_for(checked_not_written(root, book, content, "locked"), what="checked while locked")
    assert "已存在 1 天 6 小时" in rec.reason and "automation unlock" in rec.reason
    wait_for(lambda: "可能是程序异常退出后遗留" in log_text(root), what="the stale lock named in the log")
    assert f'automation unlock "{book}"' in log_text(root)
    assert main(["unlock", str(book)]) == 0
    wait_for(lambda: written_from(root, book, content), what="written once the stale lock is cleared")
    # The state is recorded before the watcher clears its wait list: give it the moment it takes.
    wait_for(lambda: watcher.waiting_for(book) is None, what="the wait list cleared")


def test_summary_log_tells_the_truth_and_an_unwritable_summary_is_retried(
    root: Path, src: Path, start: Started, monkeypatch: pytest.MonkeyPatch, quick_retries: None
) -> None:
    outcomes = iter([SummaryOutcome(root / "总部" / "汇总.xlsx", False, None, "无法写入汇总：磁盘空间不足，汇总未更新",
                                    "cannot write the summary: the disk is full; not updated")])
    calls: list[Path] = []

    def build_summary(where: Path, as_of: object = None, **_: object) -> SummaryOutcome:
        calls.append(where)
        return next(outcomes, SummaryOutcome(where / "总部" / "汇总.xlsx", True, None, None, None))

    monkeypatch.setattr(automation.summary, "build_summary", build_summary)
    watcher = start(on_summary=None)
    write_plain(root / BRANCH / CALLINS, register_bytes(src))
    wait_for(lambda: len(calls) >= 2, what="the summary tried again after it could not be written")
    assert watcher.wait_idle(10)
    log = log_text(root)
    assert "汇总更新失败：无法写入汇总：磁盘空间不足" in log
    assert log.index("汇总更新失败") < log.index("汇总已更新")  # only claimed once it was true


def test_a_store_out_of_reach_is_one_line_in_the_log_and_the_watcher_goes_on(
    root: Path, src: Path, start: Started
) -> None:
    """Issue 17: a site whose store cannot be reached keeps processing; the log says once per build that the
    publication waits, and the summary is still written."""
    blocker = root.parent / "not-a-folder"
    blocker.write_text("a file where the store's folder should be", encoding="utf-8")
    (root / "automation.toml").write_text(f'[store]\nurl = "{(blocker / "s.sqlite").as_posix()}"\npublish = true\n',
                                          encoding="utf-8")  # fmt: skip
    watcher = start(on_summary=None)
    book = root / BRANCH / CALLINS
    content = write_plain(book, register_bytes(src))
    wait_for(lambda: written_from(root, book, content), what="results written with the store away")
    wait_for(lambda: "未能发布到中央存储，1 份待发送" in log_text(root), what="the waiting publication in the log")
    assert watcher.wait_idle(10)
    assert "汇总已更新" in log_text(root)  # the local summary is written all the same
    assert (root / ".automation" / "store").is_dir() and list((root / ".automation" / "store").glob("*.pub"))
