"""Templates generated from the register model, and the deployment layout of ``automation init``."""

from __future__ import annotations

import io
import re
import tomllib
import zipfile
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from automation import templates
from automation.registers import REGISTERS
from automation.registers.model import Kind, Register, normalise_header
from automation.templates import (
    GUIDE_SHEET,
    REGISTER_PROPERTY,
    STAFF_LIST_SHEET,
    TEMPLATE_ROWS,
    build_template,
    init_root,
    layout_paths,
    settings_text,
    write_templates,
)

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "workbooks" / "templates"
ALL = list(REGISTERS.values())
IDS = [r.key for r in ALL]

# §10, the defaults the commented settings file documents.
SETTINGS_DEFAULTS = {
    "calendar": {"work_periods": ["08:00-12:00", "13:00-17:00"], "holidays": "chinesecalendar", "complete_years": []},
    "sla": {"urban_hours": 6, "suburban_hours": 7, "window_days": 31},
    "contracts": {"notice_days": 30},
    "company": {"name": "", "phone": ""},
    "notices": {"template": "总部/模板/保养到期通知书.docx"},
    "summary": {"on_time_target": 0.9},
    "demand": {"reward_min": 50, "reward_max": 500},
    "worklog": {"max_daily_hours": 12, "report_days": 30},
    "customers": {"code_pattern": r"^KH\d{5}$", "contact_days": 90},
    "layout": {"head_office": "总部", "summary": "总部/汇总.xlsx"},
    "output": {"language": "zh", "history_keep": 20},
    "watch": {"stale_lock_hours": 12, "refresh_minutes": 60},
    "site": {"name": "", "folders": []},
    "store": {"url": "", "publish": False},
    "limits": {"max_rows": 200_000, "problems_per_kind": 200},
}


@pytest.fixture(scope="module")
def built() -> dict[str, bytes]:
    return {r.key: build_template(r) for r in ALL}


@pytest.fixture(scope="module")
def loaded(built: dict[str, bytes]) -> dict[str, openpyxl.Workbook]:
    return {key: _load(data) for key, data in built.items()}


@pytest.fixture
def cached_build(monkeypatch: pytest.MonkeyPatch, built: dict[str, bytes]) -> None:
    """init_root with the module's templates instead of building them again (the layout test builds for real)."""
    monkeypatch.setattr(templates, "build_template", lambda register: built[register.key])


