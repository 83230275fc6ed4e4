"""Tests for automation.xlsx.sheet_xml: value encoding, sheet layout, limits, styles, and a read-back property test."""

from __future__ import annotations

import datetime as dt
import io
import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from python_calamine import CalamineWorkbook

from automation.xlsx.package import new_result_workbook
from automation.xlsx.sheet_xml import (
    EXCEL_MAX_CELL_CHARS,
    MINIMAL_STYLES_XML,
    CellStyle,
    Link,
    ResultSheet,
    StyleBook,
    column_letter,
    default_widths,
    encode_value,
    normalise_text,
    render_sheet,
)

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
BANNER = "本表由系统自动生成 · 计算时间 2026-11-29 10:00 · 请勿在此表编辑"


def render(sheet: ResultSheet, **kwargs: object) -> etree._Element:
    styles: dict[CellStyle, int] = {}
    rendered = render_sheet(sheet, lambda s: styles.setdefault(s, len(styles) + 1), **kwargs)  # type: ignore[arg-type]
    return etree.fromstring(rendered.xml)


def read_back(sheet: ResultSheet) -> list[list[object]]:
    """The sheet's rows as python-calamine reads them from a fresh workbook (banner and header included)."""
    book = CalamineWorkbook.from_filelike(io.BytesIO(new_result_workbook([sheet])))
    return book.get_sheet_by_name(sheet.name).to_python(skip_empty_area=False)


def cells(root: etree._Element) -> dict[str, etree._Element]:
    return {c.get("r"): c for c in root.iterfind(".//m:c", NS)}


# ---------------------------------------------------------------------------------------------------- values


@pytest.mark.parametrize(
    ("value", "kind", "payload"),
    [
        (None, 0, ""),
        ("", 0, ""),
        (float("nan"), 0, ""),
        (np.float64("nan"), 0, ""),
        (pd.NaT, 0, ""),
        (np.datetime64("NaT"), 0, ""),
        ("=SUM(A1)", 1, "=SUM(A1)"),
        (True, 1, "是"),
        (np.bool_(False), 1, "否"),
        (float("inf"), 1, "inf"),
        (-math.inf, 1, "-inf"),
        (42, 2, "42"),
        (np.int64(-7), 2, "-7"),
        (np.float32(0.5), 2, "0.5"),
        (Decimal("12.25"), 2, "12.25"),
        (2**60, 2, repr(float(2**60))),
        (10**400, 1, str(10**400)),
        (dt.date(2026, 11, 29), 3, "46355"),
        (dt.date(1900, 2, 28), 1, "1900-02-28"),
        (dt.datetime(2026, 11, 29, 12, 0), 4, "46355.5"),
        (pd.Timestamp("2026-11-29 06:00"), 4, "46355.25"),
        (pd.Timestamp("2026-11-29 06:00", tz="Asia/Shanghai"), 4, "46355.25"),
        (np.datetime64("2026-11-29T18:00"), 4, "46355.75"),
        (dt.time(6, 0), 5, "0.25"),
    ],
)
def test_encode_value(value: object, kind: int, payload: str) -> None:
    assert encode_value(value) == (kind, payload)


def test_unknown_objects_become_their_text() -> None:
    assert encode_value(dt.timedelta(hours=1)) == (1, "1:00:00")


def test_normalise_text_removes_illegal_characters_and_truncates() -> None:
    assert normalise_text("a\x00b\x1fc\ud800d\ufffe") == "abcd"
    assert normalise_text("tab\tnew\nline\rok") == "tab\tnew\nline\rok"
    long = "长" * (EXCEL_MAX_CELL_CHARS + 10)
    cut = normalise_text(long, marker="…")
    assert len(cut) == EXCEL_MAX_CELL_CHARS and cut.endswith("…")
    emoji = "😀" * EXCEL_MAX_CELL_CHARS  # two UTF-16 units each: the limit counts units, pairs are never split
    cut = normalise_text(emoji, marker="…")
    assert len(cut.encode("utf-16-le")) // 2 <= EXCEL_MAX_CELL_CHARS and cut[:-1] == "😀" * (len(cut) - 1)


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 701, 702, 16383)] == ["A", "Z", "AA", "ZZ", "AAA", "XFD"]


# ----------------------------------------------------------------------------------------------------- layout


def test_layout_banner_header_freeze_filter_tab_colour() -> None:
    sheet = ResultSheet("校验结果", ["代码", "单元格"], [["CAL001", "B4"], ["CAL002", "C9"]], banner=BANNER)
    root = render(sheet, code_name="AutomationResult_x", selected=True)
    by_ref = cells(root)
    assert by_ref["A1"].findtext(".//m:t", namespaces=NS) == BANNER
    assert [by_ref[r].findtext(".//m:t", namespaces=NS) for r in ("A2", "B2")] == ["代码", "单元格"]
    assert by_ref["A3"].get("t") == "inlineStr"
    pane = root.find(".//m:pane", NS)
    assert (pane.get("ySplit"), pane.get("topLeftCell"), pane.get("state")) == ("2", "A3", "frozen")
    assert root.find(".//m:sheetView", NS).get("tabSelected") == "1"
    assert root.find("m:autoFilter", NS).get("ref") == "A2:B4"
    assert root.find("m:dimension", NS).get("ref") == "A1:B4"
    assert root.find("m:sheetPr", NS).get("codeName") == "AutomationResult_x"
    assert root.find("m:sheetPr/m:tabColor", NS).get("rgb") == "FF1F77B4"
    assert len(root.findall("m:cols/m:col", NS)) == 2


