"""The types every job shares, and the small helpers the job modules build their result frames with.

A job is a plain function ``JobInput -> ResultTable``: it reads the register's typed tables (:mod:`automation.xlsx
.table`), the settings, the as-of instant, the working calendar and the lookups, and returns the rows of one
result sheet (§6) as a DataFrame whose columns are the sheet's headers in display order. Columns whose header
starts with ``_`` are not shown; ``_cell`` / ``_sheet`` carry the A1 address and sheet of the source row so the
writer can link a key column (``ResultTable.links``) back to the row staff typed, and ``_order`` (when present)
the row's place in the written sheet.

This module imports nothing of :mod:`automation.jobs` itself, so the job modules and the package ``__init__``
(which holds the registry and :func:`automation.jobs.run_jobs`) can both import it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from ..calendar import WorkCalendar
from ..catalogue import problem
from ..problems import Problem
from ..registers import Register
from ..settings import Settings
from ..validators.context import Context, Lookups
from ..xlsx.sheet_xml import Highlight
from ..xlsx.table import Table, column_letter

CELL, SHEET = "_cell", "_sheet"
# Hidden column: the row's place in the written sheet (action first, issue 14). The frame itself keeps the order
# its consumers (the summary, the morning digest) are documented with; only the sheet staff read is reordered.
ORDER = "_order"


def action_rank(*keys: np.ndarray) -> np.ndarray:
    """Each row's place when sorted by ``keys`` (the first the most significant), ties in frame order."""
    order = np.lexsort(tuple(reversed(keys))) if keys and len(keys[0]) else np.zeros(0, dtype=np.int64)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


@dataclass(frozen=True)
class JobInput:
    """Everything a job may look at; nothing in it is modified by a job."""

    register: Register
    workbook: str  # how the workbook is named in problems (path relative to the root)
    branch: str
    tables: dict[str, Table]  # sheet model name -> table, as the reader produced them
    settings: Settings
    as_of: datetime  # naive local time; "now" for every job
    calendar: WorkCalendar
    lookups: Lookups

    @classmethod
    def of(cls, ctx: Context, calendar: WorkCalendar) -> JobInput:
        """The jobs' view of a validated workbook: the validation context plus the working calendar."""
        return cls(
            register=ctx.register, workbook=ctx.workbook, branch=ctx.branch, tables=ctx.tables,
            settings=ctx.settings, as_of=ctx.as_of, calendar=calendar, lookups=ctx.lookups,
        )

    def table(self, sheet: str) -> Table:
        return self.tables[sheet]

    @property
    def now(self) -> np.datetime64:
        """The as-of instant in whole minutes."""
        return np.datetime64(self.as_of.replace(second=0, microsecond=0), "m")

    @property
    def today(self) -> pd.Timestamp:
        """Midnight of the as-of day."""
        return pd.Timestamp(self.as_of.date())


@dataclass
class ResultTable:
    """The rows of one result sheet.

    ``frame`` holds the visible columns (the §6 headers, in display order) plus optional hidden ``_``-prefixed
    columns; real dates/instants are Timestamps (datetime64 columns), numbers floats or ints, text str, blanks
    None/NaN/NaT. ``links`` maps a visible column to the source column it stands for; its cells link to the
    address in ``_cell`` (on the sheet in ``_sheet``). Headers ending in 日期 are written as dates without a time,
    as are the headers in ``date_columns``. ``highlights`` and ``notes`` go to the written sheet (status colours
    as conditional formats, how each computed column is computed).
    """

    name: str
    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    links: dict[str, str] | None = None
    empty_message: str = "无记录"
    date_columns: frozenset[str] = frozenset()
    highlights: tuple[Highlight, ...] = ()
    notes: Mapping[str, str] = field(default_factory=dict)


class _SettingsFields(dict):  # type: ignore[type-arg]
    """``str.format_map`` view of the settings: ``{urban_hours}`` in a note is the setting's value."""

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings

    def __missing__(self, key: str) -> object:
        value = getattr(self.settings, key)
        return f"{value:g}" if isinstance(value, float) else value


