"""Helpers for tests of the folder watcher: small real registers, plain writes, condition waits, started watchers.

Every wait is on a condition with a timeout (``wait_for``, ``Watcher.wait_idle``), never a fixed sleep. The fixtures
``src`` and ``start`` (conftest.py) use :class:`Started`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook
from rich.console import Console

from automation.sample import write_callins_workbook
from automation.state import Record, State
from automation.watch import LOG_FILE, Watcher

BRANCH = "服务中心"
CALLINS = "叫修登记簿.xlsx"


def wait_for(predicate: Callable[[], Any], timeout: float = 15.0, what: str = "condition") -> Any:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.02)


def register_bytes(tmp: Path, rows: int = 3, seed: int = 1, technicians: tuple[str, ...] = ("王强",)) -> bytes:
    """The bytes of a small, clean 叫修登记簿 (written outside the watched folder)."""
    path = tmp / f"src-{seed}-{rows}-{'-'.join(technicians)}" / CALLINS
    path.parent.mkdir(parents=True, exist_ok=True)
    write_callins_workbook(path, rows, as_of=dt.datetime.now(), seed=seed, technicians=list(technicians))
    return path.read_bytes()


def write_plain(path: Path, data: bytes) -> str:
    """A plain in-place write (like a copy from a share); returns the content hash."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)
    return sha(data)


def excel_owner_file(ansi: bytes | str, utf16_name: str | None = None) -> bytes:
    """Excel's ``~$`` owner file: a length byte and the ANSI user name padded to 54 bytes, then (newer Excel) the
    name's length and the name in UTF-16LE, padded to 162 bytes."""
    raw = ansi.encode("ascii") if isinstance(ansi, str) else ansi
    head = (bytes([len(raw)]) + raw).ljust(54, b" ")
    if utf16_name is None:
        return head.ljust(162, b" ")
    return (head + len(utf16_name).to_bytes(2, "little") + utf16_name.encode("utf-16-le")).ljust(162, b" ")


def rss_bytes() -> int:
    """Resident set size of this process now (Linux /proc), else the peak from ``resource``."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha(path: Path) -> str:
    return sha(path.read_bytes())


def open_book(path: Path) -> CalamineWorkbook:
    """The workbook at ``path``, looked at again if the watcher is replacing it right now (for a few microseconds
    the name is empty while the old version moves into history)."""
    for _ in range(50):
        try:
            return CalamineWorkbook.from_path(str(path))
        except OSError as exc:
            if not isinstance(exc, FileNotFoundError) and "os error 2" not in str(exc):
                raise
            time.sleep(0.01)
    return CalamineWorkbook.from_path(str(path))


def sheets(path: Path) -> list[str]:
    return open_book(path).sheet_names


def record(root: Path, path: Path) -> Record | None:
    return State(root).get(path)


def written_from(root: Path, path: Path, content: str) -> Record | None:
    """The state record once ``content`` was checked and results were written back."""
    rec = record(root, path)
    return rec if rec is not None and rec.sha256 == content and rec.written else None


def reports_for(watcher: Watcher, path: Path) -> list:
    return [r for r in watcher.reports if r.path == path]


def log_text(root: Path) -> str:
    path = root / LOG_FILE
    return path.read_text(encoding="utf-8") if path.exists() else ""


class Started:
    """Watchers started by a test, stopped at its end."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.watchers: list[Watcher] = []
        self.summaries: list[Path] = []

    def __call__(self, **kwargs: Any) -> Watcher:
        kwargs.setdefault("summary_delay", 0.2)
        # No scheduled refresh on the real clock unless a test asks for it: one that straddles 10:00 on a working
        # day would otherwise process the registers once more (tests of the refresh move a clock of their own).
        kwargs.setdefault("refresh", False)
        kwargs.setdefault("on_summary", self.summaries.append)
        kwargs.setdefault("console", Console(file=io.StringIO(), width=300))
        watcher = Watcher(self.root, **kwargs)
        watcher.start()
        self.watchers.append(watcher)
        assert watcher.wait_idle(30), "catch-up at start did not finish"
        return watcher


def console_text(watcher: Watcher) -> str:
    return watcher.console.file.getvalue()
