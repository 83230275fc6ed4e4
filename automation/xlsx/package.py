"""Add or replace the product's result sheets in an xlsx/xlsm package without loading it into a spreadsheet model.

Why: openpyxl load-and-save drops parts staff rely on (x14 drop-downs, some drawings, pivot details, VBA unless
asked). Here the zip is edited directly (SPEC §7): only ``[Content_Types].xml``, the workbook part, its ``.rels``,
``styles.xml`` (appended to, existing indexes keep their meaning) and ``docProps/app.xml`` are rewritten; every other
entry is copied as its original *compressed* bytes, in its original order, so staff parts stay byte-identical
(macro sheets, dialog sheets, VBA and everything else staff made included).
Our sheets are new ``xl/worksheets/sheetN.xml`` parts appended after all staff sheets. Removing an old result sheet
also removes its relationships, content-type overrides, sheet-local names, any part only it referenced (e.g. a comment
staff added to it) and, only if it names the removed sheet, ``calcChain.xml`` (Excel rebuilds it; a stale one makes
Excel "repair" the file). The same results written into the same workbook give the same bytes: sheet ids and
relationship ids of replaced sheets are reused, new parts take the workbook part's timestamp.

Each result sheet also gets the sheet-local ``_xlnm.Print_Titles`` (its header row repeated on printed pages) and,
for its conditional formats, ``dxfs`` entries appended to ``styles.xml`` (existing ones reused, never changed).

Marker (how a product-created sheet is recognised), two marks bound to the sheet's *current name*:

* ``<sheetPr codeName="AutomationResult_<crc32 of the name>">`` inside the worksheet part we write;
* a hidden sheet-local defined name ``AutomationResult`` whose value is ``"<crc32 of the name>"`` (a text constant:
  it holds no sheet reference, so no sheet name, however odd, needs quoting in it). Left out, like the sheet's
  ``_xlnm._FilterDatabase``, when a staff sheet after the first has a name Excel forbids (``a/b``, ``[x]``, written
  by other programs): LibreOffice drops such a sheet and then refuses any workbook with sheet-local names after it.

A sheet is ours when either mark matches its current name. Two marks because LibreOffice drops ``codeName`` of
workbooks without VBA on save but keeps sheet-local names, while Excel keeps both. Binding them to the name means a
sheet staff renamed (to keep a snapshot) or copied (the copy gets another name, e.g. ``校验结果 (2)``) is no longer
ours and is never removed. A staff sheet that is simply called 校验结果 carries no mark, so it is never
touched; the result then goes to the first free name ``校验结果(2)``, ``校验结果(3)``, … and, because old results are
removed before names are chosen, that name stays stable from run to run.

The modules below this one: :mod:`.container` (what the bytes are, the zip limits, verified zip entries copied
verbatim) and :mod:`.workbook_parts` (relationships, content types, the workbook part, styles, app.xml). Bad input
raises :class:`PackageError` with one line in Chinese and English: empty, encrypted, legacy ``.xls`` or other OLE
files, non-zip data, damaged or truncated zips (every entry's CRC and real size are checked), zip bombs (declared
sizes checked before anything is inflated), missing workbook part, Strict OOXML / xlsb, and XML with a DTD (parsed
with entities and network off, DOCTYPE refused).
"""

from __future__ import annotations

import html
import posixpath
import re
import time
import zlib
from collections.abc import Sequence
from pathlib import Path

from lxml import etree

from .container import Package, PackageError, ZipWriter
from .sheet_xml import ResultSheet, hyperlink_rels_xml, render_sheet
from .workbook_parts import (
    CT_RELS,
    CT_WORKSHEET,
    NS_APP,
    NS_CT,
    NS_MAIN,
    NS_PKG_REL,
    NS_R,
    NS_VT,
    REL_EXTENDED,
    REL_OFFICE_DOCUMENT,
    REL_STYLES,
    REL_WORKSHEET,
    M,
    Sheet,
    Styles,
    Workbook,
    rels_name,
    resolve,
    update_app,
)

__all__ = [
    "RESULT_MARKER",
    "PackageError",
    "marker_code_name",
    "marker_token",
    "new_result_workbook",
    "result_banners",
    "result_sheet_names",
    "sidecar_path",
    "staff_part_names",
    "write_result_sheets",
]

RESULT_MARKER = "AutomationResult"
_CODE_NAME = re.compile(rb"<(?:\w+:)?sheetPr\b[^>]*?\bcodeName\s*=\s*[\"']([^\"']*)[\"']")
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData\b")
_ROW_END = re.compile(rb"</(?:\w+:)?row>")
_INLINE_TEXT = re.compile(rb"<(?:\w+:)?t(?:\s[^>]*)?>([^<]*)</(?:\w+:)?t>")
# What Excel forbids in a sheet name. Other programs write such names anyway; LibreOffice then keeps the sheet only
# when it is the first one (renamed Sheet1) and silently drops any later one, after which every sheet-local defined
# name placed after it points past the end and LibreOffice refuses to load the workbook at all.
_FORBIDDEN_SHEET_NAME = re.compile(r"[\[\]:*?/\\]|^'|'$")


