"""Settings of a deployment: ``<root>/automation.toml`` (§10) read into one frozen object.

Every key is optional. A bad file is refused as a whole with :class:`SettingsError`, whose message names the key
(``sla.urban_hours``) and the expected form, in Chinese and English.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .problems import BilingualError

SETTINGS_FILE = "automation.toml"


class SettingsError(BilingualError):
    """automation.toml is unusable; the message names the key and the expected form."""


@dataclass(frozen=True)
class Settings:
    work_periods: tuple[tuple[int, int], ...] = ((480, 720), (780, 1020))
    holidays: str = "chinesecalendar"
    complete_years: tuple[int, ...] = ()  # years whose holidays the admin has entered in full (节假日调整)
    urban_hours: float = 6
    suburban_hours: float = 7
    window_days: int = 31
    notice_days: int = 30
    contact_days: int = 90  # 客户维护提醒 lists a 重要客户 with no 往来记录 for longer than this (信息 第七条(3))
    reward_min: float = 50
    reward_max: float = 500
    max_daily_hours: float = 12
    report_days: int = 30  # 日报缺失 looks this many days back for missing and unreviewed daily reports (售后 第十四–十六条)
    code_pattern: str = r"^KH\d{5}$"
    head_office: str = "总部"
    summary: str = "总部/汇总.xlsx"
    language: str = "zh"
    history_keep: int = 20
    stale_lock_hours: float = 12
    refresh_minutes: int = 60  # the watcher refreshes time-dependent results this often within working time
    max_rows: int = 200_000  # a register sheet longer than this is refused in one line (§12's memory bar)
    problems_per_kind: int = 200  # findings listed one by one per (sheet, code, column); the rest summed up
    company_name: str = ""  # printed on the 保养到期通知书; "" leaves it blank
    company_phone: str = ""
    notice_template: str | None = None  # the company's notice template; None: <head office>/模板/保养到期通知书.docx
    on_time_target: float = 0.9  # 总览 colours 按时到达率 below this share and draws it as the chart's target line
    # The [notify] family (automation.notify.config.NotifySettings), None when absent. Not in repr: repr keys the
    # summary cache, which the digest's channels do not affect (and the repr would carry webhook keys).
    notify: Any = field(default=None, repr=False)
    # Sites and the central store (automation.store). Not in repr either: where facts are published does not
    # change them, so it must not key the summary cache.
    site_name: str = field(default="", repr=False)  # "" → the root folder's name
    site_folders: tuple[str, ...] = field(default=(), repr=False)  # the folders this site holds; () → all
    store_url: str = field(default="", repr=False)  # "" → ROOT/.automation/store.sqlite
    store_publish: bool = field(default=False, repr=False)  # publish this root's facts after each processing
    source: Path | None = field(default=None, compare=False)


def _number(value: Any, key: str, *, minimum: float, maximum: float | None = None, integer: bool = False) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and value >= minimum
    ok = ok and (maximum is None or value <= maximum)
    if ok and integer:
        ok = float(value).is_integer()
    if not ok:
        form = "整数" if integer else "数字"
        form_en = "an integer" if integer else "a number"
        span = f"{minimum:g}–{maximum:g} 的" if maximum is not None else f"不小于 {minimum:g} 的"
        span_en = f"from {minimum:g} to {maximum:g}" if maximum is not None else f">= {minimum:g}"
        raise SettingsError(f"设置 {key} 应为{span}{form}，实为 {value!r}", f"setting {key} must be {form_en} {span_en}, got {value!r}")
    return int(value) if integer else float(value)


def _text(value: Any, key: str, choices: tuple[str, ...] | None = None) -> str:
    if not isinstance(value, str) or not value.strip() or (choices and value not in choices):
        expected = " 或 ".join(f'"{c}"' for c in choices) if choices else "非空文本"
        expected_en = " or ".join(f'"{c}"' for c in choices) if choices else "non-empty text"
        raise SettingsError(f"设置 {key} 应为 {expected}，实为 {value!r}", f"setting {key} must be {expected_en}, got {value!r}")
    return value


def _line(value: Any, key: str) -> str:
    """One line of text printed on a letter; "" (the default) leaves it blank."""
    if not isinstance(value, str) or len(value) > 100 or any(ord(ch) < 32 for ch in value):
        raise SettingsError(f"设置 {key} 应为一行文本（不超过 100 字），实为 {value!r}",
                            f"setting {key} must be one line of text (at most 100 characters), got {value!r}")
    return value.strip()


def _docx_path(value: Any, key: str) -> str:
    """A Word template's path, relative to the root or absolute."""
    if not isinstance(value, str) or not value.strip() or not value.strip().lower().endswith(".docx"):
        raise SettingsError(f'设置 {key} 应为 .docx 文件的路径，如 "总部/模板/保养到期通知书.docx"，实为 {value!r}',
                            f'setting {key} must be the path of a .docx file like "总部/模板/保养到期通知书.docx", got {value!r}')
    return value.strip()


