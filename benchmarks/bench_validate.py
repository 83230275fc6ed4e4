"""Validation speed on a big call-in register (issue: foundation).

Generates a 50,000-row 叫修登记簿 (clean sample data), then measures in one run:
- python-calamine's raw read of the file (open + to_python of every sheet), the baseline;
- ``automation validate --no-write`` on that file (read, recognise, parse, schemas, rules);
- the whole job of §12: validate + jobs + write-back of the result sheets into the file;
and prints validate ÷ raw read (target ≤ 1.6) and whole job ÷ raw read (§12: at most 2). Best of N repetitions for
each, so the ratios compare like with like.

    python benchmarks/bench_validate.py [--rows 50000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
import tracemalloc
from pathlib import Path

from python_calamine import CalamineWorkbook

from automation.pipeline import validate_paths
from automation.sample import write_callins_workbook

AS_OF = dt.datetime(2026, 11, 27, 16, 0)


def raw_read(path: Path) -> int:
    book = CalamineWorkbook.from_path(str(path))
    cells = 0
    for name in book.sheet_names:
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        cells += sum(len(r) for r in rows)
    book.close()
    return cells


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "服务中心" / "叫修登记簿.xlsx"
        path.parent.mkdir()
        start = time.perf_counter()
        write_callins_workbook(path, args.rows, as_of=AS_OF)
        print(f"generated {args.rows:,} rows ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - start:.1f} s")
        raw = best(lambda: raw_read(path), args.repeat)
        reports: list = []
        ours = best(lambda: reports.append(validate_paths([path], as_of=AS_OF)), args.repeat)
        problems = len(reports[-1][0].problems)
        original = path.read_bytes()

        def whole_job() -> None:
            path.write_bytes(original)  # a fresh register each time, so every repetition writes its results
            [report] = validate_paths([path], as_of=AS_OF, write=True)
            assert report.written, report.reason

        restore = best(lambda: path.write_bytes(original), args.repeat)
        whole = best(whole_job, args.repeat) - restore
        tracemalloc.start()
        validate_paths([path], as_of=AS_OF)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    print(f"python-calamine raw read : {raw:.3f} s")
    print(f"validate (--no-write)    : {ours:.3f} s  ({problems} problems)")
    print(f"ratio validate / read    : {ours / raw:.2f}  (target <= 1.6)")
    print(f"validate + jobs + write  : {whole:.3f} s")
    print(f"ratio whole job / read   : {whole / raw:.2f}  (SPEC §12: at most 2)")
    print(f"peak Python allocations  : {peak / 1e6:.0f} MB (tracemalloc)")


if __name__ == "__main__":
    main()
