"""Issue 9: a write-back killed with SIGKILL at any moment loses nothing and leaves nothing in staff folders.

A helper process imports the product once, then for each round forks a worker that runs write-backs in a
loop (``automation validate BOOK --as-of …``, alternating two as-of times so every write-back really writes)
with ``safe_write.before_swap`` sleeping a random few milliseconds. Between rounds the test makes one staff
save (:mod:`staff_saves`, alternating Excel-style and in-place), starts a worker and kills it with SIGKILL,
in turn: at a random moment; 0–5 ms after the product creates a file anywhere under the root (a temporary
file, a history copy, a journal: seen by an inotify observer); inside the ``before_swap`` window (seen
through a witness file the hook appends to). After each kill the staff folder must hold only the workbook,
and the workbook must be a complete xlsx holding exactly the staff content of the last save. At the end
``automation run ROOT`` must leave no temporary file anywhere under the root, and every staff version a
write-back replaced must be in history with its exact bytes.

``AUTOMATION_KILL_TIMES`` sets the number of kills (default 50; about 10 s on a 2-core machine).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import os
import queue
import random
import re
import signal
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook
from staff_saves import STAFF_SHEET, STAFF_TEMP, markers_in, staff_save, style_of
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from automation import cli
from automation.sample import write_callins_workbook
from automation.writeback import clean_leftovers

BRANCH = "服务中心"
CALLINS = "叫修登记簿.xlsx"
KILL_TIMES = int(os.environ.get("AUTOMATION_KILL_TIMES", "50"))
HISTORY_NAME = re.compile(r".+\.\d{8}-\d{6}-\d{6}\.xlsx")
WORKBOOKS = {"总部": {"基础资料.xlsx", "客户档案.xlsx", "汇总.xlsx"}, BRANCH: {CALLINS}}

# Imports everything once, then forks one write-back worker per "go <seed>" line; reports "<pid>" when it is
# started and "exit <status>" once it is reaped. Protocol on the original stdout; everything else to /dev/null.
HELPER = r"""
import itertools, os, random, sys, time, traceback
from automation import cli
from automation.xlsx import safe_write

book, witness = sys.argv[1], sys.argv[2]
proto = os.fdopen(os.dup(1), "w", buffering=1)
os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
cli.main(["validate", book, "--no-write"])
rng = random.Random()


