"""The folder watcher (§11) with real files and real file-system events (inotify and polling).

Every test waits on a condition with a timeout (``wait_for``, ``Watcher.wait_idle``), never on a fixed sleep. To
show that something did *not* happen (an ignored file, an own write), a later real change acts as a barrier:
events arrive in order, so once the later change is processed the earlier events have been handled.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from conftest import STAFF_HEADER, STAFF_ROWS, write_workbook
from rich.console import Console
from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
)
from watching import (
    BRANCH,
    CALLINS,
    Started,
    console_text,
    excel_owner_file,
    file_sha,
    log_text,
    record,
    register_bytes,
    reports_for,
    sheets,
    wait_for,
    write_plain,
    written_from,
)

import automation.pipeline
import automation.summary
import automation.watch
from automation.pipeline import process_workbook
from automation.settings import Settings
from automation.state import Record
from automation.watch import DELETED, watch
from automation.watch_events import Action, Kind, classify

# --- event classification (no file system) ------------------------------------------------------------------


def test_events_map_to_workbooks_locks_and_folders(tmp_path: Path) -> None:
    root, settings = tmp_path, Settings()
    branch = root / BRANCH
    book = branch / CALLINS

    def kinds(event: object) -> list[Action]:
        return classify(event, root, settings)  # type: ignore[arg-type]

    assert kinds(FileMovedEvent(str(branch / "A1B2C3D4"), str(book))) == [Action(Kind.CHANGED, book)]
    assert kinds(FileMovedEvent(str(book), str(branch / "1A2B3C4D.tmp"))) == [Action(Kind.CHANGED, book)]
    assert kinds(FileMovedEvent(str(branch / "lu123.tmp"), str(book))) == [Action(Kind.CHANGED, book)]
    assert kinds(FileMovedEvent(str(book), str(branch / f"{CALLINS}.osl-tmp"))) == [Action(Kind.CHANGED, book)]
    assert kinds(FileClosedEvent(str(book))) == [Action(Kind.CHANGED, book)]
    assert kinds(FileDeletedEvent(str(branch / f".~lock.{CALLINS}#"))) == [Action(Kind.LOCK_RELEASED, branch)]
    assert kinds(FileDeletedEvent(str(branch / f"~${CALLINS}"))) == [Action(Kind.LOCK_RELEASED, branch)]
    assert kinds(FileCreatedEvent(str(branch / f".~lock.{CALLINS}#"))) == []
    assert kinds(FileModifiedEvent(str(root / "automation.toml"))) == [Action(Kind.SETTINGS, root / "automation.toml")]
    assert kinds(DirDeletedEvent(str(root))) == [Action(Kind.ROOT_GONE, root)]
    assert kinds(DirCreatedEvent(str(root / "慈溪分公司"))) == [Action(Kind.FOLDER, root / "慈溪分公司")]
    assert kinds(DirDeletedEvent(str(branch))) == [Action(Kind.FOLDER, branch)]
    ignored = [
        branch / f".~automation-0a1b2c3d-{CALLINS}.tmp",  # our own temporary file
        branch / "叫修登记簿.结果.xlsx",  # sidecar
        root / "总部" / "汇总.xlsx",
        root / "总部" / "汇总-20261127-160000.xlsx",  # a timestamped copy of the summary
        root / ".automation" / "history" / BRANCH / "叫修登记簿.20261127-160000-000000.xlsx",
        root / CALLINS,  # not in a head-office or branch folder
        branch / "归档" / CALLINS,  # deeper than a branch folder
        branch / "说明.docx",
    ]
    for path in ignored:
        assert kinds(FileModifiedEvent(str(path))) == [], path


# --- saves ----------------------------------------------------------------------------------------------------


def test_plain_write_is_processed_once_and_own_write_ignored(root: Path, src: Path, start: Started) -> None:
    watcher = start()
    book = root / BRANCH / CALLINS
    content = write_plain(book, register_bytes(src))
    rec = wait_for(lambda: written_from(root, book, content), what="results written back")
    assert rec.errors == 0 and "校验结果" in sheets(book)
    assert file_sha(book) == rec.written_sha256
    wait_for(lambda: book in watcher.skipped, what="the watcher's own write to be seen and skipped")
    assert watcher.wait_idle(10)
    assert len(reports_for(watcher, book)) == 1
    assert f"{BRANCH}/{CALLINS}：0 个错误，0 个警告，结果已写回" in console_text(watcher)
    assert f"{BRANCH}/{CALLINS}：0 个错误，0 个警告，结果已写回" in log_text(root)


def test_excel_save_temp_file_renamed_onto_the_name(root: Path, src: Path, start: Started) -> None:
    watcher = start()
    branch = root / BRANCH
    book = branch / CALLINS
    first = write_plain(book, register_bytes(src, rows=3))
    wait_for(lambda: written_from(root, book, first), what="first version processed")
    # Excel: new content into a temp file, workbook renamed away, temp renamed onto the name, old copy deleted.
    new = write_plain(branch / "A1B2C3D4", register_bytes(src, rows=4, seed=2))
    os.rename(book, branch / "1A2B3C4D.tmp")
    os.rename(branch / "A1B2C3D4", book)
    os.remove(branch / "1A2B3C4D.tmp")
    rec = wait_for(lambda: written_from(root, book, new), what="the saved version processed")
    assert rec.errors == 0 and "校验结果" in sheets(book)
    assert watcher.wait_idle(10)
    assert len(reports_for(watcher, book)) == 2
    assert {r.path.parent.name for r in watcher.reports} <= {BRANCH, "总部"}
    assert {r.path.name for r in watcher.reports if r.path.parent == branch} == {CALLINS}


def test_repeated_writes_are_debounced_into_one_job(root: Path, src: Path, start: Started) -> None:
    watcher = start(debounce=1.0)
    book = root / BRANCH / CALLINS
    versions = [register_bytes(src, rows=3, seed=s) for s in (1, 2, 3)]
    for data in versions:
        last = write_plain(book, data)
    wait_for(lambda: written_from(root, book, last), what="the last version processed")
    assert watcher.wait_idle(10)
    assert len(reports_for(watcher, book)) == 1


@pytest.mark.parametrize(
    ("lock_name", "lock_bytes", "holder"),
    [
        (f".~lock.{CALLINS}#", "张三,zhangsan,PC-01,27.11.2026 16:00,file:///home/zhangsan/.config;".encode(), "张三"),
        (f"~${CALLINS}", excel_owner_file("lisi", "李四"), "李四"),
    ],
    ids=["libreoffice", "excel"],
)
def test_lock_file_defers_the_write_until_it_goes_away(
    root: Path, src: Path, start: Started, lock_name: str, lock_bytes: bytes, holder: str
) -> None:
    watcher = start()
    branch = root / BRANCH
    book = branch / CALLINS
    lock = branch / lock_name
    lock.write_bytes(lock_bytes)
    content = write_plain(book, register_bytes(src))

    def validated() -> Record | None:
        rec = record(root, book)
        return rec if rec is not None and rec.sha256 == content and not rec.written else None

    rec = wait_for(validated, what="validation while the workbook is open")
    assert holder in (rec.reason or "")
    assert watcher.wait_idle(10)
    assert file_sha(book) == content  # never written while open
    assert book in watcher.pending
    assert "未写回" in console_text(watcher)
    lock.unlink()
    wait_for(lambda: written_from(root, book, content), what="the deferred write after the lock went away")
    assert "校验结果" in sheets(book)
    assert watcher.wait_idle(10)
    assert book not in watcher.pending


# --- bad input, crashes, ignored files ------------------------------------------------------------------------


def test_corrupt_and_vanishing_files_are_logged_and_the_watcher_goes_on(
    root: Path, src: Path, start: Started
) -> None:
    watcher = start()
    branch = root / BRANCH
    good = register_bytes(src)
    truncated = branch / "叫修登记簿-截断.xlsx"
    not_excel = branch / "保养合同.xlsx"
    write_plain(truncated, good[: len(good) // 2])
    write_plain(not_excel, b"this is not a workbook at all")
    vanishing = branch / "叫修登记簿-临时.xlsx"
    write_plain(vanishing, good)
    vanishing.unlink()
    for path in (truncated, not_excel):
        content = file_sha(path)
        rec = wait_for(lambda p=path, c=content: (r := record(root, p)) and r.error and r.sha256 == c and r,
                       what=f"{path.name} recorded with its content hash")
        assert not rec.written
    assert watcher.wait_idle(10)
    assert "无法处理" in console_text(watcher)
    assert "叫修登记簿-截断.xlsx：无法处理" in log_text(root)
    book = branch / CALLINS
    content = write_plain(book, good)
    wait_for(lambda: written_from(root, book, content), what="a good workbook processed afterwards")
    assert watcher.wait_idle(10)
    assert record(root, vanishing) is None
    assert truncated.read_bytes() == good[: len(good) // 2]  # left untouched


def test_an_exception_in_one_job_is_recorded_and_the_others_go_on(
    root: Path, src: Path, start: Started, monkeypatch: pytest.MonkeyPatch
) -> None:
    def flaky(deployment: Any, path: Path, *, write: bool) -> Any:
        if "崩溃" in path.name:
            raise RuntimeError("job exploded")
        return process_workbook(deployment, path, write=write)

    monkeypatch.setattr(automation.watch, "process_workbook", flaky)
    watcher = start()
    branch = root / BRANCH
    data = register_bytes(src)
    crashing = branch / "叫修登记簿-崩溃.xlsx"
    write_plain(crashing, data)
    rec = wait_for(lambda: (r := record(root, crashing)) and r.error and r, what="the crash recorded in the state")
    assert "RuntimeError: job exploded" in rec.error
    assert "Traceback" in log_text(root) and "job exploded" in log_text(root)
    book = branch / CALLINS
    content = write_plain(book, data)
    wait_for(lambda: written_from(root, book, content), what="the next workbook processed")
    assert "处理出错" in console_text(watcher)


def test_locks_temp_files_sidecars_summary_and_state_are_ignored(root: Path, src: Path, start: Started) -> None:
    watcher = start()
    branch = root / BRANCH
    data = register_bytes(src)
    for path in [
        branch / f"~${CALLINS}",
        branch / f".~lock.{CALLINS}#",
        branch / f".~automation-0a1b2c3d-{CALLINS}.tmp",
        branch / "lu4711.tmp",
        branch / "叫修登记簿.结果.xlsx",
        root / "总部" / "汇总.xlsx",
        root / "总部" / "汇总-20261127-160000.xlsx",
        root / ".automation" / CALLINS,
        root / CALLINS,
        branch / "归档" / CALLINS,
    ]:
        write_plain(path, data)
    for lock in (branch / f"~${CALLINS}", branch / f".~lock.{CALLINS}#"):
        lock.unlink()
    before = len(watcher.reports)
    book = branch / "叫修登记簿-2026.xlsx"  # the barrier: a real register written after all of the above
    content = write_plain(book, data)
    wait_for(lambda: written_from(root, book, content), what="the barrier workbook processed")
    assert watcher.wait_idle(10)
    assert [r.path for r in watcher.reports[before:]] == [book]


# --- lookups, summary, settings ---------------------------------------------------------------------------------


def test_a_master_data_change_rechecks_the_registers_that_look_it_up(root: Path, src: Path, start: Started) -> None:
    start()
    book = root / BRANCH / CALLINS
    content = write_plain(book, register_bytes(src, technicians=("钱新",)))
    rec = wait_for(lambda: written_from(root, book, content), what="register with an unknown technician")
    assert rec.errors > 0
    new_staff = ["E007", "钱新", "服务部", "技术员", BRANCH, "在职", None]
    write_workbook(root / "总部" / "基础资料.xlsx", {"员工": [STAFF_HEADER, *STAFF_ROWS, new_staff],
                                                  "节假日调整": [["日期", "类型", "说明"]]})
    wait_for(lambda: (r := record(root, book)) and r.errors == 0, what="the register re-checked without the error")


def test_summary_is_rebuilt_once_after_changes_settle(
    root: Path, src: Path, start: Started, monkeypatch: pytest.MonkeyPatch
) -> None:
    watcher = start(summary_delay=0.5)
    assert watcher.wait_idle(10)
    calls = len(start.summaries)
    data = register_bytes(src)
    first = write_plain(root / BRANCH / CALLINS, data)
    second = write_plain(root / "慈溪分公司" / CALLINS, data)
    wait_for(lambda: written_from(root, root / BRANCH / CALLINS, first), what="first branch processed")
    wait_for(lambda: written_from(root, root / "慈溪分公司" / CALLINS, second), what="second branch processed")
    wait_for(lambda: len(start.summaries) > calls, what="the summary rebuilt")
    assert watcher.wait_idle(10)
    assert start.summaries[calls:] == [root]


def test_default_summary_builder_is_called_and_its_failure_logged(
    root: Path, src: Path, start: Started, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[Path, object]] = []

    def build_summary(where: Path, as_of: object = None, **_: object) -> None:
        calls.append((where, as_of))
        raise ValueError("summary broke")

    monkeypatch.setattr(automation.summary, "build_summary", build_summary, raising=False)
    watcher = start(on_summary=None)
    content = write_plain(root / BRANCH / CALLINS, register_bytes(src))
    wait_for(lambda: calls, what="build_summary called")
    where, as_of = calls[-1]
    assert where == root and isinstance(as_of, dt.datetime) and as_of.second == 0  # the watcher's clock, in minutes
    assert watcher.wait_idle(10)
    assert "汇总更新失败" in log_text(root) and "summary broke" in log_text(root)
    book = root / "慈溪分公司" / CALLINS  # still watching
    content = write_plain(book, register_bytes(src, seed=2))
    wait_for(lambda: written_from(root, book, content), what="processing after a failed summary")


def test_the_summary_uses_the_watchers_processing_of_a_save(
    root: Path, src: Path, start: Started, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each thing once (issue 16): a save is read and validated by the watcher only; the summary built after it
    takes that processing's facts instead of reading and validating the workbook a second time."""
    checked: list[Path] = []
    check = automation.pipeline.check_workbook

    def counting(deployment: object, loaded: Any) -> Any:
        checked.append(loaded.source.path.resolve())
        return check(deployment, loaded)

    builds: list[Any] = []
    build = automation.summary.build_summary

    def recording(where: Path, as_of: object = None, **kwargs: Any) -> Any:
        outcome = build(where, as_of=as_of, **kwargs)
        builds.append((outcome, kwargs.get("facts")))
        return outcome

    monkeypatch.setattr(automation.pipeline, "check_workbook", counting)
    monkeypatch.setattr(automation.summary, "build_summary", recording)
    watcher = start(on_summary=None)
    assert watcher.wait_idle(30)
    before, checked[:] = len(builds), []
    book = root / BRANCH / CALLINS
    content = write_plain(book, register_bytes(src))
    wait_for(lambda: written_from(root, book, content), what="the save processed")
    wait_for(lambda: len(builds) > before, what="the summary built")
    assert watcher.wait_idle(30)
    outcome, facts = builds[-1]
    assert outcome.written
    assert [p.resolve() for p in facts] == [book.resolve()]  # handed over by the watcher
    assert checked.count(book.resolve()) == 1, checked  # read and validated once, by the watcher


