"""Writing the sample company to disk: ``automation.toml`` and one openpyxl workbook per register.

:func:`write_company` writes everything a :class:`~.company.Company` has built (SPEC §1 layout) and returns
the :class:`~.company.PlantedMistake` records, turning each row's planted (code, header) pairs into A1 cells
once the rows are sorted and placed. :func:`write_register` writes a single register workbook: write-only
mode, sheets in model order, an optional title row above the header, the header styled and frozen with an
auto-filter, and dates, times, money and hours given the number formats staff would use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from ..registers import REGISTERS
from ..registers.model import Column, Kind, Register, SheetModel
from .company import Company, PlantedMistake, Row

REGISTER_PROPERTY = "automation.register"

_NUMBER_FORMATS = {
    Kind.DATE: "yyyy-mm-dd",
    Kind.DATETIME: "yyyy-mm-dd hh:mm",
    Kind.TIME: "hh:mm",
    Kind.MONEY: "#,##0.00",
    Kind.NUMBER: "#,##0.##",
    Kind.HOURS: "0.0#",
}


# -------------------------------------------------------------------------------------------- one register


def _number_format(column: Column, value: object) -> str | None:
    if isinstance(value, dt.datetime):
        return _NUMBER_FORMATS[Kind.DATE] if column.kind is Kind.DATE else _NUMBER_FORMATS[Kind.DATETIME]
    if isinstance(value, dt.date):
        return _NUMBER_FORMATS[Kind.DATE]
    if isinstance(value, dt.time):
        return _NUMBER_FORMATS[Kind.TIME]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _NUMBER_FORMATS.get(column.kind)
    return None


_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_TITLE_FONT = Font(bold=True, size=14)


def _write_sheet(
    ws: WriteOnlyWorksheet, model: SheetModel, rows: Sequence[Row], *, title: str | None
) -> tuple[dict[str, int], int]:
    """Write one register sheet; returns (header -> 1-based column, Excel row of the first data row)."""
    columns = model.columns
    for i, column in enumerate(columns, start=1):
        width = column.width or max(10.0, 2.2 * len(column.title) + 2)
        ws.column_dimensions[get_column_letter(i)].width = width
    header_row = 2 if title else 1
    ws.freeze_panes = f"A{header_row + 1}"
    last = get_column_letter(len(columns))
    ws.auto_filter.ref = f"A{header_row}:{last}{header_row + max(len(rows), 1)}"
    if title:
        cell = WriteOnlyCell(ws, title)
        cell.font = _TITLE_FONT
        ws.append([cell])
    header = []
    for column in columns:
        cell = WriteOnlyCell(ws, column.title)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        header.append(cell)
    ws.append(header)
    # A write-only sheet serialises each row as it is appended, so one formatted cell per column and format can
    # be reused for every row: much faster than a new cell per value.
    styled: dict[tuple[int, str], WriteOnlyCell] = {}
    for row in rows:
        out: list[object] = []
        for i, column in enumerate(columns):
            value = row.values.get(column.header)
            fmt = _number_format(column, value) if value is not None else None
            if fmt is None:
                out.append(value)
                continue
            cell = styled.get((i, fmt))
            if cell is None:
                cell = styled[(i, fmt)] = WriteOnlyCell(ws)
                cell.number_format = fmt
            cell.value = value
            out.append(cell)
        ws.append(out)
    return {c.header: i for i, c in enumerate(columns, start=1)}, header_row + 1


def _new_workbook(register: Register, as_of: dt.datetime) -> Workbook:
    wb = Workbook(write_only=True)
    wb.properties.creator = "售后服务自动化 示例数据"
    wb.properties.title = register.name
    wb.properties.created = as_of.replace(microsecond=0)
    wb.custom_doc_props.append(StringProperty(name=REGISTER_PROPERTY, value=register.key))
    return wb


def write_register(
    path: Path, rel: str, register: Register, sheets: dict[str, list[Row]], as_of: dt.datetime,
    titles: dict[str, str] | None = None,
) -> list[PlantedMistake]:
    """Write a register workbook (sheets in model order, rows sorted by key); return its planted mistakes."""
    wb = _new_workbook(register, as_of)
    planted: list[PlantedMistake] = []
    for model in register.sheets:
        rows = sorted(sheets.get(model.name, []), key=lambda r: r.key)
        ws = wb.create_sheet(model.name)
        cols, first = _write_sheet(ws, model, rows, title=(titles or {}).get(model.name))
        for offset, row in enumerate(rows):
            for code, header, note in row.plants:
                cell = f"{get_column_letter(cols[header])}{first + offset}" if header else None
                planted.append(PlantedMistake(rel, model.name, cell, code, note))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return planted


SAMPLE_COMPANY = ("宁波甬力机械有限公司", "0574-87361000")  # the sample's own name and phone, for its expiry notices


def _settings_text(head_office: str) -> str:
    from ..templates import settings_text

    name, phone = SAMPLE_COMPANY
    # The company's own name is set, as an administrator would, so the sample's expiry notices are signed.
    text = settings_text(head_office).replace('# name = ""', f'name = "{name}"', 1)
    return text.replace('# phone = ""', f'phone = "{phone}"', 1)


# --------------------------------------------------------------------------------------- the whole company


def write_company(co: Company, root: Path) -> list[PlantedMistake]:
    """Write ``automation.toml`` and every register workbook of ``co`` under ``root``; return the planted
    mistakes, each at the cell its row and header ended up in."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "automation.toml").write_text(_settings_text(co.head_office), encoding="utf-8")
    planted: list[PlantedMistake] = []
    files = [(co.office(k), k, None) for k in ("master", "customers", "demand")]
    for b in co.branches:
        files += [
            (co.branch_file(b, "contracts"), "contracts", {"保养合同": f"{b} 保养合同登记表"}),
            (co.branch_file(b, "callins"), "callins", {"叫修登记": f"{b} 叫修登记簿 {co.today.year}"}),
            (co.branch_file(b, "items"), "items", None),
            (co.branch_file(b, "worklog"), "worklog", None),
        ]
    for b in co.branches:  # receipts and repair cards are numbered in the order items came in
        items = sorted(co.rows_of(co.branch_file(b, "items"), "商品进出"), key=lambda r: r.key)
        for n, row in enumerate(items, start=1):
            row.values["收据号"] = f"SJ{co.prefix[b]}{n:05d}"
            row.values["修理卡号"] = f"WX{co.prefix[b]}{n:05d}"
    for rel, key, titles in files:
        planted += write_register(root / rel, rel, REGISTERS[key], co.sheets.get(rel, {}), co.as_of, titles)
    return planted
