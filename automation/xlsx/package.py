"""Add or replace the product's result sheets in an xlsx/xlsm package without loading it into a spreadsheet model.

Why: openpyxl load-and-save drops parts staff rely on (x14 drop-downs, some drawings, pivot details, VBA unless
asked). Here the zip is edited directly (SPEC §7): only ``[Content_Types].xml``, the workbook part, its ``.rels``,
``styles.xml`` (appended to, existing indexes keep their meaning) and ``docProps/app.xml`` are rewritten; every other
entry is copied as its original *compressed* bytes, in its original order, so staff parts stay byte-identical.
Our sheets are new ``xl/worksheets/sheetN.xml`` parts appended after all staff sheets. Removing an old result sheet
also removes its relationships, content-type overrides, sheet-local names, any part only it referenced (e.g. a comment
staff added to it) and, only if it names the removed sheet, ``calcChain.xml`` (Excel rebuilds it; a stale one makes
Excel "repair" the file).

Marker (how a product-created sheet is recognised), two marks bound to the sheet's *current name*:

* ``<sheetPr codeName="AutomationResult_<crc32 of the name>">`` inside the worksheet part we write;
* a hidden sheet-local defined name ``AutomationResult`` whose value is ``"<crc32 of the name>"``.

A sheet is ours when either mark matches its current name. Two marks because LibreOffice drops ``codeName`` of
workbooks without VBA on save but keeps sheet-local names, while Excel keeps both. Binding them to the name means a
sheet staff renamed (to keep a snapshot) or copied (the copy gets another name, e.g. ``校验结果 (2)``) is no longer
ours and is never removed. A staff sheet that is simply called 校验结果 carries no mark, so it is never
touched; the result then goes to the first free name ``校验结果(2)``, ``校验结果(3)``, … and, because old results are
removed before names are chosen, that name stays stable from run to run.

Bad input raises ``PackageError`` with one clear line: empty, encrypted / legacy OLE files, non-zip data, damaged or
truncated zips (every entry's CRC is checked), zip bombs (declared sizes checked before anything is inflated), missing
workbook part, Strict OOXML / xlsb, and XML with a DTD (parsed with entities and network off, DOCTYPE refused).
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import time
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from lxml import etree

from automation.xlsx.sheet_xml import (
    MINIMAL_STYLES_XML,
    ResultSheet,
    StyleBook,
    hyperlink_rels_xml,
    insert_in_order,
    render_sheet,
)

RESULT_MARKER = "AutomationResult"

MAX_UNCOMPRESSED_TOTAL = 1 << 30  # 1 GiB of declared content is far beyond any register
MAX_RATIO = 200  # deflated XML of real workbooks stays well below this
RATIO_MIN_SIZE = 1 << 20  # tiny parts may compress extremely well; only judge parts above 1 MiB
MAX_ENTRIES = 65_535  # our writer does not emit Zip64

OLE_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
NS_APP = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
NS_VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
REL_OFFICE_DOCUMENT = NS_R + "/officeDocument"
REL_WORKSHEET = NS_R + "/worksheet"
REL_STYLES = NS_R + "/styles"
REL_CALC_CHAIN = NS_R + "/calcChain"
REL_EXTENDED = NS_R + "/extended-properties"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"

_M = f"{{{NS_MAIN}}}"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
_CODE_NAME = re.compile(rb"<(?:\w+:)?sheetPr\b[^>]*?\bcodeName\s*=\s*[\"']([^\"']*)[\"']")
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData\b")
# Children of <workbook> that must precede <definedNames> (schema order), for when we have to create it.
_BEFORE_DEFINED_NAMES = {"fileVersion", "fileSharing", "workbookPr", "workbookProtection", "bookViews", "sheets",
                         "functionGroups", "externalReferences"}  # fmt: skip


class PackageError(Exception):
    """The file cannot be edited as an xlsx package; the message is one line, meant for staff."""


def marker_token(name: str) -> str:
    """The token binding the result marker to a sheet name."""
    return f"{zlib.crc32(name.encode('utf-8')):08x}"


def marker_code_name(name: str) -> str:
    return f"{RESULT_MARKER}_{marker_token(name)}"


# ----------------------------------------------------------------------------------------------------------- zip


class _Package:
    """A validated zip package: original entries (as raw compressed bytes), plus our replacements and additions."""

    def __init__(self, data: bytes) -> None:
        if not data:
            raise PackageError("the file is empty (0 bytes)")
        if data[:8] == OLE_SIGNATURE:
            raise PackageError("the workbook is encrypted (password-protected) or an old binary .xls file")
        if data[:4] != b"PK\x03\x04":
            raise PackageError("not an Excel workbook (not a zip package)")
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error) as exc:
            raise PackageError(f"the workbook is damaged or truncated (zip: {exc})") from exc
        if len(infos) > MAX_ENTRIES:
            raise PackageError(f"the workbook has too many parts ({len(infos)})")
        self._check_sizes(infos)
        self.data = data
        self.infos = infos
        self.lookup: dict[str, str] = {}
        for info in infos:
            key = info.filename.casefold()
            if key in self.lookup:
                raise PackageError(f"the workbook is damaged (duplicate part {info.filename})")
            self.lookup[key] = info.filename
            if info.flag_bits & 0x1:
                raise PackageError("the workbook is encrypted (zip encryption)")
        self.replaced: dict[str, bytes] = {}
        self.removed: set[str] = set()
        self.added: dict[str, bytes] = {}
        self._verify()

    @staticmethod
    def _check_sizes(infos: list[zipfile.ZipInfo]) -> None:
        # Declared sizes are checked before anything is inflated; zipfile never inflates past the declared size.
        total = sum(i.file_size for i in infos)
        packed = sum(i.compress_size for i in infos)
        if total > MAX_UNCOMPRESSED_TOTAL:
            raise PackageError(f"the workbook is too large when unpacked ({total} bytes; possible zip bomb)")
        for info in infos:
            if info.file_size > RATIO_MIN_SIZE and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise PackageError(f"part {info.filename} is compressed suspiciously well (possible zip bomb)")
        if total > RATIO_MIN_SIZE and total > MAX_RATIO * max(packed, 1):
            raise PackageError("the workbook is compressed suspiciously well (possible zip bomb)")

    def _verify(self) -> None:
        # Inflate every entry once (streaming) so a damaged file is refused instead of being copied on.
        try:
            for info in self.infos:
                with self._zip.open(info) as stream:
                    while stream.read(1 << 20):
                        pass
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, ValueError) as exc:
            raise PackageError(f"the workbook is damaged or truncated (zip: {exc})") from exc

    def find(self, name: str) -> str | None:
        """The entry's actual name (OPC part names are case-insensitive), if present and not removed."""
        actual = self.lookup.get(name.casefold())
        if actual is not None and actual not in self.removed:
            return actual
        for added in self.added:
            if added.casefold() == name.casefold():
                return added
        return None

    def read(self, name: str) -> bytes:
        if name in self.added:
            return self.added[name]
        if name in self.replaced:
            return self.replaced[name]
        return self._zip.read(name)

    def head(self, name: str, limit: int = 1 << 16) -> bytes:
        """The start of a (possibly huge) part, enough to see its sheetPr (which precedes sheetData)."""
        chunk = b""
        with self._zip.open(name) as stream:
            while len(chunk) < limit and not _SHEET_DATA.search(chunk) and (more := stream.read(8192)):
                chunk += more
        return chunk

    def put(self, name: str, content: bytes) -> None:
        if name in self.added:
            self.added[name] = content
        else:
            self.replaced[name] = content

    def remove(self, name: str) -> None:
        if name in self.added:
            del self.added[name]
        else:
            self.removed.add(name)
            self.replaced.pop(name, None)

    def raw(self, info: zipfile.ZipInfo) -> memoryview:
        """The compressed bytes of an original entry, found through its local header."""
        offset = info.header_offset
        header = self.data[offset : offset + 30]
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise PackageError(f"the workbook is damaged (bad local header for {info.filename})")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        start = offset + 30 + name_len + extra_len
        return memoryview(self.data)[start : start + info.compress_size]  # no copy of big parts

    def to_bytes(self) -> bytes:
        writer = _ZipWriter()
        for info in self.infos:
            name = info.filename
            if name in self.removed:
                continue
            if name in self.replaced:
                writer.add(name, self.replaced[name], info.date_time, info.external_attr)
            else:
                writer.copy_raw(info, self.raw(info))
        # New parts carry the workbook part's timestamp, so the same results give the same bytes.
        stamp = next((i.date_time for i in self.infos if i.filename == "xl/workbook.xml"), (1980, 1, 1, 0, 0, 0))
        for name, content in self.added.items():
            writer.add(name, content, stamp, 0o600 << 16)
        return writer.finish(self._zip.comment)