def test_summary_open_elsewhere_is_replaced_once_its_lock_goes_away(root: Path, src: Path, start: Started) -> None:
    head_office = root / "总部"
    summary, lock = head_office / "汇总.xlsx", head_office / ".~lock.汇总.xlsx#"
    builds: list[str] = []

    def build(where: Path) -> None:  # stands in for build_summary: a copy beside the summary while it is open
        if lock.exists():
            (head_office / f"汇总.2026112{len(builds)}-160000.xlsx").write_bytes(b"copy")
            builds.append("copy")
        else:
            summary.write_bytes(b"summary")
            for copy in head_office.glob("汇总.*-*.xlsx"):
                copy.unlink()
            builds.append("summary")

    lock.write_text("经理,manager,PC-09,27.11.2026 16:00,file:///x;", encoding="utf-8")
    watcher = start(on_summary=build)
    book = root / BRANCH / CALLINS
    content = write_plain(book, register_bytes(src))
    wait_for(lambda: written_from(root, book, content), what="register processed")
    wait_for(lambda: builds and builds[-1] == "copy", what="a summary copy written while the summary is open")
    assert watcher.wait_idle(10)
    copies = len(builds)
    lock.unlink()  # the manager closes the summary
    wait_for(lambda: builds[-1] == "summary", what="the summary replaced once it was closed")
    assert builds[copies:] == ["summary"] and not list(head_office.glob("汇总.*-*.xlsx"))
    assert watcher.wait_idle(10)
    assert builds[copies:] == ["summary"]


