"""Chinese lines carry Chinese reasons: system errors are described for staff, the system's English only in English."""

from __future__ import annotations

import errno
import re
from pathlib import Path

import pytest
from rich.console import Console

from automation.problems import BilingualError, describe_exception, os_reason_zh
from automation.state import _state_error
from automation.watch_output import WatchLog

SYSTEM_ERRORS = [
    PermissionError(errno.EACCES, "Permission denied"),
    OSError(errno.ENOSPC, "No space left on device"),
    FileNotFoundError(errno.ENOENT, "No such file or directory"),
    OSError(errno.EIO, "Input/output error"),
    OSError(errno.ECONNRESET, "Connection reset by peer"),
]


@pytest.mark.parametrize("exc", SYSTEM_ERRORS, ids=lambda e: errno.errorcode[e.errno])
def test_a_system_error_reads_in_chinese_without_the_systems_english(exc: OSError) -> None:
    zh = describe_exception(exc, "zh")
    assert exc.strerror not in zh
    assert re.search(r"[\u4e00-\u9fff]", zh)
    assert exc.strerror in describe_exception(exc, "en")


def test_known_reasons() -> None:
    assert os_reason_zh(OSError(errno.ENOSPC, "x")) == "磁盘空间不足"
    assert os_reason_zh(PermissionError(errno.EACCES, "x")) == "没有访问权限"
    assert os_reason_zh(OSError(errno.ECONNRESET, "x")) == "系统错误 ECONNRESET"


def test_a_bilingual_error_keeps_its_own_words() -> None:
    exc = BilingualError("设置有误", "bad setting")
    assert (describe_exception(exc, "zh"), describe_exception(exc, "en")) == ("设置有误", "bad setting")


@pytest.mark.parametrize(("lang", "want", "unwanted"), [("zh", "磁盘空间不足", "No space"), ("en", "No space", "磁盘空间不足")])
def test_watcher_lines_describe_an_exception_in_the_watchers_language(tmp_path: Path, lang: str, want: str,
                                                                      unwanted: str) -> None:  # fmt: skip
    log = WatchLog(tmp_path, Console(file=None), lambda: lang, threads=())
    line = log.text("summary_failed", error=OSError(errno.ENOSPC, "No space left on device"))
    assert want in line and unwanted not in line


def test_state_database_errors_in_chinese() -> None:
    error = _state_error(OSError(errno.EIO, "Input/output error"))
    assert "Input/output" not in error.zh and "读写出错" in error.zh and "Input/output" in error.en
