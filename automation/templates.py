"""Blank register templates generated from the register model, and the deployment layout (§1, §2).

:func:`build_template` turns one :class:`~automation.registers.model.Register` into the bytes of a blank
``.xlsx`` workbook: one sheet per :class:`~automation.registers.model.SheetModel` with the headers staff fill
in (required columns marked ``*``) as an Excel Table, Excel's own data validation for every column (drop-downs for
choices and staff, dates, numbers, whole numbers, text lengths, 拒绝录入重复项 for unique columns) with Chinese
input and error messages, number formats, and a last sheet ``填写说明`` that explains every column and prints on one
page. The custom document property ``automation.register`` names the register, so a template is recognised whatever
the file is later renamed to (§1).

Staff drop-downs: a register with staff columns gets a hidden sheet ``员工名单`` carrying the product's result-sheet
marks, and workbook-level names (``员工名单_技术员`` …) that the validations list. The sheet is a result sheet: every
write-back fills it again from 基础资料/员工 (:mod:`automation.staff_lists`), while the staff sheets holding the
validations stay byte-identical (§7). See docs/design.md, "Templates".

The output is deterministic: the document timestamps and the zip entries' dates are constants, so the same model
always gives the same bytes and ``workbooks/templates/`` can be checked against the generator in the tests.

:func:`write_templates` writes all seven templates to a folder; :func:`init_root` lays out a new deployment
(§1): ``automation.toml`` with the defaults of §10 commented out, the head-office folder with its three registers and
one folder per branch with the four branch registers. Existing files are never overwritten.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from lxml import etree
from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from .registers import REGISTERS
from .registers.articles import regulation_of
from .registers.model import (
    BOOL_ALIASES,
    KIND_LABELS,
    NO,
    TEXT_KINDS,
    YES,
    Column,
    Kind,
    Register,
    SheetModel,
    normalise_choice,
)
from .staff_lists import (
    STAFF_COLUMN_LISTS,
    STAFF_LIST_ROWS,
    STAFF_LIST_SHEET,
    STAFF_LISTS,
    StaffList,
    staff_list_sheet,
    staff_lists_in,
)
from .xlsx.package import RESULT_MARKER, marker_code_name, marker_token

__all__ = [
    "DEFAULT_BRANCHES",
    "GUIDE_SHEET",
    "HEAD_OFFICE",
    "REGISTER_PROPERTY",
    "SETTINGS_FILE",
    "STAFF_COLUMN_LISTS",
    "STAFF_LISTS",
    "STAFF_LIST_SHEET",
    "TEMPLATE_ROWS",
    "StaffList",
    "build_template",
    "init_root",
    "layout_paths",
    "settings_text",
    "staff_list_sheet",
    "staff_lists_in",
    "write_templates",
]

log = logging.getLogger(__name__)

REGISTER_PROPERTY = "automation.register"
"""Custom document property naming the register a workbook belongs to (§1)."""

GUIDE_SHEET = "填写说明"
SETTINGS_FILE = "automation.toml"
HEAD_OFFICE = "总部"
DEFAULT_BRANCHES: tuple[str, ...] = ("服务中心",)

TEMPLATE_ROWS = 1_048_576
"""Validations cover rows 2..TEMPLATE_ROWS: the whole column below the header (Excel's last row). One ``sqref``
per column whatever its length, so this costs nothing in the file; number formats are column styles for the same
reason, and the Excel Table carries both onto rows staff add."""

# The years a date may have: the reader treats any other year as a typing slip (§3, TYP001/TYP002).
FIRST_DAY, LAST_DAY = dt.date(1990, 1, 1), dt.date(2100, 12, 31)
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_FIRST_SERIAL = (FIRST_DAY - _EXCEL_EPOCH).days
_LAST_SERIAL = (LAST_DAY - _EXCEL_EPOCH).days
_END_OF_DAY = "0.999988426"  # 23:59:59 as a fraction of a day
_LAST_MOMENT = f"{_LAST_SERIAL}.999988426"  # 2100-12-31 23:59:59


_STAFF_FIRST_ROW = 3  # 员工名单 has the result-sheet layout: banner in row 1, headers in row 2
_STAFF_TEMPLATE_BANNER = "本表由系统根据基础资料/员工自动生成 · 写入校验结果时更新 · 请勿在此表编辑"

# Constant timestamps that make the output byte-for-byte reproducible.
_FIXED_W3CDTF = "2026-01-01T00:00:00Z"
_FIXED_ZIP_TIME = (2026, 1, 1, 0, 0, 0)
_CORE_PART = "docProps/core.xml"
_DCTERMS = "http://purl.org/dc/terms/"

# Excel's limits for data-validation texts and inline lists.
_MAX_PROMPT_TITLE = 32
_MAX_PROMPT = 255
_MAX_INLINE_LIST = 255

# Number formats for the cells staff type into.
_NUMBER_FORMATS: dict[Kind, str] = {
    Kind.DATE: "yyyy-mm-dd",
    Kind.DATETIME: "yyyy-mm-dd hh:mm",
    Kind.TIME: "hh:mm",
    Kind.MONEY: "#,##0.00",
    Kind.HOURS: "0.0",
    Kind.INT: "0",
}
# Text-like columns are formatted as text ("@") so Excel keeps leading zeros of postcodes and landlines, does not
# show credit codes in scientific notation, and does not turn a model number such as 3-5 into a date.
_TEXT_FORMAT = "@"

# Default widths by kind, used when the column has no width of its own.
_KIND_WIDTHS: dict[Kind, float] = {
    Kind.TEXT: 14,
    Kind.CODE: 14,
    Kind.DATE: 12,
    Kind.DATETIME: 17,
    Kind.TIME: 9,
    Kind.NUMBER: 12,
    Kind.MONEY: 12,
    Kind.HOURS: 9,
    Kind.INT: 8,
    Kind.BOOL: 8,
    Kind.PHONE: 16,
    Kind.POSTCODE: 9,
    Kind.EMAIL: 24,
    Kind.CREDITCODE: 22,
    Kind.ENUM: 10,
    Kind.STAFF: 10,
}
_MAX_AUTO_WIDTH = 40

# Header look: required columns stand out from optional ones.
_HEADER_FONT = Font(bold=True)
_REQUIRED_FILL = PatternFill(fill_type="solid", start_color="FFFCE4D6", end_color="FFFCE4D6")
_OPTIONAL_FILL = PatternFill(fill_type="solid", start_color="FFDDEBF7", end_color="FFDDEBF7")
_GUIDE_FILL = PatternFill(fill_type="solid", start_color="FFE2EFDA", end_color="FFE2EFDA")
_THIN = Side(style="thin", color="FFA6A6A6")
_HEADER_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
_WRAP = Alignment(vertical="top", wrap_text=True)

_GUIDE_HEADERS = ("工作表", "列名", "类型", "必填", "唯一", "可选值", "规则", "依据条款")
_GUIDE_WIDTHS = (12, 18, 22, 6, 14, 28, 48, 24)


# --------------------------------------------------------------------------------------------------- column texts


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _choices(column: Column) -> tuple[str, ...]:
    """The values offered in the drop-down: the enum's choices, 是/否 for a bool column, else none."""
    if column.kind is Kind.ENUM:
        return column.choices
    if column.kind is Kind.BOOL:
        return column.choices or (YES, NO)
    return ()


def _aliases(column: Column) -> tuple[str, ...]:
    """Other spellings the product accepts for the column's choices (a bool column without any: those of §3)."""
    aliases = column.aliases or (BOOL_ALIASES if column.kind is Kind.BOOL else {})
    choices = {normalise_choice(c) for c in _choices(column)}
    return tuple(a for a in aliases if normalise_choice(a) not in choices)


def _range_words(column: Column) -> list[str]:
    """The numeric range and the not-in-the-future rule, in words."""
    words: list[str] = []
    if column.minimum is not None and column.maximum is not None and not column.minimum_open:
        words.append(f"{_number(column.minimum)}～{_number(column.maximum)}")
    else:
        if column.minimum is not None:
            words.append(f"{'大于' if column.minimum_open else '不小于'} {_number(column.minimum)}")
        if column.maximum is not None:
            words.append(f"不大于 {_number(column.maximum)}")
    if column.not_future:
        words.append("不得晚于当前时间" if column.kind is Kind.DATETIME else "不得晚于今天")
    return words


def _rule_text(column: Column) -> str:
    """Everything the model says about the column's values beyond its type, in one line (zh)."""
    parts = _range_words(column)
    if column.rule:
        parts.append(column.rule)
    return "；".join(parts)


def _unique_text(column: Column, sheet: SheetModel) -> str:
    if column.unique:
        return "是"
    for group in sheet.unique_together:
        if column.header in group:
            others = "、".join(f"“{h}”" for h in group if h != column.header)
            return f"与{others}组合唯一"
    return ""


def _header_text(column: Column) -> str:
    return f"*{column.title}" if column.required else column.title


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _prompt(column: Column, sheet: SheetModel) -> str:
    """The input message Excel shows when a cell of the column is selected."""
    lines = [KIND_LABELS[column.kind][0] + ("，必填" if column.required else "")]
    choices = _choices(column)
    if choices:
        lines.append("可选：" + "、".join(choices))
    unique = _unique_text(column, sheet)
    if unique == "是":
        lines.append("不得重复")
    elif unique:
        lines.append(unique)
    rule = _rule_text(column)
    if rule:
        lines.append(rule)
    if column.article:
        lines.append("依据：" + column.article)
    return _clip("\n".join(lines), _MAX_PROMPT)


def _width(column: Column) -> float:
    if column.width is not None:
        return column.width
    base = _KIND_WIDTHS[column.kind]
    choices = _choices(column)
    if choices:
        base = max(base, max(_display_width(c) for c in choices) + 4)
    # Header text plus room for the `*` and the autofilter button.
    return float(min(max(base, _display_width(_header_text(column)) + 4), _MAX_AUTO_WIDTH))


def _display_width(text: str) -> int:
    """Approximate width in Excel character units: CJK and other wide characters count double."""
    return sum(1 if ord(ch) < 0x2E80 else 2 for ch in text)


# ------------------------------------------------------------------------------------------------ building sheets


def _list_validation(column: Column, sheet: SheetModel) -> DataValidation:
    """A drop-down of the enum's or bool's choices; "warning" style when the product accepts other spellings."""
    choices = _choices(column)
    for choice in choices:
        if any(ch in choice for ch in ',"'):
            raise ValueError(f"choice {choice!r} of column {column.header!r} cannot be listed inline")
    formula = '"' + ",".join(choices) + '"'
    if len(formula) > _MAX_INLINE_LIST:
        raise ValueError(f"choices of column {column.header!r} are too long for an inline list")
    aliases = _aliases(column)
    allowed = "、".join(choices)
    if aliases:
        message = (f"“{column.header}”应从下拉列表选择：{allowed}。"
                   f"如填写的是常用写法（如“{aliases[0]}”），可点“是”保留。")
        style = "warning"
    else:
        message = f"“{column.header}”只能填写：{allowed}。请从下拉列表选择。"
        style = "stop"
    return DataValidation(type="list", formula1=formula, errorStyle=style,
                          errorTitle=_clip(f"{column.header}：无效的值", _MAX_PROMPT_TITLE), error=message)


def _staff_validation(column: Column) -> DataValidation:
    """A drop-down of 员工名单's list for the column. "warning" style: the product also accepts a 工号, and the
    list is only as fresh as the last write-back (empty in a template never processed)."""
    staff_list = _staff_list_of(column)
    message = (f"“{column.header}”应从下拉列表选择（{staff_list.header}名单来自基础资料/员工，系统写入校验结果时更新）。"
               f"如填写的是工号或新入职员工，可点“是”保留。")
    return DataValidation(type="list", formula1=staff_list.name, errorStyle="warning",
                          errorTitle=_clip(f"{column.header}：不在员工名单中", _MAX_PROMPT_TITLE), error=message)


def _staff_list_of(column: Column) -> StaffList:
    wanted = STAFF_COLUMN_LISTS.get(column.header, "在职员工")
    return next(s for s in STAFF_LISTS if s.header == wanted)


def _bounds(column: Column) -> tuple[str | None, str | None, bool]:
    """The model's numeric bounds as formula text: (lower, upper, lower bound excluded)."""
    low = None if column.minimum is None else _number(column.minimum)
    high = None if column.maximum is None else _number(column.maximum)
    return low, high, column.minimum is not None and column.minimum_open


def _conditions(column: Column, cell: str) -> tuple[list[str], str]:
    """What a value of the column must satisfy, as formula terms about ``cell`` (all must hold), and the same in
    words for the error message. No terms: nothing to check beyond the column's uniqueness."""
    kind = column.kind
    if kind in (Kind.DATE, Kind.DATETIME):
        # A date-time may hold any time of the last day; "not in the future" is by day for dates and by the
        # minute for date-times (as in the validators).
        if column.not_future:
            upper = f"{cell}<=" + ("TODAY()" if kind is Kind.DATE else "NOW()")
        else:
            upper = f"{cell}<{_LAST_SERIAL + 1}"
        terms = [f"ISNUMBER({cell})", f"{cell}>={_FIRST_SERIAL}", upper]
        what = "日期，如 2026-11-29" if kind is Kind.DATE else "日期和时间，如 2026-11-29 14:30"
        words = f"须填写{FIRST_DAY.year}年至{LAST_DAY.year}年之间的{what}"
        if column.not_future:
            words += "，且不得晚于" + ("今天" if kind is Kind.DATE else "当前时间")
        return terms, words
    if kind is Kind.TIME:
        return [f"ISNUMBER({cell})", f"{cell}>=0", f"{cell}<1"], "须填写时间，如 14:30"
    if kind in (Kind.NUMBER, Kind.MONEY, Kind.HOURS, Kind.INT):
        terms = [f"ISNUMBER({cell})"]
        if kind is Kind.INT:
            terms.append(f"{cell}=INT({cell})")
        low, high, low_open = _bounds(column)
        if low is not None:
            terms.append(f"{cell}{'>' if low_open else '>='}{low}")
        if high is not None:
            terms.append(f"{cell}<={high}")
        words = "须填写" + ("整数" if kind is Kind.INT else "数字（不带单位）")
        bounds = [w for w in _range_words(column) if not w.startswith("不得晚于")]
        return terms, words + ("，" + "，".join(bounds) if bounds else "")
    if kind is Kind.CREDITCODE:
        return [f"LEN({cell})=18"], "统一社会信用代码须为 18 位"
    if kind is Kind.POSTCODE:
        return [f"LEN({cell})=6"], "邮编须为 6 位数字"
    return [], ""


def _unique_group(column: Column, sheet: SheetModel) -> tuple[str, ...]:
    """The headers whose values together must not repeat, checked in this column: itself when unique, a whole
    ``unique_together`` group in the group's last column (the one typed last), else none."""
    if column.unique:
        return (column.header,)
    for group in sheet.unique_together:
        if group and group[-1] == column.header:
            return group
    return ()


def _typed_validation(column: Column, sheet: SheetModel, letter: str) -> DataValidation | None:
    """Dates, date-times, times, numbers, whole numbers and lengths with Excel's own validation types, or one
    custom formula when the column must also be unique (a cell holds a single validation). All "stop": every rule
    checked here is an error in the product (TYP001–TYP006, TYP009, TYP011, COL002–COL004)."""
    cell = f"{letter}2"
    terms, words = _conditions(column, cell)
    group = _unique_group(column, sheet)
    if not terms and not group:
        return None
    title = f"{column.header}：无效的值"
    if group:
        letters = {c.header: get_column_letter(i) for i, c in enumerate(sheet.columns, start=1)}
        if len(group) == 1:
            terms.append(f"COUNTIF(${letter}:${letter},{cell})=1")
            duplicate = f"“{column.header}”不得重复：本列已有相同的值"
        else:
            pairs = ",".join(f"${letters[h]}:${letters[h]},{letters[h]}2" for h in group)
            terms.append(f"COUNTIFS({pairs})=1")
            duplicate = "“" + "”与“".join(group) + "”的组合不得重复：已有相同的一行"
        words = "；".join(w for w in (words, duplicate) if w)
        title = "拒绝录入重复项"
        formula = terms[0] if len(terms) == 1 else "AND(" + ",".join(terms) + ")"
        dv = DataValidation(type="custom", formula1=formula)
    else:
        dv = _native_validation(column, cell)
    dv.errorStyle = "stop"
    dv.errorTitle = _clip(title, _MAX_PROMPT_TITLE)
    dv.error = words + "。"
    return dv


def _native_validation(column: Column, cell: str) -> DataValidation:
    """The column's rule as one of Excel's validation types, whose own checks (a number, a date, a length) then
    need no formula; a custom formula only where no type fits (a date-time with its time of day)."""
    kind = column.kind
    if kind is Kind.DATE:
        upper = "TODAY()" if column.not_future else str(_LAST_SERIAL)
        return DataValidation(type="date", operator="between", formula1=str(_FIRST_SERIAL), formula2=upper)
    if kind is Kind.DATETIME:
        upper = "NOW()" if column.not_future else _LAST_MOMENT
        return DataValidation(type="decimal", operator="between", formula1=str(_FIRST_SERIAL), formula2=upper)
    if kind is Kind.TIME:
        return DataValidation(type="time", operator="between", formula1="0", formula2=_END_OF_DAY)
    if kind in (Kind.CREDITCODE, Kind.POSTCODE):
        return DataValidation(type="textLength", operator="equal", formula1="18" if kind is Kind.CREDITCODE else "6")
    low, high, low_open = _bounds(column)
    kind_name = "whole" if kind is Kind.INT else "decimal"
    if low is not None and high is not None and not low_open:
        return DataValidation(type=kind_name, operator="between", formula1=low, formula2=high)
    if low is not None:
        return DataValidation(type=kind_name, operator="greaterThan" if low_open else "greaterThanOrEqual",
                              formula1=low)
    if high is not None:
        return DataValidation(type=kind_name, operator="lessThanOrEqual", formula1=high)
    # Any number: Excel has no "is a number" type, the widest range it can hold says the same.
    return DataValidation(type=kind_name, operator="between", formula1="-1E+307", formula2="1E+307")


def _validation(column: Column, sheet: SheetModel, ref: str, *, staff_lists: bool) -> DataValidation:
    """The column's data validation: a drop-down (choices, or staff from 员工名单), a typed rule, or at least the
    input message describing the column."""
    if _choices(column):
        dv = _list_validation(column, sheet)
    elif column.kind is Kind.STAFF and staff_lists:
        dv = _staff_validation(column)
    else:
        dv = _typed_validation(column, sheet, ref.split(":")[0].rstrip("0123456789")) or DataValidation()
    dv.allow_blank = True  # a blank is the required-cell rule's business (COL001), reported with its article
    dv.showErrorMessage = dv.type is not None
    dv.showInputMessage = True
    dv.promptTitle = _clip(column.header, _MAX_PROMPT_TITLE)
    dv.prompt = _prompt(column, sheet)
    if dv.error is not None:
        dv.error = _clip(dv.error, _MAX_PROMPT)
    dv.add(ref)
    return dv


def _has_staff(register: Register) -> bool:
    return any(c.kind is Kind.STAFF for s in register.sheets for c in s.columns)


def _fill_register_sheet(ws: Worksheet, sheet: SheetModel, table_name: str, *, staff_lists: bool) -> None:
    last_col = get_column_letter(len(sheet.columns))
    for index, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(index)
        cell = ws.cell(row=1, column=index, value=_header_text(column))
        cell.font = _HEADER_FONT
        cell.fill = _REQUIRED_FILL if column.required else _OPTIONAL_FILL
        cell.border = _HEADER_BORDER
        cell.alignment = _HEADER_ALIGNMENT
        dimension = ws.column_dimensions[letter]
        dimension.width = _width(column)
        ws.add_data_validation(_validation(column, sheet, f"{letter}2:{letter}{TEMPLATE_ROWS}",
                                           staff_lists=staff_lists))
        number_format = _NUMBER_FORMATS.get(column.kind) or (_TEXT_FORMAT if column.kind in TEXT_KINDS else None)
        if number_format:
            # A column style formats every row staff ever reach at the cost of one <col> element; the table's
            # first data row carries it too, because a table copies the row above when it grows.
            dimension.number_format = number_format
            ws.cell(row=2, column=index).number_format = number_format
    ws.row_dimensions[1].height = 22
    ws.freeze_panes = "A2"
    # An Excel Table (ListObject) with the header row and one empty row: Excel extends it, with its formats and
    # validations, as staff type below it, and it brings its own filter buttons (a sheet autoFilter over a table
    # is an error in Excel).
    table = Table(displayName=table_name, ref=f"A1:{last_col}2")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=True)
    ws.add_table(table)
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _fill_staff_list_sheet(ws: Worksheet) -> None:
    """The template's 员工名单: headers only (a template knows no staff), with the result-sheet marks so the
    product replaces it at each write-back, hidden so staff do not edit it."""
    ws["A1"] = _STAFF_TEMPLATE_BANNER
    for index, staff_list in enumerate(STAFF_LISTS, start=1):
        ws.cell(row=_STAFF_FIRST_ROW - 1, column=index, value=staff_list.header).font = _HEADER_FONT
        ws.column_dimensions[get_column_letter(index)].width = 14
    ws.sheet_state = "hidden"
    ws.sheet_properties.codeName = marker_code_name(STAFF_LIST_SHEET)
    ws.defined_names[RESULT_MARKER] = DefinedName(RESULT_MARKER, hidden=True,
                                                  attr_text=f'"{marker_token(STAFF_LIST_SHEET)}"')


