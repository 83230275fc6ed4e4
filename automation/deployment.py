"""A loaded deployment: every workbook read at most once, and the lookups that cross-register rules need.

:class:`Deployment` reads workbooks on demand (python-calamine → typed tables) and caches them, so validating a
whole root reads each file once, and validating one file reads only the registers its rules look things up in
(master data, the customer archive, and the same branch's contracts, call-ins and items).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pandas as pd

from .calendar import read_overrides
from .registers import REGISTERS, Register, SheetModel
from .registers.model import normalise_header
from .remote_lookups import remote_tables
from .root import Source, branch_of, discover, is_ignored, original_of, recognise, unit_folders
from .settings import Settings
from .store import company_folders, is_branch_site
from .validators.context import (
    CALL_WORK_LOOKUP,
    CONTRACT_LOOKUP,
    CONTRACT_UNREADABLE,
    EQUIPMENT_LOOKUP,
    REPAIR_WORK_LOOKUP,
    Lookups,
)
from .xlsx.read import RawWorkbook, SheetTooLarge, UnusableWorkbook, cannot_read, gc_paused, open_workbook
from .xlsx.read_guard import ReadGuard
from .xlsx.table import Table, build_table, header_score


@dataclass
class LoadedWorkbook:
    source: Source
    register: Register | None = None
    tables: dict[str, Table] = field(default_factory=dict)
    error: UnusableWorkbook | None = None
    sha256: str | None = None  # of the bytes the tables were read from
    sheet_names: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None and self.register is not None


def unrecognised(path: Path) -> UnusableWorkbook:
    return UnusableWorkbook(
        f"{path.name}：无法识别是哪种登记簿（文件名、文档属性和表头都不匹配）",
        f"{path.name}: cannot tell which register this is (file name, document property and headers do not match)",
    )


def read_tables(raw: RawWorkbook, register: Register, name: str) -> dict[str, Table]:
    """Every sheet of the register model read from the workbook; a sheet is found by name, else by its headers."""
    tables: dict[str, Table] = {}
    by_name = {normalise_header(s): s for s in raw.sheet_names}
    unused = [s for s in raw.sheet_names if s not in RESULT_SHEETS]
    chosen: dict[str, str] = {}
    for model in register.sheets:
        actual = by_name.get(normalise_header(model.name))
        if actual is not None:
            chosen[model.name] = actual
            unused.remove(actual)
    for model in register.sheets:
        if model.name not in chosen:
            guess = _sheet_by_headers(raw, model, unused)
            if guess is not None:
                chosen[model.name] = guess
                unused.remove(guess)
    for model in register.sheets:
        actual = chosen.get(model.name)
        rows = raw.rows(actual) if actual is not None else None
        time_formatted = partial(raw.time_formatted, actual) if actual is not None else None
        tables[model.name] = build_table(name, actual or model.name, rows, model, time_formatted)
    return tables


def _sheet_by_headers(raw: RawWorkbook, model: SheetModel, candidates: list[str]) -> str | None:
    best, best_score = None, 0.0
    for sheet in candidates:
        try:
            score = header_score(raw.rows(sheet), model)
        except SheetTooLarge:
            continue  # an oversized sheet of staff's own is not a register sheet (and is left alone)
        if score > best_score:
            best, best_score = sheet, score
    return best if best_score >= 0.5 else None


def _result_sheet_names() -> frozenset[str]:
    from .jobs import result_sheet_names
    from .writeback import CHECK_SHEET

    return frozenset({CHECK_SHEET, *(n for key in REGISTERS for n in result_sheet_names(key))})


RESULT_SHEETS = _result_sheet_names()


def calendar_rows(tables: list[Table]) -> tuple[dict[dt.date, bool], frozenset[int]]:
    """节假日调整 tables -> (day -> working?, years declared complete), see :func:`read_overrides`."""
    return read_overrides(
        pair for t in tables for pair in zip(t.data["日期"].tolist(), t.data["类型"].tolist(), strict=True)
    )


def other_sites_folders(root: Path, settings: Settings) -> frozenset[str]:
    """When the root is one site of several (``[site] folders``), the folders the other sites hold, as the store
    knows them (:func:`automation.store.company_folders`); nothing otherwise."""
    return company_folders(root, settings) if settings.site_folders else frozenset()


def _file_hash(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class Deployment:
    """The workbooks of one root, loaded lazily and cached by path."""

    def __init__(self, root: Path, settings: Settings, as_of: dt.datetime) -> None:
        self.root = root
        self.settings = settings
        self.as_of = as_of
        self._loaded: dict[Path, LoadedWorkbook] = {}
        self._folder_cache: dict[Path, list[LoadedWorkbook]] = {}
        self.read_guard = ReadGuard(root)  # content that ended a reader before is not read again
        self._units: frozenset[str] | None = None
        self._remote: dict[tuple[str, str], list[Table]] | None = None
        self.remote_digest = ""  # of the head office's shared tables read from the store, "" when none were

    def source(self, path: Path) -> Source:
        return Source(path=path, root=self.root, branch=branch_of(path, self.root))

    def sources(self) -> list[Source]:
        return discover(self.root, self.settings)

    def load(self, path: Path) -> LoadedWorkbook:
        key = path.resolve()
        if key not in self._loaded:
            with gc_paused():
                self._loaded[key] = self._read(self.source(path))
        return self._loaded[key]

    def release(self, folder: Path) -> None:
        """Drop the cached workbooks of one folder: whoever goes through the root branch by branch (the summary)
        holds one branch's tables at a time, never every workbook's."""
        key = folder.resolve()
        self._folder_cache.pop(key, None)
        for path in [p for p in self._loaded if p.parent == key]:
            del self._loaded[path]

    def forget(self, path: Path) -> None:
        """Drop a cached workbook (it changed on disk); the next load reads it again."""
        self._loaded.pop(path.resolve(), None)
        self._folder_cache.pop(path.parent.resolve(), None)

    def _read(self, source: Source) -> LoadedWorkbook:
        loaded = LoadedWorkbook(source=source)
        try:
            raw = open_workbook(source.path, self.settings.max_rows, self.read_guard)
        except UnusableWorkbook as exc:
            loaded.error = exc
            loaded.sha256 = _file_hash(source.path)  # so an unusable file is not read again until it changes
            return loaded
        loaded.sha256 = raw.sha256
        loaded.sheet_names = list(raw.sheet_names)
        try:
            register = recognise(raw)
            if register is None:
                loaded.error = unrecognised(source.path)
                return loaded
            loaded.register = register
            loaded.tables = read_tables(raw, register, source.name)
        except UnusableWorkbook as exc:
            loaded.error = exc
        except Exception as exc:  # noqa: BLE001 - a damaged sheet is reported in one line, never a traceback
            loaded.error = cannot_read(source.path.name, exc)
        finally:
            raw.close()
        return loaded

    # --- lookups --------------------------------------------------------------------------------------------

    def folder(self, folder: Path) -> list[LoadedWorkbook]:
        """Every readable register workbook in one folder."""
        key = folder.resolve()
        if key not in self._folder_cache:
            paths = sorted(p for p in folder.iterdir() if p.is_file() and not is_ignored(p, self.settings, self.root)) if folder.is_dir() else []
            self._folder_cache[key] = [self.load(p) for p in paths]
        return self._folder_cache[key]

    def register_tables(self, folder: Path, key: str, sheet: str) -> list[Table]:
        """The tables of ``sheet`` of every ``key`` register in ``folder``. At a branch site without the head
        office's registers, those come from the store (:mod:`.remote_lookups`)."""
        tables = [w.tables[sheet] for w in self.folder(folder) if w.ok and w.register.key == key]
        if not tables and folder == self.head_office and self.remote() is not None:
            return list(self.remote().get((key, sheet), []))  # type: ignore[union-attr]
        return tables

    def remote(self) -> dict[tuple[str, str], list[Table]] | None:
        """The head office's shared tables from the store at a branch site (read once); None elsewhere."""
        if self._remote is None and is_branch_site(self.settings):
            self._remote, self.remote_digest = remote_tables(self.root, self.settings)
        return self._remote

    @property
    def head_office(self) -> Path:
        return self.root / self.settings.head_office

    def units(self) -> frozenset[str]:
        if self._units is None:
            own = {p.name for p in unit_folders(self.root)} | {self.settings.head_office}
            self._units = frozenset(own | other_sites_folders(self.root, self.settings))
        return self._units

    def lookups(self, branch_folder: Path, sibling_of: LoadedWorkbook | None = None) -> Lookups:
        """What rules look up for a workbook in ``branch_folder``; ``sibling_of`` adds the tables of the same
        register's other workbooks in that folder."""
        siblings: dict[str, list[Table]] = {}
        # A suspected copy named on the command line is checked on its own: compared with its original, every
        # row would be a duplicate across files (COL006).
        if sibling_of is not None and sibling_of.ok and original_of(sibling_of.source.path) is None:
            for other in self.folder(branch_folder):
                if other.ok and other.register.key == sibling_of.register.key and other.source.path != sibling_of.source.path:
                    for sheet, table in other.tables.items():
                        siblings.setdefault(sheet, []).append(table)
        return build_lookups(
            staff=self.register_tables(self.head_office, "master", "员工"),
            calendar=self.register_tables(self.head_office, "master", "节假日调整"),
            customers=self.register_tables(self.head_office, "customers", "客户"),
            contracts=self.register_tables(branch_folder, "contracts", "保养合同"),
            equipment=self.register_tables(branch_folder, "contracts", "客户设备"),
            callins=self.register_tables(branch_folder, "callins", "叫修登记"),
            items=self.register_tables(branch_folder, "items", "商品进出"),
            units=self.units(),
            siblings=siblings,
        )