def marker_token(name: str) -> str:
    """The token binding the result marker to a sheet name."""
    return f"{zlib.crc32(name.encode('utf-8')):08x}"


def marker_code_name(name: str) -> str:
    return f"{RESULT_MARKER}_{marker_token(name)}"


def _open(package: bytes) -> Workbook:
    """The package's workbook, with each sheet's ``ours`` set from the markers."""
    book = Workbook(Package(package))
    local_marks = book.local_names(RESULT_MARKER)
    for index, sheet in enumerate(book.sheets):
        sheet.ours = _is_ours(book, sheet, local_marks.get(index))
    return book


def _is_ours(book: Workbook, sheet: Sheet, local_mark: str | None) -> bool:
    if sheet.rel_type != REL_WORKSHEET or sheet.part is None:
        return False
    if local_mark == f'"{marker_token(sheet.name)}"':
        return True
    found = _CODE_NAME.search(book.pkg.head(sheet.part, _SHEET_DATA))  # sheetPr precedes sheetData
    return found is not None and found.group(1).decode("utf-8", "replace") == marker_code_name(sheet.name)


def _unique_name(wanted: str, taken: set[str]) -> str:
    if wanted.casefold() not in taken:
        return wanted
    number = 2
    while True:
        suffix = f"({number})"
        candidate = wanted[: 31 - len(suffix)] + suffix
        if candidate.casefold() not in taken:
            return candidate
        number += 1


def _fresh_part(book: Workbook, folder: str) -> str:
    """A worksheet part name nothing uses. Not only absent: a damaged package may still hold a relationship to a
    missing part, or the missing part's own ``.rels`` (found by the fuzzer: a staff sheet whose part was lost
    would then show our result, and our sheet would inherit the staff's drawing and table)."""
    pkg = book.pkg
    targeted = {resolve(book.part, rel.get("Target", "")).casefold() for rel in book.rels
                if rel.get("TargetMode") != "External"}  # fmt: skip
    number = 1
    while True:
        candidate = posixpath.join(folder, f"sheet{number}.xml")
        if (pkg.find(candidate) is None and pkg.find(rels_name(candidate)) is None
                and candidate.casefold() not in targeted):
            return candidate
        number += 1


def write_result_sheets(package: bytes, sheets: Sequence[ResultSheet], *, replace_all: bool = True) -> bytes:
    """Return ``package`` with ``sheets`` appended after all staff sheets.

    ``replace_all=True`` first removes every product-created sheet; ``replace_all=False`` removes only those whose
    name one of ``sheets`` takes (case-insensitive) and keeps the other earlier results where they are.
    """
    wanted = [s.name.casefold() for s in sheets]
    if len(set(wanted)) != len(wanted):
        raise ValueError("result sheet names must be unique (case-insensitive)")
    book = _open(package)
    pkg = book.pkg
    before_names = [s.name for s in book.sheets if s.rel_type == REL_WORKSHEET]
    doomed = [s for s in book.sheets if s.ours and (replace_all or s.name.casefold() in wanted)]
    # A replaced result sheet keeps its visibility: the templates' 员工名单 (the staff drop-downs' lists) is
    # hidden, and a result staff chose to hide stays out of their way.
    states = {s.name.casefold(): s.element.get("state") for s in doomed
              if s.element.get("state") in ("hidden", "veryHidden")}  # fmt: skip
    book.remove_sheets(doomed)
    # Styles first: a styles part created now keeps the relationship id and zip position it will have as an
    # existing part on the next run, so an unchanged result gives the same bytes then.
    styles = Styles(book)

    taken = {s.name.casefold() for s in book.sheets}
    folder = posixpath.join(posixpath.dirname(book.part), "worksheets")
    # Ids of our removed sheets (sheet ids and relationship ids) are reused so that an unchanged result gives an
    # identical package (no churn in history, and the watcher recognises its own output); nothing of the staff's
    # can refer to our sheets' ids.
    next_id = max([s.sheet_id for s in book.sheets] + [0]) + 1
    planned: list[tuple[ResultSheet, str, Sheet]] = []
    for result in sheets:
        name = _unique_name(result.name, taken)
        taken.add(name.casefold())
        part = _fresh_part(book, folder)
        pkg.added[part] = b""  # reserve the part name
        rid = book.add_rel(REL_WORKSHEET, part, reuse=book.freed_ids.get(name.casefold()))
        element = etree.SubElement(book.sheets_el, M + "sheet", name=name, sheetId=str(next_id), nsmap={"r": NS_R})
        if name.casefold() in states:
            element.set("state", states[name.casefold()])
        element.set(f"{{{NS_R}}}id", rid)
        sheet = Sheet(element, name, next_id, REL_WORKSHEET, part, ours=True)
        book.sheets.append(sheet)
        planned.append((result, name, sheet))
        next_id += 1
    if not book.sheets:
        raise ValueError("a workbook needs at least one sheet")
    preferred = {key.casefold(): book.sheets.index(s) for r, n, s in planned for key in (r.name, n)}
    active = book.fix_views(preferred)
    # Our sheet-local names come after every staff sheet: left out when one of those would make LibreOffice reject
    # the workbook (the codeName mark and the sheet's own autoFilter remain).
    local_names = not any(_FORBIDDEN_SHEET_NAME.search(s.name) for s in book.sheets[1:])

    for result, name, sheet in planned:
        index = book.sheets.index(sheet)
        rendered = render_sheet(result, styles.style_id, name=name, code_name=marker_code_name(name),
                                selected=index == active, dxf_id=styles.dxf_id)  # fmt: skip
        assert sheet.part is not None
        pkg.added[sheet.part] = rendered.xml
        book.set_override(sheet.part, CT_WORKSHEET)
        if rendered.external_targets:
            pkg.added[rels_name(sheet.part)] = hyperlink_rels_xml(rendered.external_targets)
            book.ensure_rels_default()
        for dn_name, value in (("_xlnm._FilterDatabase", rendered.filter_range),
                               (RESULT_MARKER, f'"{marker_token(name)}"')) if local_names else ():  # fmt: skip
            etree.SubElement(book.defined_names_el(), M + "definedName", name=dn_name, localSheetId=str(index),
                             hidden="1").text = value  # fmt: skip
        if local_names and rendered.print_titles:  # the header row on every printed page; visible, as Excel's own
            etree.SubElement(book.defined_names_el(), M + "definedName", name="_xlnm.Print_Titles",
                             localSheetId=str(index)).text = rendered.print_titles  # fmt: skip
    styles.save()
    after_names = [s.name for s in book.sheets if s.rel_type == REL_WORKSHEET]
    update_app(book, before_names, after_names)
    book.save()
    return pkg.to_bytes()