def test_settings_change_rechecks_everything_and_bad_settings_are_reported(
    root: Path, src: Path, start: Started
) -> None:
    watcher = start()
    book = root / BRANCH / CALLINS
    content = write_plain(book, register_bytes(src))
    wait_for(lambda: written_from(root, book, content), what="register processed")
    assert watcher.wait_idle(10)
    before = len(reports_for(watcher, book))
    (root / "automation.toml").write_text("[sla]\nurban_hours = 5\n", encoding="utf-8")
    wait_for(lambda: len(reports_for(watcher, book)) > before, what="re-check after a settings change")
    assert watcher.settings.urban_hours == 5
    (root / "automation.toml").write_text("[sla]\nurban_hours = 'six'\n", encoding="utf-8")
    wait_for(lambda: "sla.urban_hours" in log_text(root), what="the bad setting reported")
    assert watcher.settings.urban_hours == 5


# --- restart, folders, polling, shares --------------------------------------------------------------------------


def test_restart_catches_up_on_changes_made_while_stopped(root: Path, src: Path, start: Started) -> None:
    first = start()
    branch = root / BRANCH
    changed, deleted, locked, same = (branch / f"叫修登记簿-{n}.xlsx" for n in ("改", "删", "锁", "同"))
    data = register_bytes(src)
    lock = branch / f".~lock.{locked.name}#"
    lock.write_text("王五,wangwu,PC-02,27.11.2026 16:00,file:///x;", encoding="utf-8")
    hashes = {path: write_plain(path, data) for path in (changed, deleted, locked, same)}
    for path in (changed, deleted, same):
        wait_for(lambda p=path: written_from(root, p, hashes[p]), what=f"{path.name} processed")
    wait_for(lambda: (r := record(root, locked)) and r.sha256 == hashes[locked] and r, what="locked one validated")
    first.stop()

    new = write_plain(changed, register_bytes(src, seed=5))
    deleted.unlink()
    lock.unlink()
    added = write_plain(root / "慈溪分公司" / CALLINS, data)
    second = start()
    assert written_from(root, changed, new)
    assert record(root, deleted).error == DELETED  # shown in 数据状态
    assert written_from(root, locked, hashes[locked])
    assert written_from(root, root / "慈溪分公司" / CALLINS, added)
    assert {r.path for r in second.reports} == {changed, locked, root / "慈溪分公司" / CALLINS}


