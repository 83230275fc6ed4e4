"""Soak benchmark of the folder watcher (issue 9): memory and latency over thousands of staff saves.

Plain script: ``python benchmarks/bench_soak.py [--rows 20000] [--saves 2000] [--warm-up 250] [--polling]``.

It builds a deployment in a temporary folder (基础资料 with the technicians, one branch holding a 叫修登记簿 of
``--rows`` rows), starts a :class:`automation.watch.Watcher` in this process, and then makes ``--saves`` staff
saves one after the other (``tests/staff_saves.py``: the current file plus a unique marker in a staff cell,
alternately Excel-style and in place). Each save waits until the watcher has checked exactly that content and
written its results back. Printed:

* RSS of the process after the warm-up saves, then at every 1,000 saves, and the growth per 1,000 saves
  (a watcher runs for months: this should stay near 0). The warm-up is longer than the watcher's bounded list
  of recent reports (200), so the figures after it show growth beyond that list filling up;
* save → results written latency (median, 95th percentile, max) and the number of reports the watcher retains.

No assertion: the figures are for reading. 2,000 saves of a 20,000-row register take about 45 minutes
(about 1.4 s per save with file-system events on a 2-core machine).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

import openpyxl
from rich.console import Console

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from staff_saves import marker, markers_in, staff_save, style_of  # noqa: E402
from watching import rss_bytes  # noqa: E402

from automation.sample import write_callins_workbook  # noqa: E402
from automation.state import State  # noqa: E402
from automation.watch import Watcher  # noqa: E402

BRANCH = "服务中心"
TECHNICIANS = ["王强", "赵刚", "孙丽", "周杰"]
STAFF_HEADER = ["工号", "姓名", "部门", "岗位", "所属单位", "在职状态", "离职日期"]
MB = 2**20


def build_root(root: Path, rows: int) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "员工"
    ws.append(STAFF_HEADER)
    for i, name in enumerate(TECHNICIANS, 1):
        ws.append([f"E{i:03d}", name, "服务部", "技术员", BRANCH, "在职", None])
    ws.append(["E100", "李娜", "服务部", "服务主任", BRANCH, "在职", None])
    wb.create_sheet("节假日调整").append(["日期", "类型", "说明"])
    (root / "总部").mkdir(parents=True)
    wb.save(root / "总部" / "基础资料.xlsx")
    book = root / BRANCH / "叫修登记簿.xlsx"
    book.parent.mkdir()
    write_callins_workbook(book, rows, as_of=dt.datetime.now(), seed=1, technicians=TECHNICIANS)
    return book


def written(root: Path, content: str) -> bool:
    """The watcher checked exactly ``content`` and wrote its results back."""
    record = State(root).get(root / BRANCH / "叫修登记簿.xlsx")
    return record is not None and record.sha256 == content and record.written


def wait_written(root: Path, content: str, timeout: float) -> float:
    start = time.perf_counter()
    while not written(root, content):
        if time.perf_counter() - start > timeout:
            raise TimeoutError(f"save not written back after {timeout:g} s")
        time.sleep(0.01)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--saves", type=int, default=2000)
    parser.add_argument("--warm-up", type=int, default=250, help="saves before the first RSS figure")
    parser.add_argument("--polling", action="store_true", help="polling observer instead of file-system events")
    parser.add_argument("--interval", type=float, default=1.0, help="polling interval (the CLI default is 1 s)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-soak-") as tmp:
        root = Path(tmp)
        book = build_root(root, args.rows)
        print(f"叫修登记簿 of {args.rows:,} rows: {book.stat().st_size / 1e6:.2f} MB; {args.saves:,} saves, "
              f"{'polling (' + format(args.interval, 'g') + ' s)' if args.polling else 'inotify'}")
        watcher = Watcher(root, polling=args.polling, interval=args.interval, console=Console(file=io.StringIO()),
                          on_summary=lambda _root: None)
        watcher.start()
        try:
            assert watcher.wait_idle(600), "catch-up did not finish"
            latencies: list[float] = []
            marks: list[tuple[int, int]] = []  # (saves done, RSS)
            save_time = 0.0
            started = time.perf_counter()
            for i in range(args.saves):
                t0 = time.perf_counter()
                data = staff_save(book, i, style_of(i))
                save_time += time.perf_counter() - t0
                latencies.append(wait_written(root, hashlib.sha256(data).hexdigest(), timeout=300))
                done = i + 1
                if done == args.warm_up or (done > args.warm_up and (done - args.warm_up) % 1000 == 0) \
                        or done == args.saves:
                    watcher.wait_idle(60)
                    gc.collect()
                    marks.append((done, rss_bytes()))
                    base_done, base = marks[0]
                    per_k = (marks[-1][1] - base) / MB / max(done - base_done, 1) * 1000
                    print(f"after {done:>6,} saves ({time.perf_counter() - started:7.0f} s): RSS "
                          f"{marks[-1][1] / MB:7.1f} MB, {len(watcher.reports):,} reports retained"
                          + ("" if done == base_done else
                             f", {(marks[-1][1] - base) / MB:+.1f} MB since warm-up = {per_k:+.2f} MB per 1,000 saves"))
            final = markers_in(book)
            lost = [i for i in range(args.saves) if marker(i) not in final]
        finally:
            watcher.stop()
    (_, base), (_, last) = marks[0], marks[-1]
    counted = max(marks[-1][0] - marks[0][0], 1)
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    print(f"RSS after warm-up {base / MB:.1f} MB, at the end {last / MB:.1f} MB: "
          f"{(last - base) / MB / counted * 1000:+.2f} MB per 1,000 saves")
    print(f"save → results written: median {statistics.median(latencies):.2f} s, p95 {p95:.2f} s, "
          f"max {max(latencies):.2f} s; one staff save itself {save_time / args.saves * 1000:.0f} ms")
    print(f"reports retained by the watcher: {len(watcher.reports):,} (of {args.saves:,} saves); "
          f"staff saves missing from the final workbook: {len(lost)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
