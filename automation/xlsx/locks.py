"""Lock files of open workbooks: who holds them, since when, and whether they look stale (§7, §11).

Excel keeps an owner file ``~$<name>`` while a workbook is open; LibreOffice keeps ``.~lock.<name>#``. While one
exists nothing is written into the workbook. A program that crashed leaves its lock file behind, and then the
write would wait forever: a lock older than ``watch.stale_lock_hours`` is reported as probably stale, together
with the one command that clears it (``automation unlock FILE``, which removes nothing but lock files).

Everything here is read-only and never raises: a lock check must never break the watcher.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path


def lock_files(path: Path) -> list[Path]:
    """Existing lock files of a workbook: LibreOffice ``.~lock.<name>#`` and Excel ``~$<name>``.

    Excel replaces the first two characters of longer names (``~$ngName.xlsx`` for ``LongName.xlsx``), so
    both Excel forms are checked; a rare false match only delays a write, which is the safe direction.
    """
    path = Path(path)
    names = [f".~lock.{path.name}#", f"~${path.name}"]
    if len(path.stem) > 2:
        names.append(f"~${path.name[2:]}")
    found = []
    for name in dict.fromkeys(names):
        with contextlib.suppress(OSError):
            if path.with_name(name).is_file():
                found.append(path.with_name(name))
    return found


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


def _holder_of(lock: Path) -> str | None:
    try:
        raw = lock.read_bytes()[:4096]
    except OSError:
        return None
    return _libreoffice_holder(raw) if lock.name.startswith(".~lock.") else _excel_holder(raw)


@dataclass(frozen=True)
class Lock:
    """One lock file of a workbook: who holds it (when the file says) and since when."""

    path: Path
    holder: str | None
    since: dt.datetime  # the lock file's modification time, local

    def age(self, now: dt.datetime | None = None) -> dt.timedelta:
        return max((now or dt.datetime.now()) - self.since, dt.timedelta(0))

    def stale(self, stale_hours: float, now: dt.datetime | None = None) -> bool:
        return self.age(now) >= dt.timedelta(hours=stale_hours)

    def who(self, lang: str = "zh") -> str:
        """The holder's name, or 「未知用户」 when the lock file does not say (the lock file is named beside it)."""
        if self.holder:
            return self.holder
        return "an unknown user" if lang == "en" else "未知用户"


def read_lock(lock_path: Path) -> Lock | None:
    """One lock file: who it names and since when; None when it went away."""
    try:
        since = dt.datetime.fromtimestamp(lock_path.stat().st_mtime)
    except OSError:
        return None
    return Lock(lock_path, _holder_of(lock_path), since)


def current_lock(path: Path) -> Lock | None:
    """The lock of an open workbook (the first lock file that names its holder, else the first one); None when no
    lock file exists."""
    locks = [lock for p in lock_files(Path(path)) if (lock := read_lock(p)) is not None]
    return next((lock for lock in locks if lock.holder), locks[0] if locks else None)


def lock_holder(path: Path) -> str | None:
    """None when no lock file exists; otherwise who holds the workbook, read from the lock file. Never raises."""
    try:
        lock = current_lock(path)
    except Exception:  # noqa: BLE001 - a lock check must never break the watcher
        return f"未知用户 (lock file ~${Path(path).name})"
    if lock is None:
        return None
    return lock.holder or f"未知用户 (lock file {lock.path.name})"


def format_age(age: dt.timedelta, lang: str = "zh") -> str:
    """「2 小时 15 分」 / "2 h 15 min"; days for old locks."""
    minutes = int(age.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    show_minutes = not days and (mins or not hours)
    if lang == "en":
        parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{mins} min" if show_minutes else ""]
        return " ".join(p for p in parts if p) or "0 min"
    parts = [f"{days} 天" if days else "", f"{hours} 小时" if hours else "", f"{mins} 分" if show_minutes else ""]
    return " ".join(p for p in parts if p) or "0 分"


def unlock_command(workbook: Path) -> str:
    """The command that clears a stale lock of ``workbook``, quoted for a shell."""
    return f'automation unlock "{workbook}"'


def describe_lock(lock: Lock, workbook: Path, *, stale_hours: float, lang: str = "zh",
                  now: dt.datetime | None = None) -> str:
    """Why a write waits, naming the lock file and its age; a probably stale lock names the command that clears it."""
    age = format_age(lock.age(now), lang)
    who = lock.who(lang)
    if lock.stale(stale_hours, now):
        if lang == "en":
            return (f"lock file {lock.path.name} ({who}) has existed for {age}: probably left by a program that "
                    f"crashed; if nobody has the file open, clear it with: {unlock_command(workbook)}")
        return (f"锁文件 {lock.path.name}（{who}）已存在 {age}，可能是程序异常退出后遗留；确认无人打开该文件后，"
                f"运行 {unlock_command(workbook)} 清除")
    if lang == "en":
        return f"The file is open by {who} (lock file {lock.path.name}, {age}); it will be written once it is closed"
    return f"文件正被 {who} 打开（锁文件 {lock.path.name}，已 {age}），待关闭后写入"


__all__ = ["Lock", "current_lock", "read_lock", "describe_lock", "format_age", "lock_files", "lock_holder", "unlock_command"]
