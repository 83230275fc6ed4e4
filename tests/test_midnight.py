"""A date-time cell at exactly 00:00 (issue 10, finding 3).

python-calamine hands a date-time cell whose serial is a whole number over as a plain ``datetime.date``, the same as
a date typed without a time. The cell's number format tells them apart: one that shows a time (``yyyy-mm-dd hh:mm``,
built-in 22 ``m/d/yy h:mm``) makes it a date-time at 00:00; one that shows only a date keeps it a date, which a
date-time column reports as TYP003. Files are written by openpyxl, and saved again by LibreOffice (xlsx and xls).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest
from conftest import AS_OF, zip_bytes
from libreoffice import convert

from automation.pipeline import WorkbookReport, validate_paths
from automation.xlsx.formats import shows_time, time_formatted

D, T = dt.date, dt.datetime
HEADER = ["登记号", "来电时间", "客户名称", "地址", "电话", "区域", "服务类别", "派工技术员", "派工时间", "到达时间",
          "处理方式", "完成时间", "客户签字", "服务费(元)", "发票号", "开票日期"]
MIDNIGHT = T(2026, 11, 27, 0, 0)  # Friday 00:00; AS_OF is the same Friday 16:00


def call(number: str, called: object, *, arrived: object = None) -> list[object]:
    """An urban, free (C) call dispatched to 王强, with the given 来电时间 and 到达时间."""
    return [number, called, "宁波甬江机械有限公司", "江北区长兴路 8 号", "0574-87654321", "市区", "C", "王强",
            None, arrived, None, None, None, None, None, None]


def write_calls(path: Path, rows: list[list[object]], formats: dict[str, str]) -> Path:
    """A 叫修登记簿 whose cells (A1 references) get the given number formats."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "叫修登记"
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    for ref, fmt in formats.items():
        ws[ref].number_format = fmt
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def report_of(path: Path) -> WorkbookReport:
    [report] = validate_paths([path], as_of=AS_OF)
    assert report.error_zh is None, report.error_zh
    return report