@dataclass(frozen=True)
class Job:
    """One result sheet of §6: its name, visible headers, the function computing it, and its empty message;
    ``highlights`` colour its status cells, ``notes`` say how each computed column is computed (``{name}`` in a
    note is the setting of that name, filled in when the job is given the settings)."""

    name: str
    headers: tuple[str, ...]
    run: Callable[[JobInput], ResultTable]
    empty_message: str
    highlights: tuple[Highlight, ...] = ()
    notes: Mapping[str, str] = field(default_factory=dict)

    def result(
        self,
        frame: pd.DataFrame,
        problems: list[Problem] | None = None,
        links: dict[str, str] | None = None,
        settings: Settings | None = None,
    ) -> ResultTable:
        fields = _SettingsFields(settings or Settings())
        notes = {h: text.format_map(fields) for h, text in self.notes.items()}
        return ResultTable(self.name, frame, list(problems or []), links, self.empty_message,
                           highlights=self.highlights, notes=notes)  # fmt: skip

    def empty(self, problems: list[Problem] | None = None) -> ResultTable:
        return self.result(pd.DataFrame({h: pd.Series(dtype=object) for h in self.headers}), problems)


def source_cells(table: Table, header: str, positions: Sequence[int] | np.ndarray) -> dict[str, list]:
    """The hidden ``_cell`` / ``_sheet`` columns for the given row positions of ``table``."""
    positions = np.asarray(positions, dtype=np.int64)
    col = table.columns.get(header)
    if col is None:
        cells: list[str | None] = [None] * len(positions)
    else:
        letter = column_letter(col)
        cells = [f"{letter}{r}" for r in table.excel_rows[positions].tolist()]
    return {CELL: cells, SHEET: [table.sheet] * len(positions)}


def _row_marks(inp: JobInput, instants: tuple[np.ndarray | pd.Series, ...]) -> dict[int, np.ndarray]:
    return inp.calendar.uncovered_rows(*(np.asarray(v).astype("datetime64[m]").ravel() for v in instants))


def calendar_warnings(inp: JobInput, sheet: str, *instants: np.ndarray | pd.Series) -> list[Problem]:
    """One CLD001 warning per year without holiday data that some row depends on. ``instants`` are equally long
    datetime64 arrays or Series, one value per row (NaT ignored); a row depends on every year from its earliest
    to its latest instant (:meth:`WorkCalendar.uncovered_rows`)."""
    return [problem("CLD001", workbook=inp.workbook, sheet=sheet, year=str(y)) for y in _row_marks(inp, instants)]


UNCOVERED_NOTE = "{years} 年节假日未录入，本行时间按周一至周五推算"


def calendar_notes(inp: JobInput, *instants: np.ndarray | pd.Series) -> np.ndarray:
    """The 说明 of each row (object array): :data:`UNCOVERED_NOTE` naming the years without holiday data the row
    depends on (as in :func:`calendar_warnings`), None for rows that depend on covered years only."""
    n = len(np.asarray(instants[0])) if instants else 0
    notes = np.full(n, None, dtype=object)
    marks = _row_marks(inp, instants)
    if not marks:
        return notes
    years = list(marks)
    combo = np.zeros(n, dtype=np.int64)  # bit k set: the row depends on years[k]
    for k, mask in enumerate(marks.values()):
        combo |= mask.astype(np.int64) << k
    for value in np.unique(combo[combo > 0]).tolist():
        named = "、".join(str(y) for k, y in enumerate(years) if value >> k & 1)
        notes[combo == value] = UNCOVERED_NOTE.format(years=named)
    return notes


def hours(minutes: np.ndarray | pd.Series) -> np.ndarray:
    """Working minutes -> hours, two decimals (NaN stays NaN)."""
    return np.round(np.asarray(minutes, dtype=np.float64) / 60.0, 2)


def day_text(value: object) -> str:
    ts = pd.Timestamp(value) if value is not None else pd.NaT
    # Not strftime: it refuses days outside 1677-2262 (a mistyped year such as 0026), which are still dates here.
    return "" if pd.isna(ts) else f"{ts.year:04d}-{ts.month:02d}-{ts.day:02d}"
