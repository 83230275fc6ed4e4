"""Time as an event: the watcher refreshes time-dependent results on the working calendar, on a clock the test
moves (real files, a real watcher; a refresh at 08:00 takes milliseconds), and ``automation refresh`` does one now.

The register: one open call, 2026-03-06 (Friday) 16:00, 市区, never dispatched. Its deadline is 6 working hours
later: 1 h on Friday, 4 h on Monday morning, 1 h after lunch → Monday 2026-03-09 14:00. So on Monday 剩余(工时)
is 5 at 08:00, 4 at 09:00, … 1 at 12:00 and still 1 at 13:00 (the lunch break is not working time), -1 at 15:00.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from conftest import STAFF_HEADER, STAFF_ROWS, write_workbook
from watching import BRANCH, CALLINS, Started, log_text, open_book, reports_for, wait_for

from automation.cli import main
from automation.refresh import refresh_root

T = dt.datetime
MONDAY = dt.date(2026, 3, 9)
CALL_HEADER = ["登记号", "来电时间", "客户名称", "地址", "电话", "商品型号", "区域", "服务类别"]
OPEN_CALL = ["BX-001", T(2026, 3, 6, 16, 0), "宁波甬江机械有限公司", "江北路1号", "13812345678", "CNC-650", "市区", "A"]


class Clock:
    """A wall clock the test sets; the watcher reads it through ``now``."""

    def __init__(self, start: dt.datetime) -> None:
        self.at = start
        self._lock = threading.Lock()

    def __call__(self) -> dt.datetime:
        with self._lock:
            return self.at

    def set(self, at: dt.datetime) -> None:
        with self._lock:
            self.at = at


@pytest.fixture
def callins(root: Path) -> Path:
    return write_workbook(root / BRANCH / CALLINS, {"叫修登记": [CALL_HEADER, OPEN_CALL]})


def sheet(path: Path, name: str) -> list[list[object]]:
    return open_book(path).get_sheet_by_name(name).to_python()


def column(path: Path, name: str, header: str) -> list[object]:
    rows = sheet(path, name)
    j = rows[1].index(header)
    return [r[j] for r in rows[2:]]


def remaining(path: Path) -> float:
    [hours] = column(path, "次日优先派工", "剩余(工时)")
    return float(hours)


def history(root: Path) -> list[Path]:
    folder = root / ".automation" / "history" / BRANCH
    return sorted(folder.iterdir()) if folder.is_dir() else []


def at(hour: int, minute: int = 0, day: dt.date = MONDAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute))


def move(clock: Clock, watcher, when: dt.datetime) -> None:  # noqa: ANN001 - a Watcher
    clock.set(when)
    assert watcher.wait_idle(30), f"nothing settled after moving the clock to {when}"


def test_moving_the_clock_through_a_working_day_refreshes_the_remaining_hours(
    root: Path, callins: Path, start: Started
) -> None:
    clock = Clock(at(7))
    watcher = start(now=clock, refresh=True)
    assert remaining(callins) == 5.0  # processed at start, as of 07:00
    assert watcher.timed == {"refresh": at(8)}
    seen: dict[int, float] = {}
    for hour in range(8, 18):
        before = len(reports_for(watcher, callins))
        move(clock, watcher, at(hour))
        assert len(reports_for(watcher, callins)) == before + 1, f"no refresh at {hour}:00"
        seen[hour] = remaining(callins)
        move(clock, watcher, at(hour, 30))  # between two refresh instants: nothing
        assert len(reports_for(watcher, callins)) == before + 1, f"refreshed at {hour}:30, off the schedule"
    assert seen == {8: 5.0, 9: 4.0, 10: 3.0, 11: 2.0, 12: 1.0, 13: 1.0, 14: 0.0, 15: -1.0, 16: -2.0, 17: -3.0}
    assert column(callins, "派工时限", "状态") == ["未到达(已超时)"]
    assert column(callins, "派工时限", "超时(工时)") == [3.0]
    assert sheet(callins, "派工时限")[0][0] == "本表由系统自动生成 · 计算时间 2026-03-09 17:00 · 请勿在此表编辑"
    assert watcher.timed == {"refresh": at(8, day=dt.date(2026, 3, 10))}
    assert "定时刷新（2026-03-09 09:00）" in log_text(root)
    assert start.summaries, "the summary was not rebuilt after a refresh"


def test_a_holiday_triggers_nothing_and_the_overrides_count(root: Path, callins: Path, start: Started) -> None:
    """国庆节 2026: nothing from 10-01 to 10-07; the company also closes on the 8th (基础资料/节假日调整), so the
    next refresh is on the 9th at 08:00."""
    write_workbook(root / "总部" / "基础资料.xlsx", {
        "员工": [STAFF_HEADER, *STAFF_ROWS],
        "节假日调整": [["日期", "类型", "说明"], [dt.date(2026, 10, 8), "休息日", "公司安排"]],
    })  # fmt: skip
    clock = Clock(T(2026, 9, 30, 17, 30))
    watcher = start(now=clock, refresh=True)
    wait_for(lambda: watcher.timed.get("refresh") == T(2026, 10, 9, 8, 0), what="the refresh after the holiday")
    data, mtime, copies = callins.read_bytes(), callins.stat().st_mtime_ns, history(root)
    processed = len(watcher.reports)
    for day in range(1, 9):
        for hour in (8, 9, 12, 13, 17):
            move(clock, watcher, T(2026, 10, day, hour, 0))
    assert len(watcher.reports) == processed
    assert callins.read_bytes() == data and callins.stat().st_mtime_ns == mtime and history(root) == copies
    move(clock, watcher, T(2026, 10, 9, 8, 0))
    assert len(watcher.reports) > processed  # the first working morning after the holiday


def test_an_unchanged_refresh_does_not_rewrite_the_file(root: Path, callins: Path, start: Started) -> None:
    """At 13:00 the figures are those of 12:30 (no working time in the lunch break): same bytes, same mtime, no
    history copy; the refresh did run (its report says the results were current)."""
    clock = Clock(at(12, 30))
    watcher = start(now=clock, refresh=True)
    data, mtime, copies = callins.read_bytes(), callins.stat().st_mtime_ns, history(root)
    before = len(reports_for(watcher, callins))
    move(clock, watcher, at(13))
    [report] = reports_for(watcher, callins)[before:]
    assert (report.written, report.write_code, report.reason) == (False, "noop", None)
    assert callins.read_bytes() == data and callins.stat().st_mtime_ns == mtime and history(root) == copies
    assert sheet(callins, "派工时限")[0][0] == "本表由系统自动生成 · 计算时间 2026-03-09 12:30 · 请勿在此表编辑"


def test_a_locked_workbook_defers_the_refresh(root: Path, callins: Path, start: Started) -> None:
    clock = Clock(at(8, 30))
    watcher = start(now=clock, refresh=True)
    assert remaining(callins) == 4.5
    data = callins.read_bytes()
    lock = callins.with_name(f".~lock.{CALLINS}#")
    lock.write_text(",王芳,DESKTOP-7,02.03.2026 08:40,file:///C:/Users/wf/AppData/Roaming/LibreOffice/4;", encoding="utf-8")
    move(clock, watcher, at(9))
    assert reports_for(watcher, callins)[-1].write_code == "locked"
    assert callins.read_bytes() == data and watcher.waiting_for(callins) == "locked"
    lock.unlink()
    wait_for(lambda: remaining(callins) == 4.0, what="the refresh written once the lock went away")
    assert watcher.wait_idle(30) and not watcher.pending


class Recorder:
    """A timed task due at every full hour; counts its runs."""

    def __init__(self, name: str, fail: bool = False) -> None:
        self.name = name
        self.fail = fail
        self.runs: list[dt.datetime] = []

    def next_due(self, after: dt.datetime) -> dt.datetime:
        return after.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)

    def run(self, now: dt.datetime) -> None:
        self.runs.append(now)
        if self.fail:
            raise RuntimeError("mail server down")


class Unschedulable(Recorder):
    def next_due(self, after: dt.datetime) -> dt.datetime:
        raise ValueError("no such setting")


def test_registered_timed_tasks_run_on_the_clock_and_a_failure_is_logged(root: Path, start: Started) -> None:
    clock = Clock(T(2026, 10, 1, 7, 10))  # a holiday: the refresh stays quiet, the tasks do not care
    failing, digest, broken = Recorder("failing", fail=True), Recorder("digest"), Unschedulable("broken")
    watcher = start(now=clock, tasks=[failing, broken, digest], refresh=True)
    wait_for(lambda: watcher.timed == {"refresh": T(2026, 10, 8, 8, 0), "failing": T(2026, 10, 1, 8, 0),
                                       "broken": None, "digest": T(2026, 10, 1, 8, 0)},
             what="the tasks' first instants")  # fmt: skip
    move(clock, watcher, T(2026, 10, 1, 7, 59))
    assert digest.runs == []
    move(clock, watcher, T(2026, 10, 1, 8, 0))
    move(clock, watcher, T(2026, 10, 1, 11, 20))  # the clock jumps over 09:00 and 10:00: one run
    assert digest.runs == failing.runs == [T(2026, 10, 1, 8, 0), T(2026, 10, 1, 11, 20)]
    assert watcher.timed["digest"] == T(2026, 10, 1, 12, 0)
    log = log_text(root)
    assert "定时任务 failing 出错" in log and "mail server down" in log and "定时任务 digest" not in log
    assert log.count("定时任务 broken 出错") == 1 and broken.runs == []  # asked every few seconds, said once


def test_refresh_command_writes_what_changed_then_nothing(root: Path, callins: Path) -> None:
    write_workbook(root / "总部" / "需求信息.xlsx", {"需求信息": [["信息编号", "登记日期"]]})
    reports, outcome = refresh_root(root, as_of=at(12))
    # Only what time changes: not the demand information (the daily reports do change: 日报缺失 runs to yesterday).
    assert sorted(r.name for r in reports) == ["总部/基础资料.xlsx", "总部/客户档案.xlsx", f"{BRANCH}/{CALLINS}"]
    assert outcome is not None and outcome.written
    assert remaining(callins) == 1.0
    data, mtime, copies = callins.read_bytes(), callins.stat().st_mtime_ns, history(root)
    assert main(["refresh", str(root), "--as-of", "2026-03-09 12:40"]) == 0
    assert callins.read_bytes() == data and callins.stat().st_mtime_ns == mtime and history(root) == copies
    summary = root / "总部" / "汇总.xlsx"
    assert sheet(summary, "总览")[0][0].startswith("本表由系统自动生成 · 计算时间 2026-03-09 12:40 · 请勿在此表编辑")
    assert main(["refresh", str(root), "--as-of", "2026-03-09 15:00"]) == 0
    assert remaining(callins) == -1.0
