"""The workbook file as a container: what its bytes are, one set of zip limits, and zip entries copied verbatim.

Used by both reading (:mod:`.read`) and write-back (:mod:`.package`), so a workbook that passes the checks when it
is read is never refused for its container when results are written into it:

* :func:`check_container` tells a zip package from a legacy binary file (OLE compound file) by content, never by
  the file name: an encrypted workbook (an OLE file with an ``EncryptionInfo`` stream, or an ``.xls`` with a
  password), a legacy ``.xls`` (``Workbook`` / ``Book`` stream), another Office document, a damaged OLE file.
* :func:`check_zip_limits` is the one place for the zip limits: number of entries, total declared size, and the
  compression ratio of large entries and of the whole (zip bombs are refused before anything is inflated).
* :class:`Package` is a validated zip whose every entry has been inflated once, its CRC and its real size checked
  against the declared ones; untouched entries are later copied as their original *compressed* bytes by
  :class:`ZipWriter`, which zipfile has no public way to do.

Every refusal is a :class:`PackageError` with one line in Chinese and in English.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Sequence

from ..problems import BilingualError

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")

# The zip limits, for reading and writing alike.
MAX_ENTRIES = 65_000  # our writer does not emit Zip64 (at most 65,535 entries): room is left for our own parts
MAX_TOTAL_SIZE = 1 << 30  # 1 GiB of declared content is far beyond any register (and beyond the memory bar)
MAX_RATIO = 200  # deflated XML of real workbooks stays well below this
RATIO_MIN_SIZE = 1 << 20  # tiny parts may compress extremely well; only judge parts (and totals) above 1 MiB


class PackageError(BilingualError):
    """The file cannot be used as an xlsx package; one line for staff in Chinese (``zh``) and English (``en``)."""


# ------------------------------------------------------------------------------------------ what the bytes are


def _ole_streams(data: bytes) -> set[str] | None:
    """Casefolded names of the top-level streams of an OLE compound file, or None if it cannot be parsed."""
    try:
        import olefile

        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            return {entry[0].casefold() for entry in ole.listdir(streams=True, storages=True) if len(entry) == 1}
    except Exception:  # noqa: BLE001 - olefile raises many kinds for a damaged file; all mean "damaged"
        return None


def _xls_encrypted(data: bytes) -> bool:
    try:
        import msoffcrypto

        return bool(msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted())
    except Exception:  # noqa: BLE001 - a BIFF stream msoffcrypto cannot parse is reported by the reader later
        return False


def identify(data: bytes) -> str:
    """What ``data`` is, by content: ``"zip"``, ``"xls"`` (legacy workbook, no password), ``"encrypted"``,
    ``"office"`` (another OLE document, e.g. Word), ``"damaged"`` (an OLE file that cannot be parsed),
    ``"empty"`` or ``"other"``."""
    if not data:
        return "empty"
    if data.startswith(ZIP_MAGIC):
        return "zip"
    if not data.startswith(OLE_MAGIC):
        return "other"
    streams = _ole_streams(data)
    if streams is None:
        return "damaged"
    if {"encryptioninfo", "encryptedpackage"} & streams:  # an xlsx/xlsm saved with a password to open
        return "encrypted"
    if {"workbook", "book"} & streams:  # BIFF8 (Excel 97-2003) / BIFF5 (Excel 5/95)
        return "encrypted" if _xls_encrypted(data) else "xls"
    return "office"


_CONTAINER_MESSAGES = {
    "empty": ("文件为空（0 字节）", "the file is empty (0 bytes)"),
    "encrypted": ("工作簿已加密（设置了打开密码），无法读取，请取消密码后保存",
                  "the workbook is encrypted (password to open); remove the password and save again"),
    "xls": ("这是旧版 .xls 文件，请另存为 .xlsx 或改回 .xls 扩展名",
            "this is a legacy .xls file; save it as .xlsx or change its extension back to .xls"),
    "office": ("不是 Excel 工作簿（是 Word、PowerPoint 等其他 Office 文件）",
               "not an Excel workbook (another Office file, e.g. Word or PowerPoint)"),
    "damaged": ("文件已损坏（旧版 Office 文件结构无法解析）",
                "the file is damaged (its legacy Office file structure cannot be parsed)"),
    "other": ("不是有效的 Excel 文件（内容不是 xlsx 格式）", "not a valid Excel file (content is not in xlsx format)"),
}  # fmt: skip


def check_container(data: bytes, *, xls_ok: bool = False) -> str:
    """``identify(data)`` when it is usable (``"zip"``, or ``"xls"`` with ``xls_ok``); otherwise PackageError
    naming the true cause (a legacy .xls under another extension is said to be one, not "encrypted")."""
    kind = identify(data)
    if kind == "zip" or (kind == "xls" and xls_ok):
        return kind
    raise PackageError(*_CONTAINER_MESSAGES[kind])


# ---------------------------------------------------------------------------------------------------- limits


def check_zip_limits(infos: Sequence[zipfile.ZipInfo]) -> None:
    """Refuse a zip that is too big or compressed suspiciously well, judged by the declared sizes alone (before
    anything is inflated; zipfile never inflates past a declared size, and :class:`Package` checks that the real
    sizes match)."""
    if len(infos) > MAX_ENTRIES:
        raise PackageError(f"工作簿的部件过多（{len(infos)} 个），已拒绝", f"the workbook has too many parts ({len(infos)})")
    total = sum(i.file_size for i in infos)
    if total > MAX_TOTAL_SIZE:
        raise PackageError(f"工作簿解压后过大（{total} 字节，疑似压缩炸弹），已拒绝",
                           f"the workbook is too large when unpacked ({total} bytes; possible zip bomb)")  # fmt: skip
    for info in infos:
        if info.file_size > RATIO_MIN_SIZE and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise PackageError(f"部件 {info.filename} 的压缩比异常（疑似压缩炸弹），已拒绝",
                               f"part {info.filename} is compressed suspiciously well (possible zip bomb)")  # fmt: skip
    packed = sum(i.compress_size for i in infos)
    if total > RATIO_MIN_SIZE and total > MAX_RATIO * max(packed, 1):
        raise PackageError("工作簿的压缩比异常（疑似压缩炸弹），已拒绝",
                           "the workbook is compressed suspiciously well (possible zip bomb)")  # fmt: skip


def damaged(detail_zh: str = "", detail_en: str = "") -> PackageError:
    """The one message for a zip that cannot be read: damaged, truncated, or not fully saved."""
    zh = "工作簿已损坏或不完整（可能未保存完或被截断）" + (f"：{detail_zh}" if detail_zh else "")
    en = "the workbook is damaged or truncated (perhaps not fully saved)" + (f": {detail_en}" if detail_en else "")
    return PackageError(zh, en)


def open_zip(data: bytes) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """The zip of a package (already known to start like one) and its entries, within the limits."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error) as exc:
        raise damaged("", f"zip: {exc}") from exc
    check_zip_limits(infos)
    return archive, infos