class _ZipWriter:
    """Minimal zip writer that can copy entries as raw compressed bytes (zipfile has no public way to)."""

    def __init__(self) -> None:
        self.out = io.BytesIO()
        self.central: list[bytes] = []

    @staticmethod
    def _dos(date_time: Sequence[int]) -> tuple[int, int]:
        year, month, day, hour, minute, second = date_time[:6]
        year = max(1980, min(2107, year))
        return (hour << 11) | (minute << 5) | (second // 2), ((year - 1980) << 9) | (month << 5) | day

    def _entry(self, name: str, flags: int, method: int, date_time: Sequence[int], crc: int, payload: bytes | memoryview,
               size: int, external_attr: int, system: int = 3) -> None:  # fmt: skip
        try:
            encoded = name.encode("ascii")
            flags &= ~0x800
        except UnicodeEncodeError:
            encoded = name.encode("utf-8")
            flags |= 0x800
        flags &= ~0x8  # sizes are known, so no data descriptor
        version = {zipfile.ZIP_STORED: 10, zipfile.ZIP_DEFLATED: 20, zipfile.ZIP_BZIP2: 46}.get(method, 63)
        dos_time, dos_date = self._dos(date_time)
        offset = self.out.tell()
        if offset > 0xFFFFFFFF or len(payload) > 0xFFFFFFFF or size > 0xFFFFFFFF:
            raise PackageError("the workbook would be too large to write")
        self.out.write(struct.pack("<4s2B4HL2L2H", b"PK\x03\x04", version, 0, flags, method, dos_time, dos_date,
                                   crc, len(payload), size, len(encoded), 0))  # fmt: skip
        self.out.write(encoded)
        self.out.write(payload)
        self.central.append(
            struct.pack("<4s4B4HL2L5H2L", b"PK\x01\x02", 20, system, version, 0, flags, method, dos_time, dos_date,
                        crc, len(payload), size, len(encoded), 0, 0, 0, 0, external_attr & 0xFFFFFFFF, offset)
            + encoded
        )  # fmt: skip

    def copy_raw(self, info: zipfile.ZipInfo, payload: bytes | memoryview) -> None:
        self._entry(info.filename, info.flag_bits & 0x806, info.compress_type, info.date_time, info.CRC, payload,
                    info.file_size, info.external_attr, info.create_system)  # fmt: skip

    def add(self, name: str, content: bytes, date_time: Sequence[int], external_attr: int) -> None:
        # Level 1 on big parts: a 50,000-row sheet compresses 3-4x faster for a few percent more bytes.
        level = 6 if len(content) < (1 << 20) else 1
        packer = zlib.compressobj(level, zlib.DEFLATED, -15)
        payload = packer.compress(content) + packer.flush()
        self._entry(name, 0, zipfile.ZIP_DEFLATED, date_time, zlib.crc32(content), payload, len(content),
                    external_attr)  # fmt: skip

    def finish(self, comment: bytes) -> bytes:
        start = self.out.tell()
        for record in self.central:
            self.out.write(record)
        size = self.out.tell() - start
        count = len(self.central)
        if start > 0xFFFFFFFF or count > 0xFFFF:
            raise PackageError("the workbook would be too large to write")
        comment = comment[:0xFFFF]
        self.out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, size, start, len(comment)))
        self.out.write(comment)
        return self.out.getvalue()


