"""Opening a workbook safely and reading its sheets with python-calamine.

Before any parser sees a file it is checked here: it exists, is not empty, is a zip package (or a legacy ``.xls``
named ``.xls``), is not encrypted, and stays within the zip limits that write-back applies too (entry count,
declared sizes, compression ratios: zip bombs are refused before anything is inflated). What a file is gets decided
by its content (:mod:`.container`), so an ``.xls`` renamed ``.xlsx`` is called a legacy file, not "encrypted".
Anything unusable raises :class:`UnusableWorkbook` carrying one line in Chinese and English; the caller reports it
and leaves the file untouched.

A sheet is loaded only once its used range is known to be within the limits (:mod:`.extent`): rows beyond
``limits.max_rows``, or a grid far wider than a register, are refused in one line before calamine builds its grid.

A workbook with Excel 4 macro sheets (``xl/macrosheets/``) makes python-calamine refuse the whole file; it is read
through a copy without those sheets (only the worksheets matter here), the file itself stays as it is.
"""

from __future__ import annotations

import contextlib
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

from ..problems import BilingualError, os_reason_zh
from . import EXCEL_SUFFIXES
from .container import ZIP_MAGIC, Package, PackageError, check_container, open_zip
from .extent import sheet_extent
from .formats import Cell, time_formatted
from .read_guard import ReadGuard
from .workbook_parts import Workbook

# Excel 4 macro sheets (xl/macrosheets/): python-calamine refuses any workbook that lists one.
MACRO_SHEET_TYPES = frozenset({"http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet",
                               "http://schemas.microsoft.com/office/2006/relationships/xlIntlMacrosheet"})  # fmt: skip

SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


# A sheet may hold a few title rows above its header (the header is looked for in the first five rows).
TITLE_ROWS = 5
# Columns a register sheet may use on average, on top of its rows: a grid wider than this is not a register and
# would cost memory out of proportion (calamine's grid is dense: every empty cell in it is kept too).
COLUMNS_PER_ROW = 32


class UnusableWorkbook(BilingualError):
    """A file that cannot be read as a workbook at all; one line in each language."""


class SheetTooLarge(UnusableWorkbook):
    """A sheet over the row or size limit: the workbook is refused as a whole, its sheet named."""


def too_large(name: str, sheet: str, rows: int, columns: int, max_rows: int) -> SheetTooLarge | None:
    """The refusal for a sheet whose used range is ``rows`` × ``columns``, or None when it is within limits."""
    if rows > max_rows + TITLE_ROWS:
        return SheetTooLarge(
            f"{name}：工作表「{sheet}」有 {rows:,} 行，超过上限 {max_rows:,} 行（请按年份拆分登记簿，或在 automation.toml 的 [limits] max_rows 调整）",
            f"{name}: sheet '{sheet}' has {rows:,} rows, over the limit of {max_rows:,} (split the register by year, or raise [limits] max_rows in automation.toml)",
        )
    if rows * columns > (max_rows + TITLE_ROWS) * COLUMNS_PER_ROW:
        return SheetTooLarge(
            f"{name}：工作表「{sheet}」的已用区域过大（{rows:,} 行 × {columns:,} 列），不是登记簿的样子；请删除表格右侧或下方多余的内容",
            f"{name}: sheet '{sheet}' uses too large an area ({rows:,} rows x {columns:,} columns) for a register; delete what lies far right or below",
        )
    return None


@dataclass
class RawWorkbook:
    path: Path
    sheet_names: list[str]
    register_property: str | None
    sha256: str  # of exactly the bytes that were read: the write-back checks the file still holds them
    _book: CalamineWorkbook
    _rows: dict[str, list[list[object]]] = field(default_factory=dict, repr=False)
    _data: bytes = field(default=b"", repr=False)  # the bytes read, for the rare look at number formats
    max_rows: int = 200_000  # settings' limits.max_rows
    _marked: contextlib.ExitStack = field(default_factory=contextlib.ExitStack, repr=False)  # the read guard's marker

    def rows(self, sheet: str) -> list[list[object]]:
        """All cells of a sheet; ``rows[0]`` is Excel row 1 and ``rows[r][0]`` is column A. Raises SheetTooLarge
        for a sheet over the limits, before it is loaded.

        Kept until the workbook is closed: recognising a register by its headers and then reading its sheets
        would otherwise parse the same sheet twice."""
        if sheet not in self._rows:
            extent = sheet_extent(self._data, sheet) if self._data.startswith(ZIP_MAGIC) else None
            refusal = extent and too_large(self.path.name, sheet, extent.rows, extent.columns, self.max_rows)
            if refusal:
                raise refusal
            try:
                loaded = self._book.get_sheet_by_name(sheet)
                # Again from calamine's own grid: a dimension may understate it, and .xls has none read here.
                refusal = too_large(self.path.name, sheet, loaded.height, loaded.width, self.max_rows)
                if refusal:
                    raise refusal
                self._rows[sheet] = loaded.to_python(skip_empty_area=False)
            except BaseException as exc:
                if not panicked(exc):
                    raise
                raise UnusableWorkbook(
                    f"{self.path.name}：工作表「{sheet}」中有无法读取的值（如超出范围的日期数值），请检查后另存",
                    f"{self.path.name}: sheet '{sheet}' holds a value that cannot be read (such as a date serial out of range)",
                ) from None
        return self._rows[sheet]

    def time_formatted(self, sheet: str, cells: Collection[Cell]) -> set[Cell]:
        """Of these cells (Excel row, 0-based column) of ``sheet``, those whose number format shows a time of day.

        Calamine gives a date-time cell at exactly 00:00 as a plain date; the format tells it from a date typed
        without a time. Read from the same bytes as the rows (see :mod:`.formats`)."""
        return time_formatted(self._data, sheet, cells)

    def close(self) -> None:
        self._rows.clear()
        self._data = b""
        try:
            self._book.close()
        finally:
            self._marked.close()  # the reading ended normally: its marker goes


