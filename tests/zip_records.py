"""Zip packages read and written byte by byte, without zipfile, to check what write-back copies.

``records(package)`` walks the central directory and each entry's local header, compressed bytes and data
descriptor as they are in the file. The ``repack_*`` writers give the same parts other shapes than the product's own
zlib-6 output: other zlib levels and strategies, stored members, data descriptors with and without their signature,
deflate option flags, Info-ZIP's own deflate. A write-back that recompressed staff parts instead of copying their
raw bytes would then change them.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import struct
import subprocess
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

LOCAL = struct.Struct("<4s5H3L2H")  # signature, version, flags, method, time, date, crc, csize, usize, name, extra
CENTRAL = struct.Struct("<4s6H3L5H2L")  # ... disk, internal attr, external attr, local header offset
END = struct.Struct("<4s4H2LH")
DESCRIPTOR_SIG = b"PK\x07\x08"
DATA_DESCRIPTOR = 0x08


@dataclass(frozen=True)
class Record:
    """One entry as stored: its local header fields and bytes, what follows its data, and its central record."""

    name: bytes
    flags: int
    method: int
    dos_time: int
    dos_date: int
    local_crc: int  # as written in the local header (0 when a data descriptor follows)
    local_csize: int
    local_usize: int
    extra: bytes
    data: bytes  # the compressed bytes exactly as stored
    descriptor: bytes  # the data descriptor after the data (b"" when flag bit 3 is clear)
    crc: int  # the entry's real values, from the central directory
    csize: int
    usize: int
    central_flags: int
    central_method: int
    central_extra: bytes
    external_attr: int
    offset: int
    end: int  # where the entry (with its descriptor) ends


def records(package: bytes) -> list[Record]:
    """Every entry of ``package`` in central-directory order (no zip64, no comment scanning beyond 64 KiB)."""
    at = package.rfind(b"PK\x05\x06", max(0, len(package) - 0xFFFF - END.size))
    assert at >= 0, "no end of central directory record"
    _, _, _, _, count, _, cd_start, _ = END.unpack_from(package, at)
    result = []
    pos = cd_start
    for _ in range(count):
        (sig, _, _, c_flags, c_method, _, _, crc, csize, usize, n_len, x_len, k_len, _, _, external,
         offset) = CENTRAL.unpack_from(package, pos)  # fmt: skip
        assert sig == b"PK\x01\x02", f"bad central record at {pos}"
        c_extra = package[pos + CENTRAL.size + n_len : pos + CENTRAL.size + n_len + x_len]
        pos += CENTRAL.size + n_len + x_len + k_len
        (lsig, _, flags, method, dos_time, dos_date, l_crc, l_csize, l_usize, ln_len,
         lx_len) = LOCAL.unpack_from(package, offset)  # fmt: skip
        assert lsig == b"PK\x03\x04", f"bad local header at {offset}"
        name = package[offset + LOCAL.size : offset + LOCAL.size + ln_len]
        extra = package[offset + LOCAL.size + ln_len : offset + LOCAL.size + ln_len + lx_len]
        start = offset + LOCAL.size + ln_len + lx_len
        data = package[start : start + csize]
        end = start + csize
        descriptor = b""
        if flags & DATA_DESCRIPTOR:
            size = 16 if package[end : end + 4] == DESCRIPTOR_SIG else 12
            descriptor = package[end : end + size]
            end += size
        result.append(Record(name, flags, method, dos_time, dos_date, l_crc, l_csize, l_usize, extra, data,
                             descriptor, crc, csize, usize, c_flags, c_method, c_extra, external, offset, end))
    return result


def by_name(package: bytes) -> dict[str, Record]:
    return {r.name.decode("utf-8"): r for r in records(package)}


def descriptor_values(record: Record) -> tuple[int, int, int]:
    """(crc, compressed size, size) from the data descriptor, with or without its optional signature."""
    body = record.descriptor[4:] if record.descriptor.startswith(DESCRIPTOR_SIG) else record.descriptor
    crc, csize, usize = struct.unpack("<3L", body)
    return crc, csize, usize


# ------------------------------------------------------------------------------------------------ writers


def parts(package: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        return [(info, zf.read(info)) for info in zf.infolist()]


def repack_zipfile(package: bytes, *, method: int = zipfile.ZIP_DEFLATED, level: int | None = None,
                   streamed: bool = False) -> bytes:  # fmt: skip
    """The same parts written by zipfile, at ``level``; ``streamed`` writes to a non-seekable stream, so every
    entry gets a data descriptor (flag bit 3) after its data and zeros in its local header."""

    class Unseekable(io.RawIOBase):
        def __init__(self) -> None:
            self.buffer = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, b) -> int:  # noqa: ANN001 - any bytes-like
            self.buffer += bytes(b)
            return len(b)

    sink: io.BytesIO | Unseekable = Unseekable() if streamed else io.BytesIO()
    with zipfile.ZipFile(sink, "w", method, compresslevel=level) as zf:
        for info, content in parts(package):
            fresh = zipfile.ZipInfo(info.filename, info.date_time)
            fresh.external_attr = info.external_attr
            fresh.compress_type = method
            if streamed:
                # open() takes the level from the entry (a private attribute, kept as an alias since 3.13).
                fresh._compresslevel = level  # type: ignore[attr-defined]
                with zf.open(fresh, "w") as stream:  # on an unseekable file: a data descriptor after the data
                    stream.write(content)
            else:
                zf.writestr(fresh, content, compresslevel=level)
    return bytes(sink.buffer) if isinstance(sink, Unseekable) else sink.getvalue()


@dataclass(frozen=True)
class Shape:
    """How the hand-made writer stores one entry."""

    method: int = zipfile.ZIP_DEFLATED
    level: int = 9
    strategy: int = zlib.Z_DEFAULT_STRATEGY
    option_flags: int = 0  # deflate option bits 1-2 (0x2 maximum, 0x4 fast, 0x6 super fast)
    descriptor: str = ""  # "", "signed" (PK\x07\x08 first) or "bare" (the signature is optional)


def _dos(date_time: Sequence[int]) -> tuple[int, int]:
    year, month, day, hour, minute, second = date_time[:6]
    return (hour << 11) | (minute << 5) | (second // 2), ((year - 1980) << 9) | (month << 5) | day


def repack_by_hand(package: bytes, shape: Callable[[int, str], Shape]) -> bytes:
    """The same parts, each stored as ``shape(index, name)`` says, written with struct (version 20, no extras)."""
    out = io.BytesIO()
    central = []
    entries = parts(package)
    for index, (info, content) in enumerate(entries):
        how = shape(index, info.filename)
        if how.method == zipfile.ZIP_STORED:
            payload = content
        else:
            packer = zlib.compressobj(how.level, zlib.DEFLATED, -15, 9, how.strategy)
            payload = packer.compress(content) + packer.flush()
        crc = zlib.crc32(content)
        name = info.filename.encode("utf-8")
        flags = how.option_flags | (DATA_DESCRIPTOR if how.descriptor else 0)
        dos_time, dos_date = _dos(info.date_time)
        offset = out.tell()
        header_values = (0, 0, 0) if how.descriptor else (crc, len(payload), len(content))
        out.write(LOCAL.pack(b"PK\x03\x04", 20, flags, how.method, dos_time, dos_date, *header_values, len(name), 0))
        out.write(name + payload)
        if how.descriptor:
            out.write((DESCRIPTOR_SIG if how.descriptor == "signed" else b"")
                      + struct.pack("<3L", crc, len(payload), len(content)))  # fmt: skip
        central.append(CENTRAL.pack(b"PK\x01\x02", 0x314, 20, flags, how.method, dos_time, dos_date, crc,
                                    len(payload), len(content), len(name), 0, 0, 0, 0, info.external_attr, offset)
                       + name)  # fmt: skip
    start = out.tell()
    out.write(b"".join(central))
    out.write(END.pack(b"PK\x05\x06", 0, 0, len(entries), len(entries), out.tell() - start, start, 0))
    return out.getvalue()


def repack_info_zip(package: bytes, scratch: Path, *, extras: bool = False) -> bytes | None:
    """The same parts compressed by Info-ZIP's ``zip`` (its own deflate, not zlib), or None without ``zip``.
    ``extras=False`` (``-X``) leaves out its timestamp and owner extra fields."""
    tool = shutil.which("zip")
    if tool is None:
        return None
    tree = scratch / "tree"
    names = []
    for info, content in parts(package):
        path = tree / info.filename
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        stamp = dt.datetime(*info.date_time).timestamp()
        os.utime(path, (stamp, stamp))
        names.append(info.filename)
    target = scratch / "info-zip.xlsx"
    options = ["-q", "-9", "-D", "-nw"] + ([] if extras else ["-X"])  # -D: no directory entries, -nw: no wildcards
    subprocess.run([tool, *options, str(target), *names], cwd=tree, check=True, capture_output=True)
    return target.read_bytes()