# --------------------------------------------------------------------------------------------------- package


class Package:
    """A validated zip package: original entries (as raw compressed bytes), plus our replacements and additions."""

    def __init__(self, data: bytes) -> None:
        check_container(data)
        self._zip, infos = open_zip(data)
        self.data = data
        self.infos = infos
        self.lookup: dict[str, str] = {}
        for info in infos:
            key = info.filename.casefold()
            if key in self.lookup:
                raise PackageError(f"工作簿已损坏（部件 {info.filename} 重复）", f"the workbook is damaged (duplicate part {info.filename})")
            self.lookup[key] = info.filename
            if info.flag_bits & 0x1:
                raise PackageError("工作簿已加密（zip 加密）", "the workbook is encrypted (zip encryption)")
        self.replaced: dict[str, bytes] = {}
        self.removed: set[str] = set()
        self.added: dict[str, bytes] = {}
        self._verify()

    def _verify(self) -> None:
        """Inflate every entry once (streaming) so a damaged file is refused instead of being copied on: the CRC
        (zipfile checks it at the end of each entry) and the real size against the declared one. A part shorter
        than declared keeps a matching CRC when only the size field is wrong; copied on, the false size would make
        the output unreadable."""
        for info in self.infos:
            inflated = 0
            try:
                with self._zip.open(info) as stream:
                    while chunk := stream.read(1 << 20):
                        inflated += len(chunk)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, ValueError) as exc:
                raise damaged(f"部件 {info.filename} 无法解压或校验失败", f"zip: {exc}") from exc
            stored_mismatch = info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size
            if inflated != info.file_size or stored_mismatch:
                real = inflated if inflated != info.file_size else info.compress_size
                raise damaged(f"部件 {info.filename} 实际 {real} 字节，文件头声明 {info.file_size} 字节",
                              f"part {info.filename} holds {real} bytes but its header declares {info.file_size}")  # fmt: skip

    def find(self, name: str) -> str | None:
        """The entry's actual name (OPC part names are case-insensitive), if present and not removed."""
        actual = self.lookup.get(name.casefold())
        if actual is not None and actual not in self.removed:
            return actual
        for added in self.added:
            if added.casefold() == name.casefold():
                return added
        return None

    def read(self, name: str) -> bytes:
        if name in self.added:
            return self.added[name]
        if name in self.replaced:
            return self.replaced[name]
        return self._zip.read(name)

    def head(self, name: str, stop: re.Pattern[bytes], limit: int = 1 << 16) -> bytes:
        """The start of a (possibly huge) part: up to ``limit`` bytes, or until ``stop`` matches."""
        chunk = b""
        with self._zip.open(name) as stream:
            while len(chunk) < limit and not stop.search(chunk) and (more := stream.read(8192)):
                chunk += more
        return chunk

    def put(self, name: str, content: bytes) -> None:
        if name in self.added:
            self.added[name] = content
        else:
            self.replaced[name] = content

    def remove(self, name: str) -> None:
        if name in self.added:
            del self.added[name]
        else:
            self.removed.add(name)
            self.replaced.pop(name, None)

    def raw(self, info: zipfile.ZipInfo) -> memoryview:
        """The compressed bytes of an original entry, found through its local header."""
        offset = info.header_offset
        header = self.data[offset : offset + 30]
        if len(header) < 30 or header[:4] != ZIP_MAGIC:
            raise damaged(f"部件 {info.filename} 的文件头有误", f"bad local header for {info.filename}")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        start = offset + 30 + name_len + extra_len
        return memoryview(self.data)[start : start + info.compress_size]  # no copy of big parts

    def to_bytes(self) -> bytes:
        writer = ZipWriter()
        for info in self.infos:
            name = info.filename
            if name in self.removed:
                continue
            if name in self.replaced:
                writer.add(name, self.replaced[name], info.date_time, info.external_attr)
            else:
                writer.copy_raw(info, self.raw(info))
        # New parts carry the workbook part's timestamp, so the same results give the same bytes.
        stamp = next((i.date_time for i in self.infos if i.filename == "xl/workbook.xml"), (1980, 1, 1, 0, 0, 0))
        for name, content in self.added.items():
            writer.add(name, content, stamp, 0o600 << 16)
        return writer.finish(self._zip.comment)


