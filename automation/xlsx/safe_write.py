"""Safe write-back of a workbook file (SPEC §7 "Writing back without losing anything", §11).

``safe_replace`` reads a workbook, lets the caller compute the new bytes, and puts them in place only when nobody
has it open (no Excel ``~$`` / LibreOffice ``.~lock.…#`` lock file, see :mod:`automation.xlsx.locks`), the file is
not read-only, and nobody saved it meanwhile (size, mtime_ns and SHA-256 unchanged; otherwise it starts again from
the new content).

**The replace cannot lose a save.** The new bytes go to a temporary file in the workbook's history folder (under
``.automation/``, on the same file system: staff never see it), which is then *exchanged* atomically with the
workbook (:mod:`automation.xlsx.swap`). What comes out of the exchange is exactly what was replaced, captured at
the replace: when it is the version that was checked, that very file becomes the history copy; when it is not (a
save landed after the last check) or a lock file appeared meanwhile, the exchange is undone — their file goes back
to its name, any other version displaced on the way is kept in history — and the write starts again from their
content. A file system that cannot exchange gets the narrowest check-then-rename (a size/mtime look right before
``os.replace``; docs/design.md gives the measured window), with the checked bytes in history.

Reporting:

* expected situations come back as ``WriteOutcome(written=False, code=..., reason=..., reason_en=...)``:
  ``"noop"`` (nothing to write), ``"locked"`` (someone has the file open; ``lock`` says who and since when),
  ``"read_only"`` (the file is read-only), ``"owner"`` (writing would change the file's owner), ``"changed"``
  (saved by someone else on every one of ``max_attempts`` tries);
* unusable conditions raise ``WriteBackError`` with a one-line message in Chinese (``str(exc)``) and English
  (``exc.message_en``) and a ``code``: ``"vanished"``, ``"permission"``, ``"disk_full"``, ``"busy"``, ``"share"``,
  ``"io"``; all but ``"vanished"`` are worth retrying later (:data:`RETRYABLE`);
* an exception raised by ``transform`` itself propagates unchanged (it is the caller's own error).

In every case the workbook is either untouched or replaced by exactly the new bytes, and everything replaced is in
history. Files this module creates:

* temporary file: ``<history_dir>/.~tmp-<host>-<pid>-<hex>-<name>``; only when the history folder is on another
  file system, ``.~automation-<host>-<pid>-<hex>-<name>.tmp`` beside the workbook. A process killed mid-write
  leaves one behind: :func:`recover_leftover` turns it into a history copy (a complete workbook) or removes it;
* history copy: ``<history_dir>/<stem>.<YYYYmmdd-HHMMSS-ffffff><suffix>`` (local time), at most ``history_keep``
  per workbook. Workbooks with the same name in different folders need different ``history_dir`` values.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import secrets
import socket
import stat
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from . import swap
from .locks import Lock, current_lock, describe_lock

TEMP_PREFIX = ".~automation-"  # a temporary file beside a workbook (history folder on another file system)
TEMP_SUFFIX = ".tmp"
WORK_PREFIX = ".~tmp-"  # a temporary file in a history folder or .automation/tmp
HISTORY_STAMP = "%Y%m%d-%H%M%S-%f"
# Windows refuses a replace while another process has the target open; these waits cover a virus
# scanner or indexer that holds it for a moment, and still keep a write-back well under the 3 s of §11.
_REPLACE_DELAYS = (0.05, 0.1, 0.2, 0.4, 0.8)
# Only Windows denies a replace for a moment (sharing violations); elsewhere a denied rename is a permission problem.
_RETRY_DENIED = os.name == "nt"
LEFTOVER_AGE = 600.0  # seconds: a temporary file this old belongs to no write in flight
RETRYABLE = frozenset({"permission", "disk_full", "busy", "share", "io"})
_HOST = hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:6]
CAPTURED = "was-"  # marks the temporary name of a workbook taken off its name during a replace
_TEMP_NAME = re.compile(
    r"(?:\.~tmp-|\.~automation-)(?P<captured>was-)?(?:(?P<host>[0-9a-f]{6})-(?P<pid>\d+)-)?[0-9a-f]{8}-"
    r"(?P<name>.+?)(?:\.tmp)?"
)

# Test hook: called with the workbook's path right before the replace, after the last "unchanged?" look. Tests set
# it to a short sleep (or a save of their own) to widen the race window deterministically.
before_swap: Callable[[Path], None] | None = None


class WriteBackError(Exception):
    """A write-back that cannot be done; ``str(exc)`` is a one-line Chinese message."""

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(message_zh)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en

    def message(self, lang: str = "zh") -> str:
        return self.message_en if lang == "en" else self.message_zh


@dataclass(frozen=True)
class Fingerprint:
    size: int
    mtime_ns: int
    sha256: str
    ino: int = 0  # tells a save by rename (a new file) from the checked one at a glance


@dataclass(frozen=True)
class WriteOutcome:
    written: bool
    reason: str | None = None  # Chinese, for staff; None when written or nothing to write
    history: Path | None = None  # copy of the version that was replaced
    attempts: int = 1
    code: str = "written"  # "written" | "noop" | "locked" | "read_only" | "owner" | "changed"
    reason_en: str | None = None
    holder: str | None = None  # who has the file open, for code "locked"
    fingerprint: Fingerprint | None = None  # of the file as written, so a watcher can skip its own write
    lock: Lock | None = None  # the lock file, for code "locked"

    def message(self, lang: str = "zh") -> str | None:
        return self.reason_en if lang == "en" else self.reason


def is_temp_file(path: Path | str) -> bool:
    """True for a temporary file of this module (the watcher ignores these)."""
    name = Path(path).name
    return name.startswith(WORK_PREFIX) or (name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX))


def fingerprint(path: Path, data: bytes | None = None) -> Fingerprint:
    """Size, mtime_ns and SHA-256 of a file; ``data`` is its content when the caller has just read it."""
    st = os.stat(path)
    if data is None:
        data = Path(path).read_bytes()
    return Fingerprint(st.st_size, st.st_mtime_ns, hashlib.sha256(data).hexdigest(), st.st_ino)


def sha256_of(path: Path) -> str | None:
    """SHA-256 of a file's content, read in blocks; None when it cannot be read."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def _same_stat(path: Path, before: Fingerprint) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    return (st.st_size, st.st_mtime_ns) == (before.size, before.mtime_ns)