def test_branch_folder_removed_and_recreated(root: Path, src: Path, start: Started) -> None:
    start()
    branch = root / BRANCH
    book = branch / CALLINS
    data = register_bytes(src)
    content = write_plain(book, data)
    wait_for(lambda: written_from(root, book, content), what="register processed")
    shutil.rmtree(branch)
    rec = wait_for(lambda: (r := record(root, book)) and r.error == DELETED and r, what="the vanished folder recorded")
    assert not rec.written and rec.register == "callins"
    wait_for(lambda: "文件已删除或所在文件夹已不存在" in log_text(root), what="the vanished folder logged")
    content = write_plain(book, register_bytes(src, seed=3))  # creates the folder again
    wait_for(lambda: written_from(root, book, content), what="register in the recreated folder processed")


def test_polling_mode_processes_saves(root: Path, src: Path, start: Started) -> None:
    watcher = start(polling=True, interval=0.2)
    branch = root / BRANCH
    book = branch / CALLINS
    content = write_plain(branch / "A1B2C3D4", register_bytes(src))
    os.rename(branch / "A1B2C3D4", book)
    wait_for(lambda: written_from(root, book, content), what="register processed in polling mode")
    wait_for(lambda: book in watcher.skipped, what="own write seen and skipped")
    assert watcher.wait_idle(10)
    assert len(reports_for(watcher, book)) == 1


