"""Benchmark the package write-back (SPEC §12 speed bar) against python-calamine reading and openpyxl.

Plain script: ``python benchmarks/bench_writeback.py [rows]``. It builds a register-like workbook of 50,000 rows ×
20 mixed columns (openpyxl write-only mode), then measures in one run: python-calamine reading the whole file
(load + to_python of every sheet), ``write_result_sheets`` with a 校验结果-like sheet of 1,000 rows and of 50,000
rows, and openpyxl load + save. Targets: write/read ≤ 0.5 and openpyxl/ours ≥ 10.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import sys
import tempfile
import time
from pathlib import Path

import openpyxl
from python_calamine import CalamineWorkbook

from automation.xlsx.package import write_result_sheets
from automation.xlsx.sheet_xml import Link, ResultSheet

REGIONS = ["市区", "江北", "镇海", "北仑", "鄞州", "慈溪", "余姚"]
STATES = ["按时", "超时", "未到达(已超时)", "未到达(未超时)"]


def build_register(path: Path, rows: int) -> None:
    """A 叫修登记簿-like workbook: one big sheet of mixed text, dates, datetimes and numbers."""
    rng = random.Random(7)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("叫修登记")
    ws.append(["登记号", "来电时间", "客户名称", "地址", "电话", "区域", "商品型号", "故障描述", "派工时间", "技术员",
               "到达时间", "完成时间", "服务类别", "服务费", "发票号", "开票日期", "工时", "状态", "备注", "登记人"])  # fmt: skip
    start = dt.datetime(2026, 1, 1, 8, 0)
    for i in range(rows):
        called = start + dt.timedelta(minutes=17 * i)
        ws.append([
            f"BX{i:07d}", called, f"客户{rng.randint(1, 5000):04d}有限公司", f"宁波市{rng.choice(REGIONS)}区某路{i % 300}号",
            f"13{rng.randint(100000000, 999999999)}", rng.choice(REGIONS), f"MX-{rng.randint(100, 999)}",
            "设备无法启动，需上门检修" if i % 3 else "异响", called + dt.timedelta(hours=1), f"技术员{i % 40}",
            called + dt.timedelta(hours=rng.randint(2, 9)), called + dt.timedelta(hours=12), "ABC"[i % 3],
            round(rng.uniform(50, 900), 2), f"FP{i:08d}" if i % 4 else None, called.date(), rng.randint(1, 8),
            rng.choice(STATES), "" if i % 5 else "客户要求周末上门", "王五",
        ])  # fmt: skip
    wb.save(path)


def result_sheet(rows: int) -> ResultSheet:
    rng = random.Random(11)
    table = []
    for i in range(rows):
        table.append([
            f"CAL{rng.randint(1, 40):03d}", "error" if i % 3 else "warning", "叫修登记", Link(f"D{i + 2}", "叫修登记", f"D{i + 2}"),
            i + 2, "电话", f"1{i:010d}", "电话号码格式不正确，应为11位手机号或区号+座机号", "《售后服务管理制度》第七条",
            dt.datetime(2026, 11, 29, 10, 0) + dt.timedelta(minutes=i),
        ])  # fmt: skip
    headers = ["代码", "级别", "工作表", "单元格", "行", "列", "填写内容", "问题说明", "依据", "发现时间"]
    return ResultSheet("校验结果", headers, table, banner="本表由系统自动生成 · 2026-11-29 10:00 · 请勿在此表编辑")


def timed(fn, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "叫修登记簿.xlsx"
        build_register(path, rows)
        package = path.read_bytes()
        print(f"workbook: {rows} rows × 20 columns, {len(package) / 1e6:.1f} MB")

        def calamine_read() -> None:
            wb = CalamineWorkbook.from_path(str(path))
            for name in wb.sheet_names:
                wb.get_sheet_by_name(name).to_python()

        small, big = result_sheet(1_000), result_sheet(rows)
        read = timed(calamine_read, 3)
        write_small = timed(lambda: write_result_sheets(package, [small]), 3)
        write_big = timed(lambda: write_result_sheets(package, [big]), 2)

        def openpyxl_round_trip() -> None:
            openpyxl.load_workbook(io.BytesIO(package)).save(io.BytesIO())

        opx = timed(openpyxl_round_trip, 1)
    print(f"python-calamine read (load + to_python): {read:8.3f} s")
    print(f"write_result_sheets, 1,000-row result:   {write_small:8.3f} s   write/read = {write_small / read:.2f}")
    print(f"write_result_sheets, {rows:,}-row result: {write_big:8.3f} s   write/read = {write_big / read:.2f}")
    print(f"openpyxl load + save:                     {opx:8.3f} s")
    print(f"openpyxl / ours (1,000-row result):  {opx / write_small:6.1f}x  (target >= 10)")
    print(f"openpyxl / ours ({rows:,}-row result): {opx / write_big:6.1f}x")
    print(f"target write/read <= 0.5 (1,000-row result): {'met' if write_small / read <= 0.5 else 'NOT met'}")


if __name__ == "__main__":
    main()
