"""Expiry notices (《售后服务管理制度》第十九条, automation.notices): letters for the contracts 续约提醒 says need a
notice, filled from the shipped or the company's Word template, written once, never over a hand-edited letter, and
converted to PDF by LibreOffice when it is there.

Expected values are worked out from the raw register rows (openpyxl), never from what the product wrote."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import subprocess
import tomllib
import zipfile
from pathlib import Path
from urllib.parse import unquote

import docx
import openpyxl
import pytest
from conftest import AS_OF, write_workbook
from libreoffice import require_soffice

from automation import notices
from automation.cli import main
from automation.notices import (
    PLACEHOLDERS,
    TEMPLATE_NAME,
    build_notice_template,
    letter_name,
    letter_names,
)
from automation.pipeline import validate_paths, validate_root
from automation.sample import build_sample
from automation.sample.workbook import SAMPLE_COMPANY
from automation.settings import SettingsError, parse_settings

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "workbooks" / "templates"
HEADER = ["合同编号", "客户代码", "客户名称", "商品型号", "开始日期", "到期日期", "合同金额(元)", "合同状态"]
CONTRACTS = [
    HEADER,
    # 13 days before expiry on AS_OF, no notice yet: needs one.
    ["HT-001", "KH00001", "宁波甬江机械有限公司", "CNC-650", dt.date(2026, 1, 1), dt.date(2026, 12, 10), 1200, "有效"],
    # far from expiry: no letter
    ["HT-003", "KH00002", "慈溪恒通精工有限公司", "HX-160", dt.date(2026, 6, 1), dt.date(2027, 5, 31), 900, "有效"],
]
LETTER = "服务中心/通知书/HT-001_宁波甬江机械有限公司.docx"


def letter_text(path: Path) -> str:
    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


def chinese_day(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def company_template(root: Path, *paragraphs: str) -> Path:
    """A template the company made in Word (here with python-docx) at the place the product looks first."""
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    path = root / "总部" / "模板" / TEMPLATE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def contracts_root(root: Path) -> Path:
    write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": CONTRACTS})
    return root / "服务中心" / "保养合同.xlsx"


def leftovers(root: Path) -> list[Path]:
    tmp = root / ".automation" / "tmp"
    return sorted(p for p in tmp.rglob("*") if p.is_file()) if tmp.is_dir() else []


# ----------------------------------------------------------------------------------------- the demo's contracts


def _raw_rows(path: Path, sheet: str, first_header: str) -> list[dict[str, object]]:
    """The rows of a register sheet as staff typed them, keyed by header (``*`` and unit suffix dropped)."""
    rows = list(openpyxl.load_workbook(path, data_only=True)[sheet].iter_rows(values_only=True))
    at = next(i for i, row in enumerate(rows[:5]) if first_header in [str(v).strip("* ") for v in row if v])
    headers = [re.sub(r"[(（].*$", "", str(v).strip("* ")) if v else "" for v in rows[at]]
    return [dict(zip(headers, row, strict=False)) for row in rows[at + 1:] if any(v is not None for v in row)]


def _day(value: object) -> dt.date | None:
    """A date as the sample types it: a date cell, or text 2026-11-03, 2026/11/03, 2026.11.03, 2026年11月3日."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    found = re.fullmatch(r"\s*(\d{4})\D(\d{1,2})\D(\d{1,2})日?\s*", str(value or ""))
    return dt.date(*map(int, found.groups())) if found else None


def _expected_letters(root: Path, branch: str) -> dict[str, dict[str, object]]:
    """第十九条 from the raw 保养合同 rows: renewal undecided, no notice sent, expiring within 30 days of AS_OF."""
    out = {}
    for row in _raw_rows(root / branch / "保养合同.xlsx", "保养合同", "合同编号"):
        end = _day(row["到期日期"])
        undecided = row.get("合同状态") not in ("已续约", "已终止") and row.get("续约结果") not in ("已续约", "不续约")
        if end is not None and undecided and row.get("到期通知日期") is None and 0 <= (end - AS_OF.date()).days <= 30:
            out[f"{row['合同编号']}_{row['客户名称']}.docx"] = row
    return out


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    build_sample(root, as_of=AS_OF, rows=60, mistakes=False)
    validate_root(root, as_of=AS_OF, write=True)
    return root


