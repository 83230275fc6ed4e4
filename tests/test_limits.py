"""Bounded output and bounded reading on any input (§12): caps on listed problems, the row limit, oversized grids.

The expected counts are worked out here from the rows the test writes and the register model, never read back from
the product's own totals.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import write_workbook
from hypothesis import given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from automation.cli import main
from automation.problems import Problem, Severity, cap_problems, count, counts_by_code
from automation.registers import REGISTERS
from automation.writeback import CHECK_SHEET

CALL_MODEL = REGISTERS["callins"].sheets[0]
HEADERS = [c.header for c in CALL_MODEL.columns]
REQUIRED_OTHERS = [c.header for c in CALL_MODEL.columns if c.required and c.header != "登记号"]


def limits(root: Path, **values: int) -> None:
    body = "\n".join(f"{k} = {v}" for k, v in values.items())
    (root / "automation.toml").write_text(f"[limits]\n{body}\n", encoding="utf-8")


def validate_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code = main(["validate", *args, "--as-of", "2026-11-27 16:00", "--json"])
    return code, json.loads(capsys.readouterr().out)


# --------------------------------------------------------------------------------------------- error-dense


def test_error_dense_register_lists_each_kind_up_to_the_limit_and_counts_every_finding(root, capsys):
    rows = 300
    limit = 20
    limits(root, problems_per_kind=limit)
    book = write_workbook(
        root / "服务中心" / "叫修登记簿.xlsx",
        {"叫修登记": [HEADERS, *([f"J{n:05d}"] + [None] * (len(HEADERS) - 1) for n in range(rows))]},
    )
    code, out = validate_json(capsys, str(book))
    assert code == 1
    [report] = out["workbooks"]
    # Every data row misses every other required column: that many COL001 findings, each counted.
    assert report["counts"]["COL001"] == rows * len(REQUIRED_OTHERS)
    required = [p for p in report["problems"] if p["code"] == "COL001"]
    for header in REQUIRED_OTHERS:
        of_column = [p for p in required if p["column"] == header]
        listed = [p for p in of_column if "more" not in p]
        [summary] = [p for p in of_column if "more" in p]
        assert len(listed) == limit
        # Listed: the first rows (Excel rows 2..limit+1); the summary sits at the first row left out.
        assert sorted(p["row"] for p in listed) == list(range(2, limit + 2))
        assert summary["row"] == limit + 2
        assert summary["more"] == rows - limit - 1
        left_out = rows - limit
        assert summary["message"].startswith(f"另有 {left_out} 处同类问题，首个在 {summary['cell']}：")
        assert summary["cell"].endswith(str(limit + 2))
    # The totals count findings, not listed lines.
    assert out["errors"] == sum(1 + p.get("more", 0) for p in report["problems"] if p["severity"] == "error")
    assert sum(report["counts"].values()) == out["errors"] + out["warnings"]


def test_error_dense_write_back_keeps_the_result_sheet_small(root):
    rows, limit = 400, 10
    limits(root, problems_per_kind=limit)
    book = write_workbook(
        root / "服务中心" / "叫修登记簿.xlsx",
        {"叫修登记": [HEADERS, *([f"J{n:05d}"] + [None] * (len(HEADERS) - 1) for n in range(rows))]},
    )
    assert main(["validate", str(book), "--as-of", "2026-11-27 16:00"]) == 1
    sheet = CalamineWorkbook.from_path(str(book)).get_sheet_by_name(CHECK_SHEET).to_python()
    codes = [r[2] for r in sheet if isinstance(r[0], int | float)]
    # At most limit + 1 lines for each (code, column) pair, whatever the number of rows.
    kinds = {(r[2], r[5]) for r in sheet if isinstance(r[0], int | float)}
    assert len(codes) <= len(kinds) * (limit + 1)
    assert codes.count("COL001") == len(REQUIRED_OTHERS) * (limit + 1)
    summaries = [r for r in sheet if isinstance(r[7], str) and r[7].startswith("另有 ")]
    assert {r[5] for r in summaries if r[2] == "COL001"} == set(REQUIRED_OTHERS)
    assert all(f"另有 {rows - limit} 处同类问题" in r[7] for r in summaries if r[2] == "COL001")


def test_exactly_one_over_the_limit_is_listed_not_summed_up(root, capsys):
    limit = 5
    limits(root, problems_per_kind=limit)
    book = write_workbook(
        root / "服务中心" / "叫修登记簿.xlsx",
        {"叫修登记": [HEADERS, *([f"J{n:05d}"] + [None] * (len(HEADERS) - 1) for n in range(limit + 1))]},
    )
    _, out = validate_json(capsys, str(book), "--no-write")
    problems = out["workbooks"][0]["problems"]
    of_column = [p for p in problems if p["code"] == "COL001" and p["column"] == "客户名称"]
    assert len(of_column) == limit + 1 and not any("more" in p for p in of_column)


def test_fee_errors_left_out_of_the_list_still_keep_their_calls_out_of_revenue() -> None:
    # The summary's revenue skips calls whose fee has an error: a summary problem stands for all its rows.
    problems = [problem(row=r, column="服务费") for r in range(2, 60)]
    capped = cap_problems(problems, 10)
    assert len(capped) == 11
    assert sorted(r for p in capped for r in p.rows()) == list(range(2, 60))


# ----------------------------------------------------------------------------------------- cap_problems


def problem(*, row: int | None, code: str = "COL001", column: str | None = "A", sheet: str = "S",
            severity: Severity = Severity.ERROR) -> Problem:  # fmt: skip
    cell = f"B{row}" if row is not None else None
    return Problem(code, severity, "w.xlsx", sheet, cell, row, column, None, f"问题 {row}", f"problem {row}")


PROBLEMS = st.lists(
    st.builds(
        problem,
        row=st.one_of(st.none(), st.integers(2, 500)),
        code=st.sampled_from(["COL001", "TYP001", "CAL001"]),
        column=st.sampled_from(["A", "B", None]),
        sheet=st.sampled_from(["S", "T"]),
    ),
    max_size=120,
)


@settings(max_examples=200, deadline=None)
@given(PROBLEMS, st.integers(1, 30))
def test_capping_keeps_every_finding_counted_and_lists_at_most_the_limit(problems: list[Problem], limit: int) -> None:
    capped = cap_problems(problems, limit)
    assert count(capped) == len(problems)
    assert counts_by_code(capped) == counts_by_code(problems)
    # The rows stood for are exactly the rows found.
    assert sorted(r for p in capped for r in p.rows()) == sorted(p.row for p in problems if p.row is not None)
    kinds: dict[tuple, list[Problem]] = {}
    for p in capped:
        kinds.setdefault((p.sheet, p.code, p.column), []).append(p)
    for members in kinds.values():
        with_rows = [p for p in members if p.row is not None]
        assert len(with_rows) <= limit + 1
        assert sum(1 for p in with_rows if p.more) <= 1
    # Capping again changes nothing, and capping what producers already capped merges their summaries.
    assert [(p.row, p.more) for p in cap_problems(capped, limit)] == [(p.row, p.more) for p in capped]
    halves = cap_problems(problems[::2], limit) + cap_problems(problems[1::2], limit)
    assert count(cap_problems(halves, limit)) == len(problems)


def test_capping_without_too_many_returns_the_same_list() -> None:
    problems = [problem(row=r) for r in range(2, 7)]
    assert cap_problems(problems, 5) is problems


def test_summary_message_in_both_languages() -> None:
    [*_, summary] = cap_problems([problem(row=r) for r in range(2, 12)], 3)
    assert summary.cell == "B5" and summary.more == 6
    assert summary.message("zh") == "另有 7 处同类问题，首个在 B5：问题 5"
    assert summary.message("en") == "7 more problems of this kind, the first at B5: problem 5"


# ------------------------------------------------------------------------------------------- row limit


def test_a_register_over_the_row_limit_is_refused_in_one_line_and_left_alone(root, capsys):
    limits(root, max_rows=100)
    rows = [[f"J{n:05d}", "2026-11-27 09:00"] for n in range(120)]
    book = write_workbook(root / "服务中心" / "叫修登记簿.xlsx", {"叫修登记": [HEADERS[:2], *rows]})
    before = book.read_bytes()
    code = main(["validate", str(book), "--as-of", "2026-11-27 16:00"])
    out = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in out.out + out.err
    refusal = [line for line in (out.out + out.err).splitlines() if "121 行" in line]
    assert len(refusal) == 1 and "超过上限 100 行" in refusal[0] and "叫修登记" in refusal[0]
    assert book.read_bytes() == before


def test_a_register_within_the_row_limit_is_read(root, capsys):
    limits(root, max_rows=100)
    rows = [[f"J{n:05d}", "2026-11-27 09:00"] for n in range(100)]
    book = write_workbook(root / "服务中心" / "叫修登记簿.xlsx", {"叫修登记": [HEADERS[:2], *rows]})
    code, out = validate_json(capsys, str(book), "--no-write")
    assert code == 1  # missing columns, but read
    assert out["workbooks"][0]["error"] is None


def test_row_limit_setting_is_checked(root, capsys):
    (root / "automation.toml").write_text("[limits]\nmax_rows = 0\n", encoding="utf-8")
    book = write_workbook(root / "服务中心" / "叫修登记簿.xlsx", {"叫修登记": [HEADERS[:2]]})
    assert main(["validate", str(book)]) == 2
    assert "limits.max_rows" in capsys.readouterr().err


# ------------------------------------------------------------------------------- grids calamine cannot hold


def far_flung(path: Path, last: str, *, dimension: str | None) -> Path:
    """A 叫修登记 sheet with its header in row 1 and one more cell at ``last`` (say XFD1048576)."""
    cells = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>' for i, h in enumerate(HEADERS[:9]))
    row = int(re.sub(r"[A-Z]", "", last))
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'{dim}<sheetData><row r="1">{cells}</row>'
        f'<row r="{row}"><c r="{last}" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>'
    )
    ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="{ns}">'
            '<sheets><sheet name="叫修登记" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": sheet,
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue())
    return path


@pytest.mark.parametrize(
    ("last", "dimension", "words"),
    [
        ("XFD1048576", "A1:XFD1048576", "1,048,576 行"),  # honest dimension: refused before loading
        ("XFD1048576", None, "1,048,576 行"),  # no dimension: found by the scan
        ("A1048576", "A1:A1048576", "1,048,576 行"),
        ("ZZ150000", None, "已用区域过大"),  # within the rows, but a grid of 150,000 x 702 cells
    ],
)
def test_a_sheet_whose_grid_would_not_fit_is_refused_without_loading_it(tmp_path, last, dimension, words):
    root = tmp_path
    (root / "服务中心").mkdir()
    book = far_flung(root / "服务中心" / "叫修登记簿.xlsx", last, dimension=dimension)
    before = book.read_bytes()
    # In a child process: were the grid built, the allocation failure would end the process, not raise.
    done = subprocess.run(
        [sys.executable, "-m", "automation", "validate", str(book), "--no-write"],
        capture_output=True, text=True, timeout=120, cwd=root,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert len([line for line in lines if words in line]) == 1, lines
    assert "Traceback" not in done.stdout + done.stderr
    assert book.read_bytes() == before


# ------------------------------------------------------------------------------------- settings bounds

@pytest.mark.parametrize(
    ("section", "key", "value"),
    [("sla", "urban_hours", 1e9), ("sla", "window_days", 100_000), ("contracts", "notice_days", 5000),
     ("customers", "contact_days", 10_000),
     ("demand", "reward_max", 1e12), ("worklog", "max_daily_hours", 25), ("output", "history_keep", 10**9),
     ("watch", "stale_lock_hours", 1e9), ("limits", "max_rows", 2_000_000), ("limits", "problems_per_kind", 10**7)],
)
def test_a_setting_beyond_any_sense_is_refused_naming_its_key(section: str, key: str, value: float) -> None:
    from automation.settings import SettingsError, parse_settings

    with pytest.raises(SettingsError) as refused:
        parse_settings({section: {key: value}})
    assert f"{section}.{key}" in refused.value.zh and f"{section}.{key}" in refused.value.en
    assert "–" in refused.value.zh  # the span it may take is named
