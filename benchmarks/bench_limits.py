"""Bounded on any input (issue: bounded and safe): peak memory and time of hostile-sized registers.

Each case is a fresh process (so its peak RSS is its own), measured against python-calamine's raw read of the same
file in the same run (open + ``to_python()`` of every sheet, also in a fresh process):

- error-dense: a 50,000-row 叫修登记 with only 登记号 filled (every other required cell blank), checked with
  ``--json --no-write`` and as the whole job (results written back);
- a million rows of one column, with only that header, and with the full header row: refused before loading;
- a clean register within the row limit (default 50,000 rows; ``--clean-rows 200000`` for the limit itself).

Prints, per case: the process's time and the time after its imports (start-up is issue 16's), each ÷ the raw read,
peak RSS and the exit code. The bars: peak RSS < 400 MB and the work < 10× the raw read for the hostile cases.

    python benchmarks/bench_limits.py [--dense-rows 50000] [--clean-rows 50000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from automation.registers import REGISTERS

HEADERS = [c.header for c in REGISTERS["callins"].sheets[0].columns]
AS_OF = dt.datetime(2026, 11, 27, 16, 0)
BRANCH = "服务中心"

CHILD = """
import json, sys, time
start = time.perf_counter()
mode, path = sys.argv[1], sys.argv[2]
code = 0
if mode == "raw":
    from python_calamine import CalamineWorkbook
    book = CalamineWorkbook.from_path(path)
    try:
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except BaseException as exc:  # the raw read may itself fail on a hostile file
        code = -1
else:
    import contextlib, io
    from automation.cli import main
    imported = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = main(sys.argv[3:])
    start = imported if sys.argv[3:] and mode == "work" else start
seconds = time.perf_counter() - start
# VmHWM, not ru_maxrss: the latter keeps the parent's peak across fork and exec.
status = open("/proc/self/status").read()
peak = int(status.split("VmHWM:")[1].split()[0]) / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak, "code": code}))
"""


def sheet_xml(rows: list[list[str]], *, dimension: bool = True) -> bytes:
    """A worksheet of inline strings (fast to write at any size)."""
    def col(i: int) -> str:
        return chr(65 + i) if i < 26 else chr(64 + i // 26) + chr(65 + i % 26)

    width = max(len(r) for r in rows)
    out = io.StringIO()
    out.write('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
    if dimension:
        out.write(f'<dimension ref="A1:{col(width - 1)}{len(rows)}"/>')
    out.write("<sheetData>")
    for r, row in enumerate(rows, 1):
        out.write(f'<row r="{r}">')
        for c, value in enumerate(row):
            if value:
                out.write(f'<c r="{col(c)}{r}" t="inlineStr"><is><t>{value}</t></is></c>')
        out.write("</row>")
    out.write("</sheetData></worksheet>")
    return out.getvalue().encode()


def workbook(path: Path, sheet: bytes, name: str = "叫修登记") -> None:
    ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            b'<Default Extension="xml" ContentType="application/xml"/>'
            b'<Override PartName="/xl/workbook.xml" '
            b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            b'<Override PartName="/xl/worksheets/sheet1.xml" '
            b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": (
            f'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="{ns}">'
            f'<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
        ).encode(),
        "xl/worksheets/sheet1.xml": sheet,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for part, data in parts.items():
            zf.writestr(part, data)


def run(mode: str, path: Path, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(path), *args], capture_output=True, text=True, cwd=path.parents[1]
    )
    if done.returncode != 0:
        return {"seconds": float("nan"), "peak_mb": float("nan"), "code": f"died ({done.returncode})"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def case(label: str, path: Path, *modes: tuple[str, list[str]]) -> None:
    raw = run("raw", path)
    raw_text = f"{raw['seconds']:.2f} s, {raw['peak_mb']:.0f} MB" if raw["code"] == 0 else f"failed ({raw['code']})"
    print(f"\n{label}  ({path.stat().st_size / 1e6:.1f} MB file; raw calamine read: {raw_text})")
    for name, args in modes:
        backup = path.with_suffix(".bak")
        timings = {}
        for mode in ("cli", "work"):  # the whole process, then the work after the imports (issue 16: start-up)
            shutil.copy2(path, backup)
            timings[mode] = run(mode, path, *args)
            shutil.copy2(backup, path)
        got, work = timings["cli"], timings["work"]
        ratio = got["seconds"] / raw["seconds"] if raw["code"] == 0 else float("nan")
        work_ratio = work["seconds"] / raw["seconds"] if raw["code"] == 0 else float("nan")
        verdict = "ok" if got["peak_mb"] < 400 and (work_ratio != work_ratio or work_ratio < 10) else "OVER"
        print(f"  {name:<28} {got['seconds']:6.2f} s ({ratio:5.2f}× raw)  after imports {work['seconds']:6.2f} s "
              f"({work_ratio:5.2f}× raw)  {got['peak_mb']:5.0f} MB peak  exit {got['code']}  {verdict}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dense-rows", type=int, default=50_000)
    parser.add_argument("--clean-rows", type=int, default=50_000)
    args = parser.parse_args()
    as_of = ["--as-of", f"{AS_OF:%Y-%m-%d %H:%M}"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        book = root / BRANCH / "叫修登记簿.xlsx"

        workbook(book, sheet_xml([HEADERS, *([f"J{n:06d}"] for n in range(args.dense_rows))]))
        case(f"error-dense: {args.dense_rows:,} rows, only 登记号 filled", book,
             ("validate --json --no-write", ["validate", str(book), "--json", "--no-write", *as_of]),
             ("whole job (written back)", ["validate", str(book), *as_of]))  # fmt: skip

        million = 1_048_575
        workbook(book, sheet_xml([["登记号"], *([f"J{n:07d}"] for n in range(million))]))
        case("1,048,576 rows of one column", book, ("validate (refused)", ["validate", str(book), *as_of]))
        workbook(book, sheet_xml([HEADERS, *([f"J{n:07d}"] for n in range(million))]))
        case("1,048,576 rows, full header row", book, ("validate (refused)", ["validate", str(book), *as_of]))
        workbook(book, sheet_xml([HEADERS, *([f"J{n:07d}"] for n in range(million))], dimension=False))
        case("the same without <dimension>", book, ("validate (refused)", ["validate", str(book), *as_of]))

        from automation.sample import write_callins_workbook

        book.unlink()
        start = time.perf_counter()
        write_callins_workbook(book, args.clean_rows, as_of=AS_OF)
        print(f"\n(generated a clean {args.clean_rows:,}-row register in {time.perf_counter() - start:.0f} s)")
        case(f"clean register, {args.clean_rows:,} rows", book,
             ("validate --json --no-write", ["validate", str(book), "--json", "--no-write", *as_of]),
             ("whole job (written back)", ["validate", str(book), *as_of]))  # fmt: skip


if __name__ == "__main__":
    main()
