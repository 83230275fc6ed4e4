"""Expiry notices ready to mail: 《售后服务管理制度》第十九条 「填具保养到期通知书寄给客户」.

For every contract that 续约提醒 lists as 需寄通知 (the rows whose 通知书 cell links to a letter; the job decides
which, this module never re-derives the rule), a 保养到期通知书 is filled from a Word template and written to
``<branch folder>/通知书/<合同编号>_<客户名称>.docx``, and converted to PDF beside it when LibreOffice is present.

* **Template**: the company's own ``总部/模板/保养到期通知书.docx`` (settings ``notices.template``) when it exists,
  else the default built here (:func:`build_notice_template`, committed to ``workbooks/templates/`` by
  ``automation templates``). Placeholders are Jinja (docxtpl): ``{{ 客户名称 }}`` etc., see :data:`PLACEHOLDERS`.
  Templates are staff-editable files on a share, so they are rendered in Jinja's sandbox; a placeholder we do not
  fill, or a template that cannot be read or rendered, is one line in the outcome and no letter is written.
* **Safe, idempotent writing**: every letter is rendered in memory first, then each is written atomically (temporary
  file under ``.automation/tmp``, then rename). The bytes are deterministic (constant zip and document timestamps),
  so an unchanged letter is recognised by content and not rewritten. ``.automation/notices.json`` records the
  SHA-256 of what we wrote: a letter whose bytes are neither that nor the new letter was edited by hand and is
  never overwritten; an open letter (Word's or LibreOffice's lock file beside it) is left for a later run.
* **Letter date** (通知日期): the day the letter was first written, kept in the record, so a template change or a
  later run rewrites the same letter with the same date instead of re-dating it every day.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import logging
import math
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .office import OfficeError, convert_to_pdf, find_soffice
from .root import STATE_DIR
from .xlsx.locks import current_lock
from .xlsx.safe_write import sha256_of, write_file_atomically
from .xlsx.sheet_xml import Link

if TYPE_CHECKING:
    from .deployment import Deployment, LoadedWorkbook
    from .pipeline import WorkbookReport
    from .settings import Settings

log = logging.getLogger(__name__)

TEMPLATE_NAME = "保养到期通知书.docx"
LETTER_FOLDER = "通知书"
LINK_COLUMN = "通知书"  # the 续约提醒 column linking to each letter
RECORD_FILE = "notices.json"
RECORD_VERSION = 1

# What a template may use, each filled with text ready to print (dates as 2026年12月10日).
PLACEHOLDERS: tuple[str, ...] = (
    "公司名称", "公司电话", "分公司", "联系人", "客户代码", "客户名称", "合同编号", "商品型号", "开始日期", "到期日期",
    "合同金额", "剩余天数", "通知日期",
)


# ------------------------------------------------------------------------------------------------ file names

# Characters Windows refuses in file names, and names it reserves whatever the extension.
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))})
_PART_LIMIT = 60  # characters per part: the whole path stays well within Windows' 260


def _safe_part(value: object) -> str:
    text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
    text = re.sub(r"\s+", " ", _FORBIDDEN.sub("_", text)).strip(" .")
    return text[:_PART_LIMIT].rstrip(" .")


def letter_name(number: object, customer: object) -> str:
    """``<合同编号>_<客户名称>.docx`` with what Windows forbids replaced by ``_``."""
    stem = "_".join(p for p in (_safe_part(number), _safe_part(customer)) if p) or "保养到期通知书"
    if stem.split(".")[0].upper() in _RESERVED:
        stem = f"_{stem}"
    return f"{stem}.docx"


def letter_names(numbers: Sequence[object], customers: Sequence[object]) -> list[str]:
    """One distinct file name per contract. Two contracts whose names coincide once made safe (HT/1 and HT_1), or
    differ only in case (Windows does not tell them apart), get a short digest of the contract number."""
    names: list[str] = []
    seen: set[str] = set()
    for number, customer in zip(numbers, customers, strict=True):
        name = letter_name(number, customer)
        if name.casefold() in seen:
            digest = hashlib.sha256(str(number).encode()).hexdigest()[:6]
            name = f"{name[: -len('.docx')]}_{digest}.docx"
        seen.add(name.casefold())
        names.append(name)
    return names


def letter_links(numbers: Sequence[object], customers: Sequence[object], wanted: Sequence[bool]) -> list[Link | None]:
    """The 通知书 cells of 续约提醒: a link to ``通知书/<name>`` (relative to the workbook) where ``wanted``."""
    picked = [i for i, w in enumerate(wanted) if w]
    names = letter_names([numbers[i] for i in picked], [customers[i] for i in picked])
    links: list[Link | None] = [None] * len(wanted)
    for i, name in zip(picked, names, strict=True):
        path = f"{LETTER_FOLDER}/{name}"
        links[i] = Link(path, file=path)
    return links


# -------------------------------------------------------------------------------------------- default template


@lru_cache(maxsize=1)
def build_notice_template() -> bytes:
    """The default 保养到期通知书 (.docx with docxtpl placeholders); the same code always gives the same bytes."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    from .templates import _normalise_package

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4, what Chinese offices print on
    section.top_margin = section.bottom_margin = Cm(2.5)
    section.left_margin = section.right_margin = Cm(2.8)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = "SimSun", Pt(12)
    # Word picks Chinese glyphs from the East Asian font, which python-docx has no property for.
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.5

    def para(text: str = "", *, align: Any = None, indent: bool = False, bold: bool = False, size: float | None = None) -> None:
        p = doc.add_paragraph()
        if align is not None:
            p.alignment = align
        if indent:
            p.paragraph_format.first_line_indent = Pt(24)  # two characters, as Chinese letters are set
        run = p.add_run(text)
        run.bold = bold
        if size:
            run.font.size = Pt(size)

    para("保养到期通知书", align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=18)
    para("合同编号：{{ 合同编号 }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    para("{{ 客户名称 }}：")
    para("贵公司与我公司签订的设备保养合同（合同编号 {{ 合同编号 }}，设备型号 {{ 商品型号 }}），保养期自 {{ 开始日期 }}"
         "起至 {{ 到期日期 }}止，即将期满。", indent=True)
    para("为使贵公司的设备继续得到及时、周到的保养服务，敬请于合同期满前与我公司联系办理续约手续。"
         "我公司将派员前往贵公司商洽续约事宜。", indent=True)
    para("联系人：{{ 联系人 }}（{{ 分公司 }}）{% if 公司电话 %}　联系电话：{{ 公司电话 }}{% endif %}", indent=True)
    para("特此通知。", indent=True)
    para()
    para("{{ 公司名称 }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    para("{{ 通知日期 }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    props = doc.core_properties
    props.title, props.author, props.last_modified_by, props.revision = "保养到期通知书", "", "", 1
    buffer = io.BytesIO()
    doc.save(buffer)
    return _normalise_package(buffer.getvalue())


# ----------------------------------------------------------------------------------------------------- outcome


@dataclass
class NoticeOutcome:
    """What became of one contracts workbook's letters (paths relative to the root, with "/")."""

    wanted: int = 0  # letters 续约提醒 links to
    written: list[str] = field(default_factory=list)  # new or updated .docx
    unchanged: int = 0
    kept: list[str] = field(default_factory=list)  # edited by hand: left alone
    busy: list[str] = field(default_factory=list)  # open in Word or LibreOffice: next time
    pdfs: list[str] = field(default_factory=list)
    error_zh: str | None = None  # the template is unusable: no letter was written
    error_en: str | None = None
    notes: list[tuple[str, str]] = field(default_factory=list)  # (zh, en): PDF skipped, no company name, ...

    def line(self, lang: str = "zh") -> str:
        """One line for the terminal and the log."""
        if self.error_zh:
            return (self.error_en or self.error_zh) if lang == "en" else self.error_zh
        if lang == "en":
            parts = [f"{len(self.written)} written", f"{self.unchanged} unchanged"]
            parts += [f"{len(self.kept)} edited by hand, kept"] if self.kept else []
            parts += [f"{len(self.busy)} open, left for later"] if self.busy else []
            parts += [f"{len(self.pdfs)} PDF"] if self.pdfs else []
            text = f"expiry notices ({self.wanted}): " + ", ".join(parts)
        else:
            parts = [f"新写 {len(self.written)} 份", f"未变 {self.unchanged} 份"]
            parts += [f"手工修改过、保留 {len(self.kept)} 份"] if self.kept else []
            parts += [f"已打开、下次再写 {len(self.busy)} 份"] if self.busy else []
            parts += [f"PDF {len(self.pdfs)} 份"] if self.pdfs else []
            text = f"保养到期通知书（{self.wanted} 份）：" + "，".join(parts)
        notes = [en if lang == "en" else zh for zh, en in self.notes]
        return text + "".join(f"; {n}" if lang == "en" else f"；{n}" for n in notes)

    @property
    def newsworthy(self) -> bool:
        """Worth a line on the terminal: something was written, kept, deferred or went wrong."""
        return bool(self.error_zh or self.written or self.kept or self.busy or self.pdfs or self.notes)

    def to_json(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "wanted": self.wanted, "written": self.written, "unchanged": self.unchanged, "kept": self.kept,
            "busy": self.busy, "pdf": self.pdfs, "error": self.error_en if lang == "en" else self.error_zh,
            "notes": [en if lang == "en" else zh for zh, en in self.notes],
        }


class TemplateProblem(Exception):
    """The notice template cannot be used; ``zh``/``en`` say why in one line."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


# ------------------------------------------------------------------------------------------------ the template


def template_path(root: Path, settings: Settings) -> Path:
    """Where the company's own template is looked for (relative to the root unless absolute)."""
    configured = settings.notice_template or f"{settings.head_office}/模板/{TEMPLATE_NAME}"
    path = Path(configured)
    return path if path.is_absolute() else root / path


def _environment():  # noqa: ANN202 - a jinja2 SandboxedEnvironment, imported lazily
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    # Sandboxed: a template on the share is written by anyone who can save there, and Jinja can otherwise reach
    # Python objects. Strict: a name we do not fill is an error, never silently blank on a letter to a customer.
    # Autoescape: the values are placed into XML (a customer named A&B would otherwise break the document).
    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=True)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:199] + "…"


def load_template(root: Path, settings: Settings) -> tuple[bytes, str]:
    """The template's bytes and how to name it in messages; TemplateProblem when it cannot be used."""
    path = template_path(root, settings)
    if not path.is_file():
        return build_notice_template(), "系统自带模板"
    name = _display(root, path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TemplateProblem(f"无法读取通知书模板 {name}：{exc.strerror or exc}",
                              f"cannot read the notice template {name}: {exc.strerror or exc}") from None
    from docxtpl import DocxTemplate

    try:
        found = DocxTemplate(io.BytesIO(data)).get_undeclared_template_variables(_environment())
    except Exception as exc:  # noqa: BLE001 - any failure to open or parse is the template's fault, said in one line
        raise TemplateProblem(f"通知书模板 {name} 无法使用（不是有效的 Word 文档或占位符写法有误）：{_one_line(exc)}",
                              f"the notice template {name} is unusable (not a valid Word document, or a "
                              f"placeholder is malformed): {_one_line(exc)}") from None
    unknown = sorted(found - set(PLACEHOLDERS))
    if unknown:
        names = "、".join(f"{{{{ {u} }}}}" for u in unknown)
        known = "、".join(PLACEHOLDERS)
        raise TemplateProblem(f"通知书模板 {name} 含未知占位符 {names}（可用：{known}），未生成通知书",
                              f"the notice template {name} has unknown placeholders {names} (known: {known}); "
                              "no notice written")
    return data, name


def render_letter(template: bytes, context: Mapping[str, str]) -> bytes:
    """One filled letter; the same template and values always give the same bytes."""
    from docxtpl import DocxTemplate

    from .templates import _normalise_package

    doc = DocxTemplate(io.BytesIO(template))
    doc.render(dict(context), _environment())
    buffer = io.BytesIO()
    doc.save(buffer)
    # Constant zip entry dates and document timestamps (python-docx stamps "now" on a package without them).
    return _normalise_package(buffer.getvalue())


# --------------------------------------------------------------------------------------------------- the values


def _day(value: object) -> str:
    ts = pd.Timestamp(value) if value is not None else pd.NaT
    return "" if pd.isna(ts) else f"{ts.year}年{ts.month}月{ts.day}日"


def _text(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _money(value: object) -> str:
    return f"{value:,.2f} 元" if isinstance(value, int | float) and not math.isnan(value) else ""


def branch_contact(staff: Sequence[pd.DataFrame], branch: str) -> str:
    """The branch's 服务主任 in service (基础资料/员工), else its 经理; "" when neither is listed."""
    for role in ("服务主任", "经理"):
        for frame in staff:
            if not {"姓名", "岗位", "所属单位", "在职状态"} <= set(frame.columns):
                continue
            mine = frame[(frame["所属单位"] == branch) & (frame["岗位"] == role) & (frame["在职状态"] == "在职")]
            names = [n for n in mine["姓名"].tolist() if isinstance(n, str) and n]
            if names:
                return names[0]
    return ""


# -------------------------------------------------------------------------------------------------- the record


def _record_path(root: Path) -> Path:
    return root / STATE_DIR / RECORD_FILE


def _load_record(root: Path) -> dict[str, dict[str, str]]:
    """Letters written before: path → {"contract", "sha256", "pdf_sha256", "dated", "source"}. A damaged or foreign file
    reads as empty, which is safe: a letter we cannot vouch for counts as edited by hand and is kept."""
    try:
        data = json.loads(_record_path(root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    letters = data.get("letters") if isinstance(data, dict) and data.get("version") == RECORD_VERSION else None
    if not isinstance(letters, dict):
        return {}
    return {k: {f: v for f, v in e.items() if isinstance(v, str)} for k, e in letters.items()
            if isinstance(k, str) and isinstance(e, dict)}


def _save_record(root: Path, changes: Mapping[str, dict[str, str]]) -> None:
    # Read again right before writing and merge, so another process's letters of other branches are not lost.
    letters = _load_record(root)
    letters.update(changes)
    body = json.dumps({"version": RECORD_VERSION, "letters": dict(sorted(letters.items()))}, ensure_ascii=False, indent=1)
    target = _record_path(root)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_file_atomically(target, body.encode("utf-8"), root / STATE_DIR / "tmp")


def _display(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


# ------------------------------------------------------------------------------------------------- the letters


@dataclass(frozen=True)
class _Letter:
    key: str  # path relative to the root, "/" separated: the record's key
    path: Path
    contract: str
    context: dict[str, str]
    dated: dt.date


# Bumped when the way a letter is rendered changes, so letters recorded as fresh are rendered (and compared) again.
RENDER_VERSION = 1


def _source(template_sha: str, context: Mapping[str, str]) -> str:
    """What a letter is made from: the template's digest and the values, as one digest."""
    body = json.dumps([RENDER_VERSION, template_sha, sorted(context.items())], ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def write_letters(
    *,
    root: Path,
    folder: Path,
    branch: str,
    renewals: pd.DataFrame,
    contracts: pd.DataFrame,
    staff: Sequence[pd.DataFrame],
    settings: Settings,
    as_of: dt.datetime,
) -> NoticeOutcome:
    """The letters of the 续约提醒 rows of one contracts workbook in ``folder`` (see the module docstring)."""
    outcome = NoticeOutcome()
    if LINK_COLUMN not in renewals.columns:
        return outcome
    wanted = [(i, link) for i, link in enumerate(renewals[LINK_COLUMN].tolist()) if isinstance(link, Link) and link.file]
    outcome.wanted = len(wanted)
    if not wanted:
        return outcome
    try:
        template, template_name = load_template(root, settings)
    except TemplateProblem as exc:
        outcome.error_zh, outcome.error_en = exc.zh, exc.en
        return outcome

    record = _load_record(root)
    details = contracts.drop_duplicates("合同编号").set_index("合同编号") if "合同编号" in contracts.columns else None
    contact = branch_contact(staff, branch)
    letters: list[_Letter] = []
    for i, link in wanted:
        row = renewals.iloc[i]
        number = _text(row["合同编号"])
        path = folder / Path(*link.file.split("/"))
        key = _display(root, path)
        known = record.get(key, {})
        dated = as_of.date()
        if known.get("contract") == number and known.get("dated"):
            with contextlib.suppress(ValueError):
                dated = dt.date.fromisoformat(known["dated"])
        extra = details.loc[number] if details is not None and number in details.index else {}
        context = {
            "公司名称": settings.company_name, "公司电话": settings.company_phone, "分公司": branch, "联系人": contact,
            "客户代码": _text(row["客户代码"]), "客户名称": _text(row["客户名称"]), "合同编号": number,
            "商品型号": _text(extra.get("商品型号")), "开始日期": _day(extra.get("开始日期")),
            "到期日期": _day(row["到期日期"]), "合同金额": _money(extra.get("合同金额")),
            "剩余天数": _text(row["剩余天数"]), "通知日期": _day(dated),
        }
        letters.append(_Letter(key, path, number, context, dated))

    # A letter made from the same template and values that is still exactly what we wrote needs no rendering
    # (about 40 ms each, on every save of the register).
    template_sha = hashlib.sha256(template).hexdigest()
    sources = [_source(template_sha, letter.context) for letter in letters]
    currents = [sha256_of(letter.path) if letter.path.exists() else None for letter in letters]
    fresh = [record.get(letter.key, {}).get("source") == source and current is not None
             and current == record.get(letter.key, {}).get("sha256")
             for letter, source, current in zip(letters, sources, currents, strict=True)]
    # Render everything else before writing anything: a template that fails on the third letter leaves no letter
    # written from it (and none half-written).
    try:
        rendered = [None if ok else render_letter(template, letter.context) for letter, ok in zip(letters, fresh, strict=True)]
    except Exception as exc:  # noqa: BLE001 - a template that cannot be filled is reported in one line
        outcome.error_zh = f"通知书模板 {template_name} 无法填写：{_one_line(exc)}，未生成通知书"
        outcome.error_en = f"the notice template {template_name} cannot be filled: {_one_line(exc)}; no notice written"
        return outcome

    changes: dict[str, dict[str, str]] = {}
    to_pdf: list[_Letter] = []
    for letter, data, source, current in zip(letters, rendered, sources, currents, strict=True):
        known = record.get(letter.key, {})
        if data is None:  # fresh: unchanged, as checked above
            outcome.unchanged += 1
            if not letter.path.with_suffix(".pdf").exists():
                to_pdf.append(letter)
            continue
        new_sha = hashlib.sha256(data).hexdigest()
        entry = {"contract": letter.contract, "sha256": new_sha, "dated": letter.dated.isoformat(), "source": source}
        if known.get("pdf_sha256"):
            entry["pdf_sha256"] = known["pdf_sha256"]
        if current == new_sha:
            outcome.unchanged += 1
            if known != entry:
                changes[letter.key] = entry
            if not letter.path.with_suffix(".pdf").exists():
                to_pdf.append(letter)
            continue
        if current is not None and current != known.get("sha256"):
            outcome.kept.append(letter.key)  # changed since we wrote it (or never ours): staff's letter now
            continue
        if current_lock(letter.path) is not None:
            outcome.busy.append(letter.key)
            continue
        letter.path.parent.mkdir(parents=True, exist_ok=True)
        # Right before the rename, the letter must still be absent or exactly what we wrote last time.
        if write_file_atomically(letter.path, data, root / STATE_DIR / "tmp",
                                 ready=lambda p=letter.path, c=current: (sha256_of(p) if p.exists() else None) == c):
            outcome.written.append(letter.key)
            changes[letter.key] = entry
            to_pdf.append(letter)
        else:
            outcome.kept.append(letter.key)
    if outcome.written:
        # Said when letters go out with a gap, not on every run after.
        if not settings.company_name:
            outcome.notes.append(("未设置公司名称（automation.toml 的 [company] name），通知书落款为空",
                                  "no company name set ([company] name in automation.toml): the letters are unsigned"))
        if not contact:
            outcome.notes.append((f"基础资料/员工中没有 {branch} 在职的服务主任或经理，通知书联系人为空",
                                  f"基础资料/员工 lists no 服务主任 or 经理 of {branch} in service: no contact on the letters"))
    if to_pdf:
        _write_pdfs(root, to_pdf, record, changes, outcome)
    if changes:
        _save_record(root, changes)
    if outcome.written:
        log.info("%s", outcome.line())
    return outcome


def _write_pdfs(root: Path, letters: Sequence[_Letter], record: Mapping[str, dict[str, str]],
                changes: dict[str, dict[str, str]], outcome: NoticeOutcome) -> None:
    """PDFs of the letters just written (or missing their PDF), in one LibreOffice run; a PDF changed since we
    wrote it is kept like the letter. Without LibreOffice, or when it fails, a note says so and nothing stops."""
    todo = []
    for letter in letters:
        pdf = letter.path.with_suffix(".pdf")
        known = changes.get(letter.key) or record.get(letter.key, {})
        if pdf.exists() and sha256_of(pdf) != known.get("pdf_sha256"):
            continue
        todo.append(letter)
    if not todo:
        return
    soffice = find_soffice()
    if soffice is None:
        # Said when letters are written; a machine without LibreOffice is not news on every later run.
        if any(letter.key in outcome.written for letter in todo):
            outcome.notes.append(("未找到 LibreOffice，未生成 PDF", "LibreOffice not found: no PDF made"))
        return
    work = root / STATE_DIR / "tmp"
    work.mkdir(parents=True, exist_ok=True)
    outdir = Path(tempfile.mkdtemp(prefix="notices-", dir=work))
    try:
        # LibreOffice names its output after the input: convert copies under distinct names (two branches may
        # hold letters of the same name) and take each PDF by its copy.
        copies = {}
        for n, letter in enumerate(todo):
            copy = outdir / "in" / f"{n}.docx"
            copy.parent.mkdir(exist_ok=True)
            shutil.copyfile(letter.path, copy)
            copies[copy] = letter
        try:
            made = convert_to_pdf(soffice, list(copies), outdir / "out")
        except OfficeError as exc:
            outcome.notes.append((f"LibreOffice 未能生成 PDF：{_one_line(exc)}", f"LibreOffice made no PDF: {_one_line(exc)}"))
            return
        for copy, pdf_made in made.items():
            letter = copies[copy]
            data = pdf_made.read_bytes()
            target = letter.path.with_suffix(".pdf")
            before = sha256_of(target) if target.exists() else None
            if write_file_atomically(target, data, work,
                                     ready=lambda p=target, b=before: (sha256_of(p) if p.exists() else None) == b):
                outcome.pdfs.append(_display(root, target))
                entry = dict(changes.get(letter.key) or record.get(letter.key, {}))
                entry["pdf_sha256"] = hashlib.sha256(data).hexdigest()
                changes[letter.key] = entry
        if len(made) < len(copies):
            outcome.notes.append((f"{len(copies) - len(made)} 份通知书未能转为 PDF",
                                  f"{len(copies) - len(made)} letters could not be converted to PDF"))
    finally:
        shutil.rmtree(outdir, ignore_errors=True)


def write_notices(deployment: Deployment, loaded: LoadedWorkbook, report: WorkbookReport) -> NoticeOutcome | None:
    """The letters of a contracts workbook whose results were just written back (or were already current); None
    for other registers. Never raises: whatever goes wrong is the outcome's one line."""
    if report.register != "contracts" or "保养合同" not in loaded.tables:
        return None
    renewals = next((r.frame for r in report.results if r.name == "续约提醒"), None)
    if renewals is None:
        return None
    try:
        staff = [t.data for t in deployment.register_tables(deployment.head_office, "master", "员工")]
        outcome = write_letters(
            root=deployment.root, folder=report.path.parent, branch=report.branch or report.path.parent.name,
            renewals=renewals, contracts=loaded.tables["保养合同"].data, staff=staff, settings=deployment.settings,
            as_of=deployment.as_of,
        )
    except Exception as exc:  # noqa: BLE001 - letters are a by-product: never the reason a run fails
        outcome = NoticeOutcome(error_zh=f"保养到期通知书未能生成：{_one_line(exc)}",
                                error_en=f"expiry notices not written: {_one_line(exc)}")
    if outcome.error_zh:
        log.warning("%s: %s", report.name, outcome.line())
    return outcome