def _staff_names(wb: Workbook) -> None:
    """Workbook-level names the staff drop-downs list: the filled part of each 员工名单 column (at least one cell,
    so an empty list is an empty drop-down rather than an error)."""
    sheet = "'" + STAFF_LIST_SHEET.replace("'", "''") + "'"
    first, last = _STAFF_FIRST_ROW, _STAFF_FIRST_ROW + STAFF_LIST_ROWS - 1
    for index, staff_list in enumerate(STAFF_LISTS, start=1):
        col = get_column_letter(index)
        formula = (f"OFFSET({sheet}!${col}${first},0,0,"
                   f"MAX(1,COUNTA({sheet}!${col}${first}:${col}${last})),1)")
        wb.defined_names[staff_list.name] = DefinedName(staff_list.name, attr_text=formula)


def _guide_rows(register: Register) -> Iterator[tuple[str, ...]]:
    for sheet in register.sheets:
        for column in sheet.columns:
            choices = "、".join(_choices(column))
            aliases = _aliases(column)
            if choices and aliases:
                choices += "\n也可填写：" + "、".join(aliases)
            yield (
                sheet.name,
                column.title,
                KIND_LABELS[column.kind][0],
                "是" if column.required else "否",
                _unique_text(column, sheet),
                choices,
                _rule_text(column),
                column.article,
            )


