"""Simulated staff saves of a real 叫修登记簿, each leaving a unique marker in a staff cell (issue 9).

Save number ``i`` reads whatever bytes are at the workbook's path *now* (possibly with our result sheets in
it), appends the marker ``M{i:05d}`` to the 备注 cell of the first data row of the 叫修登记 sheet (markers
accumulate), rebuilds the zip package (every other member with the same content, in the same order) and
writes it the way Excel does (a ``~WRL<n>.tmp`` file in the same folder renamed onto the name) or the way
LibreOffice and copies from a share do (an in-place ``open("wb")`` write). The marker always lives in the
staff sheet part, which the product copies byte-identically when it writes results back, so :func:`markers_in`
tells which staff saves a file (the workbook, or a history copy) holds. A save of a small register takes a
few milliseconds.
"""

from __future__ import annotations

import html
import io
import os
import re
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Literal

STAFF_SHEET = "叫修登记"
NOTE_HEADER = "备注"
Style = Literal["excel", "inplace"]
STYLES: tuple[Style, Style] = ("excel", "inplace")

STAFF_TEMP = re.compile(r"~WRL\d{4}\.tmp")  # the simulated Excel's own temporary file
MARKER = re.compile(rb"(?<![0-9A-Za-z])M\d{5}(?![0-9])")
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_ATTR = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')
_REL = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_ROW = re.compile(rb"<row\b[^>]*?(?:/>|>.*?</row>)", re.S)
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_TEXT = re.compile(rb"<t\b[^>]*?(?:/>|>(.*?)</t>)", re.S)
_SI = re.compile(rb"<si\b[^>]*?(?:/>|>(.*?)</si>)", re.S)
_V = re.compile(rb"<v>(.*?)</v>", re.S)


def marker(i: int) -> str:
    """The marker of staff save number ``i``."""
    return f"M{i:05d}"


def _attrs(tag: bytes) -> dict[bytes, bytes]:
    return {k.split(b":")[-1] if k.startswith(b"r:") else k: v for k, v in _ATTR.findall(tag)}


def _staff_part(zf: zipfile.ZipFile) -> str:
    """The zip member of the 叫修登记 sheet (workbook.xml → its relationship → the part)."""
    workbook = zf.read("xl/workbook.xml")
    rid = None
    for tag in _SHEET.findall(workbook):
        attrs = _attrs(tag)
        if html.unescape(attrs.get(b"name", b"").decode("utf-8")) == STAFF_SHEET:
            rid = attrs.get(b"id")
            break
    if rid is None:
        raise ValueError(f"no sheet {STAFF_SHEET!r} in the workbook")
    for tag in _REL.findall(zf.read("xl/_rels/workbook.xml.rels")):
        attrs = _attrs(tag)
        if attrs.get(b"Id") == rid:
            target = attrs[b"Target"].decode("utf-8")
            if target.startswith("/"):
                return target.lstrip("/")
            parts: list[str] = []
            for piece in PurePosixPath("xl", target).parts:
                if piece == "..":
                    parts.pop()
                elif piece != ".":
                    parts.append(piece)
            return "/".join(parts)
    raise ValueError(f"sheet {STAFF_SHEET!r} has no relationship {rid!r}")


def _shared_strings(zf: zipfile.ZipFile) -> list[bytes]:
    try:
        data = zf.read("xl/sharedStrings.xml")
    except KeyError:
        return []
    return [b"".join(t or b"" for t in _TEXT.findall(si or b"")) for si in _SI.findall(data)]


def _cell_ref(attrs: bytes) -> tuple[str, int] | None:
    m = re.search(rb'\br="([A-Z]+)(\d+)"', attrs)
    return (m.group(1).decode(), int(m.group(2))) if m else None


def _cell_text(attrs: bytes, body: bytes | None, shared: list[bytes]) -> str:
    """The text of a cell as XML-escaped content is decoded (inline or shared string, or a plain value)."""
    if body is None:
        return ""
    if b't="s"' in attrs:
        v = _V.search(body)
        raw = shared[int(v.group(1))] if v else b""
    elif b't="inlineStr"' in attrs:
        raw = b"".join(t or b"" for t in _TEXT.findall(body))
    else:
        v = _V.search(body)
        raw = v.group(1) if v else b""
    return html.unescape(raw.decode("utf-8"))


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _rows(xml: bytes) -> Iterator[re.Match[bytes]]:
    start = xml.find(b"<sheetData")
    return _ROW.finditer(xml, start if start >= 0 else 0)