# ------------------------------------------------------------------------------------------------------- parts


def _parse_xml(pkg: _Package, name: str) -> etree._Element:
    data = pkg.read(name)
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise PackageError(f"part {name} contains a DTD or entities, which are not allowed")
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise PackageError(f"part {name} is not well-formed XML ({exc})") from exc
    if root.getroottree().docinfo.doctype:  # also catches UTF-16 encoded DOCTYPEs
        raise PackageError(f"part {name} contains a DTD or entities, which are not allowed")
    return root


def _serialise(root: etree._Element) -> bytes:
    # Written by hand: lxml's own declaration uses single quotes, which some strict readers dislike.
    return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + etree.tostring(root, encoding="UTF-8",
                                                                                          xml_declaration=False)  # fmt: skip


def _rels_name(part: str) -> str:
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


def _resolve(source: str, target: str) -> str:
    target = unquote(target.split("#", 1)[0])
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def _relative(source: str, part: str) -> str:
    return posixpath.relpath(part, posixpath.dirname(source) or ".")


@dataclass
class _Sheet:
    element: etree._Element
    name: str
    sheet_id: int
    rel_type: str
    part: str | None
    ours: bool = False


class _Workbook:
    """The workbook part, its relationships and the content types, parsed and editable."""

    def __init__(self, pkg: _Package) -> None:
        self.pkg = pkg
        root_rels = pkg.find("_rels/.rels")
        if root_rels is None:
            raise PackageError("not an Excel workbook (missing _rels/.rels)")
        self.root_rels = _parse_xml(pkg, root_rels)
        wb_target = None
        for rel in self.root_rels:
            rel_type = rel.get("Type", "")
            if rel_type.endswith("/officeDocument"):
                if rel_type != REL_OFFICE_DOCUMENT:
                    raise PackageError("Strict Open XML workbooks are not supported; save as a normal .xlsx")
                wb_target = _resolve("", rel.get("Target", ""))
        found = pkg.find(wb_target or "xl/workbook.xml")
        if found is None:
            raise PackageError("not an Excel workbook (missing xl/workbook.xml)")
        if found.casefold().endswith(".bin"):
            raise PackageError("binary .xlsb workbooks are not supported")
        self.part = found
        self.root = _parse_xml(pkg, found)
        if self.root.tag != _M + "workbook":
            raise PackageError(f"not an Excel workbook ({found} is not a SpreadsheetML workbook)")
        rels_part = pkg.find(_rels_name(found))
        if rels_part is None:
            raise PackageError("the workbook is damaged (missing xl/_rels/workbook.xml.rels)")
        self.rels_part = rels_part
        self.rels = _parse_xml(pkg, rels_part)
        types_part = pkg.find("[Content_Types].xml")
        if types_part is None:
            raise PackageError("not an Excel workbook (missing [Content_Types].xml)")
        self.types_part = types_part
        self.types = _parse_xml(pkg, types_part)
        self.sheets_el = self.root.find(_M + "sheets")
        if self.sheets_el is None:
            self.sheets_el = etree.SubElement(self.root, _M + "sheets")
        self.sheets = [self._sheet(el) for el in self.sheets_el.findall(_M + "sheet")]
        self.all_sheet_ids = [s.sheet_id for s in self.sheets]
        self.lost_active = ""  # casefolded name of an active sheet we removed
        local_marks: dict[int, str] = {}
        for name_el in self._defined_names():
            if name_el.get("name") == RESULT_MARKER and name_el.get("localSheetId", "").isdigit():
                local_marks[int(name_el.get("localSheetId", ""))] = (name_el.text or "").strip()
        for index, sheet in enumerate(self.sheets):
            sheet.ours = self._is_ours(sheet, local_marks.get(index))

    def _sheet(self, element: etree._Element) -> _Sheet:
        rid = element.get(f"{{{NS_R}}}id")
        rel = self.rel_by_id(rid) if rid else None
        part = self.pkg.find(_resolve(self.part, rel.get("Target", ""))) if rel is not None else None
        sheet_id = element.get("sheetId", "0")
        return _Sheet(element, element.get("name", ""), int(sheet_id) if sheet_id.isdigit() else 0,
                      rel.get("Type", "") if rel is not None else "", part)  # fmt: skip

    def _is_ours(self, sheet: _Sheet, local_mark: str | None) -> bool:
        if sheet.rel_type != REL_WORKSHEET or sheet.part is None:
            return False
        token = marker_token(sheet.name)
        if local_mark == f'"{token}"':
            return True
        found = _CODE_NAME.search(self.pkg.head(sheet.part))
        return found is not None and found.group(1).decode("utf-8", "replace") == marker_code_name(sheet.name)

    def rel_by_id(self, rid: str) -> etree._Element | None:
        return next((rel for rel in self.rels if rel.get("Id") == rid), None)

    def _defined_names(self) -> list[etree._Element]:
        holder = self.root.find(_M + "definedNames")
        return [] if holder is None else list(holder.findall(_M + "definedName"))

    def defined_names_el(self) -> etree._Element:
        holder = self.root.find(_M + "definedNames")
        if holder is None:
            holder = insert_in_order(self.root, etree.Element(_M + "definedNames"), _BEFORE_DEFINED_NAMES)
        return holder

    # -- content types -------------------------------------------------------------------------------------
    def set_override(self, part: str, content_type: str) -> None:
        self.remove_override(part)
        etree.SubElement(self.types, f"{{{NS_CT}}}Override", PartName="/" + part, ContentType=content_type)

    def remove_override(self, part: str) -> None:
        wanted = "/" + part.casefold()
        for override in self.types.findall(f"{{{NS_CT}}}Override"):
            if override.get("PartName", "").casefold() == wanted:
                self.types.remove(override)

    def ensure_rels_default(self) -> None:
        for default in self.types.findall(f"{{{NS_CT}}}Default"):
            if default.get("Extension", "").casefold() == "rels":
                return
        element = etree.Element(f"{{{NS_CT}}}Default", Extension="rels", ContentType=CT_RELS)
        self.types.insert(0, element)

    def add_rel(self, rel_type: str, target_part: str) -> str:
        used = {rel.get("Id") for rel in self.rels}
        number = len(used) + 1
        while f"rId{number}" in used:
            number += 1
        rid = f"rId{number}"
        etree.SubElement(self.rels, f"{{{NS_PKG_REL}}}Relationship", Id=rid, Type=rel_type,
                         Target=_relative(self.part, target_part))  # fmt: skip
        return rid

    # -- removal -------------------------------------------------------------------------------------------
    def removal_plan(self, doomed: list[_Sheet]) -> set[str]:
        """Parts to delete with these sheets: the sheet parts, their rels, and anything only they reached."""
        parts = {s.part for s in doomed if s.part}
        plan = set(parts) | {r for p in parts if (r := self.pkg.find(_rels_name(p)))}
        if any(self._internal_targets(p) for p in parts):
            graph = self._graph()
            doomed_ids = {s.element.get(f"{{{NS_R}}}id", "") for s in doomed}
            wb_key = self.part
            before = _reachable(graph, set())
            graph[wb_key] = [(t, rid) for t, rid in graph.get(wb_key, []) if rid not in doomed_ids]
            after = _reachable(graph, parts)
            for gone in before - after:
                plan.add(gone)
                rels = self.pkg.find(_rels_name(gone))
                if rels:
                    plan.add(rels)
        calc_chain = self.target(REL_CALC_CHAIN)
        if calc_chain is not None:
            ids = {s.sheet_id for s in doomed}
            used = {int(m) for m in re.findall(rb'\bi="(\d+)"', self.pkg.read(calc_chain))}
            if ids & used:  # a calcChain naming a deleted sheet makes Excel "repair" the file; it rebuilds it
                plan.add(calc_chain)
        return plan

    def _internal_targets(self, part: str) -> list[str]:
        rels = self.pkg.find(_rels_name(part))
        if rels is None:
            return []
        return [r.get("Target", "") for r in _parse_xml(self.pkg, rels) if r.get("TargetMode") != "External"]

    def _graph(self) -> dict[str, list[tuple[str, str]]]:
        graph: dict[str, list[tuple[str, str]]] = {}
        for info in self.pkg.infos:
            name = info.filename
            if not name.endswith(".rels") or name in self.pkg.removed:
                continue
            folder, base = posixpath.split(name)
            if posixpath.basename(folder) != "_rels":
                continue
            source = posixpath.join(posixpath.dirname(folder), base[: -len(".rels")])
            root = self.rels if name == self.rels_part else _parse_xml(self.pkg, name)
            edges = []
            for rel in root:
                if rel.get("TargetMode") != "External":
                    target = self.pkg.find(_resolve(source, rel.get("Target", "")))
                    if target:
                        edges.append((target, rel.get("Id", "")))
            graph[source] = edges
        return graph

    def target(self, rel_type: str, *, root: bool = False) -> str | None:
        """The part the first relationship of ``rel_type`` points to (package root's or the workbook's)."""
        for rel in self.root_rels if root else self.rels:
            if rel.get("Type") == rel_type:
                return self.pkg.find(_resolve("" if root else self.part, rel.get("Target", "")))
        return None

    def remove_sheets(self, doomed: list[_Sheet]) -> None:
        if not doomed:
            return
        plan = self.removal_plan(doomed)
        first_view = self.root.find(f"{_M}bookViews/{_M}workbookView")
        active = first_view.get("activeTab", "0") if first_view is not None else "0"
        if active.isdigit() and int(active) < len(self.sheets) and self.sheets[int(active)] in doomed:
            self.lost_active = self.sheets[int(active)].name.casefold()
        old_index = {id(s): i for i, s in enumerate(self.sheets)}
        keep = [s for s in self.sheets if s not in doomed]
        new_index = {old_index[id(s)]: i for i, s in enumerate(keep)}
        for name_el in self._defined_names():
            local = name_el.get("localSheetId")
            if local is None or not local.isdigit():
                continue
            if int(local) in new_index:
                if new_index[int(local)] != int(local):
                    name_el.set("localSheetId", str(new_index[int(local)]))
            elif int(local) < len(self.sheets):  # local to a removed sheet: nothing may point at it any more
                name_el.getparent().remove(name_el)
        for view in self.root.iterfind(f"{_M}bookViews/{_M}workbookView"):
            for attr in ("activeTab", "firstSheet"):
                value = view.get(attr)
                if value is not None and value.isdigit():
                    view.set(attr, str(new_index.get(int(value), -1)))  # -1: fixed once new sheets exist
        for sheet in doomed:
            self.sheets_el.remove(sheet.element)
        doomed_rids = {s.element.get(f"{{{NS_R}}}id", "") for s in doomed}
        lowered = {p.casefold() for p in plan}
        for rel in list(self.rels):  # relationships to the removed sheets and to anything else we delete
            internal = rel.get("TargetMode") != "External"
            target = _resolve(self.part, rel.get("Target", "")).casefold() if internal else ""
            if rel.get("Id") in doomed_rids or target in lowered:
                self.rels.remove(rel)
        for part in plan:
            self.pkg.remove(part)
            self.remove_override(part)
        self.sheets = keep
        holder = self.root.find(_M + "definedNames")
        if holder is not None and len(holder) == 0:
            self.root.remove(holder)

    def fix_views(self, preferred: dict[str, int]) -> int:
        """Keep activeTab/firstSheet valid and visible; return the active index.

        ``preferred`` maps casefolded names of the new sheets to their index, so a removed result sheet that was
        active hands the focus to its replacement.
        """
        visible = [i for i, s in enumerate(self.sheets) if s.element.get("state", "visible") == "visible"]
        fallback = visible[0] if visible else 0
        actives = []
        for view in self.root.iterfind(f"{_M}bookViews/{_M}workbookView"):
            value = _int(view.get("activeTab"))
            if value < 0:
                value = preferred.get(self.lost_active, fallback)
            if value not in visible:
                value = fallback
            if view.get("activeTab") is not None or value != 0:
                view.set("activeTab", str(value))
            first = view.get("firstSheet")
            if first is not None and not 0 <= _int(first) < len(self.sheets):
                view.set("firstSheet", "0")
            actives.append(value)
        active = actives[0] if actives else 0
        ids = {s.sheet_id for s in self.sheets}
        for custom in self.root.iterfind(f"{_M}customWorkbookViews/{_M}customWorkbookView"):
            if custom.get("activeSheetId", "").isdigit() and int(custom.get("activeSheetId", "")) not in ids:
                custom.set("activeSheetId", str(self.sheets[active].sheet_id))
        return active

    # -- saving --------------------------------------------------------------------------------------------
    def save(self) -> None:
        for part, root in ((self.part, self.root), (self.rels_part, self.rels), (self.types_part, self.types)):
            self.pkg.put(part, _serialise(root))