def before_swap(path):
    fd = os.open(witness, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.write(fd, b".")
    os.close(fd)
    time.sleep(rng.uniform(0, 0.02))


safe_write.before_swap = before_swap
as_of = ("2026-11-27 10:00", "2026-11-27 11:00")
proto.write("ready\n")
for line in sys.stdin:
    command = line.split()
    if not command or command[0] != "go":
        break
    pid = os.fork()
    if pid == 0:
        try:
            rng.seed(int(command[1]))
            for k in itertools.count():
                cli.main(["validate", book, "--as-of", as_of[k % 2]])
        except BaseException:
            traceback.print_exc()
        os._exit(3)
    proto.write(f"{pid}\n")
    _, status = os.waitpid(pid, 0)
    proto.write(f"exit {status}\n")
"""


class Helper:
    """The forking helper process and its line protocol."""

    def __init__(self, book: Path, witness: Path, log: Path) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            filter(None, [str(Path(__file__).resolve().parents[1]), os.environ.get("PYTHONPATH")]))}
        self.log = log
        self._log_file = open(log, "wb")  # noqa: SIM115 - closed in close()
        self.process = subprocess.Popen(
            [sys.executable, "-c", HELPER, str(book), str(witness)], env=env, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self._log_file, text=True, bufsize=1)
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.worker: int | None = None

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.strip())
        self._lines.put("")

    def line(self, timeout: float) -> str:
        try:
            return self._lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"helper process silent for {timeout:g} s; its log:\n{self.log_tail()}") from None

    def log_tail(self) -> str:
        self._log_file.flush()
        return self.log.read_text("utf-8", "replace")[-3000:]

    def start_worker(self, seed: int) -> int:
        assert self.process.stdin is not None
        self.process.stdin.write(f"go {seed}\n")
        self.process.stdin.flush()
        self.worker = int(self.line(30))
        return self.worker

    def kill_worker(self) -> int:
        """SIGKILL the running worker (by its pid); its wait status once reaped."""
        assert self.worker is not None
        with contextlib.suppress(ProcessLookupError):  # it died on its own: the status tells
            os.kill(self.worker, signal.SIGKILL)
        self.worker = None
        reply = self.line(30)
        assert reply.startswith("exit "), f"unexpected helper reply {reply!r}; its log:\n{self.log_tail()}"
        return int(reply.split()[1])

    def close(self) -> None:
        if self.worker is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.worker, signal.SIGKILL)
        with contextlib.suppress(OSError):
            assert self.process.stdin is not None
            self.process.stdin.write("quit\n")
            self.process.stdin.close()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(30)
        self._log_file.close()


@pytest.fixture
def helper(root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Helper, Path]]:
    outside = tmp_path_factory.mktemp("kill9")
    witness = outside / "before_swap.calls"
    process = Helper(root / BRANCH / CALLINS, witness, outside / "helper.log")
    try:
        assert process.line(120) == "ready", f"helper did not start; its log:\n{process.log_tail()}"
        yield process, witness
    finally:
        process.close()


class Creations(FileSystemEventHandler):
    """Counts files created under the root other than the staff's own (the workbook, ``~WRL….tmp``)."""

    def __init__(self) -> None:
        self.count = 0

    def on_created(self, event: FileSystemEvent) -> None:
        name = os.path.basename(os.fsdecode(event.src_path))
        if not event.is_directory and name != CALLINS and not STAFF_TEMP.fullmatch(name):
            self.count += 1


@pytest.fixture
def creations(root: Path) -> Iterator[Creations]:
    handler = Creations()
    observer = Observer()
    observer.schedule(handler, str(root), recursive=True)
    observer.start()
    yield handler
    observer.stop()
    observer.join(10)


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    """Spin (0.5 ms) until ``condition`` holds; whether it did before ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.0005)
    return True


def read_if_there(path: Path) -> bytes | None:
    """The bytes at ``path``, None for the microseconds a write-back leaves the name empty."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def complete_workbook(path: Path) -> str | None:
    """None when ``path`` is a complete, readable xlsx; else what is wrong."""
    try:
        with zipfile.ZipFile(path) as zf:
            if (bad := zf.testzip()) is not None:
                return f"member {bad} is corrupt"
        CalamineWorkbook.from_path(str(path)).get_sheet_by_name(STAFF_SHEET).to_python()
    except Exception as exc:  # noqa: BLE001 - any failure to read is the finding
        return f"unreadable: {exc!r}"
    return None


def leftovers(root: Path) -> list[str]:
    """Files under the root that are neither workbooks, settings, state, log, summary cache nor history copies."""
    found = []
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        parts = path.relative_to(root).parts
        if parts == ("automation.toml",) or (len(parts) == 2 and parts[1] in WORKBOOKS.get(parts[0], ())):
            continue
        if parts[0] == ".automation" and len(parts) > 1:
            where = parts[1]
            if where == "history" and HISTORY_NAME.fullmatch(path.name):
                continue
            looks_temporary = path.name.startswith(("~", ".~")) or ".tmp" in path.name or "partial" in path.name
            if where in ("log", "summary-cache") and not looks_temporary:
                continue
            if len(parts) == 2 and path.name.startswith("state.sqlite3") and not looks_temporary:
                continue
            with open(path, "rb") as fh:
                workbook_bytes = fh.read(4) == b"PK\x03\x04"
            if not (looks_temporary or workbook_bytes or where == "history"):
                continue  # some other file the product keeps (not a copy of a workbook)
        found.append("/".join(parts))
    return found


@pytest.mark.slow
def test_sigkill_during_write_back_loses_nothing(
    root: Path, helper: tuple[Helper, Path], creations: Creations
) -> None:
    process, witness = helper
    (root / "automation.toml").write_text("[output]\nhistory_keep = 100000\n", encoding="utf-8")
    book = root / BRANCH / CALLINS
    staff_folder = book.parent
    rng = random.Random(9)
    problems: list[str] = []
    replaced: dict[int, bytes] = {}  # staff versions that a write-back replaced
    aimed = {"after a file creation": 0, "inside before_swap": 0}
    seen = {CALLINS}
    write_callins_workbook(book, 3, as_of=dt.datetime.now(), seed=1, technicians=["王强"])
    for k in range(KILL_TIMES):
        staff = staff_save(book, k, style_of(k))
        expected = markers_in(staff)
        calls, created = size(witness), creations.count
        process.start_worker(seed=rng.randrange(2**31))
        if k % 3 == 1:  # just after the product creates a file (a temporary file, a history copy, …)
            if wait_until(lambda c=created: creations.count > c, 1.0):
                aimed["after a file creation"] += 1
                time.sleep(rng.uniform(0, 0.005))
        elif k % 3 == 2:  # right inside the window before the atomic replace
            aimed["inside before_swap"] += wait_until(lambda c=calls: size(witness) > c, 1.0)
        elif k % 6 == 0:  # once a write-back has replaced the save (so replaced versions are always exercised)
            wait_until(lambda s=staff: read_if_there(book) not in (None, s), 5.0)
            time.sleep(rng.uniform(0, 0.05))
        else:
            time.sleep(rng.uniform(0, 0.15))
        status = process.kill_worker()
        if not (os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL):
            problems.append(f"kill {k}: the worker had already ended (status {status}); its log:\n{process.log_tail()}")
            break
        if new := sorted(set(os.listdir(staff_folder)) - seen):
            problems.append(f"kill {k}: left in the staff folder: {new}")
            seen.update(new)
        if not book.exists():
            # Killed in the microseconds the name is empty: the next start (watcher or run) gives it back.
            clean_leftovers(root)
            if not book.exists():
                problems.append(f"kill {k}: the workbook is gone, and clean-up did not give it back")
                break
        if (broken := complete_workbook(book)) is not None:
            problems.append(f"kill {k}: the workbook is {broken}")
            break
        if (held := markers_in(book)) != expected:
            problems.append(f"kill {k}: the staff cell holds {sorted(held ^ expected)} differently from the last save")
            break
        if book.read_bytes() != staff:
            replaced[k] = staff

    with contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(["run", str(root)])
    if code not in (0, 1):
        problems.append(f"automation run ROOT exited {code}")
    if rest := leftovers(root):
        problems.append(f"after automation run, temporary files remain: {rest[:10]}")
    history = root / ".automation" / "history" / BRANCH
    copies = [p for p in history.iterdir() if HISTORY_NAME.fullmatch(p.name)] if history.is_dir() else []
    kept = {hashlib.sha256(p.read_bytes()).hexdigest() for p in copies}
    kept.add(hashlib.sha256(book.read_bytes()).hexdigest())
    missing = [k for k, data in replaced.items() if hashlib.sha256(data).hexdigest() not in kept]
    if missing:
        problems.append(f"{len(missing)} of {len(replaced)} replaced staff versions are not in history: saves {missing[:10]}")
    if not replaced:
        problems.append("no write-back ever replaced a staff save: the kills hit nothing")
    if size(witness) == 0:
        problems.append("safe_write.before_swap was never called (hook missing?): no kill landed in the swap window")
    assert not problems, f"{KILL_TIMES} kills, aimed {aimed}:\n" + "\n".join(problems)

