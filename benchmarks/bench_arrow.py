"""Would an Arrow-native read pay (issue 16)? Each way of reading a 叫修登记簿, and the product's whole job, in one run.

Every measurement runs in a fresh process, after its imports, on the same file:

* ``calamine list``: python-calamine's ``to_python()`` of every sheet (today's read, the baseline);
* ``calamine parse``: python-calamine's parse alone (``get_sheet_by_name``, no Python object per cell): the floor
  for any reader built on calamine, in time and in peak memory;
* ``fastexcel arrow``: fastexcel's Arrow record batch of the register sheet, column types guessed from every row;
* ``fastexcel strict``: the same asking for one type per column, which is how a "clean column" check would have
  to start: it fails on the first mixed column, and every further try parses the whole sheet again;
* ``whole job``: read, validate, jobs and write-back of the product (``validate_paths(write=True)``).

Printed per size: seconds and peak resident memory of each, the ratio to the baseline, and memory per row above
a process that only imported the same modules.

Needs ``pip install fastexcel pyarrow`` (not a dependency of the product: see docs/design.md, "Reading"), best in
a virtual environment of its own: with pyarrow installed, every ``import pandas`` loads it too (about 34 MB more
in each process), which would inflate every other benchmark's memory figures.

    python benchmarks/bench_arrow.py [--sizes 50000,200000] [--libreoffice]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scaling import AS_OF, RAW_READ, WHOLE_JOB, registers, run  # noqa: E402

SHEET = "叫修登记"

IMPORTS_ONLY = """
import json, sys
{imports}
print(json.dumps([0.0, int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])]))
"""

CALAMINE_LIST = RAW_READ  # the baseline, as bench_scaling measures it

CALAMINE_PARSE = """
import json, sys, time
from python_calamine import CalamineWorkbook
start = time.perf_counter()
book = CalamineWorkbook.from_path(sys.argv[1])
for name in book.sheet_names:
    book.get_sheet_by_name(name)
seconds = time.perf_counter() - start
print(json.dumps([seconds, int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])]))
"""

FASTEXCEL = """
import json, logging, sys, time
import fastexcel, pyarrow
logging.disable(logging.WARNING)  # fastexcel warns about every all-blank column
sheet, strict = sys.argv[2], sys.argv[3] == "strict"
start = time.perf_counter()
reader = fastexcel.read_excel(sys.argv[1])
failed = None
try:
    batch = reader.load_sheet(sheet, header_row=1, schema_sample_rows=None,
                              dtype_coercion="strict" if strict else "coerce").to_arrow()
except Exception as exc:
    failed = str(exc).splitlines()[-1].strip()
seconds = time.perf_counter() - start
print(json.dumps([seconds, int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0]), failed]))
"""


def measure(label: str, path: Path, rows: int) -> None:
    data = path.read_bytes()
    base_mb = run(IMPORTS_ONLY.format(imports="import python_calamine"))[1]
    base_arrow_mb = run(IMPORTS_ONLY.format(imports="import fastexcel, pyarrow"))[1]
    base_job_mb = run(IMPORTS_ONLY.format(imports="import automation.pipeline"))[1]
    list_s, list_mb = run(CALAMINE_LIST, str(path))
    lines = [("calamine list (baseline)", list_s, list_mb, base_mb, "")]
    parse_s, parse_mb = run(CALAMINE_PARSE, str(path))
    lines.append(("calamine parse only", parse_s, parse_mb, base_mb, ""))
    for mode in ("coerce", "strict"):
        seconds, mb, failed = run_fastexcel(str(path), mode)
        note = f"fails: {failed}" if failed else ""
        lines.append((f"fastexcel arrow ({mode})", seconds, mb, base_arrow_mb, note))
    job_s, job_mb = run(WHOLE_JOB, str(path), AS_OF.isoformat())
    path.write_bytes(data)  # as it was, for the next variant
    lines.append(("whole job (product)", job_s, job_mb, base_job_mb, ""))
    print(f"{label}, {rows:,} rows")
    for name, seconds, mb, base, note in lines:
        per_row = (mb - base) * 1024 * 1024 / rows
        print(f"  {name:26} {seconds:6.2f} s ({seconds / list_s:4.2f}× baseline)  peak {mb:5.0f} MB "
              f"({per_row:5.0f} B/row above imports)  {note}")


def run_fastexcel(path: str, mode: str) -> tuple[float, float, str | None]:
    import json
    import subprocess

    out = subprocess.run([sys.executable, "-c", FASTEXCEL, path, SHEET, mode], capture_output=True, text=True, check=True)
    seconds, kib, failed = json.loads(out.stdout.strip().splitlines()[-1])
    return seconds, kib / 1024, failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50000,200000")
    parser.add_argument("--libreoffice", action="store_true", help="also measure LibreOffice re-saves")
    args = parser.parse_args(argv)
    missing = [m for m in ("fastexcel", "pyarrow") if importlib.util.find_spec(m) is None]
    if missing:
        print(f"needs {' and '.join(missing)}: pip install fastexcel pyarrow", file=sys.stderr)
        return 2
    for label, path, rows in registers(args.sizes, libreoffice=args.libreoffice, prefix="bench-arrow-"):
        measure(label, path, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
