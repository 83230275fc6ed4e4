"""Cost of reading date-time cells at exactly 00:00 (issue 10): number formats looked up in the file.

python-calamine gives a date-time cell at 00:00 as a plain date; the reader then looks up the number format of those
cells only (automation/xlsx/formats.py). Generates a 50,000-row 叫修登记簿 (clean sample data, no such cell), then
copies of it whose 来电时间 is exactly 00:00 (number format yyyy-mm-dd hh:mm) on: the last row only (the whole sheet
part must be inflated), 1 % of the rows, and every row. For each it measures ``automation validate --no-write`` and
the format look-up alone, and prints them against python-calamine's raw read of the file measured in the same run.

    python benchmarks/bench_midnight.py [--rows 50000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from python_calamine import CalamineWorkbook

from automation.pipeline import validate_paths
from automation.sample import write_callins_workbook
from automation.xlsx import formats

AS_OF = dt.datetime(2026, 11, 27, 16, 0)
SHEET = "叫修登记"


def raw_read(path: Path) -> None:
    book = CalamineWorkbook.from_path(str(path))
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    book.close()


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def with_midnights(source: Path, target: Path, every: int | None) -> int:
    """A copy of ``source`` whose 来电时间 (column B) serials lose their time of day: on every ``every``-th data row,
    only on the last one (``every=None``), or on none (``every=0``: the same package, zipped like the others).
    Returns how many cells were changed."""
    with zipfile.ZipFile(source) as zf:
        parts = {info.filename: zf.read(info) for info in zf.infolist()}
    part = "xl/worksheets/sheet1.xml"
    cell = re.compile(rb'(<c r="B(\d+)" s="\d+" t="n"><v>)(\d+)\.\d+(</v>)')
    rows = [int(m.group(2)) for m in cell.finditer(parts[part])]
    chosen = {rows[-1]} if every is None else set(rows[::every]) if every else set()

    def midnight(m: re.Match[bytes]) -> bytes:
        return m.group(1) + m.group(3) + m.group(4) if int(m.group(2)) in chosen else m.group(0)

    parts[part] = cell.sub(midnight, parts[part])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(buf.getvalue())
    return len(chosen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    spent: list[float] = []
    look_up = formats.time_formatted

    def timed(data: bytes, sheet: str, cells: object) -> set[tuple[int, int]]:
        start = time.perf_counter()
        try:
            return look_up(data, sheet, cells)  # type: ignore[arg-type]
        finally:
            spent.append(time.perf_counter() - start)

    # The reader calls the look-up through read.py's import; count its time there.
    from automation.xlsx import read

    read.time_formatted = timed  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base" / "服务中心" / "叫修登记簿.xlsx"
        base.parent.mkdir(parents=True)
        write_callins_workbook(base, args.rows, as_of=AS_OF)
        validate_paths([base], as_of=AS_OF)  # warm up (imports, first calls)
        cases: list[tuple[str, Path, int]] = []
        for label, every in (("no 00:00 cell", 0), ("00:00 on the last row", None), ("00:00 on 1 % of rows", 100),
                             ("00:00 on every row", 1)):
            path = Path(tmp) / label.replace(" ", "_") / "服务中心" / "叫修登记簿.xlsx"
            cases.append((label, path, with_midnights(base, path, every)))
        raw = best(lambda: raw_read(cases[0][1]), args.repeat)
        print(f"{args.rows:,} rows, {base.stat().st_size / 1e6:.1f} MB; python-calamine raw read {raw:.3f} s")
        for label, path, changed in cases:
            spent.clear()
            took = best(lambda path=path: validate_paths([path], as_of=AS_OF), args.repeat)
            look = min(spent) if spent else 0.0
            [report] = validate_paths([path], as_of=AS_OF)
            typ003 = sum(1 for p in report.problems if p.code == "TYP003")
            print(f"{label:24} {changed:6,} cells: validate {took:.3f} s ({took / raw:.2f} × read); format look-up "
                  f"{look:.3f} s ({look / raw:.2f} × read, {'called' if spent else 'not called'}); TYP003 {typ003}")


if __name__ == "__main__":
    main()
