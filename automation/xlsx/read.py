"""Opening a workbook safely and reading its sheets with python-calamine.

Before any parser sees a file it is checked here: it exists, is not empty, is a zip package (or a legacy ``.xls``),
is not encrypted, and its declared uncompressed sizes are sane (zip bombs are refused before anything is
inflated). Anything unusable raises :class:`UnusableWorkbook` carrying one line in Chinese and English; the caller
reports it and leaves the file untouched.
"""

from __future__ import annotations

import gc
import hashlib
import io
import zipfile
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from python_calamine import CalamineWorkbook

from ..problems import BilingualError
from .formats import Cell, time_formatted

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
MAX_UNCOMPRESSED = 2 * 1024**3  # bytes, all parts together
MAX_RATIO = 200  # uncompressed / compressed, per part larger than 1 MB
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")

SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


class UnusableWorkbook(BilingualError):
    """A file that cannot be read as a workbook at all; one line in each language."""


@dataclass
class RawWorkbook:
    path: Path
    sheet_names: list[str]
    register_property: str | None
    sha256: str  # of exactly the bytes that were read: the write-back checks the file still holds them
    _book: CalamineWorkbook
    _rows: dict[str, list[list[object]]] = field(default_factory=dict, repr=False)
    _data: bytes = field(default=b"", repr=False)  # the bytes read, for the rare look at number formats

    def rows(self, sheet: str) -> list[list[object]]:
        """All cells of a sheet; ``rows[0]`` is Excel row 1 and ``rows[r][0]`` is column A.

        Kept until the workbook is closed: recognising a register by its headers and then reading its sheets
        would otherwise parse the same sheet twice."""
        if sheet not in self._rows:
            self._rows[sheet] = self._book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        return self._rows[sheet]

    def time_formatted(self, sheet: str, cells: Collection[Cell]) -> set[Cell]:
        """Of these cells (Excel row, 0-based column) of ``sheet``, those whose number format shows a time of day.

        Calamine gives a date-time cell at exactly 00:00 as a plain date; the format tells it from a date typed
        without a time. Read from the same bytes as the rows (see :mod:`.formats`)."""
        return time_formatted(self._data, sheet, cells)

    def close(self) -> None:
        self._rows.clear()
        self._data = b""
        self._book.close()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while reading: a big sheet makes millions of acyclic objects, and
    repeated full collections over them cost up to a fifth of the reading time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def check_file(path: Path) -> bytes:
    """The content of ``path`` once it is known to be a plausible workbook, else UnusableWorkbook."""
    name = path.name
    if not path.exists():
        raise UnusableWorkbook(f"{name}：文件不存在", f"{name}: file does not exist")
    if path.is_dir():
        raise UnusableWorkbook(f"{name}：是文件夹，不是工作簿", f"{name}: is a folder, not a workbook")
    if path.suffix.lower() not in EXCEL_SUFFIXES:
        raise UnusableWorkbook(
            f"{name}：不是 Excel 工作簿（仅支持 .xlsx、.xlsm、.xls）",
            f"{name}: not an Excel workbook (only .xlsx, .xlsm and .xls are read)",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnusableWorkbook(f"{name}：无法读取（{exc.strerror}）", f"{name}: cannot be read ({exc.strerror})") from None
    if not data:
        raise UnusableWorkbook(f"{name}：文件为空", f"{name}: the file is empty")
    if data.startswith(OLE_MAGIC):
        if path.suffix.lower() != ".xls" or _ole_encrypted(data):
            raise UnusableWorkbook(
                f"{name}：工作簿已加密（设置了打开密码），无法读取，请取消密码后保存",
                f"{name}: the workbook is encrypted (password to open); remove the password and save again",
            )
        return data
    if not data.startswith(ZIP_MAGIC):
        raise UnusableWorkbook(
            f"{name}：不是有效的 Excel 文件（内容不是 xlsx 格式）",
            f"{name}: not a valid Excel file (content is not in xlsx format)",
        )
    _check_zip(name, data)
    return data


def _ole_encrypted(data: bytes) -> bool:
    try:
        import msoffcrypto

        return bool(msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted())
    except Exception:  # noqa: BLE001 - a file msoffcrypto cannot parse is reported as unreadable later
        return False


def _check_zip(name: str, data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
            total = 0
            for info in infos:
                total += info.file_size
                if info.file_size > 1024**2 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                    raise _bomb(name)
            if total > MAX_UNCOMPRESSED:
                raise _bomb(name)
            if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
                raise UnusableWorkbook(
                    f"{name}：文件已损坏（缺少工作簿部件 xl/workbook.xml）",
                    f"{name}: the file is damaged (the workbook part xl/workbook.xml is missing)",
                )
    except zipfile.BadZipFile:
        raise UnusableWorkbook(
            f"{name}：文件已损坏或不完整（可能未保存完或被截断）",
            f"{name}: the file is damaged or incomplete (perhaps truncated)",
        ) from None


def _bomb(name: str) -> UnusableWorkbook:
    return UnusableWorkbook(
        f"{name}：文件解压后过大（疑似压缩炸弹），已拒绝读取",
        f"{name}: the file would expand to an excessive size (suspected zip bomb); refused",
    )


def custom_property(data: bytes, name: str = "automation.register") -> str | None:
    """A custom document property (docProps/custom.xml) of an xlsx package, read without entity expansion."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if "docProps/custom.xml" not in zf.namelist():
                return None
            data = zf.read("docProps/custom.xml")
        if b"<!DOCTYPE" in data[:1024] or b"<!ENTITY" in data:
            return None
        root = etree.fromstring(data, SAFE_XML)
    except (zipfile.BadZipFile, etree.XMLSyntaxError, KeyError, OSError):
        return None
    for prop in root:
        if prop.get("name") == name and len(prop):
            return (prop[0].text or "").strip() or None
    return None


def open_workbook(path: Path) -> RawWorkbook:
    """Check and open a workbook for reading; raises UnusableWorkbook for anything unusable."""
    data = check_file(path)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = [m.name for m in book.sheets_metadata if str(m.typ).endswith("WorkSheet")]
    except Exception as exc:  # noqa: BLE001 - calamine raises several kinds; all mean the same to staff
        detail = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise UnusableWorkbook(
            f"{path.name}：无法读取工作簿（{detail}）", f"{path.name}: the workbook cannot be read ({detail})"
        ) from None
    prop = custom_property(data) if data.startswith(ZIP_MAGIC) else None
    sha = hashlib.sha256(data).hexdigest()
    return RawWorkbook(path=path, sheet_names=names, register_property=prop, sha256=sha, _book=book, _data=data)