def _regulations(register: Register) -> str:
    """The regulations the register follows, its own first, then any other its columns cite (客户档案's 新客户开发
    sheet follows 客户开发管理制度)."""
    cited = (regulation_of(c.article) for s in register.sheets for c in s.columns if c.article)
    return "".join(f"《{name}》" for name in dict.fromkeys((register.regulation, *cited)))


def _fill_guide_sheet(ws: Worksheet, register: Register) -> None:
    last_col = get_column_letter(len(_GUIDE_HEADERS))
    ws["A1"] = f"{register.name} 填写说明"
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells(f"A1:{last_col}1")
    ws["A2"] = (f"带 * 的列为必填（“必填”为“否”的列在“规则”所述情况下也须填写）。列的顺序可以调整，可以增加其他列"
                f"（不参与校验）。下拉列表以外的常用写法（见“可选值”）也能识别。依据：{_regulations(register)}。"
                f"校验结果由系统写入新的工作表，请勿编辑这些工作表。")
    ws["A2"].alignment = _WRAP
    ws.merge_cells(f"A2:{last_col}2")
    ws.row_dimensions[1].height = 24
    ws.row_dimensions[2].height = 48
    for index, (header, width) in enumerate(zip(_GUIDE_HEADERS, _GUIDE_WIDTHS, strict=True), start=1):
        cell = ws.cell(row=3, column=index, value=header)
        cell.font = _HEADER_FONT
        cell.fill = _GUIDE_FILL
        cell.border = _HEADER_BORDER
        cell.alignment = _HEADER_ALIGNMENT
        ws.column_dimensions[get_column_letter(index)].width = width
    row = 3
    for row, values in enumerate(_guide_rows(register), start=4):
        for index, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=index, value=value or None)
            cell.alignment = _WRAP
            cell.number_format = _TEXT_FORMAT
    ws.freeze_panes = "A4"
    ws.auto_filter.ref = f"A3:{last_col}{row}"
    # Staff print the guide and pin it up: one A4 landscape page (its columns are 172 characters wide).
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.print_options.horizontalCentered = True
    described = [s for s in register.sheets if s.description]
    if described:
        row += 2
        for index, header in enumerate(("工作表", "说明"), start=1):
            cell = ws.cell(row=row, column=index, value=header)
            cell.font = _HEADER_FONT
            cell.fill = _GUIDE_FILL
            cell.border = _HEADER_BORDER
        for sheet in described:
            row += 1
            ws.cell(row=row, column=1, value=sheet.name).alignment = _WRAP
            ws.cell(row=row, column=2, value=sheet.description).alignment = _WRAP
            ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=len(_GUIDE_HEADERS))