# A year outside this range is a typing mistake (27 for 2027), not a year a register holds.
_YEARS = (1990, 2100)


def _complete_years(value: Any, key: str) -> tuple[int, ...]:
    ok = isinstance(value, list) and all(
        isinstance(v, int) and not isinstance(v, bool) and _YEARS[0] <= v <= _YEARS[1] for v in value
    )
    if not ok:
        lo, hi = _YEARS
        raise SettingsError(
            f"设置 {key} 应为年份列表（{lo}–{hi} 的四位整数），如 [2027]，实为 {value!r}",
            f"setting {key} must be a list of years (whole numbers {lo}-{hi}) like [2027], got {value!r}",
        )
    return tuple(sorted(set(value)))


# section -> key -> (Settings field, converter)
_SCHEMA: dict[str, dict[str, tuple[str, Any]]] = {
    "calendar": {
        "work_periods": ("work_periods", None),
        "holidays": ("holidays", lambda v, k: _text(v, k, ("chinesecalendar", "none"))),
        "complete_years": ("complete_years", _complete_years),
    },
    "sla": {
        "urban_hours": ("urban_hours", lambda v, k: _number(v, k, minimum=0.5, maximum=240)),
        "suburban_hours": ("suburban_hours", lambda v, k: _number(v, k, minimum=0.5, maximum=240)),
        "window_days": ("window_days", lambda v, k: _number(v, k, minimum=1, maximum=3660, integer=True)),
    },
    "contracts": {"notice_days": ("notice_days", lambda v, k: _number(v, k, minimum=1, maximum=366, integer=True))},
    "company": {
        "name": ("company_name", _line),
        "phone": ("company_phone", _line),
    },
    "notices": {"template": ("notice_template", _docx_path)},
    "summary": {"on_time_target": ("on_time_target", lambda v, k: _number(v, k, minimum=0.01, maximum=1))},
    "demand": {
        "reward_min": ("reward_min", lambda v, k: _number(v, k, minimum=0, maximum=10_000_000)),
        "reward_max": ("reward_max", lambda v, k: _number(v, k, minimum=0, maximum=10_000_000)),
    },
    "worklog": {
        "max_daily_hours": ("max_daily_hours", lambda v, k: _number(v, k, minimum=1, maximum=24)),
        "report_days": ("report_days", lambda v, k: _number(v, k, minimum=1, maximum=366, integer=True)),
    },
    "customers": {
        "code_pattern": ("code_pattern", None),
        "contact_days": ("contact_days", lambda v, k: _number(v, k, minimum=1, maximum=3660, integer=True)),
    },
    "layout": {"head_office": ("head_office", _text), "summary": ("summary", _text)},
    "output": {
        "language": ("language", lambda v, k: _text(v, k, ("zh", "en"))),
        "history_keep": ("history_keep", lambda v, k: _number(v, k, minimum=1, maximum=1_000_000, integer=True)),
    },
    "watch": {
        "stale_lock_hours": ("stale_lock_hours", lambda v, k: _number(v, k, minimum=0.1, maximum=24 * 366)),
        "refresh_minutes": ("refresh_minutes", lambda v, k: _number(v, k, minimum=1, maximum=1440, integer=True)),
    },
    "site": {"name": ("site_name", lambda v, k: _site_name(v, k)), "folders": ("site_folders", lambda v, k: _folders(v, k))},
    "store": {"url": ("store_url", lambda v, k: _store_url(v, k)), "publish": ("store_publish", lambda v, k: _bool(v, k))},
    "limits": {
        "max_rows": ("max_rows", lambda v, k: _number(v, k, minimum=1, maximum=1_048_575, integer=True)),
        "problems_per_kind": ("problems_per_kind", lambda v, k: _number(v, k, minimum=1, maximum=100_000, integer=True)),
    },
}