def _int(text: str | None) -> int:
    """An index attribute; missing or garbled counts as 0, our own "-1" placeholder as -1."""
    try:
        return int(text or "0")
    except ValueError:
        return 0


def _reachable(graph: dict[str, list[tuple[str, str]]], blocked: set[str]) -> set[str]:
    seen: set[str] = set()
    todo = [""]
    while todo:
        source = todo.pop()
        for target, _rid in graph.get(source, []):
            if target not in seen and target not in blocked:
                seen.add(target)
                todo.append(target)
    return seen


class _Styles:
    """Locates (or creates) the workbook's styles part and appends what our sheets need."""

    def __init__(self, book: _Workbook) -> None:
        self.book = book
        self.part = book.target(REL_STYLES)
        if self.part is None:  # some generators omit styles.xml; give the workbook a minimal one
            self.part = posixpath.join(posixpath.dirname(book.part), "styles.xml")
            book.pkg.added[self.part] = b""
            book.add_rel(REL_STYLES, self.part)
            book.set_override(self.part, CT_STYLES)
            self.book_styles = StyleBook(etree.fromstring(MINIMAL_STYLES_XML.encode(), _PARSER))
            self.book_styles.changed = True
        else:
            self.book_styles = StyleBook(_parse_xml(book.pkg, self.part))
        self.style_id = self.book_styles.style_id

    def save(self) -> None:
        if self.book_styles.changed:
            self.book.pkg.put(self.part, _serialise(self.book_styles.root))