def _unchanged(path: Path, before: Fingerprint) -> bool:
    # mtime can be coarse (FAT, network shares): the hash is the real proof.
    return _same_stat(path, before) and sha256_of(path) == before.sha256


# --- messages ---------------------------------------------------------------------------------------------

_MESSAGES = {  # WriteBackError code -> (zh, en) one-line messages
    "vanished": (
        "文件 {name} 已不存在（被移动或删除），未写入",
        "{name} no longer exists (moved or deleted); nothing written",
    ),
    "disk_full": (
        "磁盘空间不足，无法写入 {name}（原文件未改动）；腾出空间后自动重试",
        "Disk full: could not write {name} (original left untouched); retried once there is space",
    ),
    "permission": (
        "没有写入权限：文件夹 {folder} 只读或监视程序无权写入，无法写入 {name}（原文件未改动）；获得权限后自动重试",
        "No permission: folder {folder} is read-only or not writable for the watcher, could not write {name} "
        "(original left untouched); retried once it is writable",
    ),
    "busy": (
        "文件 {name} 正被其他程序占用，多次重试后仍无法替换（原文件未改动）；稍后自动重试",
        "{name} is in use by another program; replace failed after retries (original left untouched); retried later",
    ),
    "share": (
        "网络共享暂时无法访问，无法写入 {name}（原文件未改动）；连接恢复后自动重试",
        "The network share cannot be reached: could not write {name} (original left untouched); retried once it is back",
    ),
    "io": (
        "写入 {name} 失败：{detail}（原文件未改动）；稍后自动重试",
        "Could not write {name}: {detail} (original left untouched); retried later",
    ),
}
_SHARE_ERRNOS = {getattr(errno, n) for n in ("EIO", "ENOTCONN", "ESTALE", "EHOSTDOWN", "EHOSTUNREACH", "ENETDOWN",
                                             "ENETUNREACH", "ENETRESET", "ECONNRESET", "ECONNABORTED", "ETIMEDOUT",
                                             "EREMOTEIO") if hasattr(errno, n)}