def _workbook(register: Register) -> Workbook:
    names = [s.name for s in register.sheets]
    if GUIDE_SHEET in names or len(set(names)) != len(names):
        raise ValueError(f"register {register.key!r}: sheet names must be unique and not {GUIDE_SHEET!r}")
    wb = Workbook()
    wb.remove(wb.active)
    staff_lists = _has_staff(register)
    for number, sheet in enumerate(register.sheets, start=1):
        _fill_register_sheet(wb.create_sheet(sheet.name), sheet, f"T_{register.key}_{number}",
                             staff_lists=staff_lists)
    guide = wb.create_sheet(GUIDE_SHEET)
    _fill_guide_sheet(guide, register)
    guide.sheet_properties.tabColor = "FF70AD47"
    if staff_lists:
        _fill_staff_list_sheet(wb.create_sheet(STAFF_LIST_SHEET))
        _staff_names(wb)
    wb.active = 0
    for index, ws in enumerate(wb.worksheets):
        ws.sheet_view.tabSelected = index == 0
    wb.custom_doc_props.append(StringProperty(name=REGISTER_PROPERTY, value=register.key))
    props = wb.properties
    props.title = register.name
    props.subject = register.title_en
    props.description = f"{register.name}（{register.key}）空白登记簿，由 automation 根据登记簿模型生成。"
    props.creator = "automation"
    props.lastModifiedBy = None
    return wb


