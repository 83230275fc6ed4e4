"""The folder watcher with real saves by LibreOffice (headless): a conversion written into the watched folder, and
a UNO-scripted open → edit → save → close cycle that holds the lock file while the workbook is open.

Skipped without LibreOffice unless ``AUTOMATION_REQUIRE_LIBREOFFICE=1`` (then they fail). The UNO script runs in
the Python that LibreOffice's ``uno`` module belongs to (``/usr/bin/python3`` on Debian/Ubuntu, package
``python3-uno``, which CI installs); without one the UNO test skips, or fails under the same variable.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import shutil
import signal
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from libreoffice import convert, require_soffice, require_uno_python
from python_calamine import CalamineWorkbook
from rich.console import Console
from watching import record, sheets, wait_for

from automation.sample import write_callins_workbook
from automation.state import Record
from automation.watch import Watcher

pytestmark = pytest.mark.libreoffice

BRANCH = "服务中心"
CALLINS = "叫修登记簿.xlsx"

UNO_SCRIPT = r'''
import sys, time, uno
from com.sun.star.beans import PropertyValue

pipe, path, note = sys.argv[1:4]
local = uno.getComponentContext()
resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
deadline = time.time() + 90
while True:
    try:
        ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        break
    except Exception:
        if time.time() > deadline:
            raise
        time.sleep(0.1)
desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
hidden = PropertyValue()
hidden.Name, hidden.Value = "Hidden", True
doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(path), "_blank", 0, (hidden,))
sheet = doc.Sheets.getByName("叫修登记")
for row in range(5):  # the 备注 column of the first data row under the header
    for col in range(40):
        if sheet.getCellByPosition(col, row).getString() == "备注":
            sheet.getCellByPosition(col, row + 1).setString(note)
            break
    else:
        continue
    break
doc.store()
print("stored", flush=True)
sys.stdin.readline()  # keep the workbook open (lock file present) until the test says so
doc.close(True)
print("closed", flush=True)
try:
    desktop.terminate()
except Exception:
    pass
'''


def cell_texts(path: Path, sheet: str) -> set[str]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()
    return {str(v) for row in rows for v in row}


@pytest.fixture
def watcher(root: Path) -> Iterator[Watcher]:
    require_soffice()
    w = Watcher(root, console=Console(file=io.StringIO(), width=300), summary_delay=0.2, on_summary=lambda r: None)
    w.start()
    assert w.wait_idle(30)
    yield w
    w.stop()


def make_register(folder: Path, rows: int = 3, seed: int = 1) -> Path:
    path = folder / CALLINS
    path.parent.mkdir(parents=True, exist_ok=True)
    write_callins_workbook(path, rows, as_of=dt.datetime.now(), seed=seed, technicians=["王强"])
    return path


def test_libreoffice_writes_a_register_into_the_watched_folder(
    root: Path, watcher: Watcher, tmp_path_factory: pytest.TempPathFactory
) -> None:
    source = make_register(tmp_path_factory.mktemp("lo-src"))
    book = convert(source, root / BRANCH)  # LibreOffice itself writes the file (and its lock file) there

    def written_by_us() -> Record | None:
        rec = record(root, book)
        return rec if rec is not None and rec.written and rec.error is None else None

    rec = wait_for(written_by_us, what="LibreOffice's file processed and written back")
    assert rec.errors == 0 and "校验结果" in sheets(book)
    first = len([r for r in watcher.reports if r.path == book])
    # Saving over it again: LibreOffice writes lu*.tmp, renames it onto the name, with its lock file around it.
    convert(make_register(tmp_path_factory.mktemp("lo-src2"), rows=4, seed=2), root / BRANCH)
    wait_for(lambda: len([r for r in watcher.reports if r.path == book and r.written]) > first,
             what="the second LibreOffice save processed")
    # LibreOffice may still be finishing its save (rename, lock file) when that report lands; its last save is
    # then processed again, so wait for the results to be in the file as it finally is.
    wait_for(lambda: "校验结果" in sheets(book), what="results in LibreOffice's last save")
    assert watcher.wait_idle(20)
    assert not [p for p in (root / BRANCH).iterdir() if p.name.startswith(".~lock.")]


def test_libreoffice_edit_save_while_open_then_close(
    root: Path, watcher: Watcher, tmp_path_factory: pytest.TempPathFactory
) -> None:
    soffice = require_soffice()
    python = require_uno_python()  # fails, not skips, when AUTOMATION_REQUIRE_LIBREOFFICE=1
    book = make_register(root / BRANCH)
    wait_for(lambda: (r := record(root, book)) and r.written and r, what="the register processed first")
    scratch = Path(tempfile.mkdtemp(prefix="lo-uno-"))
    script = scratch / "edit.py"
    script.write_text(UNO_SCRIPT, encoding="utf-8")
    pipe = f"automation-test-{uuid.uuid4().hex[:12]}"
    office = subprocess.Popen(
        [soffice, f"-env:UserInstallation={(scratch / 'profile').as_uri()}", "--headless", "--invisible",
         "--norestore", "--nologo", "--nodefault", f"--accept=pipe,name={pipe};urp;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    editor = subprocess.Popen([python, str(script), pipe, str(book), "UNO 编辑"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert editor.stdout is not None and editor.stdin is not None
        assert editor.stdout.readline().strip() == "stored", editor.stderr.read() if editor.stderr else ""
        lock = book.with_name(f".~lock.{book.name}#")
        assert lock.exists()

        def validated_while_open() -> Record | None:
            rec = record(root, book)
            edited = rec is not None and not rec.written and rec.reason and "UNO 编辑" in cell_texts(book, "叫修登记")
            return rec if edited else None

        rec = wait_for(validated_while_open, what="the saved edit validated while LibreOffice holds the lock")
        assert "待关闭后写入" in rec.reason
        wait_for(lambda: book in watcher.pending, what="the write kept pending")
        editor.stdin.write("close\n")
        editor.stdin.flush()
        assert editor.stdout.readline().strip() == "closed"
        wait_for(lambda: not lock.exists(), what="LibreOffice removing its lock file")
        wait_for(lambda: (r := record(root, book)) and r.written and r, what="the deferred write after closing")
        assert "UNO 编辑" in cell_texts(book, "叫修登记") and "校验结果" in sheets(book)
    finally:
        for process in (editor, office):
            if process.poll() is None:
                with contextlib.suppress(OSError):
                    os.killpg(process.pid, signal.SIGKILL)
        editor.communicate()
        office.wait()
        shutil.rmtree(scratch, ignore_errors=True)
