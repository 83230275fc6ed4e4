"""A replace that is denied and retried looks for a lock file again before every try (SPEC §7: never write while
someone has the workbook open).

A denied replace (Windows: a virus scanner or Excel itself holds the file for a moment) is retried a few times; the
program that held it may be Excel opening the workbook, and its lock file appears meanwhile. Each retry must see
that lock and give up before swapping: a swap followed by giving the file back is not the same (the staff's file
is off its name for a moment, and a save in that moment would land on our version). So the tests record, at each
replace try, whether a lock file existed, and require that no try happened with one present.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ORIGINAL_WORKBOOK

from automation.xlsx import safe_write as sw
from automation.xlsx import swap
from automation.xlsx.safe_write import is_temp_file, safe_replace

ORIGINAL = ORIGINAL_WORKBOOK
LOCKS: dict[str, Callable[[Path], tuple[Path, bytes]]] = {
    "libreoffice": lambda book: (book.with_name(f".~lock.{book.name}#"),
                                 ",李四,PC-2,29.11.2026 10:00,file:///x;".encode()),  # fmt: skip
    "excel": lambda book: (book.with_name(f"~${book.name}"), b""),  # owner unreadable: still a lock
}


@pytest.fixture(autouse=True)
def denied_replaces_are_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows' behaviour on any machine: a denied replace is retried after a (here zero) delay."""
    monkeypatch.setattr(sw, "_REPLACE_DELAYS", (0.0, 0.0, 0.0, 0.0))
    monkeypatch.setattr(sw, "_RETRY_DENIED", True)


def append_marker(data: bytes) -> bytes:
    return data + b"+results"


def denied_until_locked(book: Path, lock: str, lock_at: int, real: Callable[..., None],
                        tries: list[bool]) -> Callable[..., None]:  # fmt: skip
    """A replace that is denied up to and including try ``lock_at``; during that try the lock file appears (the
    holder was Excel or LibreOffice opening the workbook). Later tries would succeed. ``tries`` records, per try,
    whether a lock file was there when it was made."""
    lock_file, content = LOCKS[lock](book)

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(dst) != book:  # history and other moves are not the replace under test
            real(src, dst)
            return
        tries.append(lock_file.exists())
        if len(tries) == lock_at:
            lock_file.write_bytes(content)
        if len(tries) <= lock_at:
            raise PermissionError(errno.EACCES, "Access is denied", str(dst))
        real(src, dst)

    return replace


def assert_not_written(book: Path, history: Path, tries: list[bool], lock_at: int, outcome: sw.WriteOutcome) -> None:
    assert (outcome.written, outcome.code) == (False, "locked"), outcome
    assert tries == [False] * lock_at, "a replace was tried while the lock file was there"
    assert book.read_bytes() == ORIGINAL
    assert [p.name for p in book.parent.iterdir() if not p.name.startswith((".~lock.", "~$"))] == [book.name]
    kept = sorted(history.iterdir()) if history.exists() else []
    assert [p for p in kept if not is_temp_file(p)] == []  # nothing was replaced, so no replaced version


@pytest.mark.parametrize("lock", list(LOCKS))
@pytest.mark.parametrize("lock_at", [1, 2, 3])
def test_exchange_retry_checks_the_lock_before_each_try(book: Path, history: Path, monkeypatch: pytest.MonkeyPatch,
                                                        lock: str, lock_at: int) -> None:  # fmt: skip
    """Swap strategy (ReplaceFileW on Windows, renameat2 here)."""
    monkeypatch.setattr(sw, "_PLACE", sw._exchange)
    tries: list[bool] = []
    monkeypatch.setattr(swap, "exchange", denied_until_locked(book, lock, lock_at, swap.exchange, tries))
    outcome = safe_replace(book, append_marker, history_dir=history, max_attempts=1)
    assert_not_written(book, history, tries, lock_at, outcome)


@pytest.mark.parametrize("lock", list(LOCKS))
@pytest.mark.parametrize("lock_at", [1, 2, 3])
def test_rename_retry_checks_the_lock_before_each_try(book: Path, history: Path, monkeypatch: pytest.MonkeyPatch,
                                                      lock: str, lock_at: int) -> None:  # fmt: skip
    """Check-then-rename, where the file system can neither exchange nor rename without replacing."""
    monkeypatch.setattr(sw, "_PLACE", sw._exchange)

    def unsupported(a: Path, b: Path) -> None:
        raise swap.ExchangeUnsupported(errno.EINVAL, "Invalid argument")

    monkeypatch.setattr(swap, "exchange", unsupported)
    monkeypatch.setattr(swap, "supports_no_replace", lambda folder, scratch=None: False)
    tries: list[bool] = []
    monkeypatch.setattr(os, "replace", denied_until_locked(book, lock, lock_at, os.replace, tries))
    outcome = safe_replace(book, append_marker, history_dir=history, max_attempts=1)
    assert_not_written(book, history, tries, lock_at, outcome)


def test_without_a_lock_the_retried_replace_writes(book: Path, history: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same denied tries with no lock appearing: the retry goes through (the tests above are not vacuous)."""
    monkeypatch.setattr(sw, "_PLACE", sw._exchange)
    tries: list[bool] = []
    real = swap.exchange

    def denied_twice(src: Path, dst: Path) -> None:
        tries.append(False)
        if len(tries) <= 2:
            raise PermissionError(errno.EACCES, "Access is denied", str(dst))
        real(src, dst)

    monkeypatch.setattr(swap, "exchange", denied_twice)
    outcome = safe_replace(book, append_marker, history_dir=history, max_attempts=1)
    assert outcome.written and len(tries) == 3
    assert book.read_bytes() == ORIGINAL + b"+results"
