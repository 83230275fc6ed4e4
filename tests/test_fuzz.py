"""A fuzzer for ``automation validate`` on damaged registers (issue 11: bounded and safe on any input).

Valid registers (the sample generator's 叫修登记簿: plain, with shared strings, stored members and data
descriptors, and with a chart, a table and comments) are mutated and run through the command line with write-back
on. Content mutations change parts before the zip is rebuilt: an XML element deleted or duplicated, an attribute
given a bad value, a cell value made huge or odd, odd characters (control characters, invalid UTF-8, lone
surrogates, right-to-left marks) in text, an entity declaration, a member dropped, random strings, numbers and
dates typed into register cells. Container mutations then damage the zip itself: truncation, a duplicate member
name, corrupt bytes inside a compressed member, wrong declared sizes, another compression method, garbage around it.

Each example must keep the promises checked by :func:`test_corpus.check_outcome`: exit 0, 1 or 2, no traceback,
one line and the file untouched on 2, staff parts byte-identical on 0/1 (and the result still opening where the
input did). Examples are derandomized (the same in every run); ``AUTOMATION_FUZZ_EXAMPLES`` sets how many (default
150: about 30 s for this file on a 2-core machine under load, 25 s of it the examples; 1,500 take about 5 minutes).
``pytest --hypothesis-show-statistics`` shows how they ended (refused, checked only, written). A failing example is
shrunk before it is shown, which can take minutes.
"""

from __future__ import annotations

import copy
import io
import os
import re
import shutil
import struct
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lxml import etree
from test_corpus import (
    BRANCH,
    callins_register,
    check_outcome,
    pack,
    parts_in_order,
    run_validate,
    shared_strings,
    with_openpyxl_features,
)

from automation.templates import settings_text

