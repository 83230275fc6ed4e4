"""Lock files of open workbooks (automation.xlsx.locks): every form, who holds them, their age, stale locks."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from watching import excel_owner_file

from automation.xlsx import locks
from automation.xlsx.locks import current_lock, describe_lock, format_age, lock_files, lock_holder

LIBREOFFICE_LOCK = ",张三,DESKTOP-1,29.11.2026 10:00,file:///C:/Users/zhang/AppData/Roaming/LibreOffice/4;"


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "服务中心" / "叫修登记簿.xlsx"
    path.parent.mkdir()
    path.write_bytes(b"PK\x03\x04 workbook")
    return path


def test_lock_files_finds_every_form(tmp_path: Path) -> None:
    path = tmp_path / "LongWorkbook.xlsx"
    assert lock_files(path) == []
    for name in ("~$LongWorkbook.xlsx", "~$ngWorkbook.xlsx", ".~lock.LongWorkbook.xlsx#"):
        (tmp_path / name).write_bytes(b"")
    assert {p.name for p in lock_files(path)} == {
        "~$LongWorkbook.xlsx",
        "~$ngWorkbook.xlsx",
        ".~lock.LongWorkbook.xlsx#",
    }
    assert lock_files(tmp_path / "other.xlsx") == []


def test_lock_holder_libreoffice(book: Path) -> None:
    assert lock_holder(book) is None
    book.with_name(f".~lock.{book.name}#").write_text(LIBREOFFICE_LOCK, encoding="utf-8")
    assert lock_holder(book) == "张三 (DESKTOP-1)"


def test_lock_holder_libreoffice_full_name_and_escapes(book: Path) -> None:
    book.with_name(f".~lock.{book.name}#").write_text(
        r"Zhang\, San,zhang,PC-7,29.11.2026 10:00,file:///x;", "utf-8"
    )
    assert lock_holder(book) == "Zhang, San (PC-7)"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (excel_owner_file("张三".encode("gbk"), "张三"), "张三"),  # newer Excel: UTF-16 copy wins
        (excel_owner_file(b"zhangsan"), "zhangsan"),  # older: ANSI only
        (excel_owner_file("李四".encode("gbk")), "李四"),  # ANSI on Chinese Windows (GBK)
        (excel_owner_file(b"??", "王五"), "王五"),  # ANSI lost the name, UTF-16 still has it
    ],
)
def test_lock_holder_excel(book: Path, content: bytes, expected: str) -> None:
    book.with_name(f"~${book.name}").write_bytes(content)
    assert lock_holder(book) == expected


@pytest.mark.parametrize("content", [b"", b"\x00" * 162, b"\xff" + b"\x01" * 10, bytes(range(256))])
def test_lock_holder_unreadable_owner_file_falls_back(book: Path, content: bytes) -> None:
    book.with_name(f"~${book.name}").write_bytes(content)
    assert lock_holder(book) == f"未知用户 (lock file ~${book.name})"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_lock_holder_parsers_never_raise(raw: bytes) -> None:
    for parse in (locks._excel_holder, locks._libreoffice_holder):
        name = parse(raw)
        assert name is None or (name and name.isprintable())


def _age(lock_path: Path, hours: float) -> None:
    when = (dt.datetime.now() - dt.timedelta(hours=hours)).timestamp()
    os.utime(lock_path, (when, when))


def test_current_lock_names_file_holder_and_age(book: Path) -> None:
    assert current_lock(book) is None
    lock_path = book.with_name(f"~${book.name}")
    lock_path.write_bytes(excel_owner_file("张三".encode("gbk"), "张三"))
    _age(lock_path, 2.26)
    lock = current_lock(book)
    assert lock is not None and lock.path == lock_path and lock.holder == "张三"
    assert dt.timedelta(hours=2.2) < lock.age() < dt.timedelta(hours=2.3)
    text = describe_lock(lock, book, stale_hours=12)
    assert text == "文件正被 张三 打开（锁文件 ~$叫修登记簿.xlsx，已 2 小时 15 分），待关闭后写入"
    assert "lock file ~$叫修登记簿.xlsx, 2 h 15 min" in describe_lock(lock, book, stale_hours=12, lang="en")


def test_a_lock_older_than_the_limit_is_called_stale_with_the_unlock_command(book: Path) -> None:
    lock_path = book.with_name(f".~lock.{book.name}#")
    lock_path.write_text(LIBREOFFICE_LOCK, encoding="utf-8")
    _age(lock_path, 12.5)
    lock = current_lock(book)
    assert lock is not None and lock.stale(12) and not lock.stale(13)
    text = describe_lock(lock, book, stale_hours=12)
    assert text.startswith(f"锁文件 .~lock.{book.name}#（张三 (DESKTOP-1)）已存在 12 小时 30 分，可能是程序异常退出后遗留")
    assert text.endswith(f'运行 automation unlock "{book}" 清除')
    assert f'automation unlock "{book}"' in describe_lock(lock, book, stale_hours=12, lang="en")
    # just under the limit it is an ordinary open file
    assert describe_lock(lock, book, stale_hours=12.6).startswith("文件正被 张三 (DESKTOP-1) 打开")


@pytest.mark.parametrize(
    ("minutes", "zh", "en"),
    [(0, "0 分", "0 min"), (59, "59 分", "59 min"), (60, "1 小时", "1 h"), (61, "1 小时 1 分", "1 h 1 min"),
     (24 * 60 + 90, "1 天 1 小时", "1 d 1 h"), (3 * 24 * 60, "3 天", "3 d")],
)
def test_format_age(minutes: int, zh: str, en: str) -> None:
    age = dt.timedelta(minutes=minutes, seconds=30)
    assert (format_age(age), format_age(age, "en")) == (zh, en)


def test_a_lock_in_the_future_has_no_negative_age(book: Path) -> None:
    lock_path = book.with_name(f"~${book.name}")
    lock_path.write_bytes(b"")
    _age(lock_path, -1)  # another machine's clock ahead of ours
    lock = current_lock(book)
    assert lock is not None and lock.age() == dt.timedelta(0) and not lock.stale(0.1)
    assert lock.who() == "未知用户" and lock_holder(book) == f"未知用户 (lock file ~${book.name})"
