"""Linear cost (issue 16): the whole job on 叫修登记簿 of growing size, time and peak memory per row.

For each size (default 5,000 / 50,000 / 200,000 call-ins) a clean register is generated, and each measurement
runs in a fresh process, in one run:

* baseline: python-calamine's raw read of the file (open + ``to_python()`` of every sheet) and its peak memory;
* the whole job: read, validate, jobs and write-back (``validate_paths(write=True)``), its time after imports and
  the process's peak resident memory.

Printed per size: both times, their ratio, time per row, peak memory and memory per row. With ``--libreoffice``
each register is also saved again by LibreOffice (shared strings, as spreadsheet programs write them) and measured
the same way: the generator's inline strings read differently fast.

    python benchmarks/bench_scaling.py [--sizes 5000,50000,200000] [--libreoffice]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

AS_OF = dt.datetime(2026, 11, 27, 16, 0)

RAW_READ = """
import json, sys, time
from python_calamine import CalamineWorkbook
start = time.perf_counter()
book = CalamineWorkbook.from_path(sys.argv[1])
for name in book.sheet_names:
    book.get_sheet_by_name(name).to_python(skip_empty_area=False)
seconds = time.perf_counter() - start
print(json.dumps([seconds, int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])]))
"""

WHOLE_JOB = """
import datetime as dt, json, sys, time
from pathlib import Path
from automation.pipeline import validate_paths
start = time.perf_counter()
[report] = validate_paths([Path(sys.argv[1])], as_of=dt.datetime.fromisoformat(sys.argv[2]), write=True)
seconds = time.perf_counter() - start
assert report.error_zh is None and report.written, (report.error_zh, report.reason)
print(json.dumps([seconds, int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])]))
"""


def run(script: str, *args: str) -> tuple[float, float]:
    """(seconds, peak MB) of ``script`` in a fresh interpreter; the time is the script's own, after imports.

    The scripts report VmHWM, not ru_maxrss: ru_maxrss keeps the parent's peak across fork and exec, so every
    figure was floored at the memory of this process, which had just generated the register."""
    out = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, check=True)
    seconds, kib = json.loads(out.stdout.strip().splitlines()[-1])
    return seconds, kib / 1024


def resaved(path: Path, folder: Path) -> Path | None:
    """The register saved again by LibreOffice (headless), or None without LibreOffice."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{folder / 'profile'}",
                    "--convert-to", "xlsx", "--outdir", str(folder), str(path)],
                   capture_output=True, check=True, timeout=1800)  # fmt: skip
    out = folder / path.name
    target = folder / "服务中心" / path.name  # in a branch folder, as the product expects
    target.parent.mkdir(exist_ok=True)
    out.replace(target)
    return target


def measure(label: str, path: Path, rows: int) -> None:
    data = path.read_bytes()
    raw_s, raw_mb = run(RAW_READ, str(path))
    job_s, job_mb = run(WHOLE_JOB, str(path), AS_OF.isoformat())
    path.write_bytes(data)  # as generated, for the next variant
    print(f"{label:28} {rows:>8,} rows  raw read {raw_s:6.2f} s {raw_mb:5.0f} MB | whole job {job_s:6.2f} s "
          f"({job_s / raw_s:4.2f}× read, {job_s / rows * 1e6:5.1f} µs/row) peak {job_mb:5.0f} MB "
          f"({job_mb * 1024 * 1024 / rows:5.0f} B/row)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5000,50000,200000")
    parser.add_argument("--libreoffice", action="store_true", help="also measure LibreOffice re-saves")
    args = parser.parse_args(argv)
    for label, path, rows in registers(args.sizes, libreoffice=args.libreoffice, prefix="bench-scaling-"):
        measure(label, path, rows)
    return 0


def registers(sizes: str, *, libreoffice: bool, prefix: str) -> Iterator[tuple[str, Path, int]]:
    """(label, path, rows) of a generated 叫修登记簿 of each size ("5000,50000"), and with ``libreoffice`` the
    same saved again by LibreOffice; each in a branch folder of a temporary root, removed afterwards."""
    from automation.sample import write_callins_workbook

    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        for rows in (int(s) for s in sizes.split(",")):
            path = Path(tmp) / f"r{rows}" / "服务中心" / "叫修登记簿.xlsx"
            path.parent.mkdir(parents=True)
            write_callins_workbook(path, rows, as_of=AS_OF)
            yield "generated (inline strings)", path, rows
            if libreoffice:
                again = resaved(path, Path(tmp) / f"lo{rows}")
                if again is not None:
                    yield "LibreOffice re-save (shared strings)", again, rows


if __name__ == "__main__":
    sys.exit(main())