def panicked(exc: BaseException) -> bool:
    """Whether ``exc`` is a panic of the Rust reader (say, a date serial of -1e17 in a date-formatted cell): it is
    a BaseException, not an Exception, so it would pass every handler and end the watcher unless caught by name."""
    return type(exc).__name__ == "PanicException"


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
        raise UnusableWorkbook(f"{name}：无法读取（{os_reason_zh(exc)}）", f"{name}: cannot be read ({exc.strerror or type(exc).__name__})") from None
    try:
        if check_container(data, xls_ok=path.suffix.lower() == ".xls") == "zip":
            _check_zip(data)
    except PackageError as exc:
        raise UnusableWorkbook(f"{name}：{exc.zh}", f"{name}: {exc.en}") from None
    return data


def _check_zip(data: bytes) -> None:
    """The zip limits (the same as for write-back) and the workbook part; nothing is inflated."""
    archive, infos = open_zip(data)
    with archive:
        names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
        raise PackageError("文件已损坏（缺少工作簿部件 xl/workbook.xml）",
                           "the file is damaged (the workbook part xl/workbook.xml is missing)")  # fmt: skip


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


def open_workbook(path: Path, max_rows: int = 200_000, guard: ReadGuard | None = None) -> RawWorkbook:
    """Check and open a workbook for reading; raises UnusableWorkbook for anything unusable (its sheets are
    checked against ``max_rows`` when they are read). With a ``guard``, content whose reading ended a process
    before is refused, and this reading is marked until the workbook is closed (:mod:`.read_guard`)."""
    data = check_file(path)
    sha = hashlib.sha256(data).hexdigest()
    marked = contextlib.ExitStack()
    if guard is not None:
        if guard.killed_before(sha):
            raise UnusableWorkbook(
                f"{path.name}：上次读取此文件时程序意外退出（文件内容触发了读取组件的缺陷），已跳过；修改并保存后会重新处理",
                f"{path.name}: reading this file ended the program last time (its content trips the reader); "
                "skipped until the file is saved again",
            )
        marked.enter_context(guard.reading(path.name, sha))
    try:
        try:
            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        except BaseException as exc:  # calamine raises several kinds (and may panic); all mean the same to staff
            if not isinstance(exc, Exception) and not panicked(exc):
                raise
            book = _read_worksheets_only(path.name, data, exc)
        try:
            names = [m.name for m in book.sheets_metadata if str(m.typ).endswith("WorkSheet")]
        except Exception as exc:  # noqa: BLE001
            raise cannot_read(path.name, exc) from None
        prop = custom_property(data) if data.startswith(ZIP_MAGIC) else None
    except BaseException:
        marked.close()
        raise
    return RawWorkbook(
        path=path, sheet_names=names, register_property=prop, sha256=sha, _book=book, _data=data, max_rows=max_rows,
        _marked=marked,
    )  # fmt: skip


def cannot_read(name: str, exc: BaseException) -> UnusableWorkbook:
    """A workbook the reader gave up on; the reader's own words (English) go into the English line only."""
    detail = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
    return UnusableWorkbook(f"{name}：无法读取工作簿（文件内容无法解析，可能已损坏）", f"{name}: the workbook cannot be read ({detail})")


def _read_worksheets_only(name: str, data: bytes, error: BaseException) -> CalamineWorkbook:
    """Calamine refused ``data``: if the package lists sheets calamine cannot type (Excel 4 macro sheets), read a
    copy without them; otherwise report the true cause the package checks find (a damaged part, say), or the
    reader's own complaint."""
    if not data.startswith(ZIP_MAGIC):
        raise cannot_read(name, error)
    try:
        book = Workbook(Package(data))
        others = [s for s in book.sheets if s.rel_type in MACRO_SHEET_TYPES]
        if not others:
            raise cannot_read(name, error)
        book.remove_sheets(others)
        book.fix_views({})
        book.save()
        view = book.pkg.to_bytes()
    except PackageError as exc:
        raise UnusableWorkbook(f"{name}：{exc.zh}", f"{name}: {exc.en}") from None
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(view))
    except Exception as exc:  # noqa: BLE001
        raise cannot_read(name, exc) from None
