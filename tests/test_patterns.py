"""The customer-code pattern (settings customers.code_pattern) said the way a person would: in words for the patterns
staff configure, else an example that matches, and the regular expression itself only when neither can be made."""

from __future__ import annotations

import re

import pytest
from conftest import AS_OF, CUSTOMER_HEADER, CUSTOMER_ROWS, write_workbook

from automation.patterns import describe
from automation.pipeline import validate_paths


@pytest.mark.parametrize(
    ("pattern", "zh", "en"),
    [
        (r"^KH\d{5}$", "应为 KH 加 5 位数字", "should be KH followed by 5 digits"),
        (r"^KH[0-9]{5}$", "应为 KH 加 5 位数字", "should be KH followed by 5 digits"),
        (r"\AKH\d{5}\Z", "应为 KH 加 5 位数字", "should be KH followed by 5 digits"),
        (r"^\d{6}$", "应为 6 位数字", "should be 6 digits"),
        (r"^[A-Z]{2}\d{6}$", "应为 2 个大写字母加 6 位数字", "should be 2 capital letters followed by 6 digits"),
        (r"^[A-Z]\d+$", "应为 1 个大写字母加 1 位或多位数字", "should be a capital letter followed by one or more digits"),
        (r"^[A-Za-z0-9]{8}$", "应为 8 个字母或数字", "should be 8 letters or digits"),
        (r"^KH\d{4,6}$", "应为 KH 加 4～6 位数字", "should be KH followed by 4 to 6 digits"),
        (r"^2026\d{3}$", "应为 2026 加 3 位数字", "should be 2026 followed by 3 digits"),
        (r"^KH-\d{4}$", "应为「KH-」加 4 位数字", "should be 'KH-' followed by 4 digits"),
        (r"^KH\.\d{4}$", "应为「KH.」加 4 位数字", "should be 'KH.' followed by 4 digits"),
        (r"^(KH|KS)\d{5}$", "应为 KH 或 KS 加 5 位数字", "should be KH or KS followed by 5 digits"),
        (r"^KH-?\d{5}$", "应为 KH 加可选的「-」加 5 位数字", "should be KH followed by an optional '-' followed by 5 digits"),
        (r"^KH\d{5}(?:-\d{2})?$", "应为 KH 加 5 位数字，其后可再加「-」和 2 位数字",
         "should be KH followed by 5 digits, optionally followed by '-' and 2 digits"),
        (r"^KH\d{5}[A-Z]?$", "应为 KH 加 5 位数字，其后可再加 1 个大写字母",
         "should be KH followed by 5 digits, optionally followed by a capital letter"),
        (r"KH\d{5}", "应包含 KH 加 5 位数字", "should contain KH followed by 5 digits"),
        (r"^KH\d{5}$|^KS\d{6}$", "应为 KH 加 5 位数字，或 KS 加 6 位数字",
         "should be KH followed by 5 digits, or KS followed by 6 digits"),
        (r"^KH", "应以 KH 开头", "should start with KH"),
        (r"\d{5}$", "应以 5 位数字结尾", "should end with 5 digits"),
    ],
)
def test_patterns_staff_configure_are_said_in_words(pattern: str, zh: str, en: str) -> None:
    said = describe(pattern)
    assert (said.zh, said.en) == (zh, en)
    assert said.kind == "words"


@pytest.mark.parametrize(
    ("pattern", "example"),
    [
        (r"^KH[A-HJ-NP-Z]\d{3}$", "KHA123"),  # a class of letters without I and O
        (r"^\w{6}$", "AAAAAA"),  # \w also takes Chinese characters and _: no honest words for it
        (r"^[^-]{3}-\d{2}$", "AAA-12"),
    ],
)
def test_other_patterns_show_an_example_that_matches(pattern: str, example: str) -> None:
    said = describe(pattern)
    assert said.kind == "example"
    assert re.search(pattern, example)
    assert (said.zh, said.en) == (f"应形如「{example}」", f"should look like '{example}'")


@pytest.mark.parametrize("pattern", [r"^(?=KH)\w+$", r"^(\d)\1{4}$", r"(?i)^kh\d{5}$", r"^KH\d{5}\b"])
def test_the_expression_itself_only_when_nothing_else_can_be_said(pattern: str) -> None:
    """Look-arounds, back-references, flags and word boundaries: quoted as written."""
    said = describe(pattern)
    assert said.kind == "pattern"
    assert (said.zh, said.en) == (f"应符合正则表达式「{pattern}」", f"should match the regular expression '{pattern}'")


def test_cus001_says_the_form_in_words(tmp_path) -> None:
    rows = [CUSTOMER_HEADER, *CUSTOMER_ROWS,
            ["KH0003", "宁波新材料有限公司", "供应商", None, "钱", "海曙", "315000", "13805740001", "否", "张伟", None, None, "正常"]]
    path = write_workbook(tmp_path / "总部" / "客户档案.xlsx", {"客户": rows})
    [report] = validate_paths([path], as_of=AS_OF)
    [found] = [p for p in report.problems if p.code == "CUS001"]
    assert found.message_zh == "客户代码「KH0003」不符合格式：应为 KH 加 5 位数字"
    assert found.message_en == "customer code 'KH0003' is not in the required form: should be KH followed by 5 digits"
    assert "\\d" not in found.message_zh

    (tmp_path / "automation.toml").write_text("[customers]\ncode_pattern = '^[A-Z]{2}\\d{6}$'\n", encoding="utf-8")
    [report] = validate_paths([path], as_of=AS_OF)
    messages = [p.message_zh for p in report.problems if p.code == "CUS001"]
    assert messages == [f"客户代码「{code}」不符合格式：应为 2 个大写字母加 6 位数字" for code in ("KH00001", "KH00002", "KH0003")]
