"""The facts the head-office summary keeps of one workbook: what :mod:`.collect` computes (and caches) and
:mod:`.build` turns into the summary's sheets. Plain data, in a module of its own so that the two need not import
each other."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd


@dataclass
class WorkbookRows:
    """The rows one workbook contributes to the detail sheets, and the figures 总览 needs besides counts."""

    sheets: dict[str, list[list[object]]]
    fills: dict[str, list[str | None]]
    arrived: int = 0  # the month's calls that arrived (按时 or 超时)
    on_time: int = 0
    in_repair: int = 0  # rows of 在修商品


@dataclass
class WorkbookFacts:
    """Everything the summary shows about one workbook; plain data, stored in the cache as JSON."""

    path: str  # relative to the root, "/" separators
    branch: str  # folder name (head office or branch)
    register: str | None  # register key; for an unreadable file, the one its name suggests
    sha256: str | None  # content the facts were computed from
    written_sha256: str | None  # content after our write-back of those results, if any
    as_of: dt.datetime
    processed: dt.datetime  # wall-clock time of the processing
    rows: int = 0
    errors: int = 0
    warnings: int = 0
    error_zh: str | None = None  # the workbook could not be read at all
    error_en: str | None = None
    rows_of: WorkbookRows = field(default_factory=lambda: WorkbookRows(sheets={}, fills={}))
    # per day (index 日期): 叫修, A, B, C (by call day), 服务费 (A calls' fees without an error, by completion day)
    calls: pd.DataFrame | None = None
    exports: str | None = None  # digest of what other workbooks look up in this one
    key: str = ""
    # Issue 15 (0 / None where the register does not hold them): 应收未收 of a call-in register — the 服务费 owed
    # and the days since the oldest owed invoice (dispatch.receivable); 续约率's counts of a contract register
    # (contracts.renewal_decisions); 重要客户超期未联系 of the customer archive (customers.overdue_contacts).
    owed: float = 0.0
    owed_days: int | None = None
    renewed: int = 0
    renewal_decided: int = 0
    uncontacted: int = 0
    # 日报缺失 of a worklog register (rows of its 日报缺失 sheet that are missing reports, jobs.daily.MISSING_KINDS);
    # the as-of month's survey of a call-in register: (非常)满意 answers and all answers (jobs.survey).
    reports_missing: int = 0
    satisfied: int = 0
    surveyed: int = 0