def test_empty_result_says_so_in_row_3() -> None:
    root = render(ResultSheet("续约提醒", ["合同编号", "状态"], [], banner=BANNER, empty_message="无需续约"))
    assert cells(root)["A3"].findtext(".//m:t", namespaces=NS) == "无需续约"
    assert root.find("m:autoFilter", NS).get("ref") == "A2:B2"


def test_widths_count_cjk_double_and_can_be_given() -> None:
    sheet = ResultSheet("s", ["ab", "客户名称"], [["x" * 10, "宁波"]], banner="b")
    narrow, wide = default_widths(sheet)
    assert narrow == 12 and wide == 10  # "x"*10 → 10 + 2; 客户名称 → 8 + 2
    root = render(ResultSheet("s", ["a", "b"], [], banner="b", widths=[7.5, 30]))
    assert [c.get("width") for c in root.findall("m:cols/m:col", NS)] == ["7.5", "30"]


def test_row_fills_colour_blank_cells_and_number_formats_apply() -> None:
    seen: list[CellStyle] = []

    def style_id(style: CellStyle) -> int:
        seen.append(style)
        return len(seen)

    sheet = ResultSheet("s", ["a", "b", "c"], [[1.5, None], [2.5, "x", None]], banner="b",
                        row_fills=["FFFFC7CE", None], number_formats={0: "0.0"})  # fmt: skip
    root = etree.fromstring(render_sheet(sheet, style_id).xml)
    by_ref = cells(root)
    assert {"B3", "C3"} <= by_ref.keys() and "C4" not in by_ref  # red row filled to the last column
    style_of = {ref: seen[int(c.get("s")) - 1] for ref, c in by_ref.items()}
    assert style_of["A3"] == CellStyle(fill="FFFFC7CE", num_format="0.0")
    assert style_of["A4"] == CellStyle(num_format="0.0")
    assert style_of["B3"].fill == "FFFFC7CE"
    assert style_of["A2"] == CellStyle(font="bold", fill="FFD9E1F2")


def test_formula_like_text_and_xml_specials_stay_text() -> None:
    values = ["=1+2", "+A1", "@x", "<b>&amp;</b>", " lead", "trail ", "_x0041_", "a\rb"]
    sheet = ResultSheet("s", ["v"], [[v] for v in values], banner="b")
    root = render(sheet)
    assert all(c.get("t") == "inlineStr" and c.find("m:f", NS) is None for c in root.iterfind(".//m:c", NS))
    assert [row[0] for row in read_back(sheet)[2:]] == values


def test_links_internal_and_external() -> None:
    sheet = ResultSheet("s", ["链接"], [[Link("B4", sheet="客户's", cell="B4")], [Link("分公司", file="../慈溪 分公司/叫修登记簿.xlsx")],
                                          [Link("x", file="../a.xlsx", sheet="汇总")], [Link("y", file="../a.xlsx")]],
                        banner="b")  # fmt: skip
    rendered = render_sheet(sheet, lambda s: 0)
    links = etree.fromstring(rendered.xml).findall("m:hyperlinks/m:hyperlink", NS)
    assert links[0].get("location") == "'客户''s'!B4"
    rid = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    assert [h.get(rid) for h in links] == [None, "rId1", "rId2", "rId2"]  # one relationship per distinct file
    assert links[2].get("location") == "'汇总'!A1"
    assert rendered.external_targets == ("../%E6%85%88%E6%BA%AA%20%E5%88%86%E5%85%AC%E5%8F%B8/%E5%8F%AB%E4%BF%AE"
                                         "%E7%99%BB%E8%AE%B0%E7%B0%BF.xlsx", "../a.xlsx")  # fmt: skip
    with pytest.raises(ValueError, match="target"):
        Link("nowhere")


def test_row_limit_truncates_with_a_note() -> None:
    sheet = ResultSheet("s", ["n"], [[i] for i in range(20)], banner="b", truncated_note="shown {shown} of {total}")
    rendered = render_sheet(sheet, lambda s: 0, max_rows=10)
    root = etree.fromstring(rendered.xml)
    assert (rendered.rows_written, rendered.rows_dropped) == (7, 13)
    assert cells(root)["A10"].findtext(".//m:t", namespaces=NS) == "shown 7 of 20"
    assert root.find("m:autoFilter", NS).get("ref") == "A2:A9"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "a/b"}, "forbids"),
        ({"name": "x" * 32}, "1 to 31"),
        ({"name": "'q"}, "forbids"),
        ({"name": "History"}, "reserved"),
        ({"headers": []}, "no headers"),
        ({"widths": [1, 2]}, "widths"),
        ({"row_fills": ["red"]}, "ARGB"),
        ({"tab_color": "blue"}, "ARGB"),
    ],
)
def test_result_sheet_validation(kwargs: dict, message: str) -> None:
    base = {"name": "校验结果", "headers": ["a"], "rows": [["v"]], "banner": "b"}
    with pytest.raises(ValueError, match=message):
        ResultSheet(**{**base, **kwargs})