# ------------------------------------------------------------------------------------------ deterministic package


def _fix_core_properties(xml: bytes) -> bytes:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(xml, parser)
    for name in ("created", "modified"):
        element = root.find(f"{{{_DCTERMS}}}{name}")
        if element is not None:
            element.text = _FIXED_W3CDTF
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _normalise_package(data: bytes) -> bytes:
    """Rewrite the zip with constant entry dates and attributes and constant document timestamps."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename == _CORE_PART:
                content = _fix_core_properties(content)
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 0
            entry.external_attr = 0
            dst.writestr(entry, content, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
    return out.getvalue()


def build_template(register: Register) -> bytes:
    """The blank template of ``register`` as ``.xlsx`` bytes; the same model always gives the same bytes."""
    buffer = io.BytesIO()
    _workbook(register).save(buffer)
    return _normalise_package(buffer.getvalue())


def write_templates(out_dir: Path) -> list[Path]:
    """Write the template of every register to ``out_dir`` (created if needed); return the paths written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for register in REGISTERS.values():
        path = out_dir / register.file_name
        data = build_template(register)
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)
        paths.append(path)
    # The default 保养到期通知书 (Word), which a company copies to 总部/模板/ to make its own (automation.notices).
    from .notices import TEMPLATE_NAME, build_notice_template

    path, data = out_dir / TEMPLATE_NAME, build_notice_template()
    if not path.is_file() or path.read_bytes() != data:
        path.write_bytes(data)
    paths.append(path)
    return paths


