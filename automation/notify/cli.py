"""What ``automation notify [ROOT] [--dry-run] [--as-of T]`` prints: one line per delivery, and with ``--dry-run``
the text each channel would receive. Returns the exit code (0 sent or nothing due, 1 a delivery failed)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.rule import Rule

from ..settings import Settings
from .config import NotifySettings
from .send import (
    FAILED,
    PREVIEW,
    SENT,
    deployment_calendar,
    due_day,
    next_digest_time,
    root_log,
    send_due_digests,
)


def _not_due(root: Path, settings: Settings, now: dt.datetime, en: bool) -> str:
    calendar = deployment_calendar(root, settings, now)
    following = next_digest_time(now, calendar, settings)
    if not calendar.is_working_day(now.date()):
        why = f"{now:%Y-%m-%d} is not a working day" if en else f"{now:%Y-%m-%d} 不是工作日"
    else:
        why = f"before {following:%H:%M}" if en else f"未到晨报时间 {following:%H:%M}"
    return f"No digest due: {why}; next {following:%Y-%m-%d %H:%M}" if en else f"没有到时的晨报：{why}；下次 {following:%Y-%m-%d %H:%M}"


def notify(root: Path, settings: Settings, now: dt.datetime, *, dry_run: bool, lang: str, console: Console) -> int:
    en = lang == "en"
    notify_settings = settings.notify if isinstance(settings.notify, NotifySettings) else None
    if notify_settings is None or not notify_settings.channels:
        console.print("No channel in [notify] of automation.toml: nothing to send." if en
                      else "automation.toml 的 [notify] 中没有设置发送渠道（邮件或群机器人），无可发送。")
        return 0
    calendar = deployment_calendar(root, settings, now)
    if due_day(now, calendar, settings) is None:
        console.print(_not_due(root, settings, now, en))
        return 0
    if dry_run:
        outcomes = send_due_digests(root, now, settings=settings, dry_run=True)
    else:
        with root_log(root):
            outcomes = send_due_digests(root, now, settings=settings)
    if not outcomes:
        console.print("Every digest of today is sent (or waits for its retry)." if en
                      else "今日晨报均已发送（或正等待重试）。")
        return 0
    for outcome in outcomes:
        style = {SENT: "green", FAILED: "red", PREVIEW: "bold"}.get(outcome.status, "dim")
        console.print(f"[{style}]{escape(outcome.line(lang))}[/]", soft_wrap=True)
        if dry_run and outcome.status == PREVIEW and outcome.message is not None:
            console.print(f"[dim]{escape(outcome.message.subject)}[/]", soft_wrap=True)
            for part in outcome.message.parts:
                console.print(escape(part), soft_wrap=True, markup=True, highlight=False)
                console.print(Rule(style="dim"))
    return 1 if any(o.status == FAILED for o in outcomes) else 0


__all__ = ["notify"]
