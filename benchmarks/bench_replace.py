"""How long the last step of a write-back leaves anything open to a racing save (issue 9, docs/design.md).

Plain script: ``python benchmarks/bench_replace.py [repeats] [folder]``. On the folder's file system (default: a
temporary folder) it measures, over ``repeats`` rounds (default 2,000), the median and the 99th percentile of:

* baseline: one plain ``os.replace`` of a file onto another (what an old-style write-back ended with);
* capture-and-place (POSIX): the time the workbook's name is empty, from the rename that takes the workbook off
  its name to the no-replace rename that gives the name to the new version, including the quick look (a stat and
  the lock-file check) in between. A save landing then is never lost (it wins); a program *opening* the workbook
  in that moment finds no file;
* check-then-rename (file systems without a no-replace rename): from the last stat of the workbook to the end of
  ``os.replace``, the one window in which a save could still be replaced unseen.

Each figure is also printed as a ratio to the baseline measured in the same run.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from automation.xlsx import swap
from automation.xlsx.locks import current_lock


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.99) - 1]


def measure(folder: Path, repeats: int) -> dict[str, tuple[float, float]]:
    book, new, aside = folder / "叫修登记簿.xlsx", folder / "new.tmp", folder / "captured.tmp"
    payload = os.urandom(200_000)
    plain, empty, check_rename = [], [], []
    for _ in range(repeats):
        book.write_bytes(payload)
        new.write_bytes(payload)
        t0 = time.perf_counter()
        os.replace(new, book)
        plain.append(time.perf_counter() - t0)

        new.write_bytes(payload)
        t0 = time.perf_counter()
        os.rename(book, aside)
        os.stat(aside)
        current_lock(book)
        swap.move_no_replace(new, book)
        empty.append(time.perf_counter() - t0)
        aside.unlink()

        new.write_bytes(payload)
        t0 = time.perf_counter()
        os.stat(book)
        os.replace(new, book)
        check_rename.append(time.perf_counter() - t0)
    return {"os.replace (baseline)": _percentiles(plain), "capture-and-place: name empty": _percentiles(empty),
            "check-then-rename: save could be lost": _percentiles(check_rename)}


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    with tempfile.TemporaryDirectory(dir=sys.argv[2] if len(sys.argv) > 2 else None) as tmp:
        folder = Path(tmp)
        print(f"file system of {folder}: no-replace rename {'yes' if swap.supports_no_replace(folder) else 'no'}, "
              f"exchange {'yes' if swap.can_exchange() else 'no'}; {repeats} rounds")
        figures = measure(folder, repeats)
    base = figures["os.replace (baseline)"][0]
    for name, (median, p99) in figures.items():
        print(f"{name:40s} median {median * 1e6:7.1f} µs  p99 {p99 * 1e6:7.1f} µs  ({median / base:.2f}× baseline)")


if __name__ == "__main__":
    main()