def test_rows_longer_than_headers_are_refused() -> None:
    with pytest.raises(ValueError, match="more values than headers"):
        render_sheet(ResultSheet("s", ["a"], [["x", "y"]], banner="b"), lambda s: 0)


# ------------------------------------------------------------------------------------------------------ styles


def test_stylebook_appends_only_and_reuses() -> None:
    root = etree.fromstring(MINIMAL_STYLES_XML.encode())
    before = etree.tostring(root.find("m:cellXfs", NS)[0])
    book = StyleBook(root)
    assert book.style_id(CellStyle()) == 0  # equal to the existing default cell format
    ids = [book.style_id(CellStyle(font="bold", fill="FFD9E1F2")), book.style_id(CellStyle(num_format="yyyy-mm-dd"))]
    assert ids == [1, 2] and book.changed
    assert etree.tostring(root.find("m:cellXfs", NS)[0]) == before
    assert root.find("m:numFmts/m:numFmt", NS).get("numFmtId") == "164"
    assert root.find("m:cellXfs", NS).get("count") == "3"
    again = StyleBook(root)  # a second run finds everything the first appended
    assert again.style_id(CellStyle(num_format="yyyy-mm-dd")) == 2 and not again.changed
    assert again.style_id(CellStyle(num_format="0.00")) == 3  # built-in format 2, no numFmt entry needed
    assert len(root.find("m:numFmts", NS)) == 1


def test_stylebook_creates_missing_sections_in_order() -> None:
    root = etree.fromstring(b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>')
    StyleBook(root).style_id(CellStyle(font="link", num_format="0.0"))
    assert [etree.QName(c).localname for c in root] == ["numFmts", "fonts", "fills", "borders", "cellStyleXfs",
                                                         "cellXfs"]  # fmt: skip


# ------------------------------------------------------------------------------------------------- read back


def test_values_read_back_with_calamine() -> None:
    rows = [
        ["文本", 1, 2.5, dt.date(2026, 11, 29), dt.datetime(2026, 11, 29, 10, 30), dt.time(14, 30), True, None],
        ["=A1", -1e300, 0, dt.date(1900, 3, 1), dt.datetime(9999, 12, 31, 23, 59), dt.time(0, 0), False, ""],
    ]
    sheet = ResultSheet("s", list("abcdefgh"), rows, banner="b")
    back = read_back(sheet)
    assert back[0][0] == "b" and back[1] == list("abcdefgh")
    assert back[2] == ["文本", 1.0, 2.5, dt.date(2026, 11, 29), dt.datetime(2026, 11, 29, 10, 30), dt.time(14, 30),
                       "是", ""]  # fmt: skip
    assert back[3] == ["=A1", -1e300, 0.0, dt.date(1900, 3, 1), dt.datetime(9999, 12, 31, 23, 59), dt.time(0, 0),
                       "否", ""]  # fmt: skip


_text = st.one_of(
    st.text(),
    st.text(st.characters(codec="utf-8"), max_size=30),
    st.sampled_from(["=1+2", "=HYPERLINK(\"x\")", "-1", "_x000D_", "客户名称", "😀👍", "\x00\x1f", " ", "\r", "\t x \n", "a\r\nb"]),
    st.builds(lambda ch, n: ch * n, st.sampled_from(["长", "a", "😀"]), st.integers(32_000, 33_500)),
)
_value = st.one_of(
    st.none(),
    _text,
    st.booleans(),
    st.integers(-(2**53) + 1, 2**53 - 1),
    st.floats(allow_nan=True, allow_infinity=False, width=64),
    st.dates(dt.date(1900, 3, 1), dt.date(9999, 12, 31)),
    st.datetimes(dt.datetime(1900, 3, 1), dt.datetime(9999, 12, 30)).map(lambda d: d.replace(microsecond=0)),
)


def _expected(value: object) -> object:
    """What calamine returns for ``value`` after the documented normalisation."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        return normalise_text(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()  # calamine reports a whole-day serial as a date, whatever the format
    return value


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(st.lists(_value, min_size=3, max_size=3), min_size=1, max_size=8))
def test_property_round_trip_through_calamine(rows: list[list[object]]) -> None:
    sheet = ResultSheet("结果", ["甲", "乙", "丙"], rows, banner=BANNER)
    back = read_back(sheet)[2:]
    back += [[""] * 3] * (len(rows) - len(back))  # trailing blank rows are not stored
    for written, read in zip(rows, back, strict=True):
        assert [_expected(v) for v in written] == read
