"""Blank register templates generated from the register model, and the deployment layout (§1, §2).

:func:`build_template` turns one :class:`~automation.registers.model.Register` into the bytes of a blank
``.xlsx`` workbook: one sheet per :class:`~automation.registers.model.SheetModel` with the headers staff fill
in (required columns marked ``*``), drop-downs for enum columns, number formats, input hints, and a last sheet
``填写说明`` that explains every column. The custom document property ``automation.register`` names the register,
so a template is recognised whatever the file is later renamed to (§1).

The output is deterministic: the document timestamps and the zip entries' dates are constants, so the same model
always gives the same bytes and ``workbooks/templates/`` can be checked against the generator in the tests.

:func:`write_templates` writes all seven templates to a folder; :func:`init_root` lays out a new deployment
(§1): ``automation.toml`` with the defaults of §10 commented out, the head-office folder with its three registers and
one folder per branch with the four branch registers. Existing files are never overwritten.
"""

from __future__ import annotations

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
from openpyxl.worksheet.datavalidation import DataValidation
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

__all__ = [
    "DEFAULT_BRANCHES",
    "GUIDE_SHEET",
    "HEAD_OFFICE",
    "REGISTER_PROPERTY",
    "SETTINGS_FILE",
    "TEMPLATE_ROWS",
    "build_template",
    "init_root",
    "layout_paths",
    "settings_text",
    "write_templates",
]

log = logging.getLogger(__name__)

REGISTER_PROPERTY = "automation.register"
"""Custom document property naming the register a workbook belongs to (§1)."""

GUIDE_SHEET = "填写说明"
SETTINGS_FILE = "automation.toml"
HEAD_OFFICE = "总部"
DEFAULT_BRANCHES: tuple[str, ...] = ("服务中心",)

TEMPLATE_ROWS = 2000
"""Drop-downs, number formats and input hints cover rows 2..TEMPLATE_ROWS."""

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


def _validation(column: Column, sheet: SheetModel, ref: str) -> DataValidation:
    """A drop-down for enum and bool columns, otherwise an input hint only."""
    prompt_title = _clip(column.header, _MAX_PROMPT_TITLE)
    choices = _choices(column)
    if not choices:
        dv = DataValidation(allow_blank=True, showInputMessage=True, promptTitle=prompt_title,
                            prompt=_prompt(column, sheet))
        dv.add(ref)
        return dv
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
    dv = DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=True,
        errorStyle=style,
        errorTitle=_clip(f"{column.header}：无效的值", _MAX_PROMPT_TITLE),
        error=_clip(message, _MAX_PROMPT),
        showInputMessage=True,
        promptTitle=prompt_title,
        prompt=_prompt(column, sheet),
    )
    dv.add(ref)
    return dv


def _fill_register_sheet(ws: Worksheet, sheet: SheetModel) -> None:
    last_col = get_column_letter(len(sheet.columns))
    for index, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(index)
        cell = ws.cell(row=1, column=index, value=_header_text(column))
        cell.font = _HEADER_FONT
        cell.fill = _REQUIRED_FILL if column.required else _OPTIONAL_FILL
        cell.border = _HEADER_BORDER
        cell.alignment = _HEADER_ALIGNMENT
        ws.column_dimensions[letter].width = _width(column)
        ws.add_data_validation(_validation(column, sheet, f"{letter}2:{letter}{TEMPLATE_ROWS}"))
        number_format = _NUMBER_FORMATS.get(column.kind) or (_TEXT_FORMAT if column.kind in TEXT_KINDS else None)
        if number_format:
            for row in range(2, TEMPLATE_ROWS + 1):
                ws.cell(row=row, column=index).number_format = number_format
    ws.row_dimensions[1].height = 22
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{last_col}1"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


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
    for sheet in register.sheets:
        _fill_register_sheet(wb.create_sheet(sheet.name), sheet)
    guide = wb.create_sheet(GUIDE_SHEET)
    _fill_guide_sheet(guide, register)
    guide.sheet_properties.tabColor = "FF70AD47"
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

[demand]
# 需求信息奖励金额的下限和上限（元）
# reward_min = 50
# reward_max = 500

[worklog]
# 技术员一天的工时超过多少小时时警告
# max_daily_hours = 12

[customers]
# 客户代码的格式（正则表达式），默认为 KH 加 5 位数字
# code_pattern = '^KH\\d{5}$'

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