@pytest.mark.parametrize("polling", [True, False], ids=["polling", "inotify"])
def test_watched_folder_going_away_and_coming_back(root: Path, src: Path, start: Started, polling: bool) -> None:
    watcher = start(polling=polling, interval=0.2)
    book = root / BRANCH / CALLINS
    content = write_plain(book, register_bytes(src))
    wait_for(lambda: written_from(root, book, content), what="register processed")
    assert watcher.wait_idle(10)
    away = root.with_name(root.name + "-away")
    root.rename(away)  # the share disconnects
    try:
        wait_for(lambda: not watcher.connected, what="the watcher noticing the folder is gone")
        new = write_plain(away / BRANCH / CALLINS, register_bytes(src, seed=4))
    finally:
        away.rename(root)  # and comes back
    wait_for(lambda: watcher.connected, what="the watcher noticing the folder is back")
    wait_for(lambda: written_from(root, book, new), what="the change made meanwhile caught up")
    assert "已恢复" in console_text(watcher)
    later = write_plain(root / "慈溪分公司" / CALLINS, register_bytes(src, seed=6))
    wait_for(lambda: written_from(root, root / "慈溪分公司" / CALLINS, later), what="watching again after return")


# --- the command ------------------------------------------------------------------------------------------------


def test_watch_returns_0_when_stopped_and_2_for_bad_input(root: Path, tmp_path: Path) -> None:
    stop = threading.Event()
    out = io.StringIO()
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(
        watch(root, console=Console(file=out), stop=stop, on_summary=lambda r: None)))
    thread.start()
    try:
        wait_for(lambda: "开始监视" in log_text(root), what="the watcher started")
    finally:
        stop.set()
        thread.join(30)
    assert result == [0]
    assert "已停止监视" in out.getvalue()
    assert watch(tmp_path / "missing", console=Console(file=io.StringIO())) == 2
    (root / "automation.toml").write_text("[sla]\nurban_hours = -1\n", encoding="utf-8")
    assert watch(root, console=Console(file=io.StringIO())) == 2


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_finishes_the_write_in_flight_and_exits_0(root: Path, src: Path, signum: int) -> None:
    code = "import sys; from pathlib import Path; from automation.watch import watch; sys.exit(watch(Path(sys.argv[1])))"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    process = subprocess.Popen([sys.executable, "-c", code, str(root)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: "开始监视" in log_text(root), timeout=60, what="the watcher process started")
        book = root / BRANCH / CALLINS
        content = write_plain(book, register_bytes(src, rows=50))
        wait_for(lambda: f"开始处理 {BRANCH}/{CALLINS}" in log_text(root), what="processing started")
        process.send_signal(signum)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err.decode("utf-8", "replace")
    assert written_from(root, book, content)  # the write in flight was finished
    assert not [p for p in (root / BRANCH).iterdir() if p.name.endswith(".tmp")]
    assert "已停止监视" in out.decode("utf-8")