def test_the_demo_expiring_contracts_get_filled_letters(demo: Path) -> None:
    staff = _raw_rows(demo / "总部" / "基础资料.xlsx", "员工", "工号")
    branches = ("服务中心", "慈溪分公司", "余姚分公司")
    total = 0
    for branch in branches:
        expected = _expected_letters(demo, branch)
        folder = demo / branch / "通知书"
        assert sorted(p.name for p in folder.glob("*.docx")) == sorted(expected), branch
        supervisor = next((s["姓名"] for s in staff if s["所属单位"] == branch and s["岗位"] == "服务主任"
                           and s["在职状态"] == "在职"), None)
        for name, row in expected.items():
            text = letter_text(folder / name)
            assert f"{row['客户名称']}：" in text
            assert f"合同编号 {row['合同编号']}" in text
            assert f"设备型号 {row['商品型号']}" in text
            assert f"保养期自 {chinese_day(_day(row['开始日期']))}起至 {chinese_day(_day(row['到期日期']))}止" in text
            assert SAMPLE_COMPANY[0] in text and SAMPLE_COMPANY[1] in text
            assert chinese_day(AS_OF.date()) in text  # dated the day it was written
            assert "{{" not in text and "}}" not in text
            if supervisor:
                assert f"联系人：{supervisor}（{branch}）" in text
        total += len(expected)
    assert total >= 3  # the sample has expiring contracts in every branch; a test of nothing would pass otherwise


def test_renewal_sheet_links_each_letter(demo: Path) -> None:
    branch = "服务中心"
    expected = _expected_letters(demo, branch)
    sheet = openpyxl.load_workbook(demo / branch / "保养合同.xlsx")["续约提醒"]
    headers = [c.value for c in sheet[2]]
    assert headers == ["合同编号", "客户代码", "客户名称", "到期日期", "剩余天数", "到期通知日期", "状态", "通知书", "续约拜访"]
    links = {}
    for row in sheet.iter_rows(min_row=3):
        cell = row[7]
        if row[6].value == "需寄通知":
            links[row[0].value] = unquote(cell.hyperlink.target)
            assert cell.value == links[row[0].value]
        else:
            assert cell.value is None and cell.hyperlink is None
    assert links == {str(row["合同编号"]): f"通知书/{name}" for name, row in expected.items()}
    for target in links.values():
        assert (demo / branch / target).is_file()  # the link resolves from the workbook's folder


# ---------------------------------------------------------------------------------------------- idempotence


def test_unchanged_letter_is_not_rewritten_even_a_day_later(root: Path) -> None:
    path = contracts_root(root)
    [first] = validate_paths([path], as_of=AS_OF, write=True)
    assert first.notices is not None and first.notices.written == [LETTER]
    letter = root / LETTER
    before = letter.stat()
    content = letter.read_bytes()
    [again] = validate_paths([path], as_of=AS_OF + dt.timedelta(days=1), write=True)
    assert again.notices is not None
    assert (again.notices.written, again.notices.unchanged, again.notices.kept) == ([], 1, [])
    after = letter.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert letter.read_bytes() == content
    assert chinese_day(AS_OF.date()) in letter_text(letter)  # keeps the day it was first written
    assert not leftovers(root)


def test_our_letter_follows_a_new_company_template_but_a_hand_edited_one_is_kept(root: Path) -> None:
    path = contracts_root(root)
    validate_paths([path], as_of=AS_OF, write=True)
    letter = root / LETTER
    company_template(root, "本公司格式 {{ 合同编号 }} {{ 客户名称 }} {{ 到期日期 }}")
    [updated] = validate_paths([path], as_of=AS_OF, write=True)
    assert updated.notices is not None and updated.notices.written == [LETTER]
    assert letter_text(letter) == "本公司格式 HT-001 宁波甬江机械有限公司 2026年12月10日"

    edited = docx.Document(str(letter))
    edited.add_paragraph("另：王经理下周三上门。")
    edited.save(str(letter))
    mine = letter.read_bytes()
    company_template(root, "第三版 {{ 合同编号 }}")
    [kept] = validate_paths([path], as_of=AS_OF, write=True)
    assert kept.notices is not None and kept.notices.kept == [LETTER] and kept.notices.written == []
    assert letter.read_bytes() == mine