# --------------------------------------------------------------------------------------------------- deployment

_SETTINGS_TEMPLATE = """\
# 售后服务自动化 设置文件
# 每一项都可以省略：下面以 "# " 开头的设置行是默认值，不起作用。
# 要修改某项，删去该行开头的 "# " 再改等号后面的值；方括号中的节名请保留。

[calendar]
# 每个工作日的上班时段
# work_periods = ["08:00-12:00", "13:00-17:00"]
# 节假日："chinesecalendar"（法定节假日与调休）或 "none"（只按周末），两者都再加上基础资料/节假日调整
# holidays = "chinesecalendar"
# 已在基础资料/节假日调整录完全年节假日与调休的年份，如 [2027]（也可在节假日调整加一行 类型「全年已录入」）；
# 写明之前，chinesecalendar 没有数据的年份按周一至周五计算，依赖该年的结果都带提醒
# complete_years = []

[sla]
# 市区叫修须在几个工作小时内到达
# urban_hours = 6
# 郊区叫修须在几个工作小时内到达
# suburban_hours = 7
# 派工时限表列出最近多少天的叫修（未完成的叫修总是列出）
# window_days = 31

[contracts]
# 保养合同到期前多少天提醒寄送续约通知
# notice_days = 30

[company]
# 本公司名称和电话，印在保养到期通知书上（不填则留空）
# name = ""
# phone = ""

[notices]
# 保养到期通知书的 Word 模板（相对于本文件所在的文件夹）；该文件不存在时用系统自带的模板
@NOTICE_TEMPLATE@

[summary]
# 总部汇总「总览」的按时到达率目标（0.9 即 90%）：低于目标的标红，图表画出目标线
# on_time_target = 0.9

[demand]
# 需求信息奖励金额的下限和上限（元）
# reward_min = 50
# reward_max = 500

[worklog]
# 技术员一天的工时超过多少小时时警告
# max_daily_hours = 12
# 「日报缺失」检查最近多少天（至昨天）的技术员日报、服务主任日报及其核阅
# report_days = 30

[customers]
# 客户代码的格式（正则表达式），默认为 KH 加 5 位数字
# code_pattern = '^KH\\d{5}$'
# 重要客户最长多少天须有一次往来记录，超过时列入客户维护提醒
# contact_days = 90

[layout]
# 总部文件夹的名称；其他文件夹都是分公司，文件夹名就是分公司名
@HEAD_OFFICE@
# 汇总工作簿的位置（相对于本文件所在的文件夹）
@SUMMARY@

[output]
# 语言："zh" 中文，"en" 英文
# language = "zh"
# 每个登记簿在 .automation/history/ 中保留的历史版本个数
# history_keep = 20

[watch]
# 锁文件（~$… 或 .~lock.…#）存在超过这么多小时，视为程序异常退出后遗留，提示用 automation unlock 清除
# stale_lock_hours = 12
# 工作时间内每隔多少分钟刷新一次与时间有关的结果表（派工时限、逾期维修等）和总部汇总
# refresh_minutes = 60

[site]
# 本根目录只是公司的一个站点时（如分公司的登记簿在自己的服务器上）：站点名称（不填则用根目录文件夹名）
# name = ""
# 本站点保存的文件夹（总部或分公司）；不填则为本根目录下的全部文件夹
# folders = []

[store]
# 中央存储：不填为本根目录下的 .automation/store.sqlite；也可填 SQLite 文件路径，
# 或 "postgresql://用户名@主机/数据库"（多个站点共用；密码不写在这里，用环境变量 PGPASSWORD）
# url = ""
# 每次处理后把本站点的汇总数据发布到中央存储；总部用 automation consolidate --from-store 汇总各站点
# publish = false

[limits]
# 一张登记表最多读取多少行；更大的表不读取，只报告一行原因
# max_rows = 200000
# 同一表、同一代码、同一列的问题逐条列出的上限，其余合为一行「另有 N 处同类问题」
# problems_per_kind = 200
"""


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def settings_text(head_office: str = HEAD_OFFICE) -> str:
    """The commented ``automation.toml`` of §10; only a non-default head office is written as a real setting."""
    if head_office == HEAD_OFFICE:
        office = f"# head_office = {_toml_string(HEAD_OFFICE)}"
        summary = f"# summary = {_toml_string(HEAD_OFFICE + '/汇总.xlsx')}"
    else:
        office = f"head_office = {_toml_string(head_office)}"
        summary = f"summary = {_toml_string(head_office + '/汇总.xlsx')}"
    notice = f"# template = {_toml_string(head_office + '/模板/保养到期通知书.docx')}"
    return (_SETTINGS_TEMPLATE.replace("@HEAD_OFFICE@", office).replace("@SUMMARY@", summary)
            .replace("@NOTICE_TEMPLATE@", notice))


