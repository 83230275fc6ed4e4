"""A register sheet as a typed table that remembers where every value came from.

:func:`build_table` finds the header row among the first five rows, matches headers to the sheet model (§2:
NFKC, spaces, ``*`` and unit suffixes ignored; any order; extra columns ignored), skips fully blank rows and
parses every column (:mod:`automation.xlsx.values`). The resulting :class:`Table` keeps the Excel row number of
each data row and the Excel column of each header, so every problem can name its cell.

python-calamine gives a date-time cell at exactly 00:00 as a plain date. Given a way to read number formats
(``time_formatted``), :func:`build_table` asks it about those plain dates in date-time columns only, and a cell
whose format shows a time becomes a date-time at 00:00; other cells never cost a look at the file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..registers.model import Column, Kind, SheetModel, normalise_header
from .values import is_blank, parse_column

HEADER_SEARCH_ROWS = 5

# (Excel row, 0-based column) cells -> those whose number format shows a time of day
TimeFormatted = Callable[[Collection[tuple[int, int]]], set[tuple[int, int]]]


def column_letter(index: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass
class Table:
    """One register sheet, read and typed."""

    workbook: str  # how the workbook is named in problems (path relative to the root)
    model: SheetModel
    sheet: str  # actual sheet name in the file
    header_row: int  # Excel row number (1-based) of the header, 0 when the sheet is missing
    columns: dict[str, int]  # model header -> 0-based Excel column, for the columns present
    excel_rows: np.ndarray  # Excel row number of each data row
    data: pd.DataFrame  # one column per model column, typed; NA where blank or unreadable
    blank: dict[str, np.ndarray]  # truly blank cells (absent columns are all blank)
    bad: dict[str, np.ndarray]  # cells that could not be read as their type
    raw: dict[str, Sequence[object]]  # values as entered
    errors: dict[str, dict[int, tuple[str, dict[str, str]]]] = field(default_factory=dict)
    duplicate_headers: list[tuple[str, int]] = field(default_factory=list)
    found: bool = True
    _filled: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.excel_rows)

    def cell(self, header: str, i: int) -> str | None:
        col = self.columns.get(header)
        return None if col is None else f"{column_letter(col)}{int(self.excel_rows[i])}"

    def value(self, header: str, i: int) -> object:
        raw = self.raw.get(header)
        return None if raw is None else raw[i]

    def filled(self, header: str) -> np.ndarray:
        """Rows where the column holds a readable value (cached: many rules ask for the same columns)."""
        mask = self._filled.get(header)
        if mask is None:
            mask = self._filled[header] = self.data[header].notna().to_numpy()
        return mask

    def is_blank(self, header: str) -> np.ndarray:
        return self.blank[header]

    def missing_required(self) -> list[Column]:
        return [c for c in self.model.columns if c.required and c.header not in self.columns]


def header_score(rows: Sequence[Sequence[object]], model: SheetModel) -> float:
    """Share of the model's headers found anywhere in the first rows (how a sheet or register is recognised)."""
    wanted = {normalise_header(h) for h in model.headers}
    cells = {normalise_header(v) for row in rows[:HEADER_SEARCH_ROWS] for v in row if isinstance(v, str)}
    return len(wanted & cells) / len(wanted)


def find_header(rows: Sequence[Sequence[object]], model: SheetModel) -> tuple[int, dict[str, int], list]:
    """(0-based row index, header -> column, duplicates) of the row among the first five matching most headers."""
    wanted = {normalise_header(h): h for h in model.headers}
    best: tuple[int, dict[str, int], list] = (-1, {}, [])
    for r, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found: dict[str, int] = {}
        dups: list[tuple[str, int]] = []
        for c, cell in enumerate(row):
            if cell.__class__ is not str:
                continue
            header = wanted.get(normalise_header(cell))
            if header is None:
                continue
            if header in found:
                dups.append((header, c))
            else:
                found[header] = c
        if len(found) > len(best[1]):
            best = (r, found, dups)
    return best