_SHARE_WINERRORS = {51, 53, 59, 64, 67, 1231}  # network path not found / unexpected network error / name deleted


def _error(code: str, path: Path, detail: str = "", detail_zh: str | None = None) -> WriteBackError:
    zh, en = _MESSAGES[code]
    fields = {"name": path.name, "folder": path.parent.name or str(path.parent), "detail": detail}
    zh_fields = {**fields, "detail": detail if detail_zh is None else detail_zh}
    return WriteBackError(code, zh.format(**zh_fields), en.format(**fields))


def io_error_code(exc: OSError) -> str:
    """The WriteBackError code of an OSError: vanished, disk_full, permission, share or io."""
    if isinstance(exc, FileNotFoundError):
        return "vanished"
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return "disk_full"
    if isinstance(exc, PermissionError) or exc.errno == errno.EROFS:
        return "permission"
    if exc.errno in _SHARE_ERRNOS or getattr(exc, "winerror", None) in _SHARE_WINERRORS:
        return "share"
    return "io"


def io_error(exc: OSError, path: Path) -> WriteBackError:
    """The WriteBackError for an OSError while writing ``path``; the system's text (English) only in English."""
    code = errno.errorcode.get(exc.errno or 0)
    return _error(io_error_code(exc), path, exc.strerror or type(exc).__name__, f"系统错误 {code}" if code else "系统错误")


# --- files ------------------------------------------------------------------------------------------------


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _discard(path: Path | None) -> None:
    if path is not None:
        with contextlib.suppress(OSError):  # best effort: the caller already reports the real failure
            path.unlink(missing_ok=True)


def _write_durably(target: Path, data: bytes, mode: int) -> None:
    """Create ``target`` (must not exist), write, fsync; on failure remove it and raise ``OSError``."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
    try:
        _write_all(fd, data)
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        _discard(target)
        raise
    os.close(fd)


def temp_path(target: Path, work_dir: Path, *, captured: bool = False) -> Path:
    """Where a new version of ``target`` is written before it takes the name (or, ``captured``, where the workbook
    waits while off its name): in ``work_dir`` when that is on the same file system (staff never see it), else
    beside ``target`` under a hidden name. The name says which process made it, for :func:`abandoned`."""
    unique = f"{CAPTURED if captured else ''}{_HOST}-{os.getpid()}-{secrets.token_hex(4)}-{target.name}"
    try:
        work_dir.mkdir(parents=True, exist_ok=True)
        if os.stat(work_dir).st_dev == os.stat(target.parent).st_dev:
            return work_dir / f"{WORK_PREFIX}{unique}"
    except OSError:
        pass
    return target.with_name(f"{TEMP_PREFIX}{unique}{TEMP_SUFFIX}")


def _write_temp(path: Path, tmp: Path, data: bytes) -> bool:
    """Write the new version with the workbook's mode and owner; False when the owner cannot be kept."""
    st = os.stat(path)
    _write_durably(tmp, data, 0o600)
    try:
        if hasattr(os, "chown"):
            mine = os.stat(tmp)
            if (mine.st_uid, mine.st_gid) != (st.st_uid, st.st_gid):
                try:
                    os.chown(tmp, st.st_uid, st.st_gid)
                except PermissionError:
                    _discard(tmp)
                    return False
        os.chmod(tmp, stat.S_IMODE(st.st_mode))  # the umask must not change what staff had
    except OSError:
        _discard(tmp)
        raise
    return True


def _fsync_dir(folder: Path) -> None:
    if os.name == "nt":
        return  # directories cannot be opened for fsync on Windows; NTFS journals the rename
    # Some file systems (network shares) refuse it; the rename itself has already happened then.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --- history ----------------------------------------------------------------------------------------------


def _history_name(workbook: Path, history_dir: Path, when: datetime) -> Path:
    while True:  # two versions within one clock tick: keep both, names sortable
        target = history_dir / f"{workbook.stem}.{when.strftime(HISTORY_STAMP)}{workbook.suffix}"
        if not os.path.lexists(target):
            return target
        when += timedelta(microseconds=1)


