"""A workbook whose reading ended the process twice is not read again until it changes (xlsx/read_guard.py).

The real case: a sheet whose ``<dimension>`` understates a far-flung cell passes the size check, and python-calamine's
grid allocation then aborts the whole process (SIGABRT, no exception). The first two runs die (one death may be
chance: a kill -9, a power cut); the next one refuses that content in one line and goes on with the rest.
"""

from __future__ import annotations

import json
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_workbook
from test_limits import HEADERS, far_flung
from unprivileged import privileged, run_unprivileged

from automation.cli import main
from automation.xlsx.read_guard import READING_DIR, UNREADABLE_FILE, ReadGuard

BRANCH = "服务中心"


def no_core_dumps() -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def validate_in_child(root: Path, book: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "automation", "validate", str(book), "--no-write"],
        capture_output=True, text=True, timeout=120, cwd=root, preexec_fn=no_core_dumps,
    )  # fmt: skip


def test_a_workbook_that_killed_the_reader_is_refused_next_time_and_read_again_once_changed(tmp_path, capsys):
    root = tmp_path
    (root / BRANCH).mkdir()
    # The dimension says A1:I2, but a cell sits in XFD1048576: calamine asks for a half-terabyte grid and aborts.
    book = far_flung(root / BRANCH / "叫修登记簿.xlsx", "XFD1048576", dimension="A1:I2")
    before = book.read_bytes()
    for _ in range(2):  # a service restarting the watcher: it dies on the file again
        died = validate_in_child(root, book)
        assert died.returncode == -signal.SIGABRT, (died.returncode, died.stderr[-500:])
        assert list((root / READING_DIR).glob("*.json")), "the dead reader's marker is left behind"

    code = main(["validate", str(book), "--no-write"])
    out = capsys.readouterr()
    assert code == 2
    lines = [line for line in (out.out + out.err).splitlines() if "上次读取此文件时程序意外退出" in line]
    assert len(lines) == 1 and "叫修登记簿.xlsx" in lines[0]
    assert book.read_bytes() == before
    assert not list((root / READING_DIR).glob("*.json"))
    [entry] = json.loads((root / UNREADABLE_FILE).read_text(encoding="utf-8")).values()
    assert entry["name"] == "叫修登记簿.xlsx" and entry["deaths"] == 2

    # Saved again with other content: read again (and this time it is fine).
    write_workbook(book, {"叫修登记": [HEADERS[:2], ["J00001", "2026-11-27 09:00"]]})
    assert main(["validate", str(book), "--no-write"]) == 1  # missing columns, but read
    assert "上次读取" not in capsys.readouterr().out


def test_a_living_readers_marker_is_not_taken_for_a_dead_one(tmp_path):
    guard = ReadGuard(tmp_path)
    with guard.reading("甲.xlsx", "a" * 64):
        other = ReadGuard(tmp_path)  # another run looking while this one reads
        assert other.unreadable() == {}
        assert list((tmp_path / READING_DIR).glob("*.json"))
    assert not list((tmp_path / READING_DIR).glob("*.json"))


def killed_while_reading(root: Path, sha: str) -> None:
    code = (
        "import os, sys; from pathlib import Path; from automation.xlsx.read_guard import ReadGuard\n"
        "with ReadGuard(Path(sys.argv[1])).reading('乙.xlsx', sys.argv[2]):\n"
        "    os.kill(os.getpid(), 9)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(root), sha], capture_output=True, timeout=60)
    assert done.returncode == -signal.SIGKILL


def test_one_death_makes_a_suspect_two_make_it_unreadable(tmp_path):
    killed_while_reading(tmp_path, "b" * 64)
    assert ReadGuard(tmp_path).killed_before("b" * 64) is None  # once may be chance
    killed_while_reading(tmp_path, "b" * 64)
    assert ReadGuard(tmp_path).killed_before("b" * 64)["name"] == "乙.xlsx"
    assert ReadGuard(tmp_path).killed_before("c" * 64) is None


def test_a_suspect_read_to_the_end_is_cleared(tmp_path):
    killed_while_reading(tmp_path, "f" * 64)  # a kill -9 that happened to land during a read
    with ReadGuard(tmp_path).reading("乙.xlsx", "f" * 64):
        pass
    killed_while_reading(tmp_path, "f" * 64)  # chance again, much later: still only a suspect
    assert ReadGuard(tmp_path).killed_before("f" * 64) is None


@pytest.mark.parametrize("content", ["not json", "[1, 2]", '{"x": 3}'])
def test_a_damaged_record_is_ignored(tmp_path, content):
    (tmp_path / UNREADABLE_FILE).parent.mkdir(parents=True)
    (tmp_path / UNREADABLE_FILE).write_text(content, encoding="utf-8")
    assert ReadGuard(tmp_path).killed_before("d" * 64) is None


@pytest.mark.only_on("linux", "darwin", "freebsd")  # Windows ignores a folder's read-only attribute
def test_a_root_that_cannot_be_written_reads_without_markers(tmp_path: Path, request: pytest.FixtureRequest):
    if privileged():  # root writes into a 0555 folder: run again without root's powers
        run_unprivileged(request)
        return
    tmp_path.chmod(0o555)
    try:
        with ReadGuard(tmp_path).reading("丙.xlsx", "e" * 64):
            assert not (tmp_path / READING_DIR).exists()
        assert ReadGuard(tmp_path).killed_before("e" * 64) is None
    finally:
        tmp_path.chmod(0o755)