def _too_large() -> PackageError:
    return PackageError("写入结果后工作簿过大，无法保存", "the workbook would be too large to write")


class ZipWriter:
    """Minimal zip writer that can copy entries as raw compressed bytes (zipfile has no public way to)."""

    def __init__(self) -> None:
        self.out = io.BytesIO()
        self.central: list[bytes] = []

    @staticmethod
    def _dos(date_time: Sequence[int]) -> tuple[int, int]:
        year, month, day, hour, minute, second = date_time[:6]
        year = max(1980, min(2107, year))
        return (hour << 11) | (minute << 5) | (second // 2), ((year - 1980) << 9) | (month << 5) | day

    def _entry(self, name: str, flags: int, method: int, date_time: Sequence[int], crc: int, payload: bytes | memoryview,
               size: int, external_attr: int, system: int = 3) -> None:  # fmt: skip
        try:
            encoded = name.encode("ascii")
            flags &= ~0x800
        except UnicodeEncodeError:
            encoded = name.encode("utf-8")
            flags |= 0x800
        flags &= ~0x8  # sizes are known, so no data descriptor
        version = {zipfile.ZIP_STORED: 10, zipfile.ZIP_DEFLATED: 20, zipfile.ZIP_BZIP2: 46}.get(method, 63)
        dos_time, dos_date = self._dos(date_time)
        offset = self.out.tell()
        if offset > 0xFFFFFFFF or len(payload) > 0xFFFFFFFF or size > 0xFFFFFFFF:
            raise _too_large()
        self.out.write(struct.pack("<4s2B4HL2L2H", ZIP_MAGIC, version, 0, flags, method, dos_time, dos_date,
                                   crc, len(payload), size, len(encoded), 0))  # fmt: skip
        self.out.write(encoded)
        self.out.write(payload)
        self.central.append(
            struct.pack("<4s4B4HL2L5H2L", b"PK\x01\x02", 20, system, version, 0, flags, method, dos_time, dos_date,
                        crc, len(payload), size, len(encoded), 0, 0, 0, 0, external_attr & 0xFFFFFFFF, offset)
            + encoded
        )  # fmt: skip

    def copy_raw(self, info: zipfile.ZipInfo, payload: bytes | memoryview) -> None:
        self._entry(info.filename, info.flag_bits & 0x806, info.compress_type, info.date_time, info.CRC, payload,
                    info.file_size, info.external_attr, info.create_system)  # fmt: skip

    def add(self, name: str, content: bytes, date_time: Sequence[int], external_attr: int) -> None:
        # Level 1 on big parts: a 50,000-row sheet compresses 3-4x faster for a few percent more bytes.
        level = 6 if len(content) < (1 << 20) else 1
        packer = zlib.compressobj(level, zlib.DEFLATED, -15)
        payload = packer.compress(content) + packer.flush()
        self._entry(name, 0, zipfile.ZIP_DEFLATED, date_time, zlib.crc32(content), payload, len(content),
                    external_attr)  # fmt: skip

    def finish(self, comment: bytes) -> bytes:
        start = self.out.tell()
        for record in self.central:
            self.out.write(record)
        size = self.out.tell() - start
        count = len(self.central)
        if start > 0xFFFFFFFF or count > 0xFFFF:
            raise _too_large()
        comment = comment[:0xFFFF]
        self.out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, size, start, len(comment)))
        self.out.write(comment)
        return self.out.getvalue()