EXAMPLES = int(os.environ.get("AUTOMATION_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,  # the same examples in every run: CI is deterministic
    database=None,
    deadline=None,
    # capsys is read out at the start of every example, so sharing it across examples is safe.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)

Draw = Callable[[st.SearchStrategy], object]
REGISTER_SHEET = "xl/worksheets/sheet1.xml"


@pytest.fixture(scope="module")
def bases() -> dict[str, bytes]:
    """Small valid registers, built once: an example costs one command, not one workbook generation."""
    plain = callins_register(rows=3)
    return {"plain": plain, "shared-stored-descriptors": shared_strings(plain),
            "chart-table-comments": with_openpyxl_features(plain)}  # fmt: skip


# --------------------------------------------------------------------------------------- content mutations

BAD_ATTRIBUTE_VALUES = (b"", b"-1", b"0", b"99999999999999999999", b"A0", b"XFD1048577", b"ZZZZ9", b"1:1", b"NaN",
                        b"1e309", b"\x01", b"\xff\xfe", b"&amp;", b"&lt;x", b"x\"y", b" ", b"rId999",
                        b"../../../outside/x", b"/xl/worksheets/sheet1.xml", "名".encode())  # fmt: skip
ODD_NUMBERS = (b"1e308", b"-1e308", b"1e400", b"NaN", b"INF", b"-inf", b"99999999999999999999999999999", b"0x10",
               b"", b"-0", b"4.9e-324", b"2958466", b"2958465.99999999", b"-693594", b"60", b"0.5", b"1,5", b" 7 ")
ODD_TEXT = ("\x00", "\x0b", "\x1f", "\ufffe", "\uffff", "\U0001f600", "\u202e右到左", "&#0;", "&#x1F;", "]]>",
            "<![CDATA[x]]>", "\r\n", "x" * 40_000, "＝SUM(A1)", "=1+1", "@", "\u3000", "\ud800")  # fmt: skip
DOCTYPES = (
    b'<!DOCTYPE x [<!ENTITY e "boom">]>',
    b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;">]>',
    b'<!DOCTYPE x SYSTEM "urn:example:none">',
    b'<!DOCTYPE x [<!ENTITY ext SYSTEM "file:///nonexistent/secret">]>',
)


def xml_parts(parts: dict[str, bytes]) -> list[str]:
    return sorted(n for n in parts if n.endswith((".xml", ".rels")))


def _parsed(data: bytes) -> etree._Element | None:
    try:
        return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return None


def delete_or_duplicate_element(parts: dict[str, bytes], draw: Draw) -> None:
    name = draw(st.sampled_from(xml_parts(parts)))
    root = _parsed(parts[name])
    if root is None:
        return
    elements = [e for e in root.iter() if e is not root and isinstance(e.tag, str)]
    if not elements:
        return
    element = elements[draw(st.integers(0, len(elements) - 1))]
    if draw(st.booleans()):
        element.getparent().remove(element)
    else:
        element.addnext(copy.deepcopy(element))
    parts[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def bad_attribute(parts: dict[str, bytes], draw: Draw) -> None:
    name = draw(st.sampled_from(xml_parts(parts)))
    found = list(re.finditer(rb'(\s[\w:]+=")([^"]*)(")', parts[name]))
    if not found:
        return
    match = found[draw(st.integers(0, len(found) - 1))]
    value = draw(st.sampled_from(BAD_ATTRIBUTE_VALUES))
    parts[name] = parts[name][: match.start(2)] + value + parts[name][match.end(2) :]


def odd_number(parts: dict[str, bytes], draw: Draw) -> None:
    name = draw(st.sampled_from([n for n in xml_parts(parts) if b"<v>" in parts[n]] or [REGISTER_SHEET]))
    found = list(re.finditer(rb"<v>([^<]*)</v>", parts.get(name, b"")))
    if not found:
        return
    match = found[draw(st.integers(0, len(found) - 1))]
    parts[name] = parts[name][: match.start(1)] + draw(st.sampled_from(ODD_NUMBERS)) + parts[name][match.end(1) :]


def odd_characters(parts: dict[str, bytes], draw: Draw) -> None:
    name = draw(st.sampled_from(xml_parts(parts)))
    found = list(re.finditer(rb"<(?:\w+:)?t(?: [^>]*)?>([^<]*)<", parts[name])) or list(re.finditer(rb">([^<]*)<",
                                                                                                       parts[name]))
    if not found:
        return
    match = found[draw(st.integers(0, len(found) - 1))]
    text = draw(st.sampled_from(ODD_TEXT)).encode("utf-8", "surrogatepass")
    raw = draw(st.sampled_from((b"", b"\xff", b"\xc3", b"\xed\xa0\x80")))  # invalid UTF-8 as well
    parts[name] = parts[name][: match.start(1)] + text + raw + parts[name][match.end(1) :]


def entity_declaration(parts: dict[str, bytes], draw: Draw) -> None:
    name = draw(st.sampled_from(xml_parts(parts)))
    doctype = draw(st.sampled_from(DOCTYPES))
    data = parts[name]
    end = data.find(b"?>") + 2 if data.startswith(b"<?xml") else 0
    data = data[:end] + doctype + data[end:]
    if b"ENTITY c" in doctype or b"ENTITY e" in doctype:  # use the entity, so an expanding parser would expand it
        data = re.sub(rb"(<(?:\w+:)?t(?: [^>]*)?>)", rb"\1&" + (b"c" if b"ENTITY c" in doctype else b"e") + b";",
                      data, count=1)  # fmt: skip
    parts[name] = data


def drop_member(parts: dict[str, bytes], draw: Draw) -> None:
    del parts[draw(st.sampled_from(sorted(parts)))]


CELL = re.compile(rb'<c r="([A-Z]+)([3-9]|\d\d+)"[^>]*?(?:/>|>.*?</c>)', re.S)
SAFE_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\t\n"), max_size=24)


def _escape(text: str) -> bytes:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode()


def random_cell_values(parts: dict[str, bytes], draw: Draw) -> None:
    """Random values typed into the register's data cells (rows 3 on: row 1 is the title, row 2 the header)."""
    sheet = parts.get(REGISTER_SHEET, b"")
    cells = list(CELL.finditer(sheet))
    for _ in range(draw(st.integers(1, 4))):
        if not cells:
            return
        match = cells[draw(st.integers(0, len(cells) - 1))]
        ref = match.group(1) + match.group(2)
        value = draw(st.one_of(
            SAFE_TEXT.map(lambda t: b' t="inlineStr"><is><t xml:space="preserve">' + _escape(t) + b"</t></is></c>"),
            st.floats(allow_nan=True, allow_infinity=True).map(lambda f: b"><v>" + repr(f).encode() + b"</v></c>"),
            st.integers(-(10**20), 10**20).map(lambda i: b"><v>" + str(i).encode() + b"</v></c>"),
            # date and date-time serials, in the styles the register uses for them (s="3" is yyyy-mm-dd hh:mm)
            st.floats(0, 2958465.99).map(lambda f: b' s="3"><v>' + repr(f).encode() + b"</v></c>"),
            st.sampled_from((b' t="b"><v>1</v></c>', b' t="e"><v>#N/A</v></c>', b"><f>1/0</f><v>#DIV/0!</v></c>",
                             b' t="s"><v>99999</v></c>', ' t="str"><v>公式结果</v></c>'.encode(), b' t="d"><v>2026-11-20T09:30:00</v></c>',
                             b"/>")),
        ))  # fmt: skip
        cell = b'<c r="' + ref + b'"' + value if value != b"/>" else b'<c r="' + ref + b'"/>'
        sheet = sheet[: match.start()] + cell + sheet[match.end() :]
        cells = list(CELL.finditer(sheet))
    parts[REGISTER_SHEET] = sheet


CONTENT_MUTATIONS = (delete_or_duplicate_element, bad_attribute, odd_number, odd_characters, entity_declaration,
                     drop_member, random_cell_values, random_cell_values)  # fmt: skip


# ------------------------------------------------------------------------------------- container mutations


def _headers(data: bytes) -> list[tuple[int, bool]]:
    """(offset, is_central) of every local and central header signature in ``data``."""
    found = []
    for signature, central in ((b"PK\x03\x04", False), (b"PK\x01\x02", True)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            found.append((start, central))
            start += 4
    return sorted(found)


def _member_payloads(data: bytes) -> list[tuple[int, int]]:
    """(start, length) of each member's compressed bytes."""
    spans = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
            spans.append((info.header_offset + 30 + name_len + extra_len, info.compress_size))
    return spans


def truncate(data: bytes, draw: Draw) -> bytes:
    return data[: draw(st.integers(0, len(data) - 1))]


def corrupt_member(data: bytes, draw: Draw) -> bytes:
    spans = [s for s in _member_payloads(data) if s[1]]
    start, length = spans[draw(st.integers(0, len(spans) - 1))]
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 3))):
        out[start + draw(st.integers(0, length - 1))] ^= draw(st.integers(1, 255))
    return bytes(out)


def wrong_sizes(data: bytes, draw: Draw) -> bytes:
    """A declared size (compressed or not) changed in a local and/or central header."""
    headers = _headers(data)
    offset, central = headers[draw(st.integers(0, len(headers) - 1))]
    field = draw(st.sampled_from(("compressed", "uncompressed", "crc")))
    at = {"crc": 16, "compressed": 20, "uncompressed": 24}[field] - (0 if central else 2)
    value = draw(st.sampled_from((0, 1, 0xFFFFFFFF, 0x7FFF0000))) if draw(st.booleans()) else None
    out = bytearray(data)
    old = struct.unpack_from("<L", out, offset + at)[0]
    struct.pack_into("<L", out, offset + at, value if value is not None else max(0, old + draw(st.integers(-64, 64))))
    return bytes(out)


def compression_method(data: bytes, draw: Draw) -> bytes:
    headers = _headers(data)
    out = bytearray(data)
    chosen = draw(st.lists(st.integers(0, len(headers) - 1), min_size=1, max_size=3))
    method = draw(st.sampled_from((0, 1, 8, 9, 12, 14, 93, 99, 0xFFFF)))
    for index in chosen:
        offset, central = headers[index]
        struct.pack_into("<H", out, offset + (10 if central else 8), method)
    return bytes(out)


def duplicate_name(data: bytes, draw: Draw) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
    name = draw(st.sampled_from(names))
    if draw(st.booleans()):
        name = name.upper() if name != name.upper() else name.lower()  # part names are case-insensitive (OPC)
    buffer = io.BytesIO(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate it is asked to write
        with zipfile.ZipFile(buffer, "a") as zf:
            zf.writestr(name, draw(st.sampled_from((b"", b"<x/>", b"\x00" * 10))))
    return buffer.getvalue()


def garbage_around(data: bytes, draw: Draw) -> bytes:
    junk = draw(st.binary(min_size=1, max_size=64))
    return junk + data if draw(st.booleans()) else data + junk


def flip_anywhere(data: bytes, draw: Draw) -> bytes:
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        out[draw(st.integers(0, len(out) - 1))] = draw(st.integers(0, 255))
    return bytes(out)


CONTAINER_MUTATIONS = (truncate, corrupt_member, wrong_sizes, compression_method, duplicate_name, garbage_around,
                       flip_anywhere)  # fmt: skip


# ---------------------------------------------------------------------------------------------------- the test


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@FUZZ
@given(data=st.data())
def test_validate_keeps_its_promises_on_mutated_registers(data: st.DataObject, bases: dict[str, bytes], scratch: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    base = data.draw(st.sampled_from(sorted(bases)), label="base")
    package = bases[base]
    mutations = data.draw(st.lists(st.sampled_from(CONTENT_MUTATIONS), max_size=3), label="content")
    if mutations:
        parts = parts_in_order(package)
        for mutate in mutations:
            if parts:
                mutate(parts, data.draw)
        # Rebuilt as the base was written: the stored/data-descriptor base stays so.
        streaming = base == "shared-stored-descriptors"
        package = pack(parts, stored=lambda n: streaming and n == REGISTER_SHEET, descriptors=streaming)
    container = data.draw(st.sampled_from((None, *CONTAINER_MUTATIONS)), label="container")
    if container is not None and package:
        package = container(package, data.draw)

    root = scratch / "root"
    shutil.rmtree(root, ignore_errors=True)
    (root / BRANCH).mkdir(parents=True)
    (root / "automation.toml").write_text(settings_text(), encoding="utf-8")
    suffix = data.draw(st.sampled_from((".xlsx", ".xlsm")), label="suffix")
    path = root / BRANCH / f"叫修登记簿{suffix}"
    path.write_bytes(package)
    code, out, err = run_validate(path, capsys)
    outcome = check_outcome(path, package, code, out, err)
    # pytest --hypothesis-show-statistics shows how the examples ended: refused, checked only, or written.
    event(f"exit {code}, {'written' if outcome.written else 'untouched'}")


def test_the_fuzzer_reaches_every_outcome(bases: dict[str, bytes], scratch: Path, capsys) -> None:
    """The mutations are not all refused at the door: a clean base is written back, a truncated one refused,
    and damage in a part only write-back reads leaves the register checked but untouched."""
    seen = set()
    for name, package in (("clean", bases["plain"]), ("truncated", bases["plain"][:200]),
                          ("app-xml-damaged", _with_part(bases["plain"], "docProps/app.xml", b"<Properties"))):  # fmt: skip
        root = scratch / name
        (root / BRANCH).mkdir(parents=True)
        path = root / BRANCH / "叫修登记簿.xlsx"
        path.write_bytes(package)
        code, out, err = run_validate(path, capsys)
        outcome = check_outcome(path, package, code, out, err)
        seen.add((name, code == 2, outcome.written))
    assert seen == {("clean", False, True), ("truncated", True, False), ("app-xml-damaged", False, False)}


@pytest.mark.parametrize("value", [b"-1e17", b"-inf"])
def test_a_hugely_negative_date_serial_is_refused_in_one_line_not_a_crash(value: bytes, bases: dict[str, bytes],
                                                                     scratch: Path, capsys) -> None:  # fmt: skip
    """Found by the fuzzer (minimised): 来电时间 (B3, format yyyy-mm-dd hh:mm) holding a negative serial far out of
    range. python-calamine panics on it (a PanicException, which is a BaseException): the workbook is refused in
    one line naming the sheet, never a traceback."""
    sheet = parts_in_order(bases["plain"])[REGISTER_SHEET]
    cell = re.search(rb'<c r="B3" s="3" t="n"><v>[^<]*</v>', sheet)
    assert cell is not None
    package = _with_part(bases["plain"], REGISTER_SHEET,
                         sheet.replace(cell.group(), b'<c r="B3" s="3" t="n"><v>' + value + b"</v>"))  # fmt: skip
    root = scratch / f"negative{value.decode()}"
    (root / BRANCH).mkdir(parents=True)
    path = root / BRANCH / "叫修登记簿.xlsx"
    path.write_bytes(package)
    code, out, err = run_validate(path, capsys)
    check_outcome(path, package, code, out, err)
    assert code == 2 and "叫修登记" in out + err


def test_a_result_sheet_never_takes_the_part_name_of_a_lost_staff_sheet(bases: dict[str, bytes], scratch: Path,
                                                                        capsys) -> None:  # fmt: skip
    """Found by the fuzzer (minimised; fixed in package.py): the part of staff sheet 统计 is missing, its relationship
    and its ``.rels`` (drawing, table) remain. The result sheet was written as that very part: 统计 then showed our
    results and our sheet carried the staff's chart and table (openpyxl refused the file once the chart was gone)."""
    parts = parts_in_order(bases["chart-table-comments"])
    lost = _sheet_part(parts, "统计")
    del parts[lost]
    package = pack(parts)
    root = scratch / "lost-part"
    (root / BRANCH).mkdir(parents=True)
    path = root / BRANCH / "叫修登记簿.xlsx"
    path.write_bytes(package)
    code, out, err = run_validate(path, capsys)
    assert check_outcome(path, package, code, out, err).written
    with zipfile.ZipFile(path) as zf:
        assert lost not in zf.namelist()  # still lost: nothing of ours behind 统计


def _sheet_part(parts: dict[str, bytes], sheet: str) -> str:
    """The part name of the sheet called ``sheet``, through xl/workbook.xml and its relationships."""
    rid = re.search(rf'<sheet [^>]*name="{sheet}"[^>]*r:id="(rId\d+)"'.encode(), parts["xl/workbook.xml"])
    assert rid is not None
    target = re.search(rb'Id="' + rid.group(1) + rb'"[^>]*Target="/?(?:xl/)?([^"]+)"', parts["xl/_rels/workbook.xml.rels"])
    if target is None:  # attributes in the other order
        target = re.search(rb'Target="/?(?:xl/)?([^"]+)"[^>]*Id="' + rid.group(1) + rb'"', parts["xl/_rels/workbook.xml.rels"])
    assert target is not None
    return "xl/" + target.group(1).decode()


def _with_part(package: bytes, name: str, content: bytes) -> bytes:
    parts = parts_in_order(package)
    parts[name] = content
    return pack(parts)