def _note_cell(xml: bytes, shared: list[bytes]) -> tuple[re.Match[bytes], str, int, re.Match[bytes] | None]:
    """(first data row, column of 备注, its row number, the 备注 cell of that row or None)."""
    column: str | None = None
    for row in _rows(xml):
        if column is None:
            for cell in _CELL.finditer(row.group(0)):
                if _cell_text(cell.group(1), cell.group(2), shared).strip() == NOTE_HEADER:
                    column = (_cell_ref(cell.group(1)) or ("", 0))[0]
                    break
            continue
        number = int(re.search(rb'\br="(\d+)"', row.group(0)).group(1))  # type: ignore[union-attr]
        for cell in _CELL.finditer(row.group(0)):
            ref = _cell_ref(cell.group(1))
            if ref is not None and ref[0] == column:
                return row, column, number, cell
        return row, column, number, None
    raise ValueError(f"no data row under a {NOTE_HEADER!r} header in the {STAFF_SHEET} sheet")


def _inline(ref: str, text: bytes, style: bytes) -> bytes:
    return b'<c r="' + ref.encode() + b'"' + style + b' t="inlineStr"><is><t xml:space="preserve">' + text + b"</t></is></c>"


def _with_marker(xml: bytes, shared: list[bytes], mark: str) -> bytes:
    row, column, number, cell = _note_cell(xml, shared)
    ref = f"{column}{number}"
    body = row.group(0)
    if cell is None:  # no 备注 cell yet: insert one in column order
        new_cell = _inline(ref, mark.encode(), b"")
        at = body.rfind(b"</row>")
        if at < 0:  # <row .../>: give it content
            new_row = body[:-2] + b">" + new_cell + b"</row>"
        else:
            at_cell = next((c.start() for c in _CELL.finditer(body)
                            if (r := _cell_ref(c.group(1))) and _col_number(r[0]) > _col_number(column)), at)
            new_row = body[:at_cell] + new_cell + body[at_cell:]
    else:
        attrs, inner = cell.group(1), cell.group(2)
        style = m.group(0) if (m := re.search(rb'\ss="\d+"', attrs)) else b""
        if inner is not None and b't="inlineStr"' in attrs and (texts := list(_TEXT.finditer(inner))):
            last = texts[-1]
            old = last.group(1) or b""
            content = old + (b" " if old else b"") + mark.encode()
            new_inner = inner[: last.start()] + b'<t xml:space="preserve">' + content + b"</t>" + inner[last.end():]
            new_cell = b"<c" + attrs + b">" + new_inner + b"</c>"
        else:  # shared string, number or empty: the same text plus the marker, as an inline string
            old = html.escape(_cell_text(attrs, inner, shared), quote=False).encode()
            new_cell = _inline(ref, old + (b" " if old else b"") + mark.encode(), style)
        new_row = body[: cell.start()] + new_cell + body[cell.end():]
    return xml[: row.start()] + new_row + xml[row.end():]


def add_marker(data: bytes, mark: str) -> bytes:
    """The workbook ``data`` with ``mark`` appended to the 备注 cell of the first 叫修登记 data row."""
    source = zipfile.ZipFile(io.BytesIO(data))
    part = _staff_part(source)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == part:
                content = _with_marker(content, _shared_strings(source), mark)
            target.writestr(info, content, compress_type=info.compress_type, compresslevel=1)
    return out.getvalue()


def markers_in(source: Path | str | bytes) -> set[str]:
    """Every marker in the 备注 cell of the first 叫修登记 data row of a workbook (a path or its bytes)."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        xml = zf.read(_staff_part(zf))
        shared = _shared_strings(zf)
    _row, _column, _number, cell = _note_cell(xml, shared)
    if cell is None:
        return set()
    text = _cell_text(cell.group(1), cell.group(2), shared).encode()
    return {m.decode() for m in MARKER.findall(text)}


def read_current(path: Path, timeout: float = 2.0) -> bytes:
    """The bytes at ``path`` now; waits briefly if the name is missing for a moment (a rename in flight)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.001)


def write_excel_style(path: Path, data: bytes, n: int = 0) -> None:
    """Excel: the new content into ``~WRL<n>.tmp`` beside the workbook, renamed onto the name."""
    tmp = path.with_name(f"~WRL{n % 10000:04d}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def write_in_place(path: Path, data: bytes) -> None:
    """LibreOffice / a copy from a share: the workbook itself truncated and written."""
    with open(path, "wb") as fh:
        fh.write(data)


def staff_save(path: Path, i: int, style: Style = "excel") -> bytes:
    """Staff save number ``i``: the current content plus ``M{i:05d}``, written in ``style``; returns the bytes."""
    data = add_marker(read_current(path), marker(i))
    if style == "excel":
        write_excel_style(path, data, i)
    else:
        write_in_place(path, data)
    return data


def style_of(i: int) -> Style:
    """Save styles alternate: even saves Excel-style, odd saves in place."""
    return STYLES[i % 2]