def build_table(
    workbook: str,
    sheet: str,
    rows: Sequence[Sequence[object]] | None,
    model: SheetModel,
    time_formatted: TimeFormatted | None = None,
) -> Table:
    """Read one sheet's rows (Excel row 1 first) into a typed Table; ``rows=None`` means the sheet is missing.

    ``time_formatted`` tells which cells' number formats show a time (:meth:`RawWorkbook.time_formatted` of this
    sheet); without it a plain date in a date-time column stays a date (TYP003)."""
    header_index, columns, dups = find_header(rows, model) if rows else (-1, {}, [])
    if header_index < 0:
        return _empty_table(workbook, sheet, model, found=rows is not None)
    width = max(columns.values()) + 1
    body = rows[header_index + 1 :]
    keep = [i for i, row in enumerate(body) if not _blank_row(row)]
    excel_rows = np.asarray(keep, dtype=np.int64) + header_index + 2
    kept = [body[i] for i in keep]
    if any(len(r) < width for r in kept):
        kept = [list(r) + [""] * (width - len(r)) for r in kept]
    cols_raw = list(zip(*kept, strict=False)) if kept else []
    if time_formatted is not None and cols_raw:
        _midnight_date_times(cols_raw, columns, model, excel_rows, time_formatted)

    data: dict[str, pd.Series] = {}
    blank: dict[str, np.ndarray] = {}
    bad: dict[str, np.ndarray] = {}
    raw: dict[str, Sequence[object]] = {}
    errors: dict[str, dict[int, tuple[str, dict[str, str]]]] = {}
    n = len(kept)
    for column in model.columns:
        c = columns.get(column.header)
        if c is None:
            parsed = parse_column(column, [""] * n)
            raw[column.header] = [""] * n
        else:
            values = cols_raw[c] if cols_raw else ()
            parsed = parse_column(column, values)
            raw[column.header] = values
        data[column.header] = parsed.values
        blank[column.header] = parsed.blank
        bad[column.header] = parsed.bad
        errors[column.header] = parsed.errors
    frame = pd.DataFrame(data)
    return Table(
        workbook=workbook,
        model=model,
        sheet=sheet,
        header_row=header_index + 1,
        columns=columns,
        excel_rows=excel_rows,
        data=frame,
        blank=blank,
        bad=bad,
        raw=raw,
        errors=errors,
        duplicate_headers=dups,
    )


def _midnight_date_times(
    cols_raw: list[Sequence[object]],
    columns: dict[str, int],
    model: SheetModel,
    excel_rows: np.ndarray,
    time_formatted: TimeFormatted,
) -> None:
    """In date-time columns, turn the plain dates whose number format shows a time into date-times at 00:00.

    Calamine returns a date-time cell at exactly midnight as a ``date``; only those cells are looked up (the
    common register has none, and then this is one pass over each date-time column)."""
    date = dt.date
    candidates: dict[int, list[int]] = {}
    for column in model.columns:
        c = columns.get(column.header) if column.kind is Kind.DATETIME else None
        if c is not None:
            found = [i for i, v in enumerate(cols_raw[c]) if v.__class__ is date]
            if found:
                candidates[c] = found
    if not candidates:
        return
    rows = excel_rows.tolist()
    timed = time_formatted([(rows[i], c) for c, found in candidates.items() for i in found])
    if not timed:
        return
    for c, found in candidates.items():
        values = list(cols_raw[c])
        for i in found:
            if (rows[i], c) in timed:
                day = values[i]
                values[i] = dt.datetime(day.year, day.month, day.day)  # type: ignore[attr-defined]
        cols_raw[c] = values


def _blank_row(row: Sequence[object]) -> bool:
    # list.count runs in C; only rows with few filled cells need the careful look.
    filled = len(row) - row.count("")
    return filled == 0 or (filled <= 3 and all(is_blank(v) for v in row))


def _empty_table(workbook: str, sheet: str, model: SheetModel, *, found: bool) -> Table:
    frame = pd.DataFrame({c.header: parse_column(c, []).values for c in model.columns})
    empty = np.zeros(0, dtype=bool)
    return Table(
        workbook=workbook,
        model=model,
        sheet=sheet,
        header_row=0,
        columns={},
        excel_rows=np.zeros(0, dtype=np.int64),
        data=frame,
        blank={c.header: empty for c in model.columns},
        bad={c.header: empty for c in model.columns},
        raw={c.header: [] for c in model.columns},
        found=found,
    )
