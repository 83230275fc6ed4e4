"""Shared test helpers: write small real workbooks whose content sits right in the test."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import openpyxl
import pytest

# Hooks: with AUTOMATION_REQUIRE_ALL=1 a skip fails; platform-only tests are deselected, not skipped.
from skip_policy import (  # noqa: F401 - pytest finds hooks by name in conftest
    pytest_collection_modifyitems,
    pytest_configure,
    pytest_make_collect_report,
    pytest_runtest_makereport,
)

AS_OF = dt.datetime(2026, 11, 27, 16, 0)  # a Friday afternoon


def write_workbook(path: Path, sheets: Mapping[str, Sequence[Sequence[object]]], *, register: str | None = None) -> Path:
    """A real .xlsx with the given sheets (first row of each is usually the header)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(list(row))
    if register:
        from openpyxl.packaging.custom import StringProperty

        wb.custom_doc_props.append(StringProperty(name="automation.register", value=register))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def zip_bytes(parts: Mapping[str, bytes]) -> bytes:
    """A zip package with the given parts (for hand-made broken or hostile workbooks)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return buf.getvalue()


STAFF_HEADER = ["工号", "姓名", "部门", "岗位", "所属单位", "在职状态", "离职日期"]
STAFF_ROWS = [
    ["E001", "王强", "服务部", "技术员", "服务中心", "在职", None],
    ["E002", "李娜", "服务部", "服务主任", "服务中心", "在职", None],
    ["E003", "张伟", "营业部", "业务员", "总部", "在职", None],
    ["E004", "刘洋", "服务部", "技术员", "服务中心", "离职", dt.date(2026, 6, 30)],
    ["E005", "陈静", "营业部", "业务员", "总部", "在职", None],
    ["E006", "赵磊", "营业部", "业务员", "总部", "离职", dt.date(2026, 3, 31)],
]
CUSTOMER_HEADER = ["客户代码", "客户名称", "客户类别", "统一社会信用代码", "法定代表人", "地址", "邮编", "电话",
                   "重要客户", "主办业务员", "协办业务员", "建档日期", "往来状态"]
CUSTOMER_ROWS = [
    ["KH00001", "宁波甬江机械有限公司", "终端用户", None, "周建国", "宁波市江北区长兴路 8 号", "315020", "0574-87654321",
     "否", "张伟", None, dt.date(2025, 3, 1), "正常"],
    ["KH00002", "慈溪恒通精工有限公司", "经销商", None, "孙海", "慈溪市浒山街道 1 号", "315300", "13805740001",
     "是", "张伟", "陈静", dt.date(2025, 4, 2), "正常"],
]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A minimal deployment: master data and a customer archive at head office, one branch folder."""
    write_workbook(tmp_path / "总部" / "基础资料.xlsx", {"员工": [STAFF_HEADER, *STAFF_ROWS], "节假日调整": [["日期", "类型", "说明"]]})
    write_workbook(
        tmp_path / "总部" / "客户档案.xlsx",
        {"客户": [CUSTOMER_HEADER, *CUSTOMER_ROWS], "联系人": [["客户代码", "姓名", "电话"]],
         "往来记录": [["日期", "客户代码", "方式", "本公司人员", "摘要"]], "年度业绩": [["客户代码", "年度", "交易额(万元)"]],
         "新客户开发": [["申请编号", "客户名称", "一般调查日期"]]},
    )
    (tmp_path / "服务中心").mkdir()
    return tmp_path


@pytest.fixture(autouse=True)
def _notice_pdfs_only_where_tested(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every contracts write-back with a contract needing a notice converts its letter to PDF, one LibreOffice
    run of about 2 s (automation.notices); only tests marked ``libreoffice`` pay for it, the others see a machine
    without LibreOffice (the letter's .docx is still written; the PDF is skipped with a note)."""
    if request.node.get_closest_marker("libreoffice") is None:
        monkeypatch.setattr("automation.notices.find_soffice", lambda: None)


@pytest.fixture
def src(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where test workbooks are made: outside the watched root (which is ``tmp_path``)."""
    return tmp_path_factory.mktemp("src")


@pytest.fixture
def start(root: Path):  # noqa: ANN201 - yields a watching.Started
    """Start watchers on ``root`` (``start(**kwargs)``); they are stopped at the end of the test."""
    from watching import Started

    started = Started(root)
    yield started
    for watcher in started.watchers:
        watcher.stop()


# --- the replace's tests (test_safe_write, test_mutants_safe_write, test_replace_retries) ---------------------


def owned_by_another(monkeypatch: pytest.MonkeyPatch, path: Path, uid: int = 4321) -> None:
    """``path`` as if it belonged to user ``uid``, and giving files away refused (as it is to anyone but root):
    the write-back cannot keep the owner. ``monkeypatch.undo()`` ends it."""
    import errno
    import os

    real_stat = os.stat

    def stat(where, *args, **kwargs):  # noqa: ANN001, ANN202 - os.stat's own signature
        st = real_stat(where, *args, **kwargs)
        if Path(where) == path:
            return os.stat_result((st.st_mode, st.st_ino, st.st_dev, st.st_nlink, uid, st.st_gid, st.st_size,
                                   st.st_atime, st.st_mtime, st.st_ctime))  # fmt: skip
        return st

    def refuse(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "stat", stat)
    monkeypatch.setattr(os, "chown", refuse)

ORIGINAL_WORKBOOK = b"PK\x03\x04 original workbook bytes"


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """A branch's 叫修登记簿 holding ORIGINAL_WORKBOOK."""
    path = tmp_path / "服务中心" / "叫修登记簿.xlsx"
    path.parent.mkdir()
    path.write_bytes(ORIGINAL_WORKBOOK)
    return path


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """Where the replaced versions of ``book`` go."""
    return tmp_path / ".automation" / "history" / "服务中心"


@pytest.fixture
def windows_replace(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows' behaviour: the new version is swapped in (ReplaceFileW there, renameat2 here) and a denied replace
    is tried again at once (another program holds the file for a moment)."""
    from automation.xlsx import safe_write

    monkeypatch.setattr(safe_write, "_REPLACE_DELAYS", (0.0, 0.0, 0.0))
    monkeypatch.setattr(safe_write, "_RETRY_DENIED", True)
    monkeypatch.setattr(safe_write, "_PLACE", safe_write._exchange)
