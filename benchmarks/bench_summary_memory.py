"""Head-office summary memory (issue 16): peak memory of a full build against one branch's own processing.

The sample company is generated with ``--branches`` branches and ``--rows`` call-ins each. Each measurement runs in
a fresh process (its peak resident memory, worker processes included, is what the operating system reports for
it), in one run:

* baseline: one process that reads, validates and runs the jobs of one branch's registers (and the head office's
  it looks up) — the memory a summary needs if it holds one branch at a time;
* full build: ``build_summary`` with an empty cache over every branch.

Printed: both peaks, their ratio and the full build's peak per call-in row. Target: the full build stays near the
baseline (it does not grow with the number of branches) and under 400 MB.

    python benchmarks/bench_summary_memory.py [--branches 12] [--rows 5000] [--data DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

AS_OF = dt.datetime(2026, 11, 27, 16, 0)

ONE_BRANCH = """
import datetime as dt, json, sys
from pathlib import Path
from automation.deployment import Deployment
from automation.pipeline import process_workbook
from automation.settings import load_settings
root, branch = Path(sys.argv[1]), sys.argv[2]
deployment = Deployment(root, load_settings(root), dt.datetime.fromisoformat(sys.argv[3]))
for path in sorted((root / branch).glob("*.xlsx")):
    process_workbook(deployment, path, write=False)
print(json.dumps(int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])))
"""

FULL_BUILD = """
import datetime as dt, json, resource, sys
from pathlib import Path
from automation.summary import build_summary
outcome = build_summary(Path(sys.argv[1]), as_of=dt.datetime.fromisoformat(sys.argv[2]))
assert outcome.written, outcome
own = int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])
# VmHWM for this process: ru_maxrss would keep the benchmark's own peak across fork and exec. The workers'
# figure is ru_maxrss (the only one left of them), so it starts from what this process held when it forked them.
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps(max(own, workers)))
"""


def peak_mb(script: str, *args: str) -> float:
    """Peak resident memory (MB) of a fresh interpreter running ``script``."""
    out = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1]) / 1024  # KiB on Linux


def company(folder: Path, branches: int, rows: int) -> list[str]:
    from automation.sample import build_sample

    names = [f"分公司{i:02d}" for i in range(1, branches + 1)]
    if not (folder / "总部" / "基础资料.xlsx").is_file():
        build_sample(folder, as_of=AS_OF, rows=rows, branches=names)
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branches", type=int, default=12)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--data", type=Path, default=None, help="keep/reuse the generated company here")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench-summary-memory-"))
    try:
        root = args.data or tmp / "company"
        names = company(root, args.branches, args.rows)
        shutil.rmtree(root / ".automation", ignore_errors=True)  # an empty cache: every workbook is processed
        (root / "总部" / "汇总.xlsx").unlink(missing_ok=True)
        one = peak_mb(ONE_BRANCH, str(root), names[0], AS_OF.isoformat())
        full = peak_mb(FULL_BUILD, str(root), AS_OF.isoformat())
        total_rows = args.branches * args.rows
        print(f"{args.branches} branches × {args.rows} call-ins")
        print(f"baseline, one branch processed:  peak {one:7.0f} MB")
        print(f"full summary build, empty cache: peak {full:7.0f} MB  ({full / one:.2f}× the baseline, "
              f"{full * 1024 * 1024 / total_rows:.0f} bytes per call-in row; target < 400 MB)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
