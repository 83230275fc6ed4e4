"""Lenient reading of §3 value types, one column at a time."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from automation.registers.callins import CALLIN
from automation.registers.customers import CUSTOMER
from automation.registers.model import Column, Kind, yes_no
from automation.xlsx.values import credit_check_char, credit_code_problem, parse_column


def parse(kind: Kind, *values: object, **kw: object):
    return parse_column(Column("列", kind, **kw), list(values))


def test_text_is_trimmed_and_integral_numbers_lose_their_point_zero():
    p = parse(Kind.TEXT, "  宁波  ", 12.0, 1.5, "", "   ")
    assert p.values.tolist() == ["宁波", "12", "1.5", None, None]
    assert p.blank.tolist() == [False, False, False, True, True]


def test_code_is_nfkc_normalised():
    assert parse(Kind.CODE, "ＪＸ－００１", 20260001.0).values.tolist() == ["JX-001", "20260001"]


@pytest.mark.parametrize(
    "raw",
    [dt.date(2026, 11, 29), dt.datetime(2026, 11, 29, 10, 30), 46355.0, "2026-11-29", "2026/11/29", "2026.11.29",
     "2026年11月29日", "２０２６-11-29", " 2026-11-29 "],
)
def test_every_date_form(raw):
    p = parse(Kind.DATE, raw)
    assert not p.errors
    assert p.values.iloc[0] == np.datetime64("2026-11-29")


@pytest.mark.parametrize("raw", ["2026-02-30", "明天", 12.0, "29/11/2026", True])
def test_unreadable_dates(raw):
    assert parse(Kind.DATE, raw).errors == {0: ("TYP001", {})}


def test_datetime_needs_a_time_of_day():
    p = parse(Kind.DATETIME, dt.datetime(2026, 11, 29, 14, 30), "2026-11-29 14:30", "2026/11/29 14:30:59",
              46355.5, dt.date(2026, 11, 29), "2026-11-29", 46355.0, "soon")
    assert p.values.iloc[0] == np.datetime64("2026-11-29T14:30")
    assert p.values.iloc[2] == np.datetime64("2026-11-29T14:30")
    assert p.values.iloc[3] == np.datetime64("2026-11-29T12:00")
    assert {i: c for i, (c, _) in p.errors.items()} == {4: "TYP003", 5: "TYP003", 6: "TYP003", 7: "TYP002"}


def test_times():
    p = parse(Kind.TIME, dt.time(14, 30), "8:05", "14:30:00", dt.datetime(2026, 1, 1, 9, 0), 0.5, "25:00")
    assert p.values.tolist()[:5] == [870, 485, 870, 540, 720]
    assert p.errors == {5: ("TYP004", {})}


def test_numbers_with_separators_units_and_full_width_digits():
    p = parse(Kind.MONEY, 1200.0, "1,200", "１２００元", "1.5万元", "3 小时", "abc", True)
    assert p.values.tolist()[:5] == [1200, 1200, 1200, 1.5, 3]
    assert set(p.errors) == {5, 6}


def test_integers():
    p = parse(Kind.INT, 2025.0, "2026", 2025.5)
    assert p.values.tolist()[:2] == [2025, 2026]
    assert p.errors == {2: ("TYP006", {})}


@pytest.mark.parametrize("raw,expected", [("是", True), ("否", False), ("Y", True), ("n", False), ("yes", True),
                                          ("NO", False), ("√", True), ("×", False), ("✓", True), ("✗", False),
                                          ("TRUE", True), ("false", False), (1.0, True), (0.0, False), (True, True)])
def test_yes_no_spellings(raw, expected):
    p = parse_column(Column("签字", **yes_no()), [raw])
    assert p.values.tolist() == [expected]


def test_yes_no_rejects_other_text():
    assert parse_column(Column("签字", **yes_no()), ["也许"]).errors[0][0] == "TYP007"


def test_service_category_aliases():
    column = CALLIN.column("服务类别")
    p = parse_column(column, ["A", "A类", "有费", "有费服务", "A 有费服务", "b", "合同服务", "C类", "免费服务", "D"])
    assert p.values.tolist()[:9] == ["A", "A", "A", "A", "A", "B", "B", "C", "C"]
    assert p.errors[9][0] == "TYP012"


@pytest.mark.parametrize("raw", ["13805740001", 13805740001.0, "+8613805740001", "0574-87654321", "057487654321",
                                 "0574-8765432", "0574-87654321-808", "13805740001/0574-87654321", "010-12345678、13912345678"])
def test_valid_phones(raw):
    assert not parse(Kind.PHONE, raw).errors


@pytest.mark.parametrize("raw", ["12345", "1380574000", "23805740001", "87654321", "0574-876", "13805740001/abc"])
def test_invalid_phones(raw):
    assert parse(Kind.PHONE, raw).errors[0][0] == "TYP008"


def test_postcodes_and_emails():
    assert not parse(Kind.POSTCODE, "315000", 315020.0).errors
    assert parse(Kind.POSTCODE, "31500").errors[0][0] == "TYP009"
    assert not parse(Kind.EMAIL, "wang.qiang@nbjx.com.cn").errors
    assert parse(Kind.EMAIL, "wang@").errors[0][0] == "TYP010"


def test_credit_code_check_character():
    # A well-known published example of the GB 32100-2015 scheme.
    assert credit_code_problem("91350100M000100Y43") is None
    assert credit_code_problem("91350100M000100Y44") == ("校验位应为 3", "the check character should be 3")
    assert "18" in credit_code_problem("9135010")[0]
    assert credit_code_problem("91350100M000100YI3")[1] == "contains characters that are not allowed"
    p = parse_column(CUSTOMER.column("统一社会信用代码"), ["91350100m000100y43", "91350100M000100Y44"])
    assert p.values.iloc[0] == "91350100M000100Y43"
    assert p.errors[1][0] == "TYP011"


@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=17, max_size=17))
def test_credit_code_with_computed_check_character_is_valid(first17):
    assert credit_code_problem(first17 + credit_check_char(first17)) is None


@pytest.mark.parametrize(
    ("kind", "raw", "code"),
    [(Kind.DATE, dt.date(9026, 5, 1), "TYP001"), (Kind.DATE, "0206-05-01", "TYP001"), (Kind.DATE, dt.date(1989, 12, 31), "TYP001"),
     (Kind.DATETIME, dt.datetime(2101, 1, 1, 9, 0), "TYP002"), (Kind.DATETIME, "2206-05-01 09:30", "TYP002")],
)
def test_a_year_far_from_now_is_a_typing_slip_not_a_date(kind: Kind, raw: object, code: str):
    p = parse(kind, dt.datetime(2026, 5, 1, 9, 30), raw)
    assert p.errors == {1: (code, {})}
    assert p.values.isna().tolist() == [False, True]


@pytest.mark.parametrize("raw", [dt.date(1990, 1, 1), dt.datetime(2100, 12, 31, 17, 0), "2100-12-31 17:00"])
def test_the_first_and_last_plausible_days_are_dates(raw: object):
    assert not parse(Kind.DATETIME if isinstance(raw, dt.datetime) or ":" in str(raw) else Kind.DATE, raw).errors
