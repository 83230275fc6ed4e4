"""Swap two files atomically: the moment a write-back replaces a workbook (§7 "nothing lost").

A plain ``os.replace`` after a last "is the file unchanged?" look leaves a gap in which a staff save can land and be
replaced unseen. An *exchange* closes it: the new content takes the workbook's name and, in the same instant, the
content that was there takes the new file's name, so the caller can look at exactly what it replaced and swap back
if that was not the version it checked. One function per platform, behind :data:`exchange`:

* Linux: ``renameat2(RENAME_EXCHANGE)`` (ext4, xfs, btrfs, tmpfs, ...);
* macOS: ``renamex_np(RENAME_SWAP)`` (APFS);
* Windows: ``ReplaceFileW`` with a backup name (the replaced file goes to the backup, which then takes the new
  file's name); it also keeps the workbook's attributes, owner and permissions.

A file system that cannot exchange (network shares, FAT, old kernels) raises :class:`ExchangeUnsupported`; the
caller then falls back to check-then-rename. All paths must be on one file system.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import sys
from collections.abc import Callable
from pathlib import Path


class ExchangeUnsupported(OSError):
    """This platform or file system cannot swap two files atomically."""


_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.EXDEV, getattr(errno, "ENOTSUP", errno.EINVAL),
                getattr(errno, "EOPNOTSUPP", errno.EINVAL)}


def _raise(err: int, a: Path, b: Path) -> None:
    if err in _UNSUPPORTED:
        raise ExchangeUnsupported(err, os.strerror(err), str(a), None, str(b))
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    except OSError:
        return None


NOREPLACE, EXCHANGE = 1, 2  # renameat2 flags


def _linux() -> Callable[[Path, Path, int], None] | None:
    libc = _libc()
    renameat2 = getattr(libc, "renameat2", None) if libc is not None else None  # glibc >= 2.28
    if renameat2 is None:
        return None
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    at_fdcwd = -100

    def call(a: Path, b: Path, flags: int) -> None:
        if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), flags) != 0:
            _raise(ctypes.get_errno(), a, b)

    return call


def _macos() -> Callable[[Path, Path, int], None] | None:
    libc = _libc()
    renamex_np = getattr(libc, "renamex_np", None) if libc is not None else None
    if renamex_np is None:
        return None
    renamex_np.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint]
    renamex_np.restype = ctypes.c_int

    def call(a: Path, b: Path, flags: int) -> None:
        # macOS spells the flags differently: RENAME_SWAP 0x2, RENAME_EXCL 0x4.
        if renamex_np(os.fsencode(a), os.fsencode(b), {EXCHANGE: 0x2, NOREPLACE: 0x4}[flags]) != 0:
            _raise(ctypes.get_errno(), a, b)

    return call


def _windows() -> Callable[[Path, Path], None] | None:  # pragma: no cover - exercised on Windows only
    try:
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
        replace_file = kernel32.ReplaceFileW
    except (AttributeError, OSError):
        return None
    replace_file.argtypes = [ctypes.c_wchar_p, ctypes.c_wchar_p, ctypes.c_wchar_p, ctypes.c_uint32,
                             ctypes.c_void_p, ctypes.c_void_p]
    replace_file.restype = ctypes.c_int
    ignore_merge_errors = 0x2
    error_unable_to_move_replacement = (1176, 1177)  # the swap did not happen or only half: see below

    def exchange(a: Path, b: Path) -> None:
        backup = a.with_name(a.name + ".bak")
        if not replace_file(str(b), str(a), str(backup), ignore_merge_errors, None, None):
            code = ctypes.get_last_error()
            if code == 2:  # ERROR_FILE_NOT_FOUND: the workbook was renamed away (mid-save)
                raise FileNotFoundError(errno.ENOENT, "file not found", str(b))
            if code in error_unable_to_move_replacement and backup.exists() and not b.exists():
                os.replace(backup, b)  # 1177: the workbook went to the backup but the new file did not move in
            if code in (1, 50, 120):  # invalid function / not supported: a share without ReplaceFile
                raise ExchangeUnsupported(errno.ENOTSUP, "ReplaceFileW not supported", str(b))
            if code in (5, 32, 33, 1175, 1176):  # access denied, sharing or lock violation: held for a moment
                raise PermissionError(errno.EACCES, ctypes.FormatError(code), str(b))  # type: ignore[attr-defined]
            raise ctypes.WinError(code)  # type: ignore[attr-defined]
        os.replace(backup, a)  # the replaced content takes the new file's name, as on the other platforms

    return exchange


_RENAME = _linux() if sys.platform.startswith("linux") else _macos() if sys.platform == "darwin" else None
_WINDOWS_EXCHANGE = _windows() if os.name == "nt" else None


def exchange(a: Path, b: Path) -> None:
    """Swap the contents of ``a`` and ``b`` (both must exist, on one file system) in one atomic step.

    Raises :class:`ExchangeUnsupported` when the platform or file system cannot; FileNotFoundError when either
    file is missing (a save in progress may have renamed the workbook away for a moment).
    """
    if _RENAME is not None:
        _RENAME(a, b, EXCHANGE)
    elif _WINDOWS_EXCHANGE is not None:
        _WINDOWS_EXCHANGE(a, b)
    else:
        raise ExchangeUnsupported(errno.ENOSYS, "atomic exchange not available on this platform", str(a))


def move_no_replace(src: Path, dst: Path) -> None:
    """Rename ``src`` to ``dst`` atomically unless ``dst`` exists (then FileExistsError, nothing moved).

    Linux ``renameat2(RENAME_NOREPLACE)``, macOS ``renamex_np(RENAME_EXCL)``, Windows' own rename (which never
    replaces); elsewhere a hard link (which never replaces either) then removing ``src``. Raises
    :class:`ExchangeUnsupported` when the file system offers none of these.
    """
    if os.name == "nt":
        os.rename(src, dst)
        return
    if _RENAME is not None:
        try:
            _RENAME(src, dst, NOREPLACE)
            return
        except ExchangeUnsupported:
            pass  # e.g. a network file system: try a hard link
    try:
        os.link(src, dst)
    except FileExistsError:
        raise
    except OSError as exc:
        raise ExchangeUnsupported(exc.errno or errno.ENOTSUP, "no atomic no-replace rename here", str(dst)) from exc
    os.unlink(src)


_NO_REPLACE_BY_DEVICE: dict[int, bool] = {}


def supports_no_replace(folder: Path, scratch: Callable[[str], Path] | None = None) -> bool:
    """Whether :func:`move_no_replace` works on the file system of ``folder`` (tried once per device, with two
    scratch files of our own; ``scratch(tag)`` names them, so that the caller's clean-up recognises them)."""
    try:
        device = os.stat(folder).st_dev
    except OSError:
        return False
    if device not in _NO_REPLACE_BY_DEVICE:
        name = scratch or (lambda tag: folder / f".~probe-{os.getpid()}-{tag}")
        a, b = name("probe-a"), name("probe-b")
        try:
            a.write_bytes(b"")
            b.write_bytes(b"")
            move_no_replace(a, b)
            works = False  # it replaced: not what it promises
        except FileExistsError:
            works = True
        except OSError:
            works = False
        finally:
            for scratch in (a, b):
                with contextlib.suppress(OSError):
                    scratch.unlink()
        _NO_REPLACE_BY_DEVICE[device] = works
    return _NO_REPLACE_BY_DEVICE[device]


def can_exchange() -> bool:
    """Whether this platform has an atomic exchange at all (a file system may still refuse it)."""
    return _RENAME is not None or _WINDOWS_EXCHANGE is not None


__all__ = ["ExchangeUnsupported", "can_exchange", "exchange", "move_no_replace", "supports_no_replace"]
