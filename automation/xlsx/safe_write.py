"""Safe write-back of a workbook file (SPEC §7 "Writing back without losing anything", §11).

``safe_replace`` reads a workbook, lets the caller compute the new bytes, and replaces the file only when
nobody has it open (no Excel ``~$`` / LibreOffice ``.~lock.…#`` lock file) and nobody saved it meanwhile
(size, mtime_ns and SHA-256 unchanged; otherwise it starts again from the new content). Reporting:

* expected situations come back as ``WriteOutcome(written=False, code=..., reason=..., reason_en=...)``:
  ``"noop"`` (nothing to write), ``"locked"`` (someone has the file open; the watcher retries when the
  lock goes away) and ``"changed"`` (saved by someone else on every one of ``max_attempts`` tries);
* unusable conditions raise ``WriteBackError`` with a one-line message in Chinese (``str(exc)``) and
  English (``exc.message_en``) and a ``code``: ``"vanished"``, ``"read_only"``, ``"disk_full"``,
  ``"busy"``, ``"io"``;
* an exception raised by ``transform`` itself propagates unchanged (it is the caller's own error).

In every case the original file is left untouched and no temporary file is left behind.

Files this module creates:

* temporary file: ``.~automation-<8 hex>-<name>.tmp`` in the workbook's own folder (same file system, so
  ``os.replace`` is atomic); watchers recognise it with ``is_temp_file``;
* history copy: ``<history_dir>/<stem>.<YYYYmmdd-HHMMSS-ffffff><suffix>`` (local time), the exact bytes
  that were replaced; at most ``history_keep`` per workbook. Workbooks with the same name in different
  folders (every branch has a 叫修登记簿.xlsx) need different ``history_dir`` values.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import secrets
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

TEMP_PREFIX = ".~automation-"
TEMP_SUFFIX = ".tmp"
HISTORY_STAMP = "%Y%m%d-%H%M%S-%f"
# Windows refuses os.replace while another process has the target open; these waits cover a virus
# scanner or indexer that holds it for a moment, and still keep a write-back well under the 3 s of §11.
_REPLACE_DELAYS = (0.05, 0.1, 0.2, 0.4, 0.8)


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


@dataclass(frozen=True)
class WriteOutcome:
    written: bool
    reason: str | None = None  # Chinese, for staff; None when written or nothing to write
    history: Path | None = None  # copy of the version that was replaced
    attempts: int = 1
    code: str = "written"  # "written" | "noop" | "locked" | "changed"
    reason_en: str | None = None
    holder: str | None = None  # who has the file open, for code "locked"
    fingerprint: Fingerprint | None = None  # of the file as written, so a watcher can skip its own write

    def message(self, lang: str = "zh") -> str | None:
        return self.reason_en if lang == "en" else self.reason


def is_temp_file(path: Path | str) -> bool:
    """True for a temporary file of ``safe_replace`` (the watcher must ignore these)."""
    name = Path(path).name
    return name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)


def lock_files(path: Path) -> list[Path]:
    """Existing lock files of a workbook: LibreOffice ``.~lock.<name>#`` and Excel ``~$<name>``.

    Excel replaces the first two characters of longer names (``~$ngName.xlsx`` for ``LongName.xlsx``), so
    both Excel forms are checked; a rare false match only delays a write, which is the safe direction.
    """
    path = Path(path)
    names = [f".~lock.{path.name}#", f"~${path.name}"]
    if len(path.stem) > 2:
        names.append(f"~${path.name[2:]}")
    return [path.with_name(n) for n in dict.fromkeys(names) if path.with_name(n).is_file()]


def _plausible(name: str) -> str | None:
    name = name.strip(" \x00")
    return name if name and name.isprintable() else None


def _decode(blob: bytes, *encodings: str) -> str | None:
    for encoding in encodings:
        with contextlib.suppress(UnicodeDecodeError):
            if name := _plausible(blob.decode(encoding)):
                return name
    return None


def _libreoffice_holder(raw: bytes) -> str | None:
    # "Full name,OS user,host,date,user-config URL;" where "\" escapes "," and ";" inside a field.
    line = re.split(r"(?<!\\)[;\n]", raw.decode("utf-8", errors="replace"), maxsplit=1)[0]
    fields = [re.sub(r"\\(.)", r"\1", f) for f in re.split(r"(?<!\\),", line)] + ["", "", ""]
    user = _plausible(fields[0]) or _plausible(fields[1])
    host = _plausible(fields[2])
    return f"{user} ({host})" if user and host else user or host


def _excel_holder(raw: bytes) -> str | None:
    # Owner file: byte 0 = length of the ANSI user name that follows (space padded to 54 bytes); newer
    # Excel adds the name as UTF-16LE at offset 54, which is exact for Chinese names, so it wins.
    cch = int.from_bytes(raw[54:56], "little")  # character count, then the name from offset 56
    if 0 < cch <= 54 and len(raw) >= 56 + 2 * cch and (name := _decode(raw[56 : 56 + 2 * cch], "utf-16-le")):
        return name
    n = raw[0] if raw else 0
    # The ANSI code page is the writer's; Chinese Windows uses GBK.
    return _decode(raw[1 : 1 + n], "utf-8", "gbk", "cp1252") if 0 < n < len(raw) and n <= 53 else None


def _read_holder(locks: list[Path]) -> str | None:
    for lock in locks:
        try:
            raw = lock.read_bytes()[:4096]
        except OSError:
            continue
        name = _libreoffice_holder(raw) if lock.name.startswith(".~lock.") else _excel_holder(raw)
        if name:
            return name
    return None


def lock_holder(path: Path) -> str | None:
    """None when no lock file exists; otherwise who holds the workbook, read from the lock file. Never raises."""
    try:
        locks = lock_files(Path(path))
        if not locks:
            return None
        return _read_holder(locks) or f"未知用户 (lock file {locks[0].name})"
    except Exception:  # a lock check must never break the watcher
        return f"未知用户 (lock file ~${Path(path).name})"


def fingerprint(path: Path, data: bytes | None = None) -> Fingerprint:
    """Size, mtime_ns and SHA-256 of a file; ``data`` is its content when the caller has just read it."""
    st = os.stat(path)
    if data is None:
        data = Path(path).read_bytes()
    return Fingerprint(st.st_size, st.st_mtime_ns, hashlib.sha256(data).hexdigest())


def _unchanged(path: Path, before: Fingerprint) -> bool:
    try:
        st = os.stat(path)
        if (st.st_size, st.st_mtime_ns) != (before.size, before.mtime_ns):
            return False
        # mtime can be coarse (FAT, network shares): the hash is the real proof.
        return hashlib.sha256(path.read_bytes()).hexdigest() == before.sha256
    except FileNotFoundError:
        return False


_MESSAGES = {  # WriteBackError code -> (zh, en) one-line messages
    "vanished": (
        "文件 {name} 已不存在（被移动或删除），未写入",
        "{name} no longer exists (moved or deleted); nothing written",
    ),
    "disk_full": (
        "磁盘空间不足，无法写入 {name}（原文件未改动）",
        "Disk full: could not write {name} (original left untouched)",
    ),
    "read_only": (
        "文件夹 {folder} 只读或没有写入权限，无法写入 {name}（原文件未改动）",
        "Folder {folder} is read-only or not writable: could not write {name} (original left untouched)",
    ),
    "busy": (
        "文件 {name} 正被其他程序占用或没有写入权限，多次重试后仍无法替换（原文件未改动）",
        "{name} is in use by another program or not writable; replace failed after retries (original left untouched)",
    ),
    "io": (
        "写入 {name} 失败：{detail}（原文件未改动）",
        "Could not write {name}: {detail} (original left untouched)",
    ),
}


def _error(code: str, path: Path, detail: str = "") -> WriteBackError:
    zh, en = _MESSAGES[code]
    fields = {"name": path.name, "folder": path.parent.name or str(path.parent), "detail": detail}
    return WriteBackError(code, zh.format(**fields), en.format(**fields))


def _io_error(exc: OSError, path: Path) -> WriteBackError:
    if isinstance(exc, FileNotFoundError):
        return _error("vanished", path)
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return _error("disk_full", path)
    if isinstance(exc, PermissionError) or exc.errno == errno.EROFS:
        return _error("read_only", path)
    return _error("io", path, exc.strerror or type(exc).__name__)


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


def _write_temp(path: Path, data: bytes) -> Path:
    st = os.stat(path)
    tmp = path.with_name(f"{TEMP_PREFIX}{secrets.token_hex(4)}-{path.name}{TEMP_SUFFIX}")
    _write_durably(tmp, data, 0o600)
    try:
        os.chmod(tmp, stat.S_IMODE(st.st_mode))  # the umask must not change what staff had
        if hasattr(os, "chown") and hasattr(os, "geteuid") and os.geteuid() == 0:
            # A watcher running as root must not leave staff files owned by root.
            os.chown(tmp, st.st_uid, st.st_gid)
    except OSError:
        _discard(tmp)
        raise
    return tmp


def _save_history(path: Path, data: bytes, history_dir: Path) -> Path:
    history_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now()
    while True:
        target = history_dir / f"{path.stem}.{stamp.strftime(HISTORY_STAMP)}{path.suffix}"
        try:
            _write_durably(target, data, 0o644)
            return target
        except FileExistsError:
            stamp += timedelta(microseconds=1)  # two saves within one clock tick: keep both, names sortable


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


def _locked(path: Path, attempts: int) -> WriteOutcome | None:
    locks = lock_files(path)
    if not locks:
        return None
    holder = _read_holder(locks)
    zh = holder or f"未知用户 (lock file {locks[0].name})"
    en = holder or f"an unknown user (lock file {locks[0].name})"
    return WriteOutcome(
        False,
        reason=f"文件正被 {zh} 打开，待关闭后写入",
        attempts=attempts,
        code="locked",
        reason_en=f"The file is open by {en}; it will be written once it is closed",
        holder=zh,
    )


def _replace(path: Path, tmp: Path, before: Fingerprint, attempts: int) -> WriteOutcome | str:
    """os.replace with retries; returns "ok", "changed" or a locked outcome."""
    for delay in _REPLACE_DELAYS:
        try:
            os.replace(tmp, path)
            return "ok"
        except PermissionError:
            time.sleep(delay)
        # Whoever held the file may have opened or saved it: never overwrite that.
        if (held := _locked(path, attempts)) is not None:
            return held
        if not _unchanged(path, before):
            return "changed"
    try:
        os.replace(tmp, path)
    except PermissionError as exc:
        raise _error("busy", path) from exc
    return "ok"


def safe_replace(
    path: Path,
    transform: Callable[[bytes], bytes | None],
    *,
    history_dir: Path,
    history_keep: int = 20,
    max_attempts: int = 5,
) -> WriteOutcome:
    """Replace ``path`` with ``transform(current bytes)`` without losing anyone's save (see module doc).

    ``transform`` returning None or the same bytes means nothing to write (code "noop"). It may be called
    up to ``max_attempts`` times, each time with the file's latest content.
    """
    if max_attempts < 1 or history_keep < 1:
        raise ValueError("max_attempts and history_keep must be >= 1")
    path, history_dir = Path(path), Path(history_dir)
    for attempt in range(1, max_attempts + 1):
        if (held := _locked(path, attempt)) is not None:
            return held  # checked first too: no point computing results nobody may write
        try:
            data = path.read_bytes()
            before = fingerprint(path, data)
        except OSError as exc:
            raise _io_error(exc, path) from exc
        new = transform(data)
        if new is None or new == data:
            return WriteOutcome(False, attempts=attempt, code="noop")
        if (held := _locked(path, attempt)) is not None:
            return held
        tmp: Path | None = None
        history: Path | None = None
        try:
            tmp = _write_temp(path, new)
            # Checked after the slow temp write, so the window before the rename stays small.
            if (held := _locked(path, attempt)) is not None:
                return held
            if not _unchanged(path, before):
                continue
            history = _save_history(path, data, history_dir)
            st = os.stat(tmp)  # a rename keeps mtime, and the path itself may change right after
            result = _replace(path, tmp, before, attempt)
        except OSError as exc:
            raise _io_error(exc, path) from exc
        finally:
            if tmp is not None and tmp.exists():
                _discard(tmp)
                _discard(history)  # nothing was replaced, so there is no replaced version to keep
        if result == "changed":
            continue
        if isinstance(result, WriteOutcome):
            return result
        _fsync_dir(path.parent)
        prune_history(history_dir, path.stem, path.suffix, history_keep)
        written = Fingerprint(st.st_size, st.st_mtime_ns, hashlib.sha256(new).hexdigest())
        return WriteOutcome(True, history=history, attempts=attempt, fingerprint=written)
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
