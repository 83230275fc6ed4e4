"""The parts around the sheets of a SpreadsheetML package, parsed and editable: XML read safely, relationships,
content types, the sheet list and defined names of the workbook part, styles and ``docProps/app.xml``.

:class:`Workbook` edits them on a :class:`~automation.xlsx.container.Package`: add and remove relationships and
content-type overrides, remove sheets together with everything only they reached (their relationships, parts only
they used, sheet-local names, a ``calcChain.xml`` naming them), keep the views valid. New relationship ids are
deterministic: a removed sheet's id is given back to the sheet that takes its place, any other new id is the next
number after the highest ``rIdN`` in use, so writing the same results twice gives the same bytes.

XML is parsed with entities and network access off; a part with a DTD is refused (:class:`PackageError`).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from urllib.parse import unquote

from lxml import etree

from .container import Package, PackageError
from .sheet_xml import MINIMAL_STYLES_XML, StyleBook, insert_in_order

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

M = f"{{{NS_MAIN}}}"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
_NUMBERED_ID = re.compile(r"rId(\d+)")
# Children of <workbook> that must precede <definedNames> (schema order), for when we have to create it.
_BEFORE_DEFINED_NAMES = {"fileVersion", "fileSharing", "workbookPr", "workbookProtection", "bookViews", "sheets",
                         "functionGroups", "externalReferences"}  # fmt: skip


def _dtd(name: str) -> PackageError:
    return PackageError(f"部件 {name} 含有 DTD 或实体定义，出于安全不予处理",
                        f"part {name} contains a DTD or entities, which are not allowed")  # fmt: skip


def parse_xml(pkg: Package, name: str) -> etree._Element:
    data = pkg.read(name)
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise _dtd(name)
    try:
        root = etree.fromstring(data, PARSER)
    except etree.XMLSyntaxError as exc:
        raise PackageError(f"部件 {name} 不是格式正确的 XML，工作簿已损坏",
                           f"part {name} is not well-formed XML ({exc})") from exc  # fmt: skip
    if root.getroottree().docinfo.doctype:  # also catches UTF-16 encoded DOCTYPEs
        raise _dtd(name)
    return root


def serialise(root: etree._Element) -> bytes:
    # Written by hand: lxml's own declaration uses single quotes, which some strict readers dislike.
    return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + etree.tostring(root, encoding="UTF-8",
                                                                                          xml_declaration=False)  # fmt: skip


def rels_name(part: str) -> str:
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


def resolve(source: str, target: str) -> str:
    target = unquote(target.split("#", 1)[0])
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def relative(source: str, part: str) -> str:
    return posixpath.relpath(part, posixpath.dirname(source) or ".")


@dataclass
class Sheet:
    element: etree._Element
    name: str
    sheet_id: int
    rel_type: str
    part: str | None
    ours: bool = False


class Workbook:
    """The workbook part, its relationships and the content types, parsed and editable."""

    def __init__(self, pkg: Package) -> None:
        self.pkg = pkg
        root_rels = pkg.find("_rels/.rels")
        if root_rels is None:
            raise PackageError("不是 Excel 工作簿（缺少 _rels/.rels）", "not an Excel workbook (missing _rels/.rels)")
        self.root_rels = parse_xml(pkg, root_rels)
        wb_target = None
        for rel in self.root_rels:
            rel_type = rel.get("Type", "")
            if rel_type.endswith("/officeDocument"):
                if rel_type != REL_OFFICE_DOCUMENT:
                    raise PackageError("不支持严格（Strict）格式的 OOXML 工作簿，请另存为普通的 .xlsx",
                                       "Strict Open XML workbooks are not supported; save as a normal .xlsx")
                wb_target = resolve("", rel.get("Target", ""))
        found = pkg.find(wb_target or "xl/workbook.xml")
        if found is None:
            raise PackageError("不是 Excel 工作簿（缺少 xl/workbook.xml）", "not an Excel workbook (missing xl/workbook.xml)")
        if found.casefold().endswith(".bin"):
            raise PackageError("不支持二进制 .xlsb 工作簿，请另存为 .xlsx", "binary .xlsb workbooks are not supported; save as .xlsx")
        self.part = found
        self.root = parse_xml(pkg, found)
        if self.root.tag != M + "workbook":
            raise PackageError(f"不是 Excel 工作簿（{found} 不是工作簿部件）",
                               f"not an Excel workbook ({found} is not a SpreadsheetML workbook)")
        rels_part = pkg.find(rels_name(found))
        if rels_part is None:
            raise PackageError(f"工作簿已损坏（缺少 {rels_name(found)}）", f"the workbook is damaged (missing {rels_name(found)})")
        self.rels_part = rels_part
        self.rels = parse_xml(pkg, rels_part)
        types_part = pkg.find("[Content_Types].xml")
        if types_part is None:
            raise PackageError("不是 Excel 工作簿（缺少 [Content_Types].xml）", "not an Excel workbook (missing [Content_Types].xml)")
        self.types_part = types_part
        self.types = parse_xml(pkg, types_part)
        self.sheets_el = self.root.find(M + "sheets")
        if self.sheets_el is None:
            self.sheets_el = etree.SubElement(self.root, M + "sheets")
        self.sheets = [self._sheet(el) for el in self.sheets_el.findall(M + "sheet")]
        self.lost_active = ""  # casefolded name of an active sheet we removed
        self.freed_ids: dict[str, str] = {}  # casefolded name of a removed sheet -> its relationship id

    def _sheet(self, element: etree._Element) -> Sheet:
        rid = element.get(f"{{{NS_R}}}id")
        rel = self.rel_by_id(rid) if rid else None
        part = self.pkg.find(resolve(self.part, rel.get("Target", ""))) if rel is not None else None
        sheet_id = element.get("sheetId", "0")
        return Sheet(element, element.get("name", ""), int(sheet_id) if sheet_id.isdigit() else 0,
                     rel.get("Type", "") if rel is not None else "", part)  # fmt: skip

    def local_names(self, name: str) -> dict[int, str]:
        """Sheet index -> value of the sheet-local defined names called ``name``."""
        found: dict[int, str] = {}
        for name_el in self.defined_names():
            if name_el.get("name") == name and name_el.get("localSheetId", "").isdigit():
                found[int(name_el.get("localSheetId", ""))] = (name_el.text or "").strip()
        return found

    def rel_by_id(self, rid: str) -> etree._Element | None:
        return next((rel for rel in self.rels if rel.get("Id") == rid), None)

    def defined_names(self) -> list[etree._Element]:
        holder = self.root.find(M + "definedNames")
        return [] if holder is None else list(holder.findall(M + "definedName"))

    def defined_names_el(self) -> etree._Element:
        holder = self.root.find(M + "definedNames")
        if holder is None:
            holder = insert_in_order(self.root, etree.Element(M + "definedNames"), _BEFORE_DEFINED_NAMES)
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

    def add_rel(self, rel_type: str, target_part: str, *, reuse: str | None = None) -> str:
        """Add a relationship of the workbook part; its id is ``reuse`` when that is free (the id of the sheet
        this one replaces), else the next number after the highest ``rIdN`` in use. Never ``len + 1``: that
        depends on how many relationships were removed before and renumbers ours from one run to the next."""
        used = {rel.get("Id") for rel in self.rels}
        if reuse and reuse not in used:
            rid = reuse
        else:
            numbers = [int(m[1]) for u in used if u and (m := _NUMBERED_ID.fullmatch(u))]
            number = max(numbers, default=0) + 1
            while f"rId{number}" in used:  # defensive: max + 1 is free unless ids are spelt oddly
                number += 1
            rid = f"rId{number}"
        etree.SubElement(self.rels, f"{{{NS_PKG_REL}}}Relationship", Id=rid, Type=rel_type,
                         Target=relative(self.part, target_part))  # fmt: skip
        return rid

    # -- removal -------------------------------------------------------------------------------------------
    def removal_plan(self, doomed: list[Sheet]) -> set[str]:
        """Parts to delete with these sheets: the sheet parts, their rels, and anything only they reached."""
        parts = {s.part for s in doomed if s.part}
        plan = set(parts) | {r for p in parts if (r := self.pkg.find(rels_name(p)))}
        if any(self._internal_targets(p) for p in parts):
            graph = self._graph()
            doomed_ids = {s.element.get(f"{{{NS_R}}}id", "") for s in doomed}
            wb_key = self.part
            before = reachable(graph, set())
            graph[wb_key] = [(t, rid) for t, rid in graph.get(wb_key, []) if rid not in doomed_ids]
            after = reachable(graph, parts)
            for gone in before - after:
                plan.add(gone)
                rels = self.pkg.find(rels_name(gone))
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
        rels = self.pkg.find(rels_name(part))
        if rels is None:
            return []
        return [r.get("Target", "") for r in parse_xml(self.pkg, rels) if r.get("TargetMode") != "External"]

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
            root = self.rels if name == self.rels_part else parse_xml(self.pkg, name)
            edges = []
            for rel in root:
                if rel.get("TargetMode") != "External":
                    target = self.pkg.find(resolve(source, rel.get("Target", "")))
                    if target:
                        edges.append((target, rel.get("Id", "")))
            graph[source] = edges
        return graph

    def target(self, rel_type: str, *, root: bool = False) -> str | None:
        """The part the first relationship of ``rel_type`` points to (package root's or the workbook's)."""
        for rel in self.root_rels if root else self.rels:
            if rel.get("Type") == rel_type:
                return self.pkg.find(resolve("" if root else self.part, rel.get("Target", "")))
        return None

    def remove_sheets(self, doomed: list[Sheet]) -> None:
        if not doomed:
            return
        plan = self.removal_plan(doomed)
        first_view = self.root.find(f"{M}bookViews/{M}workbookView")
        active = first_view.get("activeTab", "0") if first_view is not None else "0"
        if active.isdigit() and int(active) < len(self.sheets) and self.sheets[int(active)] in doomed:
            self.lost_active = self.sheets[int(active)].name.casefold()
        old_index = {id(s): i for i, s in enumerate(self.sheets)}
        keep = [s for s in self.sheets if s not in doomed]
        new_index = {old_index[id(s)]: i for i, s in enumerate(keep)}
        had_names = bool(self.defined_names())
        for name_el in self.defined_names():
            local = name_el.get("localSheetId")
            if local is None or not local.isdigit():
                continue
            if int(local) in new_index:
                if new_index[int(local)] != int(local):
                    name_el.set("localSheetId", str(new_index[int(local)]))
            elif int(local) < len(self.sheets):  # local to a removed sheet: nothing may point at it any more
                name_el.getparent().remove(name_el)
        for view in self.root.iterfind(f"{M}bookViews/{M}workbookView"):
            for attr in ("activeTab", "firstSheet"):
                value = view.get(attr)
                if value is not None and value.isdigit():
                    view.set(attr, str(new_index.get(int(value), -1)))  # -1: fixed once new sheets exist
        for sheet in doomed:
            self.sheets_el.remove(sheet.element)
            self.freed_ids.setdefault(sheet.name.casefold(), sheet.element.get(f"{{{NS_R}}}id", ""))
        doomed_rids = {s.element.get(f"{{{NS_R}}}id", "") for s in doomed}
        lowered = {p.casefold() for p in plan}
        for rel in list(self.rels):  # relationships to the removed sheets and to anything else we delete
            internal = rel.get("TargetMode") != "External"
            target = resolve(self.part, rel.get("Target", "")).casefold() if internal else ""
            if rel.get("Id") in doomed_rids or target in lowered:
                self.rels.remove(rel)
        for part in plan:
            self.pkg.remove(part)
            self.remove_override(part)
        self.sheets = keep
        holder = self.root.find(M + "definedNames")
        if holder is not None and len(holder) == 0 and had_names:  # emptied by us (an empty one of theirs stays)
            self.root.remove(holder)

    def fix_views(self, preferred: dict[str, int]) -> int:
        """Keep activeTab/firstSheet valid and visible; return the active index.

        ``preferred`` maps casefolded names of the new sheets to their index, so a removed result sheet that was
        active hands the focus to its replacement.
        """
        visible = [i for i, s in enumerate(self.sheets) if s.element.get("state", "visible") == "visible"]
        fallback = visible[0] if visible else 0
        actives = []
        for view in self.root.iterfind(f"{M}bookViews/{M}workbookView"):
            value = int_attr(view.get("activeTab"))
            if value < 0:
                value = preferred.get(self.lost_active, fallback)
            if value not in visible:
                value = fallback
            if view.get("activeTab") is not None or value != 0:
                view.set("activeTab", str(value))
            first = view.get("firstSheet")
            if first is not None and not 0 <= int_attr(first) < len(self.sheets):
                view.set("firstSheet", "0")
            actives.append(value)
        active = actives[0] if actives else 0
        ids = {s.sheet_id for s in self.sheets}
        for custom in self.root.iterfind(f"{M}customWorkbookViews/{M}customWorkbookView"):
            if custom.get("activeSheetId", "").isdigit() and int(custom.get("activeSheetId", "")) not in ids:
                custom.set("activeSheetId", str(self.sheets[active].sheet_id))
        return active

    # -- saving --------------------------------------------------------------------------------------------
    def save(self) -> None:
        for part, root in ((self.part, self.root), (self.rels_part, self.rels), (self.types_part, self.types)):
            self.pkg.put(part, serialise(root))


def int_attr(text: str | None) -> int:
    """An index attribute; missing or garbled counts as 0, our own "-1" placeholder as -1."""
    try:
        return int(text or "0")
    except ValueError:
        return 0


def reachable(graph: dict[str, list[tuple[str, str]]], blocked: set[str]) -> set[str]:
    seen: set[str] = set()
    todo = [""]
    while todo:
        source = todo.pop()
        for target, _rid in graph.get(source, []):
            if target not in seen and target not in blocked:
                seen.add(target)
                todo.append(target)
    return seen


class Styles:
    """Locates (or creates) the workbook's styles part and appends what our sheets need."""

    def __init__(self, book: Workbook) -> None:
        self.book = book
        self.part = book.target(REL_STYLES)
        if self.part is None:  # some generators omit styles.xml; give the workbook a minimal one
            self.part = posixpath.join(posixpath.dirname(book.part), "styles.xml")
            book.pkg.added[self.part] = b""
            book.add_rel(REL_STYLES, self.part)
            book.set_override(self.part, CT_STYLES)
            self.book_styles = StyleBook(etree.fromstring(MINIMAL_STYLES_XML.encode(), PARSER))
            self.book_styles.changed = True
        else:
            self.book_styles = StyleBook(parse_xml(book.pkg, self.part))
        self.style_id = self.book_styles.style_id
        self.dxf_id = self.book_styles.dxf_id  # looks of conditional formats (dxfs)

    def save(self) -> None:
        if self.book_styles.changed:
            self.book.pkg.put(self.part, serialise(self.book_styles.root))


def update_app(book: Workbook, old_names: list[str], new_names: list[str]) -> None:
    """Keep the sheet titles in docProps/app.xml in step; left alone unless its worksheet list matches exactly."""
    part = book.target(REL_EXTENDED, root=True)
    if part is None or old_names == new_names:
        return
    root = parse_xml(book.pkg, part)
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
            book.pkg.put(part, serialise(root))
            return
        start += count