def _work_periods(value: Any, key: str) -> tuple[tuple[int, int], ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SettingsError(
            f'设置 {key} 应为时段列表，如 ["08:00-12:00", "13:00-17:00"]，实为 {value!r}',
            f'setting {key} must be a list of periods like ["08:00-12:00", "13:00-17:00"], got {value!r}',
        )
    # numpy and chinesecalendar: loaded only for a settings file that sets the periods
    from .calendar import parse_work_periods

    try:
        return parse_work_periods(value)
    except ValueError as exc:
        raise SettingsError(f"设置 {key} 有误：{exc}", f"setting {key} is invalid: {exc}") from None


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise SettingsError(f"设置 {key} 应为 true 或 false，实为 {value!r}", f"setting {key} must be true or false, got {value!r}")
    return value


def _site_name(value: Any, key: str) -> str:
    """A site's name keys its rows in the store: one line of text, no path separators ("": the root folder's)."""
    text = _line(value, key)
    if any(ch in text for ch in "/\\"):
        raise SettingsError(f"设置 {key} 应为站点名称（一行文本，不含 / 或 \\），实为 {value!r}",
                            f"setting {key} must be a site name (one line, no / or \\), got {value!r}")  # fmt: skip
    return text


def _folders(value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() and "/" not in v for v in value):
        raise SettingsError(f'设置 {key} 应为文件夹名称列表，如 ["分公司A"]，实为 {value!r}',
                            f'setting {key} must be a list of folder names like ["分公司A"], got {value!r}')  # fmt: skip
    return tuple(v.strip() for v in value)


def _store_url(value: Any, key: str) -> str:
    """Where the store is: a SQLite file (``sqlite:///path`` or a plain path) or a PostgreSQL server. A password
    never belongs here (automation.toml sits on a share every clerk reads): it comes from the environment."""
    from .store import check_url

    if not isinstance(value, str):
        raise SettingsError(f"设置 {key} 应为文本，实为 {value!r}", f"setting {key} must be text, got {value!r}")
    problem = check_url(value)
    if problem is not None:
        raise SettingsError(f"设置 {key} 有误：{problem[0]}", f"setting {key} is invalid: {problem[1]}")
    return value.strip()


def _code_pattern(value: Any, key: str) -> str:
    text = _text(value, key)
    try:
        re.compile(text)
    except re.error as exc:
        raise SettingsError(
            f"设置 {key} 不是有效的正则表达式：{exc}", f"setting {key} is not a valid regular expression: {exc}"
        ) from None
    return text


def parse_settings(table: dict[str, Any], source: Path | None = None) -> Settings:
    values: dict[str, Any] = {}
    for section, content in table.items():
        if section == "notify":  # a family of nested tables, validated by its own module
            from .notify.config import parse_notify

            values["notify"] = parse_notify(content)
            continue
        if section not in _SCHEMA:
            raise SettingsError(
                f"未知的设置节 [{section}]（可用：{', '.join([*_SCHEMA, 'notify'])}）",
                f"unknown settings section [{section}] (known: {', '.join([*_SCHEMA, 'notify'])})",
            )
        if not isinstance(content, dict):
            raise SettingsError(f"设置 {section} 应为一个节 [{section}]", f"setting {section} must be a section [{section}]")
        for key, value in content.items():
            path = f"{section}.{key}"
            if key not in _SCHEMA[section]:
                known = ", ".join(_SCHEMA[section])
                raise SettingsError(f"未知的设置 {path}（[{section}] 可用：{known}）", f"unknown setting {path} ([{section}] knows: {known})")
            name, convert = _SCHEMA[section][key]
            if name == "work_periods":
                convert = _work_periods
            elif name == "code_pattern":
                convert = _code_pattern
            values[name] = convert(value, path)
    settings = Settings(**values, source=source)
    if settings.reward_min > settings.reward_max:
        raise SettingsError(
            "设置 demand.reward_min 不能大于 demand.reward_max", "setting demand.reward_min must not exceed demand.reward_max"
        )
    return settings


def load_settings(root: Path) -> Settings:
    """Settings of the deployment at ``root`` (defaults when there is no settings file)."""
    path = root / SETTINGS_FILE
    if not path.is_file():
        return Settings()
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{SETTINGS_FILE} 格式错误：{exc}", f"{SETTINGS_FILE} is not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"无法读取 {SETTINGS_FILE}：{exc}", f"cannot read {SETTINGS_FILE}: {exc}") from None
    return parse_settings(table, path)