def _load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _entries(data: bytes) -> list[tuple[object, ...]]:
    """Everything about each entry but its compressed bytes and their size, which depend on the local zlib."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(i.filename, i.date_time, i.compress_type, i.flag_bits, i.external_attr, i.create_system, i.extra,
                 i.comment, i.CRC, i.file_size, z.read(i)) for i in z.infolist()]  # fmt: skip


# ------------------------------------------------------------------------------------------ committed templates


@pytest.mark.parametrize("register", ALL, ids=IDS)
def test_committed_template_is_what_the_generator_makes(register: Register, built: dict[str, bytes]) -> None:
    path = TEMPLATES_DIR / register.file_name
    assert path.is_file(), f"{path.name} missing: run `automation templates`"
    # Same parts, same order, same headers, same content: the bytes themselves may differ by the zlib build.
    assert _entries(path.read_bytes()) == _entries(built[register.key]), (
        f"{path.name} is out of date with the register model: run `automation templates`"
    )


def test_no_stray_files_in_templates_dir() -> None:
    expected = {r.file_name for r in ALL}
    assert {p.name for p in TEMPLATES_DIR.glob("*.xlsx")} == expected


@pytest.mark.usefixtures("cached_build")
def test_write_templates(tmp_path: Path, built: dict[str, bytes]) -> None:
    paths = write_templates(tmp_path / "out")
    assert [p.name for p in paths] == [r.name + ".xlsx" for r in ALL] + ["保养到期通知书.docx"]
    for register, path in zip(ALL, paths[: len(ALL)], strict=True):
        assert path.read_bytes() == built[register.key]


# ----------------------------------------------------------------------------------------------- determinism


@pytest.mark.parametrize("register", ALL, ids=IDS)
def test_build_is_deterministic(register: Register, built: dict[str, bytes]) -> None:
    assert build_template(register) == built[register.key]


def test_timestamps_are_constant(built: dict[str, bytes], loaded: dict[str, openpyxl.Workbook]) -> None:
    for key, data in built.items():
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            assert {i.date_time for i in z.infolist()} == {(2026, 1, 1, 0, 0, 0)}
        props = loaded[key].properties
        assert props.created.isoformat() == props.modified.isoformat() == "2026-01-01T00:00:00"


# ------------------------------------------------------------------------------------------------ content


@pytest.mark.parametrize("register", ALL, ids=IDS)
def test_sheets_and_headers_follow_the_model(register: Register, loaded: dict[str, openpyxl.Workbook]) -> None:
    wb = loaded[register.key]
    has_staff = any(c.kind is Kind.STAFF for s in register.sheets for c in s.columns)
    assert wb.sheetnames == [s.name for s in register.sheets] + [GUIDE_SHEET] + [STAFF_LIST_SHEET] * has_staff
    assert wb.active.title == register.sheets[0].name
    for sheet in register.sheets:
        ws = wb[sheet.name]
        header = [c.value for c in ws[1]]
        assert len(header) == len(sheet.columns)
        for cell, column in zip(ws[1], sheet.columns, strict=True):
            assert cell.value == ("*" if column.required else "") + column.title
            assert cell.value.startswith("*") == column.required
            assert normalise_header(cell.value) == normalise_header(column.header)
            assert cell.font.b
        fills = {c.value.startswith("*"): c.fill.fgColor.rgb for c in ws[1]}
        if len(fills) == 2:
            assert fills[True] != fills[False]
        assert ws.freeze_panes == "A2"
        # The table brings the filter buttons; a sheet autoFilter over a table is an error in Excel.
        [table] = ws.tables.values()
        assert table.ref == f"A1:{ws.cell(1, len(sheet.columns)).column_letter}2"
        assert ws.auto_filter.ref is None
        assert ws.max_row == 2  # the table's first, empty row; formats for the rest are column styles
        assert all(c.value is None for row in ws.iter_rows(min_row=2) for c in row)


@pytest.mark.parametrize("register", ALL, ids=IDS)
def test_drop_downs_carry_the_model_choices(register: Register, loaded: dict[str, openpyxl.Workbook]) -> None:
    wb = loaded[register.key]
    for sheet in register.sheets:
        ws = wb[sheet.name]
        by_column: dict[str, list] = {}
        for dv in ws.data_validations.dataValidation:
            for ref in str(dv.sqref).split():
                by_column.setdefault(ref.split(":")[0].rstrip("0123456789"), []).append((ref, dv))
        for index, column in enumerate(sheet.columns, start=1):
            letter = ws.cell(1, index).column_letter
            [(ref, dv)] = by_column[letter]
            assert ref == f"{letter}2:{letter}{TEMPLATE_ROWS}"
            assert dv.showInputMessage and dv.prompt and dv.promptTitle
            assert len(dv.prompt) <= 255 and len(dv.promptTitle) <= 32
            assert dv.error is None or len(dv.error) <= 255
            if column.kind in (Kind.ENUM, Kind.BOOL):
                assert dv.type == "list"
                assert dv.formula1 == '"' + ",".join(column.choices) + '"'
                assert dv.showErrorMessage
                assert dv.error and all(choice in dv.error for choice in column.choices)
                has_aliases = any(a not in column.choices for a in column.aliases)
                assert dv.errorStyle == ("warning" if has_aliases else "stop")
            elif column.kind in (Kind.TEXT, Kind.CODE, Kind.PHONE, Kind.EMAIL) and not column.unique:
                assert dv.type is None and not dv.showErrorMessage  # an input message only
            else:
                assert dv.type is not None and dv.showErrorMessage  # each kind: tests/test_template_validation.py


def test_aliased_and_plain_enums(loaded: dict[str, openpyxl.Workbook]) -> None:
    wb = loaded["callins"]
    ws = wb["叫修登记"]
    styles = {dv.formula1: dv.errorStyle for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert styles['"A,B,C"'] == "warning"  # 服务类别 accepts 有费服务 etc.
    assert styles['"市区,郊区"'] == "stop"


@pytest.mark.parametrize("register", ALL, ids=IDS)
def test_number_formats(register: Register, loaded: dict[str, openpyxl.Workbook]) -> None:
    expected = {Kind.DATE: "yyyy-mm-dd", Kind.DATETIME: "yyyy-mm-dd hh:mm", Kind.TIME: "hh:mm",
                Kind.MONEY: "#,##0.00", Kind.HOURS: "0.0", Kind.PHONE: "@", Kind.POSTCODE: "@"}
    wb = loaded[register.key]
    for sheet in register.sheets:
        ws = wb[sheet.name]
        for index, column in enumerate(sheet.columns, start=1):
            if column.kind in expected:
                # The column style formats every row; the table's first row has it too (a table copies it down).
                letter = ws.cell(1, index).column_letter
                assert ws.column_dimensions[letter].number_format == expected[column.kind], column.header
                assert ws.cell(2, index).number_format == expected[column.kind], column.header


@pytest.mark.parametrize("register", ALL, ids=IDS)
def test_custom_property_names_the_register(register: Register, loaded: dict[str, openpyxl.Workbook]) -> None:
    props = {p.name: p.value for p in loaded[register.key].custom_doc_props.props}
    assert props == {REGISTER_PROPERTY: register.key}


@pytest.mark.parametrize("register", ALL, ids=IDS)
def test_guide_sheet_lists_every_column(register: Register, loaded: dict[str, openpyxl.Workbook]) -> None:
    ws = loaded[register.key][GUIDE_SHEET]
    assert register.name in ws["A1"].value
    assert [c.value for c in ws[3]] == ["工作表", "列名", "类型", "必填", "唯一", "可选值", "规则", "依据条款"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4, max_col=8)]
    listed = [(r[0], r[1]) for r in rows if r[1]]
    expected = [(s.name, c.title) for s in register.sheets for c in s.columns]
    assert listed[: len(expected)] == expected
    for sheet in register.sheets:
        for column in sheet.columns:
            row = next(r for r in rows if (r[0], r[1]) == (sheet.name, column.title))
            assert row[3] == ("是" if column.required else "否")
            assert (row[4] == "是") == column.unique
            if column.rule:
                assert column.rule in row[6]
            if column.not_future:
                assert "不得晚于" in row[6]
            assert (row[7] or "") == column.article
            for choice in column.choices:
                assert choice in row[5]


@pytest.mark.parametrize("register", ALL, ids=IDS)
def test_calamine_reads_the_header_row_first(register: Register, built: dict[str, bytes]) -> None:
    wb = CalamineWorkbook.from_filelike(io.BytesIO(built[register.key]))
    for sheet in register.sheets:
        rows = wb.get_sheet_by_name(sheet.name).to_python()
        assert [normalise_header(v) for v in rows[0]] == list(sheet.headers)
        assert all(v == "" for row in rows[1:] for v in row)


# ---------------------------------------------------------------------------------------------------- init


def test_init_root_lays_out_head_office_and_branches(tmp_path: Path, built: dict[str, bytes]) -> None:
    root = tmp_path / "root"
    created = init_root(root, ["服务中心", "慈溪分公司"])
    assert created == layout_paths(root, ["服务中心", "慈溪分公司"])
    names = {p.relative_to(root).as_posix() for p in created}
    assert names == {
        "automation.toml",
        "总部/基础资料.xlsx", "总部/客户档案.xlsx", "总部/需求信息.xlsx",
        *(f"{b}/{n}.xlsx" for b in ("服务中心", "慈溪分公司")
          for n in ("保养合同", "叫修登记簿", "客户商品进出登记簿", "技术员工作日报表")),
    }
    for path in created:
        if path.suffix == ".xlsx":
            key = {r.file_name: r.key for r in ALL}[path.name]
            assert path.read_bytes() == built[key]


@pytest.mark.usefixtures("cached_build")
def test_init_root_default_branch(tmp_path: Path) -> None:
    created = init_root(tmp_path)
    assert (tmp_path / "服务中心" / "叫修登记簿.xlsx") in created
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["automation.toml", "总部", "服务中心"])


@pytest.mark.usefixtures("cached_build")
def test_init_root_never_overwrites(tmp_path: Path) -> None:
    existing = tmp_path / "服务中心" / "叫修登记簿.xlsx"
    existing.parent.mkdir(parents=True)
    existing.write_bytes(b"staff data")
    (tmp_path / "automation.toml").write_text("[sla]\nurban_hours = 5\n", encoding="utf-8")
    created = init_root(tmp_path)
    assert existing not in created and tmp_path / "automation.toml" not in created
    assert existing.read_bytes() == b"staff data"
    assert (tmp_path / "automation.toml").read_text(encoding="utf-8") == "[sla]\nurban_hours = 5\n"
    assert len(created) == len(layout_paths(tmp_path)) - 2
    assert init_root(tmp_path) == []  # a second run creates nothing


@pytest.mark.usefixtures("cached_build")
def test_settings_file_parses_to_defaults(tmp_path: Path) -> None:
    init_root(tmp_path)
    data = tomllib.loads((tmp_path / "automation.toml").read_text(encoding="utf-8"))
    for section, values in data.items():
        for key, value in values.items():
            assert SETTINGS_DEFAULTS[section][key] == value
    assert all(not values for values in data.values())  # everything commented out


def test_settings_file_documents_every_default() -> None:
    text = settings_text()
    setting = re.compile(r"^# ([a-z_]+ = .*)$")
    uncommented = "\n".join(setting.sub(r"\1", line) for line in text.splitlines())
    assert tomllib.loads(uncommented) == SETTINGS_DEFAULTS


@pytest.mark.usefixtures("cached_build")
def test_init_root_other_head_office(tmp_path: Path) -> None:
    created = init_root(tmp_path, ["宁波分公司"], head_office="总公司")
    assert tmp_path / "总公司" / "客户档案.xlsx" in created
    data = tomllib.loads((tmp_path / "automation.toml").read_text(encoding="utf-8"))
    assert data["layout"] == {"head_office": "总公司", "summary": "总公司/汇总.xlsx"}


@pytest.mark.parametrize("branch", ["", "a/b", "..", ".automation", "总部", "x:y"])
def test_init_root_rejects_bad_branch_names(tmp_path: Path, branch: str) -> None:
    with pytest.raises(ValueError):
        init_root(tmp_path, [branch])
    assert not any(tmp_path.iterdir())



def test_the_documented_defaults_are_every_setting() -> None:
    """A new setting must be documented in the commented automation.toml (test_settings_file_documents_every_default
    holds the file to these defaults):
    the settings' own table is the list to compare with."""
    from automation.settings import _SCHEMA

    assert {(s, k) for s, keys in _SCHEMA.items() for k in keys} == {
        (s, k) for s, keys in SETTINGS_DEFAULTS.items() for k in keys
    }