def _update_app(book: _Workbook, old_names: list[str], new_names: list[str]) -> None:
    """Keep the sheet titles in docProps/app.xml in step; left alone unless its worksheet list matches exactly."""
    part = book.target(REL_EXTENDED, root=True)
    if part is None or old_names == new_names:
        return
    root = _parse_xml(book.pkg, part)
    vt = f"{{{NS_VT}}}"
    pairs = root.find(f"{{{NS_APP}}}HeadingPairs/{vt}vector")
    titles = root.find(f"{{{NS_APP}}}TitlesOfParts/{vt}vector")
    if pairs is None or titles is None:
        return
    variants = pairs.findall(f"{vt}variant")
    title_els = titles.findall(f"{vt}lpstr")
    start = 0
    for i in range(0, len(variants) - 1, 2):
        count_el = next((c for c in variants[i + 1] if isinstance(c.tag, str)), None)
        if count_el is None or not (count_el.text or "").strip().lstrip("-").isdigit():
            return
        count = int((count_el.text or "0").strip())
        if [t.text or "" for t in title_els[start : start + count]] == old_names:
            for element in title_els[start : start + count]:
                titles.remove(element)
            for offset, name in enumerate(new_names):
                titles.insert(start + offset, etree.Element(f"{vt}lpstr"))
                titles[start + offset].text = name
            count_el.text = str(len(new_names))
            titles.set("size", str(len(titles.findall(f"{vt}lpstr"))))
            book.pkg.put(part, _serialise(root))
            return
        start += count