def test_a_letter_that_is_open_waits(root: Path) -> None:
    path = contracts_root(root)
    validate_paths([path], as_of=AS_OF, write=True)
    letter = root / LETTER
    company_template(root, "新版 {{ 合同编号 }}")
    lock = letter.with_name(f".~lock.{letter.name}#")
    lock.write_text("王强,host,,2026-11-27;", encoding="utf-8")
    before = letter.read_bytes()
    [busy] = validate_paths([path], as_of=AS_OF, write=True)
    assert busy.notices is not None and busy.notices.busy == [LETTER]
    assert letter.read_bytes() == before
    lock.unlink()
    [done] = validate_paths([path], as_of=AS_OF, write=True)
    assert done.notices is not None and done.notices.written == [LETTER]
    assert letter_text(letter) == "新版 HT-001"


# --------------------------------------------------------------------------------------------- bad templates


@pytest.mark.parametrize(
    ("paragraphs", "said"),
    [
        (("{{ 客户名称 }}，请致电 {{ 客户电话 }}",), "含未知占位符 {{ 客户电话 }}"),
        (("{{ 客户名称 ",), "无法使用"),  # an unclosed placeholder
        (("{{ 客户名称 | 没有这个过滤器 }}",), "无法"),  # parses, fails when filled
    ],
    ids=["unknown", "syntax", "filter"],
)
def test_a_bad_template_is_one_line_and_no_letter(root: Path, capsys: pytest.CaptureFixture[str],
                                                  paragraphs: tuple[str, ...], said: str) -> None:
    path = contracts_root(root)
    company_template(root, *paragraphs)
    code = main(["validate", str(path), "--as-of", "2026-11-27 16:00"])
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if "通知书模板" in line]
    assert len(lines) == 1 and said in lines[0] and "总部/模板/保养到期通知书.docx" in lines[0], out
    assert code == 0  # the register itself is clean; its results were written
    assert "续约提醒" in openpyxl.load_workbook(path).sheetnames
    assert not (root / "服务中心" / "通知书").exists()
    assert not leftovers(root)


def test_a_template_that_is_not_a_word_document(root: Path) -> None:
    path = contracts_root(root)
    template = root / "总部" / "模板" / TEMPLATE_NAME
    template.parent.mkdir(parents=True)
    template.write_bytes(b"PK\x03\x04 half a zip")
    [report] = validate_paths([path], as_of=AS_OF, write=True)
    assert report.written and report.notices is not None
    assert report.notices.error_zh and "\n" not in report.notices.error_zh and "不是有效的 Word 文档" in report.notices.error_zh
    assert report.notices.error_en and "not a valid Word document" in report.notices.error_en
    assert not (root / "服务中心" / "通知书").exists()


