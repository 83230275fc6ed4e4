"""The service jobs of §6: plain functions from a register's typed tables to result tables, and their registry.

One module per job family — :mod:`.dispatch` (call-ins), :mod:`.workshop` (items), :mod:`.daily` (worklog),
:mod:`.contracts`, :mod:`.customers`, :mod:`.demand`, :mod:`.calendar_sheet` (master). Each job is a
:class:`~automation.jobs.base.Job`: result sheet name, headers, function and the text of an empty result.

* :func:`run_jobs` runs the jobs of ``inp.register.key`` in §6 order; a job that crashes gives one SYS001 problem
  in an otherwise empty result of its name, never an exception.
* :func:`make_calendar` builds the working calendar from the settings and the 节假日调整 overrides.
* :func:`to_result_sheet` turns a :class:`ResultTable` into the :class:`~automation.xlsx.sheet_xml.ResultSheet` the
  writer renders: banner, visible headers, plain Python values, links back to the source rows, rows in the
  action order of ``_order`` (the frame keeps its own order), status colours and header notes.
"""

from __future__ import annotations

import datetime as dt
import math
import traceback
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from ..calendar import WorkCalendar
from ..catalogue import problem
from ..settings import Settings
from ..xlsx.sheet_xml import Link, ResultSheet, banner
from . import calendar_sheet, contracts, customers, daily, demand, dispatch, survey, workshop
from .base import CELL, ORDER, SHEET, Job, JobInput, ResultTable

# register key -> its jobs, in the order of §6.
JOBS: dict[str, tuple[Job, ...]] = {
    "callins": dispatch.JOBS + survey.JOBS,
    "items": workshop.JOBS,
    "worklog": daily.JOBS,
    "contracts": contracts.JOBS,
    "customers": customers.JOBS,
    "demand": demand.JOBS,
    "master": calendar_sheet.JOBS,
}



def result_sheet_names(register_key: str) -> tuple[str, ...]:
    """The result sheets the jobs of a register produce (校验结果 is not a job and not included)."""
    return tuple(job.name for job in JOBS.get(register_key, ()))


def make_calendar(
    settings: Settings, overrides: Mapping[dt.date, bool], complete_years: Iterable[int] = ()
) -> WorkCalendar:
    """The working calendar of a deployment: settings' work periods and holiday source, plus 节假日调整. A year
    is complete (covered) when settings ``calendar.complete_years`` or a 「全年已录入」 row (``complete_years``)
    says so."""
    years = {*settings.complete_years, *complete_years}
    return WorkCalendar(settings.work_periods, settings.holidays, overrides, years)  # type: ignore[arg-type]


def run_jobs(inp: JobInput) -> list[ResultTable]:
    """Every job of the input's register, in §6 order; never raises."""
    results = []
    for job in JOBS.get(inp.register.key, ()):
        try:
            result = job.run(inp)
        except Exception as exc:  # noqa: BLE001 - a broken job is reported, never fatal
            where = traceback.extract_tb(exc.__traceback__)[-1]
            detail = f"{type(exc).__name__}: {exc} ({where.name}:{where.lineno})"
            name = f"{job.run.__module__.rsplit('.', 1)[-1]}.{job.run.__name__}"
            result = job.empty(
                [problem("SYS001", workbook=inp.workbook, sheet=job.name, rule=name, error=detail)]
            )
        results.append(result)
    return results


def _is_date_column(header: str, table: ResultTable) -> bool:
    return header in table.date_columns or header.endswith("日期")


def _python(value: object, date_only: bool) -> object:
    """One cell value as the writer wants it: None for blanks, datetime/date, int/float/bool/str."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, dt.datetime):
        if pd.isna(value):
            return None
        plain = value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
        return plain.date() if date_only else plain
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _column_values(series: pd.Series, date_only: bool) -> list[object]:
    if series.dtype.kind == "M":
        plain = series.to_numpy().astype("datetime64[us]").astype(object)  # datetime or None (NaT)
        return [v.date() if date_only and v is not None else v for v in plain]
    if series.dtype.kind == "f":
        return [None if math.isnan(v) else v for v in series.tolist()]
    if series.dtype.kind in "iub":
        return series.tolist()
    return [_python(v, date_only) for v in series.tolist()]


def _link_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def to_result_sheet(table: ResultTable, *, as_of: dt.datetime, source_sheet: str) -> ResultSheet:
    """The sheet to write for ``table``; linked cells point at the source row on ``source_sheet`` (or the sheet
    named in the row's ``_sheet``)."""
    frame = table.frame
    if ORDER in frame.columns:  # the action order of the written sheet (base.ORDER)
        frame = frame.iloc[np.argsort(frame[ORDER].to_numpy(), kind="stable")]
    visible = [str(c) for c in frame.columns if not str(c).startswith("_")]
    columns = [_column_values(frame[c], _is_date_column(c, table)) for c in visible]
    if table.links and CELL in frame.columns:
        cells = frame[CELL].tolist()
        sheets = frame[SHEET].tolist() if SHEET in frame.columns else [None] * len(frame)
        for j, header in enumerate(visible):
            if header not in table.links:
                continue
            columns[j] = [
                Link(_link_text(v), sheet=_python(s, False) or source_sheet, cell=c)
                if v is not None and isinstance(c, str) and c
                else v
                for v, c, s in zip(columns[j], cells, sheets, strict=True)
            ]
    rows = [list(r) for r in zip(*columns, strict=True)] if visible else []
    shown = set(visible)
    return ResultSheet(
        name=table.name,
        headers=visible,
        rows=rows,
        banner=banner(as_of),
        empty_message=table.empty_message,
        highlights=tuple(h for h in table.highlights if h.column in shown),
        notes={h: text for h, text in table.notes.items() if h in shown},
        # A rate (满意率) is a share: shown as a percentage, stored as the fraction.
        number_formats={j: "0.0%" for j, h in enumerate(visible) if h.endswith("率")} or None,
    )


__all__ = [
    "JOBS",
    "Job",
    "JobInput",
    "ResultTable",
    "make_calendar",
    "result_sheet_names",
    "run_jobs",
    "to_result_sheet",
]