def codes_at(report: WorkbookReport, cells: set[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {cell: [] for cell in cells}
    for p in report.problems:
        if p.cell in found:
            found[p.cell].append(p.code)
    return found


def deadline_of(report: WorkbookReport, number: str) -> tuple[dt.datetime, dt.datetime]:
    """(来电时间, 应到达时间) of a call in the 派工时限 result."""
    [sheet] = [r for r in report.results if r.name == "派工时限"]
    row = sheet.frame.set_index("登记号").loc[number]
    return row["来电时间"].to_pydatetime(), row["应到达时间"].to_pydatetime()


def assert_midnight_read_as_time(path: Path) -> None:
    report = report_of(path)
    # Read as times, with the TYP013 reminder that 00:00 is more often a forgotten time than a midnight call.
    assert codes_at(report, {"B2", "B3", "I3"}) == {"B2": ["TYP013"], "B3": ["TYP013"], "I3": ["TYP013"]}
    assert all(p.severity == "warning" for p in report.problems if p.code == "TYP013")
    assert not [p for p in report.problems if p.code == "TYP003"]
    # Urban, 6 working hours from Friday 00:00: the day opens at 08:00, 08:00-12:00 and 13:00-15:00 -> 15:00.
    # (A call read as "no time" would have no deadline at all.)
    assert deadline_of(report, "J001") == (MIDNIGHT, T(2026, 11, 27, 15, 0))
    assert deadline_of(report, "J002") == (MIDNIGHT, T(2026, 11, 27, 15, 0))


@pytest.fixture
def midnight_calls(src: Path) -> Path:
    """J001: 来电时间 00:00 shown as yyyy-mm-dd hh:mm; J002: 来电时间 00:00 as built-in 22 (openpyxl stores
    ``m/d/yy h:mm`` as numFmtId 22) and 派工时间 00:00 as yyyy-mm-dd hh:mm."""
    rows = [call("J001", MIDNIGHT, arrived=T(2026, 11, 27, 9, 30)), call("J002", MIDNIGHT, arrived=T(2026, 11, 27, 9))]
    rows[1][8] = MIDNIGHT
    return write_calls(src / "叫修登记簿.xlsx", rows,
                       {"B2": "yyyy-mm-dd hh:mm", "B3": "m/d/yy h:mm", "I3": "yyyy-mm-dd hh:mm"})


def test_midnight_date_time_cell_is_a_time_not_typ003(root: Path, midnight_calls: Path) -> None:
    path = shutil.copy(midnight_calls, root / "服务中心" / "叫修登记簿.xlsx")
    assert_midnight_read_as_time(Path(path))


def test_date_only_format_and_text_date_stay_typ003(root: Path) -> None:
    rows = [call("J001", MIDNIGHT), call("J002", "2026-11-27"), call("J003", D(2026, 11, 27))]
    path = write_calls(root / "服务中心" / "叫修登记簿.xlsx", rows, {"B2": "yyyy-mm-dd", "B4": "[Red]yyyy/m/d"})
    report = report_of(path)
    assert codes_at(report, {"B2", "B3", "B4"}) == {"B2": ["TYP003"], "B3": ["TYP003"], "B4": ["TYP003"]}


def test_only_time_formatted_cells_are_found(tmp_path: Path) -> None:
    rows = [call("J001", MIDNIGHT), call("J002", MIDNIGHT), call("J003", MIDNIGHT)]
    path = write_calls(tmp_path / "叫修登记簿.xlsx", rows, {"B2": "yyyy-mm-dd hh:mm", "B3": "yyyy-mm-dd", "B4": "h:mm"})
    data = path.read_bytes()
    assert time_formatted(data, "叫修登记", [(2, 1), (3, 1), (4, 1), (9, 9)]) == {(2, 1), (4, 1)}
    assert time_formatted(data, "没有这张表", [(2, 1)]) == set()
    assert time_formatted(b"not a workbook", "叫修登记", [(2, 1)]) == set()


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STYLES = (
    f'<styleSheet xmlns="{MAIN}"><numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd\\ hh:mm"/>'
    '<numFmt numFmtId="165" formatCode="[Red]yyyy/m/d"/></numFmts><cellXfs count="4"><xf numFmtId="0"/>'
    '<xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="22"/></cellXfs></styleSheet>'
)
# Row 2: A date-time (164), B date only (165), C built-in 22; row 3: A date only, B date-time. The same cells
# written the way our byte search expects, and in ways that need the XML parse.
SHEETS = {
    "plain": '<worksheet xmlns="{m}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>'
             '<row r="2"><c r="A2" s="1"><v>46353</v></c><c r="B2" s="2"><v>46353</v></c><c r="C2" s="3"><v>46353</v></c></row>'
             '<row r="3"><c r="A3" s="2"><v>46353</v></c><c r="B3" s="1"><v>46353</v></c></row></sheetData></worksheet>',
    "prefixed": '<x:worksheet xmlns:x="{m}"><x:sheetData><x:row r="2"><x:c r="A2" s="1"><x:v>46353</x:v></x:c>'
                '<x:c r="B2" s="2"><x:v>46353</x:v></x:c><x:c r="C2" s="3"><x:v>46353</x:v></x:c></x:row>'
                '<x:row r="3"><x:c r="A3" s="2"><x:v>46353</x:v></x:c><x:c r="B3" s="1"><x:v>46353</x:v></x:c></x:row>'
                '</x:sheetData></x:worksheet>',
    "attributes in another order": '<worksheet xmlns="{m}"><sheetData><row spans="1:3" r="2"><c s="1" r="A2"><v>46353</v></c>'
                '<c r="B2" s="2"><v>46353</v></c><c s="3" r="C2"><v>46353</v></c></row><row spans="1:2" r=\'3\'>'
                '<c r=\'A3\' s=\'2\'><v>46353</v></c><c r="B3" s="1"><v>46353</v></c></row></sheetData></worksheet>',
    "no references": '<worksheet xmlns="{m}"><sheetData><row><c t="s"><v>0</v></c></row><row><c s="1"><v>46353</v></c>'
                '<c s="2"><v>46353</v></c><c s="3"><v>46353</v></c></row><row><c s="2"><v>46353</v></c>'
                '<c s="1"><v>46353</v></c></row></sheetData></worksheet>',
    "text reading like a reference": '<worksheet xmlns="{m}"><sheetData><row r="2"><c r="D2" t="inlineStr"><is><t> r="A2"</t>'
                '</is></c><c r="A2" s="1"><v>46353</v></c><c r="B2" s="2"><v>46353</v></c><c r="C2" s="3"><v>46353</v></c></row>'
                '<row r="3"><c r="A3" s="2"><v>46353</v></c><c r="B3" s="1"><v>46353</v></c></row></sheetData></worksheet>',
}


@pytest.mark.parametrize("written", list(SHEETS))
def test_styles_are_found_however_the_sheet_is_written(written: str) -> None:
    data = zip_bytes({name: text.encode() for name, text in {
        "_rels/.rels": f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                       f'<Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets><sheet name="其他" sheetId="2" r:id="rId9"/>'
                           f'<sheet name="叫修登记" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                                      f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="/xl/worksheets/sheet1.xml"/>'
                                      f'<Relationship Id="rId9" Type="{RELS}/worksheet" Target="worksheets/sheet2.xml"/>'
                                      f'<Relationship Id="rId2" Type="{RELS}/styles" Target="styles.xml"/></Relationships>',
        "xl/styles.xml": STYLES,
        "xl/worksheets/sheet1.xml": SHEETS[written].format(m=MAIN),
        "xl/worksheets/sheet2.xml": f'<worksheet xmlns="{MAIN}"><sheetData/></worksheet>',
    }.items()})
    cells = [(2, 0), (2, 1), (2, 2), (3, 0), (3, 1)]
    assert time_formatted(data, "叫修登记", cells) == {(2, 0), (2, 2), (3, 1)}
    assert time_formatted(data, "叫修登记", [(3, 1)]) == {(3, 1)}
    assert time_formatted(data, "其他", cells) == set()


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("yyyy-mm-dd hh:mm", True),
        ("yyyy\\-mm\\-dd\\ hh:mm", True),  # how LibreOffice writes it
        ("m/d/yy h:mm", True),
        ("[$-F400]h:mm:ss AM/PM", True),
        ("[h]:mm", True),
        ("mm:ss", True),
        ('yyyy"年"m"月"d"日" h"时"mm"分"', True),
        ("yyyy-mm-dd", False),
        ("[Red]yyyy-mm-dd", False),
        ('yyyy"年"m"月"d"日"', False),
        ('yyyy-mm-dd "h"', False),
        ("yyyy-mm-dd\\h", False),
        ("[$-804]yyyy/m/d dddd", False),
        ("General", False),
        ("mmm-yy", False),
    ],
)
def test_which_formats_show_a_time(code: str, expected: bool) -> None:
    assert shows_time(code) is expected


@pytest.mark.libreoffice
@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
def test_midnight_survives_a_libreoffice_save(root: Path, src: Path, midnight_calls: Path, fmt: str) -> None:
    saved = convert(midnight_calls, src / "saved", fmt)
    path = Path(shutil.copy(saved, root / "服务中心" / saved.name))
    assert_midnight_read_as_time(path)


@pytest.mark.libreoffice
def test_date_only_format_stays_typ003_after_a_libreoffice_save_as_xls(root: Path, src: Path) -> None:
    rows = [call("J001", MIDNIGHT), call("J002", "2026-11-27")]
    made = write_calls(src / "叫修登记簿.xlsx", rows, {"B2": "yyyy-mm-dd"})
    saved = convert(made, src / "saved", "xls")
    path = Path(shutil.copy(saved, root / "服务中心" / saved.name))
    report = report_of(path)
    assert codes_at(report, {"B2", "B3"}) == {"B2": ["TYP003"], "B3": ["TYP003"]}
