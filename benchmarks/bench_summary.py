"""Head-office summary speed (issue 6): full build and incremental rebuild, 20 branches × 10,000 call-ins.

The sample company (``build_sample``) is generated with 20 branches; each branch's 叫修登记簿 is then replaced by a
clean 10,000-row register (``write_callins_workbook``, dispatched to that branch's technicians). Measured in one
run, best of ``--repeat``:

* baseline A: python-calamine's raw read (open + every sheet to Python) of every source workbook, summed;
* full build: ``build_summary`` with an empty cache (reads, validates and runs the jobs of every workbook, then
  writes 汇总.xlsx) — printed as full ÷ A (target ≤ 2);
* baseline B: one branch's own processing — a fresh deployment processing that branch's changed 叫修登记簿
  (read, its lookups, validation, jobs; no write-back), what the watcher does for that save; B' the same for all
  of that branch's registers;
* incremental: ``build_summary`` with the cache of a build before the change, after (1) one call of that 叫修登记簿
  was edited (only that register is processed again) and (2) the whole register was replaced by another one with
  other call numbers (the branch's items and daily work, which refer to call numbers, are checked again too) —
  printed as incremental ÷ B (target ≤ 1.5) and ÷ B'.

    python benchmarks/bench_summary.py [--branches 20] [--rows 10000] [--repeat 3] [--data DIR]

``--data DIR`` keeps the generated company in DIR and reuses it on the next run (generation takes a while).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import openpyxl
from python_calamine import CalamineWorkbook

from automation.deployment import Deployment
from automation.pipeline import process_workbook
from automation.root import STATE_DIR
from automation.sample import build_sample, write_callins_workbook
from automation.settings import load_settings
from automation.summary import build_summary, summary_sources
from automation.summary.collect import CACHE_DIR

AS_OF = dt.datetime(2026, 11, 27, 16, 0)
CALLINS = "叫修登记簿.xlsx"


def raw_read(path: Path) -> None:
    book = CalamineWorkbook.from_path(str(path))
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    book.close()


def best(fn: Callable[[], object], repeat: int, before: Callable[[], object] | None = None) -> float:
    times = []
    for _ in range(repeat):
        if before:
            before()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def technicians(root: Path, branch: str) -> list[str]:
    book = CalamineWorkbook.from_path(str(root / "总部" / "基础资料.xlsx"))
    rows = book.get_sheet_by_name("员工").to_python()
    book.close()
    header = next(i for i, r in enumerate(rows) if "姓名" in r)
    cols = {h: j for j, h in enumerate(rows[header])}
    return [
        r[cols["姓名"]] for r in rows[header + 1 :]
        if r[cols["所属单位"]] == branch and r[cols["岗位"]] == "技术员" and r[cols["在职状态"]] == "在职"
    ]  # fmt: skip


def _column(path: Path, sheet: str, header: str) -> list[object]:
    book = CalamineWorkbook.from_path(str(path))
    rows = book.get_sheet_by_name(sheet).to_python()
    book.close()
    top = next(i for i, r in enumerate(rows) if header in r)
    j = rows[top].index(header)
    return [r[j] for r in rows[top + 1 :] if j < len(r) and r[j] != ""]


def relink(folder: Path) -> None:
    """Point the branch's workshop items and daily work at calls of its new 叫修登记簿 (clean cross references)."""
    calls = _column(folder / CALLINS, "叫修登记", "登记号")
    for name, sheet in (("客户商品进出登记簿.xlsx", "商品进出"), ("技术员工作日报表.xlsx", "工作日报")):
        book = openpyxl.load_workbook(folder / name)
        ws = book[sheet]
        top, col = next((c.row, c.column) for row in ws.iter_rows(max_row=5) for c in row if c.value == "登记号")
        for k, (cell,) in enumerate(ws.iter_rows(min_row=top + 1, min_col=col, max_col=col)):
            if cell.value not in (None, ""):
                cell.value = calls[(k * 37) % len(calls)]
        book.save(folder / name)