def keep_in_history(version: Path, workbook: Path, history_dir: Path, when: datetime | None = None) -> Path:
    """Move the file ``version`` (a replaced version of ``workbook``) into history; returns its new name.

    A rename when on one file system (the very bytes, nothing copied); otherwise copied durably, then removed."""
    history_dir.mkdir(parents=True, exist_ok=True)
    target = _history_name(workbook, history_dir, when or datetime.now())
    try:
        os.rename(version, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        _write_durably(target, version.read_bytes(), 0o644)
        _discard(version)
    _fsync_dir(history_dir)
    return target


def _save_history(path: Path, data: bytes, history_dir: Path) -> Path:
    history_dir.mkdir(parents=True, exist_ok=True)
    when = datetime.now()
    while True:
        target = _history_name(path, history_dir, when)
        try:
            _write_durably(target, data, 0o644)
            return target
        except FileExistsError:
            when += timedelta(microseconds=1)


def copy_to_history(path: Path, history_dir: Path) -> Path:
    """Keep a copy of ``path`` as it is now in history (before something else replaces it); returns the copy."""
    return _save_history(path, path.read_bytes(), history_dir)


def prune_history(history_dir: Path, stem: str, suffix: str, keep: int) -> None:
    """Keep the newest ``keep`` history copies of one workbook (by the time in their names)."""
    if keep < 0:
        raise ValueError("keep must be >= 0")
    suffix = suffix if not suffix or suffix.startswith(".") else f".{suffix}"
    pattern = re.compile(rf"{re.escape(stem)}\.(\d{{8}}-\d{{6}}-\d{{6}}){re.escape(suffix)}")
    try:
        found = [(m.group(1), p) for p in Path(history_dir).iterdir() if (m := pattern.fullmatch(p.name))]
    except FileNotFoundError:
        return
    for _, old in sorted(found, reverse=True)[keep:]:
        _discard(old)


# --- leftovers of a killed process ------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    if os.name == "nt":
        return True  # no cheap, safe liveness check (os.kill would terminate it): age decides there
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def abandoned(path: Path, now: float | None = None) -> bool:
    """Whether a temporary file belongs to no write in flight: its process (on this machine) is gone, or it is
    older than :data:`LEFTOVER_AGE`."""
    match = _TEMP_NAME.fullmatch(path.name)
    try:
        age = (now or time.time()) - path.stat().st_mtime
    except OSError:
        return False
    if age > LEFTOVER_AGE:
        return True
    if match is None or match["pid"] is None:
        return False
    return match["host"] == _HOST and int(match["pid"]) != os.getpid() and not _alive(int(match["pid"]))


def leftover_workbook_name(path: Path) -> str | None:
    """The workbook file name a temporary file was made for."""
    match = _TEMP_NAME.fullmatch(path.name)
    return match["name"] if match else None


def _complete_zip(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return bool(zf.namelist())
    except (OSError, zipfile.BadZipFile, ValueError, EOFError):
        return False


def recover_leftover(path: Path, history_dir: Path, workbook_folder: Path | None = None) -> Path | None:
    """A temporary file left by a killed process. A workbook taken off its name by a replace that was killed before
    the new version took the name goes back to its name (``workbook_folder``), if that is still empty; any other
    complete workbook is kept as a history copy (it may be the version a write-back had just replaced), or, when it
    cannot be (history folder not writable), left where it is for the next recovery: a complete workbook is never
    removed. Anything else is removed. Returns where the file went, if it was moved."""
    match = _TEMP_NAME.fullmatch(path.name)
    if match and _complete_zip(path):
        name = match["name"]
        if match["captured"] and workbook_folder is not None:
            with contextlib.suppress(OSError):
                swap.move_no_replace(path, workbook_folder / name)
                return workbook_folder / name
        with contextlib.suppress(OSError):
            when = datetime.fromtimestamp(path.stat().st_mtime)
            return keep_in_history(path, path.with_name(name), history_dir, when)
        return None
    _discard(path)
    return None


# --- the replace ------------------------------------------------------------------------------------------


def _locked(path: Path, attempts: int, stale_hours: float) -> WriteOutcome | None:
    lock = current_lock(path)
    if lock is None:
        return None
    return WriteOutcome(
        False,
        reason=describe_lock(lock, path, stale_hours=stale_hours),
        attempts=attempts,
        code="locked",
        reason_en=describe_lock(lock, path, stale_hours=stale_hours, lang="en"),
        holder=lock.who(),
        lock=lock,
    )


def _read_only(path: Path, attempts: int) -> WriteOutcome | None:
    """A read-only register (mode 0444, the Windows read-only attribute, or not writable for us) is not written."""
    st = os.stat(path)
    writable = st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    if writable and (os.name == "nt" or os.access(path, os.W_OK)):
        return None
    return WriteOutcome(
        False, reason="文件为只读，未写入结果表（取消只读后自动写入）", attempts=attempts, code="read_only",
        reason_en="The file is read-only; results not written (written once it is writable)",
    )


def _owner_outcome(path: Path, attempts: int) -> WriteOutcome:
    st = os.stat(path)
    owner = str(st.st_uid)
    with contextlib.suppress(ImportError, KeyError):
        import pwd

        owner = pwd.getpwuid(st.st_uid).pw_name
    return WriteOutcome(
        False,
        reason=f"文件属于用户 {owner}，以监视程序的用户写入会改变文件所有者，未写入；请以该用户或管理员身份运行",
        attempts=attempts,
        code="owner",
        reason_en=f"The file belongs to user {owner}; writing it as the watcher's user would change its owner, so "
        "it was not written; run the watcher as that user or as administrator",
    )


def _settle_displaced(displaced: Path, ours: str, workbook: Path, history_dir: Path) -> None:
    """After an undone exchange: our own bytes are dropped, anyone else's version is kept in history."""
    if not displaced.exists():
        return
    if sha256_of(displaced) == ours:
        _discard(displaced)
    else:
        keep_in_history(displaced, workbook, history_dir)


def _give_back(path: Path, displaced: Path, ours: str, history_dir: Path) -> None:
    """Undo an exchange whose displaced file was not the version we checked (or the workbook was opened meanwhile):
    their file goes back to its name. If a save replaced our file in the meantime, that newer save takes the name
    and the older one is kept in history: whoever saved last wins, nothing is lost."""
    for _ in range(2):
        try:
            swap.exchange(displaced, path)
        except FileNotFoundError:
            break  # the name is empty for a moment (a save renaming onto it): theirs arrives there
        except OSError:
            _settle_displaced(displaced, ours, path, history_dir)
            raise
        if sha256_of(displaced) == ours:
            break
    _settle_displaced(displaced, ours, path, history_dir)


def _same_version(displaced: Path, before: Fingerprint, *, by_inode: bool) -> bool:
    """The quick look (a stat, microseconds) at what was just taken off the name: the checked version, by inode,
    size and mtime? The hash comes after, once the name is no longer exposed."""
    try:
        st = os.stat(displaced)
    except OSError:
        return False
    return (st.st_size, st.st_mtime_ns) == (before.size, before.mtime_ns) and (not by_inode or st.st_ino == before.ino)


def _capture_and_place(path: Path, tmp: Path, ours: str, before: Fingerprint, history_dir: Path, attempts: int,
                       stale_hours: float) -> tuple[WriteOutcome | str, Path | None]:
    """POSIX: take the workbook off its name (an atomic rename into the history folder), check that it is the
    version we checked, then give the name to the new version *only if nobody saved meanwhile* (a rename that never
    replaces). Nobody can ever open the new version while a newer save exists; for those microseconds the name is
    empty, which a program opening or saving it copes with (a save simply creates it, and wins)."""
    captured = temp_path(path, history_dir, captured=True)
    if not swap.supports_no_replace(captured.parent, lambda tag: temp_path(captured.with_name(tag), history_dir)):
        raise swap.ExchangeUnsupported(errno.ENOTSUP, "no atomic no-replace rename here", str(path))
    try:
        os.rename(path, captured)  # captured is a fresh name: nothing to replace there
    except FileNotFoundError:
        return "changed", None  # renamed away for a moment by a save in progress, or deleted: look again
    if not _same_version(captured, before, by_inode=True) or (held := _locked(path, attempts, stale_hours)):
        _put_back(captured, path, history_dir)
        return (held if _same_version(captured, before, by_inode=False) else None) or "changed", None
    try:
        swap.move_no_replace(tmp, path)
    except FileExistsError:
        keep_in_history(captured, path, history_dir)  # a save landed on the empty name: it wins, ours goes
        return "changed", None
    except OSError:
        _put_back(captured, path, history_dir)
        raise
    if sha256_of(captured) != before.sha256:  # same inode, size and mtime, other bytes: a same-tick rewrite
        _give_back(path, captured, ours, history_dir)
        return "changed", None
    return "ok", captured


def _put_back(captured: Path, path: Path, history_dir: Path) -> None:
    """Return a captured version to its name, unless a save took the name meanwhile (then it goes to history)."""
    try:
        swap.move_no_replace(captured, path)
    except FileExistsError:
        keep_in_history(captured, path, history_dir)
    except OSError:  # the no-replace rename failed after all: the plain rename, if the name is still empty
        if os.path.lexists(path):
            keep_in_history(captured, path, history_dir)
        else:
            os.rename(captured, path)


def _exchange(path: Path, tmp: Path, ours: str, before: Fingerprint, history_dir: Path, attempts: int,
              stale_hours: float) -> tuple[WriteOutcome | str, Path | None]:
    """Windows: swap the new version in with ReplaceFileW (which keeps the workbook's permissions and owner), then
    check what came out: a stat first, so a wrong swap is undone within microseconds."""
    for delay in (*_REPLACE_DELAYS, None):
        try:
            swap.exchange(tmp, path)
            break
        except FileNotFoundError:
            if not tmp.exists():
                raise
            return "changed", None  # renamed away for a moment by a save in progress, or deleted: look again
        except PermissionError as exc:
            _wait_if_denied_for_a_moment(exc, delay, path)
        # Whoever held the file may have opened or saved it: never overwrite that.
        if (held := _locked(path, attempts, stale_hours)) is not None:
            return held, None
        if not _unchanged(path, before):
            return "changed", None
    if not _same_version(tmp, before, by_inode=False):
        _give_back(path, tmp, ours, history_dir)
        return "changed", None
    held = _locked(path, attempts, stale_hours)
    if held is None and sha256_of(tmp) == before.sha256:
        return "ok", tmp
    _give_back(path, tmp, ours, history_dir)
    return held or "changed", None


def _rename_over(path: Path, tmp: Path, before: Fingerprint, attempts: int, stale_hours: float) -> WriteOutcome | str:
    """Check-then-rename where the file system cannot exchange: the look right before ``os.replace`` is a stat
    (microseconds), the hash having been compared just before."""
    for delay in (*_REPLACE_DELAYS, None):
        if (held := _locked(path, attempts, stale_hours)) is not None:
            return held
        if not _same_stat(path, before):
            return "changed"
        try:
            os.replace(tmp, path)
            return "ok"
        except PermissionError as exc:
            _wait_if_denied_for_a_moment(exc, delay, path)
    return "changed"  # not reached


def _wait_if_denied_for_a_moment(exc: PermissionError, delay: float | None, path: Path) -> None:
    """A denied replace: on Windows another program (a virus scanner, an indexer) may hold the file for a moment,
    so wait ``delay`` before the next try (None: no tries left, "busy"); elsewhere it is a permission problem."""
    if not _RETRY_DENIED:
        raise exc
    if delay is None:
        raise _error("busy", path) from exc
    time.sleep(delay)


# How the new version takes the name: ReplaceFileW on Windows (it keeps the workbook's ACL), capture-and-place
# elsewhere. Tests switch it to try both strategies on one machine.
_PLACE = _exchange if os.name == "nt" else _capture_and_place


def _put_in_place(path: Path, new: bytes, data: bytes, before: Fingerprint, history_dir: Path, attempts: int,
                  stale_hours: float) -> WriteOutcome | str:
    """Write ``new`` beside the history and put it in place; "changed" means start again from the new content."""
    tmp = temp_path(path, history_dir)
    ours = hashlib.sha256(new).hexdigest()
    if not _write_temp(path, tmp, new):
        return _owner_outcome(path, attempts)
    try:
        # Checked after the slow temp write, so the window before the replace stays small.
        if (held := _locked(path, attempts, stale_hours)) is not None:
            return held
        if not _unchanged(path, before):
            return "changed"
        written = os.stat(tmp)  # a rename keeps mtime, and the path itself may change right after
        if before_swap is not None:
            before_swap(path)
        try:
            result, replaced = _PLACE(path, tmp, ours, before, history_dir, attempts, stale_hours)
        except swap.ExchangeUnsupported:
            result, replaced = "unsupported", None
        if result == "ok" and replaced is not None:
            try:
                history = keep_in_history(replaced, path, history_dir)  # exactly the bytes that were replaced
            except OSError:
                _give_back(path, replaced, ours, history_dir)  # no history, no replace
                raise
        elif result == "unsupported":
            history = _save_history(path, data, history_dir)
            result = _rename_over(path, tmp, before, attempts, stale_hours)
            if result != "ok":
                _discard(history)  # nothing was replaced, so there is no replaced version to keep
        if result != "ok":
            return result
    finally:
        # Only our own bytes are ever deleted: a replaced version that could not reach history stays for
        # recover_leftover.
        if sha256_of(tmp) == ours:
            _discard(tmp)
    _fsync_dir(path.parent)
    return WriteOutcome(True, history=history, attempts=attempts,
                        fingerprint=Fingerprint(written.st_size, written.st_mtime_ns, ours, written.st_ino))


def safe_replace(
    path: Path,
    transform: Callable[[bytes], bytes | None],
    *,
    history_dir: Path,
    history_keep: int = 20,
    max_attempts: int = 5,
    stale_lock_hours: float = 12.0,
) -> WriteOutcome:
    """Replace ``path`` with ``transform(current bytes)`` without losing anyone's save (see module doc).

    ``transform`` returning None or the same bytes means nothing to write (code "noop"). It may be called
    up to ``max_attempts`` times, each time with the file's latest content.
    """
    if max_attempts < 1 or history_keep < 1:
        raise ValueError("max_attempts and history_keep must be >= 1")
    path, history_dir = Path(path), Path(history_dir)
    for attempt in range(1, max_attempts + 1):
        if (held := _locked(path, attempt, stale_lock_hours)) is not None:
            return held  # checked first too: no point computing results nobody may write
        try:
            data = path.read_bytes()
            before = fingerprint(path, data)
            if (read_only := _read_only(path, attempt)) is not None:
                return read_only
        except OSError as exc:
            raise io_error(exc, path) from exc
        new = transform(data)
        if new is None or new == data:
            return WriteOutcome(False, attempts=attempt, code="noop")
        try:
            result = _put_in_place(path, new, data, before, history_dir, attempt, stale_lock_hours)
        except OSError as exc:
            raise io_error(exc, path) from exc
        if isinstance(result, WriteOutcome):
            if result.written:
                prune_history(history_dir, path.stem, path.suffix, history_keep)
            return result
    if not path.exists():
        raise _error("vanished", path)
    return WriteOutcome(
        False,
        reason=f"文件在处理期间被反复修改（已尝试 {max_attempts} 次），本次未写入，下次保存后重试",
        attempts=max_attempts,
        code="changed",
        reason_en=f"The file kept changing while being processed ({max_attempts} tries); not written, "
        "will retry after the next save",
    )


def write_file_atomically(target: Path, data: bytes, work_dir: Path,
                          ready: Callable[[], bool] | None = None) -> bool:
    """Put a file the product owns entirely (summary, sidecar) at ``target``: temporary file in ``work_dir``,
    fsync, ``os.replace``. ``ready()`` is asked right before the replace; False means give up (returns False)."""
    tmp = temp_path(target, work_dir)
    try:
        _write_durably(tmp, data, 0o644)
        if ready is not None and not ready():
            return False
        os.replace(tmp, target)
        return True
    finally:
        _discard(tmp)


__all__ = [
    "RETRYABLE", "Fingerprint", "WriteBackError", "WriteOutcome", "abandoned", "copy_to_history", "fingerprint",
    "io_error", "io_error_code",
    "is_temp_file", "keep_in_history", "sha256_of", "leftover_workbook_name", "prune_history", "recover_leftover",
    "safe_replace", "temp_path", "write_file_atomically",
]
