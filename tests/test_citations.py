"""Every citation staff see names an article (and item) of the company's citation table, ARTICLES.md.

The table is read at test time: the company's shared copy beside the repository (``../shared/regulations``) when
present, else the copy committed in ``docs/regulations`` (a clean clone in CI has only that); when both exist they
must be identical, so the committed copy cannot drift from what the company maintains.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest

from automation.catalogue import RULES
from automation.registers import REGISTERS, articles
from automation.templates import build_template

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "regulations"
COMMITTED = ROOT / "docs" / "regulations"
FILES = ("ARTICLES.md", "company-regulations.txt")
REGULATIONS = (articles.DEV, articles.INFO, articles.DEMAND, articles.SERVICE)

NUMERAL = "[一二三四五六七八九十]+"
CITATION = re.compile(rf"《(?P<regulation>[^》]+)》第(?P<article>{NUMERAL})条(?:\((?P<item>\d+)\))?")
TABLE_ARTICLE = re.compile(rf"第(?P<article>{NUMERAL})条\s*(?:\((?P<first>\d+)\)(?:\s*[–-]\s*\((?P<last>\d+)\))?)?")

Cite = tuple[str, str, int | None]


def regulation_file(name: str) -> Path:
    """The shared copy when it exists, else the committed one."""
    shared = SHARED / name
    return shared if shared.is_file() else COMMITTED / name


def citable(text: str) -> set[Cite]:
    """(regulation, article, item) of every row of the table; item None where the article may be cited whole:
    rows naming the bare article or a range of its items ("第一条 (1)–(6)"). A row naming one item
    ("第二条(1)") permits only that item, as the table prescribes."""
    allowed: set[Cite] = set()
    regulation = None
    for line in text.splitlines():
        if line.startswith("## "):
            regulation = re.split(r"[\s(（]", line[3:], maxsplit=1)[0]
            continue
        if regulation is None or not line.startswith("|"):
            continue
        first = line.split("|")[1].strip()
        if not first.startswith("第"):
            continue  # the header row and the separator
        for part in re.split(r"[,，、]\s*", first):
            m = TABLE_ARTICLE.fullmatch(part.strip())
            assert m, f"unreadable row of ARTICLES.md: {first!r}"
            article, first_item, last_item = m["article"], m["first"], m["last"]
            if first_item is None or last_item is not None:
                allowed.add((regulation, article, None))
            if first_item is not None:
                for item in range(int(first_item), int(last_item or first_item) + 1):
                    allowed.add((regulation, article, item))
    return allowed


def parse(citation: str) -> Cite:
    m = CITATION.fullmatch(citation)
    assert m, f"{citation!r} is not written as 《制度名》第N条 or 《制度名》第N条(k)"
    return m["regulation"], m["article"], int(m["item"]) if m["item"] else None


def cited() -> dict[str, str]:
    """Where each citation is made (rule code or register/sheet/column) -> the citation."""
    out = {code: rule.article for code, rule in RULES.items() if rule.article}
    for register in REGISTERS.values():
        for sheet in register.sheets:
            for column in sheet.columns:
                if column.article:
                    out[f"{register.name}/{sheet.name}/{column.header}"] = column.article
    from automation.notify.digest import CITATIONS  # the morning digest's sections and its privacy note

    out.update({f"晨报/{what}": citation for what, citation in CITATIONS.items()})
    return out


def constants() -> dict[str, str]:
    """The citation constants of automation/registers/articles.py."""
    return {
        name: value
        for name, value in vars(articles).items()
        if name.isupper() and isinstance(value, str) and value not in REGULATIONS
    }


@pytest.fixture(scope="module")
def table() -> set[Cite]:
    return citable(regulation_file("ARTICLES.md").read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------- the table itself


@pytest.mark.parametrize("name", FILES)
def test_committed_copy_is_the_companys_text(name: str) -> None:
    committed = COMMITTED / name
    assert committed.is_file(), f"commit a verbatim copy of {name} at docs/regulations/"
    shared = SHARED / name
    if shared.is_file():
        assert committed.read_bytes() == shared.read_bytes(), f"docs/regulations/{name} differs from {shared}"


def test_the_table_is_read_with_its_gaps(table: set[Cite]) -> None:
    """A parser that saw nothing, or everything, would let any citation through."""
    assert {r for r, _, _ in table} == set(REGULATIONS)
    assert {a for r, a, i in table if r == articles.DEV and i is None} == {"一"}
    assert (articles.DEV, "三", 4) in table and (articles.DEV, "三", None) not in table
    assert (articles.INFO, "七", 3) in table and (articles.INFO, "七", None) not in table
    assert not {(r, a) for r, a, _ in table} & {(articles.INFO, "三"), (articles.INFO, "九"),
                                                 (articles.SERVICE, "五"), (articles.DEV, "四")}
    assert (articles.DEMAND, "三", None) in table and (articles.DEMAND, "十六", 6) in table
    assert (articles.SERVICE, "十八", None) in table and (articles.SERVICE, "六", 2) in table


def test_every_article_of_the_table_is_in_the_regulation_text(table: set[Cite]) -> None:
    text = regulation_file("company-regulations.txt").read_text(encoding="utf-8")
    starts = sorted((text.index(name), name) for name in REGULATIONS)
    ends = [s for s, _ in starts[1:]] + [len(text)]
    sections = {name: text[start:end] for (start, name), end in zip(starts, ends, strict=True)}
    for regulation, article, _ in table:
        assert f"第{article}条" in sections[regulation], (regulation, article)


# ----------------------------------------------------------------------------------------- what the product cites


def test_every_citation_is_in_the_table(table: set[Cite]) -> None:
    wrong = {where: c for where, c in {**cited(), **constants()}.items() if parse(c) not in table}
    assert not wrong, f"not in ARTICLES.md: {wrong}"


def test_citations_are_defined_once_and_all_used() -> None:
    defined = constants()
    assert len(set(defined.values())) == len(defined), "two constants for one citation"
    assert set(cited().values()) <= set(defined.values()), "a citation written outside articles.py"
    unused = {n for n, c in defined.items() if c not in set(cited().values())}
    assert not unused, f"constants nobody cites: {unused}"


def _column(register: str, sheet: str, header: str) -> str:
    return REGISTERS[register].sheet(sheet).column(header).article


@pytest.mark.parametrize(
    ("what", "citations", "expected"),
    [
        ("dispatch deadline", [RULES["CAL016"].article, RULES["CAL007"].article, RULES["CLD001"].article,
                               _column("callins", "叫修登记", "区域"), _column("callins", "叫修登记", "到达时间")],
         "《售后服务管理制度》第十八条"),
        ("on-site fees and invoices", [RULES[c].article for c in ("CAL011", "CAL013", "CAL014")]
         + [_column("callins", "叫修登记", h) for h in ("服务费", "发票号", "开票日期")], "《售后服务管理制度》第九条"),
        ("workshop invoice", [RULES["ITM006"].article, RULES["ITM007"].article,
                              _column("items", "商品进出", "开票日期")], "《售后服务管理制度》第十二条"),
        ("overdue repair", [RULES["ITM001"].article, _column("items", "商品进出", "约定完成日期")],
         "《售后服务管理制度》第十三条"),
        ("return of a repaired item", [RULES["ITM004"].article, RULES["ITM005"].article],
         "《售后服务管理制度》第十一条"),
        ("leavers' files", [RULES["MST001"].article, RULES["MST002"].article,
                            _column("master", "员工", "离职日期")], "《客户信息管理办法》第五条"),
        ("hand-over of a leaver's customers", [_column("customers", "客户", "主办业务员")],
         "《客户信息管理办法》第七条(4)"),
        ("important customers", [RULES["CUS002"].article, RULES["CUS003"].article], "《客户信息管理办法》第七条(3)"),
        ("daily report review", [RULES[c].article for c in ("WRK005", "WRK006", "WRK007")]
         + [_column("worklog", "日报核阅", "经理核阅")], "《售后服务管理制度》第十六条"),
        ("renewal", [RULES[c].article for c in ("CON003", "CON004", "CON005", "CON006")]
         + [_column("contracts", "保养合同", "到期通知日期")], "《售后服务管理制度》第十九条"),
        ("contract service", [RULES[f"CAL00{i}"].article for i in range(1, 6)], "《售后服务管理制度》第六条(2)"),
        ("free service", [RULES["CAL012"].article], "《售后服务管理制度》第六条(3)"),
        ("rewards", [RULES["DEM001"].article, RULES["DEM002"].article], "《客户要求信息处理制度》第九条"),
        ("information report", [RULES["DEM003"].article], "《客户要求信息处理制度》第十八条"),
    ],
)
def test_key_rules_cite_the_right_article(what: str, citations: list[str], expected: str) -> None:
    assert citations and all(c == expected for c in citations), (what, citations)


def test_format_problems_cite_nothing_of_their_own() -> None:
    """A malformed value is a data problem; it carries its column's article, if any, never one of its own."""
    for code in ("TYP001", "TYP008", "TYP011", "TYP012", "COL001", "COL002", "CUS001", "CON002", "SYS001"):
        assert RULES[code].article == "", code


@pytest.mark.parametrize("register", list(REGISTERS.values()), ids=list(REGISTERS))
def test_template_prompts_end_with_the_column_citation(register) -> None:
    """Excel's input prompt is clipped at 255 characters; the citation at its end must survive whole."""
    wb = openpyxl.load_workbook(io.BytesIO(build_template(register)))
    for sheet in register.sheets:
        prompts = {dv.promptTitle: dv.prompt for dv in wb[sheet.name].data_validations.dataValidation}
        for column in sheet.columns:
            prompt = prompts[column.header[:32]]
            if column.article:
                assert prompt.endswith("依据：" + column.article), (sheet.name, column.header, prompt)
            else:
                assert "依据" not in prompt, (sheet.name, column.header)