def generate(root: Path, branches: int, rows: int) -> None:
    names = [f"第{i + 1:02d}分公司" for i in range(branches)]
    start = time.perf_counter()
    build_sample(root, as_of=AS_OF, rows=300, branches=names, mistakes=False)
    for i, branch in enumerate(names):
        write_callins_workbook(root / branch / CALLINS, rows, as_of=AS_OF, seed=i + 1, branch=branch,
                               technicians=technicians(root, branch))  # fmt: skip
        relink(root / branch)
    (root / ".generated").write_text(f"{branches} {rows}\n")
    print(f"generated {branches} branches × {rows:,} call-ins in {time.perf_counter() - start:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branches", type=int, default=20)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, default=None, help="keep/reuse the generated company here")
    args = parser.parse_args()
    tmp = None
    if args.data is None:
        tmp = tempfile.TemporaryDirectory()
        root = Path(tmp.name) / "company"
    else:
        root = args.data
    marker = root / ".generated"
    if not marker.is_file() or marker.read_text().split() != [str(args.branches), str(args.rows)]:
        shutil.rmtree(root, ignore_errors=True)
        generate(root, args.branches, args.rows)
    try:
        run(root, args)
    finally:
        if tmp is not None:
            tmp.cleanup()


def run(root: Path, args: argparse.Namespace) -> None:
    settings = load_settings(root)
    sources = [s.path for s in summary_sources(root, settings)]
    size = sum(p.stat().st_size for p in sources)
    print(f"{len(sources)} source workbooks, {size / 1e6:.1f} MB")
    cache = root / STATE_DIR / CACHE_DIR

    reads = best(lambda: [raw_read(p) for p in sources], args.repeat)
    full = best(lambda: build_summary(root, as_of=AS_OF, settings=settings), args.repeat,
                before=lambda: shutil.rmtree(cache, ignore_errors=True))  # fmt: skip
    print(f"A  sum of python-calamine reads : {reads:.3f} s")
    print(f"   full build (empty cache)     : {full:.3f} s")
    print(f"   ratio full / A               : {full / reads:.2f}  (target <= 2)")

    branch = sorted(p.name for p in root.iterdir() if p.is_dir() and p.name.startswith("第"))[0]
    changed = root / branch / CALLINS
    original = changed.read_bytes()
    names = technicians(root, branch)
    write_callins_workbook(changed, args.rows, as_of=AS_OF, seed=999, branch=branch, technicians=names)
    replaced = changed.read_bytes()
    changed.write_bytes(original)
    book = openpyxl.load_workbook(changed)
    ws = book["叫修登记"]
    note = next(c.column for row in ws.iter_rows(max_row=5) for c in row if c.value == "备注")
    ws.cell(ws.max_row, note).value = "客户来电催修"  # one call's remark: a typical save
    book.save(changed)
    edited = changed.read_bytes()
    changed.write_bytes(original)

    def incremental(version: bytes) -> float:
        def change() -> None:  # the cache holds the original register; the measured build sees the new version
            changed.write_bytes(original)
            build_summary(root, as_of=AS_OF, settings=settings)
            changed.write_bytes(version)

        return best(lambda: build_summary(root, as_of=AS_OF, settings=settings), args.repeat, before=change)

    def own(paths: list[Path]) -> None:
        deployment = Deployment(root, settings, AS_OF)
        for path in paths:
            process_workbook(deployment, path, write=False)

    branch_files = [s for s in sources if s.parent.name == branch]
    after_edit, after_replace = incremental(edited), incremental(replaced)
    changed.write_bytes(original)
    register_time = best(lambda: own([changed]), args.repeat)
    branch_time = best(lambda: own(branch_files), args.repeat)
    build_summary(root, as_of=AS_OF, settings=settings)
    unchanged = best(lambda: build_summary(root, as_of=AS_OF, settings=settings), args.repeat)
    print(f"B  the changed register's processing    : {register_time:.3f} s  ({branch}/{CALLINS} with its lookups)")
    print(f"B' the whole branch's processing        : {branch_time:.3f} s  ({len(branch_files)} registers)")
    print(f"   rebuild after a call was edited      : {after_edit:.3f} s  = {after_edit / register_time:.2f} B "
          f"(target <= 1.5)")  # fmt: skip
    print(f"   rebuild after the register was replaced : {after_replace:.3f} s  = {after_replace / register_time:.2f} B"
          f"  = {after_replace / branch_time:.2f} B'")  # fmt: skip
    print("     (other call numbers: that branch's items and daily work, which refer to them, are checked again)")
    print(f"   rebuild, nothing changed             : {unchanged:.3f} s")


if __name__ == "__main__":
    main()