def build_lookups(
    *,
    staff: Sequence[Table] = (),
    calendar: Sequence[Table] = (),
    customers: Sequence[Table] = (),
    contracts: Sequence[Table] = (),
    equipment: Sequence[Table] = (),
    callins: Sequence[Table] = (),
    items: Sequence[Table] = (),
    units: frozenset[str] = frozenset(),
    siblings: Mapping[str, list[Table]] | None = None,
) -> Lookups:
    """Lookups from the tables of the registers they come from (基础资料/员工 and 节假日调整, 客户档案/客户, and the
    branch's 保养合同, 叫修登记 and 商品进出); no tables means that register is absent (its lookup is None)."""
    staff_frame = None
    if staff:
        staff_frame = pd.concat([t.data[["姓名", "工号", "岗位", "在职状态", "离职日期"]] for t in staff], ignore_index=True)
    archive = None
    if customers:
        archive = {}
        for t in customers:
            for code, name in zip(t.data["客户代码"].tolist(), t.data["客户名称"].tolist(), strict=True):
                if code is not None:
                    archive.setdefault(code, name)
    overrides, complete_years = calendar_rows(list(calendar))
    contract_frame = None
    if contracts:
        contract_frame = pd.concat([t.data[list(CONTRACT_LOOKUP)] for t in contracts], ignore_index=True)
    callin_ids = frozenset(v for t in callins for v in t.data["登记号"].dropna().tolist()) if callins else None
    item_ids = frozenset(v for t in items for v in t.data["登记号"].dropna().tolist()) if items else None
    kept = [t for t in equipment if t.found]  # an older contracts register has no 客户设备: nothing to check against
    equipment_frame = pd.concat(
        [t.data[list(EQUIPMENT_LOOKUP)].assign(**{CONTRACT_UNREADABLE: t.bad["保养合同编号"]}) for t in kept],
        ignore_index=True,
    ) if kept else None
    call_work = pd.concat([t.data[list(CALL_WORK_LOOKUP)] for t in callins], ignore_index=True) if callins else None
    repair_work = pd.concat([t.data[list(REPAIR_WORK_LOOKUP)] for t in items], ignore_index=True) if items else None
    return Lookups(
        siblings=dict(siblings or {}),
        staff=staff_frame,
        units=units,
        customers=archive,
        contracts=contract_frame,
        equipment=equipment_frame,
        callin_ids=callin_ids,
        call_work=call_work,
        repair_work=repair_work,
        item_callin_ids=item_ids,
        calendar_overrides=overrides,
        calendar_complete_years=complete_years,
    )


__all__ = ["REGISTERS", "Deployment", "LoadedWorkbook", "build_lookups", "read_tables"]