_BAD_NAME_CHARS = set('<>:"/\\|?*')


def _check_folder_name(name: str, what: str) -> str:
    if (not name or name != name.strip() or name in {".", ".."} or name.startswith(".") or name.startswith("~$")
            or any(ch in _BAD_NAME_CHARS or ord(ch) < 32 for ch in name)):
        raise ValueError(f"invalid {what} folder name: {name!r}")
    return name


def _branch_list(branches: Sequence[str], head_office: str) -> list[str]:
    if isinstance(branches, str):
        raise TypeError("branches must be a sequence of names, not one string")
    _check_folder_name(head_office, "head office")
    names: list[str] = []
    for name in branches or DEFAULT_BRANCHES:
        _check_folder_name(name, "branch")
        if name == head_office:
            raise ValueError(f"branch {name!r} has the head office's name")
        if name not in names:
            names.append(name)
    return names


def _plan(root: Path, branches: Sequence[str], head_office: str) -> list[tuple[Path, Register | None]]:
    """Every file of a fresh layout, with the register whose template it gets (None: the settings file)."""
    names = _branch_list(branches, head_office)
    plan: list[tuple[Path, Register | None]] = [(root / SETTINGS_FILE, None)]
    office = [r for r in REGISTERS.values() if r.at_head_office]
    branch = [r for r in REGISTERS.values() if not r.at_head_office]
    plan += [(root / head_office / r.file_name, r) for r in office]
    plan += [(root / name / r.file_name, r) for name in names for r in branch]
    return plan


