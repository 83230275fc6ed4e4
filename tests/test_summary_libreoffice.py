"""The head-office summary opens in a real spreadsheet program (LibreOffice headless), charts included.

LibreOffice loads 汇总.xlsx and saves it again as xlsx; the copy must have every sheet with the same 总览 figures,
the three charts, and the links of 校验问题. Skipped when LibreOffice is not installed (unless
AUTOMATION_REQUIRE_LIBREOFFICE=1).
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from automation.sample import build_sample
from automation.summary import run_root
from tests.libreoffice import convert, require_soffice

AS_OF = dt.datetime(2026, 11, 27, 16, 0)

pytestmark = pytest.mark.libreoffice


def rows(path: Path, name: str) -> list[list[object]]:
    book = CalamineWorkbook.from_path(str(path))
    try:
        return book.get_sheet_by_name(name).to_python()
    finally:
        book.close()


def test_summary_opens_and_saves_in_libreoffice(tmp_path: Path) -> None:
    require_soffice()
    root = tmp_path / "company"
    build_sample(root, as_of=AS_OF, rows=30)
    _, outcome = run_root(root, as_of=AS_OF)
    assert outcome is not None and outcome.written
    saved = convert(outcome.path, tmp_path / "lo", "xlsx")

    ours, theirs = CalamineWorkbook.from_path(str(outcome.path)), CalamineWorkbook.from_path(str(saved))
    assert theirs.sheet_names == ours.sheet_names
    ours.close()
    theirs.close()
    mine, lo = rows(outcome.path, "总览"), rows(saved, "总览")
    for a, b in zip(mine[:8], lo[:8], strict=False):  # banner, headers, the branches, 总部 and 合计
        assert [x if x != "" else None for x in a] == pytest.approx([x if x != "" else None for x in b[: len(a)]])
    for name in ("超时明细", "校验问题", "数据状态"):
        assert len(rows(saved, name)) == len(rows(outcome.path, name))
    with zipfile.ZipFile(saved) as z:
        charts = [n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
        assert len(charts) == 3
        refs = " ".join(" ".join(re.findall(r"<c:f>([^<]+)</c:f>", z.read(n).decode())) for n in charts)
    assert "$A$3:$A$5" in refs and "$D$3:$D$5" in refs  # branches and their 按时到达率
    ws = openpyxl.load_workbook(saved)["校验问题"]
    assert any(c.hyperlink is not None and c.hyperlink.location for c in ws["F"][2:])
