"""What a file-system event means to the folder watcher (§11): which workbook changed, which lock went away.

Real programs do not simply write a workbook in place:

* Excel writes the new content into a temporary file (``A1B2C3D4``, ``~WRL0001.tmp``), renames the workbook
  away (``1A2B3C4D.tmp``), renames the temporary file onto the workbook's name and deletes the old copy; while
  the workbook is open it keeps the owner file ``~$<name>``.
* LibreOffice writes ``lu<random>.tmp`` and renames it onto the name, or renames the workbook to ``.osl-tmp``
  and writes the name again; while the workbook is open it keeps ``.~lock.<name>#``.
* Other programs (and copies from a share) write the file in place.

:func:`classify` turns one watchdog event into :class:`Action` values: a workbook that may have changed (the
destination of a rename counts as a save of that workbook; a workbook renamed away counts too, so a deletion is
noticed), a lock file that went away (a deferred write-back may now run), a branch folder that appeared or went
away, the settings file, or the watched root itself gone. Lock files, temporary files, sidecars, the generated
summary and its timestamped copies, and everything under ``.automation/`` map to nothing.

Then, for each workbook waiting to be processed (:class:`Item`), :func:`settle` says whether the file is complete
(quiet, same size and mtime on two looks, zip central directory readable) or deleted; :func:`knows_content` says
whether the state database already knows its content (our own write, or content already checked); and
:data:`DEPENDENTS` says which other registers must be checked again after a register changed. The summary
helpers say whether the summary is older than the last processing, or waits (as a timestamped copy) for its
reader to close it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import os
import stat
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
)

from .root import STATE_DIR, is_ignored
from .settings import SETTINGS_FILE, Settings
from .state import Record, State
from .xlsx import EXCEL_SUFFIXES
from .xlsx.safe_write import sha256_of

# Only these reach the watcher: opened / closed-without-write / attribute events are noise (our own reads
# produce them), and leaving them out of the inotify mask keeps an idle watcher idle.
EVENT_FILTER: list[type[FileSystemEvent]] = [
    FileCreatedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileDeletedEvent,
    FileClosedEvent,
    DirCreatedEvent,
    DirMovedEvent,
    DirDeletedEvent,
]


MISSING_GRACE = 1.0  # a workbook missing this long (not just renamed away mid-save) has been deleted
STABLE_GAP = 0.25  # seconds between two looks at size and mtime
ZIP_RETRIES = 4  # an unreadable zip is looked at again this often (it may still be being written)
# Which registers read which in their checks (Deployment.lookups): "*" = in every folder, else the same folder.
DEPENDENTS: dict[str, tuple[str, frozenset[str]]] = {
    "master": ("*", frozenset({"customers", "demand", "contracts", "callins", "items", "worklog"})),
    "customers": ("*", frozenset({"contracts", "callins"})),
    "contracts": ("folder", frozenset({"callins"})),
    "callins": ("folder", frozenset({"items", "worklog"})),
    "items": ("folder", frozenset({"callins", "worklog"})),
}
# Processing order within a batch: what others look up first.
RANK = {"master": 0, "customers": 1, "demand": 2, "contracts": 3, "items": 4, "callins": 5, "worklog": 6}


class Kind(enum.Enum):
    CHANGED = "changed"  # a workbook was written, created, renamed onto, renamed away or deleted
    LOCK_RELEASED = "lock_released"  # a lock file in this folder went away
    FOLDER = "folder"  # a branch folder appeared or went away: look at everything in it
    SETTINGS = "settings"  # automation.toml changed
    ROOT_GONE = "root_gone"  # the watched folder itself was deleted or moved


@dataclass(frozen=True)
class Action:
    kind: Kind
    path: Path


def is_lock_file(name: str) -> bool:
    """An Excel owner file (``~$name.xlsx``) or a LibreOffice lock file (``.~lock.name.xlsx#``)."""
    return name.startswith("~$") or (name.startswith(".~lock.") and name.endswith("#"))


def is_summary_file(path: Path, root: Path, settings: Settings) -> bool:
    """The generated summary, or one of the timestamped copies written beside it while it was open."""
    summary = root / settings.summary
    if path.suffix.lower() not in EXCEL_SUFFIXES or _norm(path.parent) != _norm(summary.parent):
        return False
    return path.name == summary.name or path.stem.startswith(summary.stem)


def is_workbook(path: Path, root: Path, settings: Settings) -> bool:
    """A file the watcher processes: ``<root>/<folder>/<name>.xlsx|.xlsm|.xls`` that is not ignored (§1).

    Like ``automation run``, only files directly inside a head-office or branch folder count.
    """
    parts = _relative_parts(path, root)
    if parts is None or len(parts) != 2 or parts[0].startswith(".") or parts[0] == STATE_DIR:
        return False
    return not is_ignored(path, settings, root) and not is_summary_file(path, root, settings)


def classify(event: FileSystemEvent, root: Path, settings: Settings) -> list[Action]:
    """The actions one watchdog event calls for (often none)."""
    src = Path(os.fsdecode(event.src_path)) if event.src_path else None
    dest_raw = getattr(event, "dest_path", "")
    dest = Path(os.fsdecode(dest_raw)) if dest_raw else None
    if event.is_directory:
        return _classify_folder(event, src, dest, root)
    actions: list[Action] = []
    for path, went_away in ((src, event.event_type in ("deleted", "moved")), (dest, False)):
        if path is None:
            continue
        parts = _relative_parts(path, root)
        if parts is None or STATE_DIR in parts:
            continue
        if is_lock_file(path.name):
            if went_away:
                actions.append(Action(Kind.LOCK_RELEASED, path.parent))
        elif parts == (SETTINGS_FILE,):
            actions.append(Action(Kind.SETTINGS, path))
        elif is_workbook(path, root, settings):
            actions.append(Action(Kind.CHANGED, path))
    return actions


def _classify_folder(event: FileSystemEvent, src: Path | None, dest: Path | None, root: Path) -> list[Action]:
    if event.event_type in ("deleted", "moved") and src is not None and _norm(src) == _norm(root):
        return [Action(Kind.ROOT_GONE, root)]
    actions = []
    for path in (src, dest):
        parts = _relative_parts(path, root) if path is not None else None
        if parts is not None and len(parts) == 1 and not parts[0].startswith(".") and event.event_type != "modified":
            actions.append(Action(Kind.FOLDER, root / parts[0]))
    return actions


@dataclass
class Item:
    """A workbook waiting to be processed."""

    path: Path
    due: float  # monotonic time of the next look
    stat: tuple[int, int] | None  # (size, mtime_ns) at the last look
    force: bool = False  # process even when its content is known (deferred write, lookups or settings changed)
    missing_since: float | None = None
    zip_tries: int = 0


def settle(item: Item, now: float) -> str:
    """"ready", "wait" (look again at ``item.due``) or "gone" (deleted, not just renamed away during a save)."""
    seen = file_stat(item.path)
    if seen is None:
        if item.missing_since is None:
            item.missing_since = now
            item.due = now + MISSING_GRACE
            return "wait"
        return "gone"
    item.missing_since = None
    if seen != item.stat:
        item.stat = seen
        item.due = now + STABLE_GAP
        return "wait"
    if item.path.suffix.lower() in (".xlsx", ".xlsm") and not zip_complete(item.path):
        item.zip_tries += 1
        if item.zip_tries <= ZIP_RETRIES:
            item.due = now + 0.25 * item.zip_tries
            return "wait"  # probably still being written; after the retries the reader reports it
    return "ready"


def file_stat(path: Path) -> tuple[int, int] | None:
    """(size, mtime_ns) of a regular file, else None."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns) if stat.S_ISREG(st.st_mode) else None


def folder_identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of a folder, else None: a folder removed and created again gets a new identity."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if stat.S_ISDIR(st.st_mode) else None


def content_hash(path: Path) -> str | None:
    """SHA-256 of a workbook's content; None when it cannot be read (gone, or unreadable for now)."""
    return sha256_of(path)


def zip_complete(path: Path) -> bool:
    """Whether the zip central directory can be read (a zip still being written has none yet)."""
    try:
        with open(path, "rb") as fh:
            if fh.read(4) != b"PK\x03\x04":
                return True  # not a zip at all: waiting will not help, the reader reports what it is
        with zipfile.ZipFile(path):
            return True
    except (OSError, zipfile.BadZipFile, ValueError, EOFError):
        return False


def knows_content(record: Record, sha: str, path: Path) -> bool:
    """Content we wrote, or content we checked and did not write into since (a restored pre-write copy is new)."""
    if sha == record.written_sha256:
        return True
    return sha == record.sha256 and (not record.written or path.suffix.lower() == ".xls")


NOT_PENDING = frozenset({"written", "noop", "no_write", "package", "vanished"})


def write_pending(record: Record) -> bool:
    """The record of a workbook checked but not written (open elsewhere, read-only, disk full, kept changing, ...)."""
    if record.written or record.error is not None or record.sha256 is None:
        return False
    return record.code not in NOT_PENDING if record.code else record.reason is not None


def summary_stale(root: Path, settings: Settings, records: Iterable[Record]) -> bool:
    """The last run processed workbooks after the summary was written (e.g. stopped before rebuilding it)."""
    processed = [r.processed for r in records if r.processed]
    if not processed:
        return False
    summary = root / settings.summary
    if is_summary_file(summary, root, settings) and summary.exists():
        built = dt.datetime.fromtimestamp(summary.stat().st_mtime).isoformat(timespec="seconds")
        return max(processed) > built
    return True


def summary_copy_waiting(root: Path, settings: Settings) -> bool:
    """A timestamped copy beside the summary (written while it was open): the summary still has to be replaced."""
    summary = root / settings.summary
    try:
        return any(p.name != summary.name and is_summary_file(p, root, settings) for p in summary.parent.iterdir())
    except OSError:
        return False


def state_records(root: Path) -> list[Record]:
    """Every record of the state database; none when it cannot be read."""
    if not root.is_dir():
        return []  # State() would create the folder again
    try:
        return State(root).all()
    except Exception:  # noqa: BLE001 - without the state database the watcher still works, just re-checks more
        return []


def files_in(folder: Path) -> Iterator[Path]:
    with contextlib.suppress(OSError):
        yield from sorted(Path(os.path.abspath(p)) for p in folder.iterdir() if p.is_file())


def _relative_parts(path: Path, root: Path) -> tuple[str, ...] | None:
    try:
        return Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).parts
    except ValueError:
        return None


def _norm(path: Path) -> str:
    return os.path.normcase(os.path.abspath(path))


__all__ = [
    "DEPENDENTS", "EVENT_FILTER", "RANK", "Action", "Item", "Kind", "classify", "content_hash", "file_stat",
    "folder_identity", "is_lock_file", "is_summary_file", "is_workbook", "knows_content", "settle",
    "files_in", "state_records", "summary_copy_waiting", "summary_stale", "write_pending", "zip_complete",
]