def test_unknown_placeholder_in_run_json_and_other_workbooks_go_on(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    contracts_root(root)
    (root / "余姚分公司").mkdir()
    write_workbook(root / "余姚分公司" / "保养合同.xlsx", {"保养合同": CONTRACTS})
    company_template(root, "{{ 合同号 }}")
    main(["run", str(root), "--as-of", "2026-11-27 16:00", "--json"])
    books = {b["path"]: b for b in json.loads(capsys.readouterr().out)["workbooks"]}
    contracts = [b for p, b in books.items() if p.endswith("保养合同.xlsx")]
    assert len(contracts) == 2 and all(b["results"]["written"] for b in contracts)
    assert all("{{ 合同号 }}" in b["notices"]["error"] for b in contracts)
    assert all(b["results"]["written"] or b["error"] for b in books.values())  # the rest of the run went on


# ------------------------------------------------------------------------------------------------------- PDF


@pytest.mark.libreoffice
def test_letters_are_converted_to_pdf(root: Path) -> None:
    require_soffice()
    path = contracts_root(root)
    [report] = validate_paths([path], as_of=AS_OF, write=True)
    assert report.notices is not None and report.notices.pdfs == [LETTER.replace(".docx", ".pdf")], report.notices
    pdf = root / LETTER.replace(".docx", ".pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
        flat = re.sub(r"\s+", "", text)
        assert "宁波甬江机械有限公司" in flat and "HT-001" in flat and "2026年12月10日" in flat
    else:
        assert len(re.findall(rb"/Type\s*/Page\b", data)) == 1  # one page, and a real PDF
    # Unchanged letter: the PDF is neither converted nor written again.
    stamp = pdf.stat().st_mtime_ns
    [again] = validate_paths([path], as_of=AS_OF, write=True)
    assert again.notices is not None and again.notices.pdfs == [] and pdf.stat().st_mtime_ns == stamp


def test_without_libreoffice_the_pdf_is_skipped_with_a_note(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notices, "find_soffice", lambda: None)
    path = contracts_root(root)
    [report] = validate_paths([path], as_of=AS_OF, write=True)
    assert report.notices is not None and report.notices.written == [LETTER] and report.notices.pdfs == []
    assert ("未找到 LibreOffice，未生成 PDF", "LibreOffice not found: no PDF made") in report.notices.notes
    assert not (root / LETTER.replace(".docx", ".pdf")).exists()


def test_no_letters_without_write_back(root: Path) -> None:
    path = contracts_root(root)
    [report] = validate_paths([path], as_of=AS_OF, write=False)
    assert report.notices is None and not (root / "服务中心" / "通知书").exists()


# ------------------------------------------------------------------------------- names, template and settings


def test_file_names_are_safe_for_windows_and_distinct() -> None:
    assert letter_name("HT/2026:01", 'A<B>"C"|D?*') == "HT_2026_01_A_B__C__D__.docx"
    assert letter_name("CON", None) == "_CON.docx"  # a name Windows reserves
    assert letter_name("  ", "甲公司. ") == "甲公司.docx"
    assert len(letter_name("X" * 200, "Y" * 200)) <= 2 * 60 + len("_.docx")
    names = letter_names(["HT/1", "HT_1", "ht_1"], ["甲", "甲", "甲"])
    assert names[0] == "HT_1_甲.docx" and len({n.casefold() for n in names}) == 3


def test_the_committed_template_is_what_the_generator_makes() -> None:
    committed = TEMPLATES_DIR / TEMPLATE_NAME
    assert committed.is_file(), "run `automation templates`"
    with zipfile.ZipFile(committed) as a, zipfile.ZipFile(io.BytesIO(build_notice_template())) as b:
        assert [(i.filename, i.date_time) for i in a.infolist()] == [(i.filename, i.date_time) for i in b.infolist()]
        assert all(a.read(n) == b.read(n) for n in a.namelist())
    from docxtpl import DocxTemplate

    used = DocxTemplate(str(committed)).get_undeclared_template_variables()
    assert used == set(PLACEHOLDERS) - {"客户代码", "合同金额", "剩余天数"}  # every placeholder it shows is filled


def test_notice_settings() -> None:
    settings = parse_settings(tomllib.loads('[company]\nname = " 宁波甬力机械有限公司 "\n[notices]\ntemplate = "模板/a.docx"'))
    assert (settings.company_name, settings.notice_template) == ("宁波甬力机械有限公司", "模板/a.docx")
    with pytest.raises(SettingsError, match="company.name"):
        parse_settings({"company": {"name": 5}})
    with pytest.raises(SettingsError, match="company.phone"):
        parse_settings({"company": {"phone": "0574\n123"}})
    with pytest.raises(SettingsError, match=r"notices.template.*\.docx"):
        parse_settings({"notices": {"template": "模板/a.doc"}})


def test_template_named_in_settings_takes_precedence(root: Path) -> None:
    path = contracts_root(root)
    elsewhere = root / "公司模板" / "通知.docx"
    elsewhere.parent.mkdir()
    document = docx.Document()
    document.add_paragraph("设置指定 {{ 合同编号 }}")
    document.save(str(elsewhere))
    company_template(root, "默认位置 {{ 合同编号 }}")
    (root / "automation.toml").write_text('[notices]\ntemplate = "公司模板/通知.docx"\n', encoding="utf-8")
    validate_paths([path], as_of=AS_OF, write=True)
    assert letter_text(root / LETTER) == "设置指定 HT-001"