def result_sheet_names(package: bytes) -> list[str]:
    """Names of the product-created sheets in the package, in workbook order."""
    return [s.name for s in _open(package).sheets if s.ours]


def result_banners(package: bytes) -> dict[str, str]:
    """The banner (row 1's inline text) of each product-created sheet, by name, read from the start of its part
    only. A sheet whose banner is no longer an inline string (saved again by a spreadsheet program, which turns
    it into a shared string) is left out."""
    book = _open(package)
    banners: dict[str, str] = {}
    for sheet in book.sheets:
        if not sheet.ours or sheet.part is None:
            continue
        head = book.pkg.head(sheet.part, _ROW_END)
        start, end = _SHEET_DATA.search(head), _ROW_END.search(head)
        found = _INLINE_TEXT.search(head, start.end(), end.start()) if start and end else None
        if found is not None:
            banners[sheet.name] = html.unescape(found.group(1).decode("utf-8", "replace"))
    return banners


def staff_part_names(package: bytes) -> frozenset[str]:
    """Every part a write-back must leave byte-identical: all but the editable parts and our own sheets."""
    book = _open(package)
    pkg = book.pkg
    editable = {book.part, book.rels_part, book.types_part, book.target(REL_STYLES)}
    editable |= {book.target(REL_EXTENDED, root=True)} | book.removal_plan([s for s in book.sheets if s.ours])
    return frozenset(i.filename for i in pkg.infos) - editable


def sidecar_path(path: Path) -> Path:
    """Where results for a workbook we cannot edit in place go: ``x.xls`` → ``x.结果.xlsx``."""
    return path.with_name(f"{path.stem}.结果.xlsx")


def _template() -> bytes:
    """A package with an empty sheet list; write_result_sheets fills it."""
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts: dict[str, str] = {
        "[Content_Types].xml": (
            f'<Types xmlns="{NS_CT}"><Default Extension="rels" ContentType="{CT_RELS}"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/docProps/app.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{NS_PKG_REL}">'
            f'<Relationship Id="rId1" Type="{REL_OFFICE_DOCUMENT}" Target="xl/workbook.xml"/>'
            f'<Relationship Id="rId3" Type="{REL_EXTENDED}" Target="docProps/app.xml"/></Relationships>'
        ),
        "docProps/app.xml": (
            f'<Properties xmlns="{NS_APP}" xmlns:vt="{NS_VT}"><Application>Microsoft Excel</Application>'
            '<HeadingPairs><vt:vector size="2" baseType="variant"><vt:variant><vt:lpstr>工作表</vt:lpstr>'
            '</vt:variant><vt:variant><vt:i4>0</vt:i4></vt:variant></vt:vector></HeadingPairs>'
            '<TitlesOfParts><vt:vector size="0" baseType="lpstr"/></TitlesOfParts></Properties>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{NS_MAIN}" xmlns:r="{rel}"><workbookPr/><bookViews><workbookView '
            'activeTab="0"/></bookViews><sheets/><calcPr calcId="191029"/></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{NS_PKG_REL}"/>',
    }
    writer = ZipWriter()
    stamp = time.localtime()[:6]
    for name, text in parts.items():
        writer.add(name, b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + text.encode(), stamp,
                   0o600 << 16)  # fmt: skip
    return writer.finish(b"")


def new_result_workbook(sheets: Sequence[ResultSheet]) -> bytes:
    """A fresh minimal xlsx holding only result sheets (the .xls sidecar, the head-office summary)."""
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    return write_result_sheets(_template(), sheets)