def layout_paths(root: Path, branches: Sequence[str] = (), head_office: str = HEAD_OFFICE) -> list[Path]:
    """The files :func:`init_root` creates in an empty root (to tell which ones it skipped)."""
    return [path for path, _ in _plan(Path(root), branches, head_office)]


def init_root(root: Path, branches: Sequence[str] = (), head_office: str = HEAD_OFFICE) -> list[Path]:
    """Lay out a deployment (§1) under ``root`` and return the files created.

    ``branches`` defaults to ``["服务中心"]``. A file that already exists is left untouched and logged as skipped
    (compare with :func:`layout_paths` to list them). Raises ``ValueError`` for an unusable folder name.
    """
    root = Path(root)
    created: list[Path] = []
    cache: dict[str, bytes] = {}
    for path, register in _plan(root, branches, head_office):
        if path.exists():
            log.warning("skipped existing file %s", path)
            continue
        if register is None:
            data = settings_text(head_office).encode("utf-8")
        else:
            if register.key not in cache:
                cache[register.key] = build_template(register)
            data = cache[register.key]
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(path, "xb") as handle:  # exclusive: never replaces a file created meanwhile
                handle.write(data)
        except FileExistsError:
            log.warning("skipped existing file %s", path)
            continue
        created.append(path)
    return created