# ------------------------------------------------------------------------------------------------------ public


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


def _fresh_part(pkg: _Package, folder: str) -> str:
    number = 1
    while pkg.find(posixpath.join(folder, f"sheet{number}.xml")) is not None:
        number += 1
    return posixpath.join(folder, f"sheet{number}.xml")


def write_result_sheets(package: bytes, sheets: Sequence[ResultSheet], *, replace_all: bool = True) -> bytes:
    """Return ``package`` with ``sheets`` appended after all staff sheets.

    ``replace_all=True`` first removes every product-created sheet; ``replace_all=False`` removes only those whose
    name one of ``sheets`` takes (case-insensitive) and keeps the other earlier results where they are.
    """
    wanted = [s.name.casefold() for s in sheets]
    if len(set(wanted)) != len(wanted):
        raise ValueError("result sheet names must be unique (case-insensitive)")
    pkg = _Package(package)
    book = _Workbook(pkg)
    before_names = [s.name for s in book.sheets if s.rel_type == REL_WORKSHEET]
    doomed = [s for s in book.sheets if s.ours and (replace_all or s.name.casefold() in wanted)]
    book.remove_sheets(doomed)

    taken = {s.name.casefold() for s in book.sheets}
    folder = posixpath.join(posixpath.dirname(book.part), "worksheets")
    # Ids of our removed sheets are reused so that an unchanged result gives an identical package (no churn in
    # history, and the watcher recognises its own output); nothing of the staff's can refer to our sheets' ids.
    next_id = max([s.sheet_id for s in book.sheets] + [0]) + 1
    planned: list[tuple[ResultSheet, str, _Sheet]] = []
    for result in sheets:
        name = _unique_name(result.name, taken)
        taken.add(name.casefold())
        part = _fresh_part(pkg, folder)
        pkg.added[part] = b""  # reserve the part name
        rid = book.add_rel(REL_WORKSHEET, part)
        element = etree.SubElement(book.sheets_el, _M + "sheet", name=name, sheetId=str(next_id), nsmap={"r": NS_R})
        element.set(f"{{{NS_R}}}id", rid)
        sheet = _Sheet(element, name, next_id, REL_WORKSHEET, part, ours=True)
        book.sheets.append(sheet)
        planned.append((result, name, sheet))
        next_id += 1
    if not book.sheets:
        raise ValueError("a workbook needs at least one sheet")
    preferred = {key.casefold(): book.sheets.index(s) for r, n, s in planned for key in (r.name, n)}
    active = book.fix_views(preferred)

    styles = _Styles(book)
    for result, name, sheet in planned:
        index = book.sheets.index(sheet)
        rendered = render_sheet(result, styles.style_id, name=name, code_name=marker_code_name(name),
                                selected=index == active)  # fmt: skip
        assert sheet.part is not None
        pkg.added[sheet.part] = rendered.xml
        book.set_override(sheet.part, CT_WORKSHEET)
        if rendered.external_targets:
            pkg.added[_rels_name(sheet.part)] = hyperlink_rels_xml(rendered.external_targets)
            book.ensure_rels_default()
        for dn_name, value in (("_xlnm._FilterDatabase", rendered.filter_range),
                               (RESULT_MARKER, f'"{marker_token(name)}"')):  # fmt: skip
            etree.SubElement(book.defined_names_el(), _M + "definedName", name=dn_name, localSheetId=str(index),
                             hidden="1").text = value  # fmt: skip
    styles.save()
    after_names = [s.name for s in book.sheets if s.rel_type == REL_WORKSHEET]
    _update_app(book, before_names, after_names)
    book.save()
    return pkg.to_bytes()


def result_sheet_names(package: bytes) -> list[str]:
    """Names of the product-created sheets in the package, in workbook order."""
    return [s.name for s in _Workbook(_Package(package)).sheets if s.ours]


def staff_part_names(package: bytes) -> frozenset[str]:
    """Every part a write-back must leave byte-identical: all but the editable parts and our own sheets."""
    pkg = _Package(package)
    book = _Workbook(pkg)
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
    writer = _ZipWriter()
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

