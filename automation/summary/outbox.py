"""What left the product and did not arrive as it should: lines for 数据状态 about the morning digest's deliveries
(``ROOT/.automation/notify.json``, :mod:`automation.notify.state`) and the expiry-notice letters
(``ROOT/.automation/notices.json``, :mod:`automation.notices`).

* A delivery of a digest of the last :data:`DIGEST_DAYS` days that has failed and not been delivered since is one
  line: 重试中 with the next attempt's time while the day's retries go on, 发送失败 once they have stopped (after
  the close of work the digest is no news and is not sent any more).
* A letter whose file is no longer what the product wrote (edited by hand) is one line: the product keeps it and
  never updates it, so a clerk checks it against the contract before mailing. A company template the letters
  cannot be made from (unknown placeholder, not a Word document) is one line at head office.

Both files are read defensively and only read: a missing, unreadable or damaged file (or entry) is ignored here —
the digest and the letters have their own handling of it (a damaged notify.json is set aside by the sender, not by
a summary that only looks).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path

from ..notices import TemplateProblem, load_template, template_path
from ..notify.state import STATE_FILE as NOTIFY_FILE
from ..notify.state import Delivery
from ..root import STATE_DIR
from ..set_aside import set_aside_files
from ..settings import Settings
from ..xlsx.safe_write import sha256_of

NOTICES_FILE = "notices.json"
DIGEST_DAYS = 7  # failed deliveries of this many days (the as-of day included) are listed
ERROR_FILL, WARNING_FILL = "FFFDE2E1", "FFFFF4CE"  # as build.py's
DIGEST, LETTER = "晨报", "保养到期通知书"
RETRYING, FAILED, EDITED, BAD_TEMPLATE = "重试中", "发送失败", "已手工修改", "模板有误"
MAX_LINES = 200  # a flood of one kind (a server down for a week) stays readable; the last line says how many more

Line = tuple[list[object], str | None]  # a 数据状态 row and its fill


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _closing(day: dt.date, settings: Settings) -> dt.datetime:
    """The end of the day's last work period: retries stop there (notify.send.closing, without the digest time)."""
    end = max(e for _s, e in settings.work_periods)
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=end)


def _channel(key: str) -> tuple[str, str, str]:
    """(channel for people, branch, target) of a delivery key ``channel|branch|target``."""
    channel, _, rest = key.partition("|")
    branch, _, target = rest.partition("|")
    if channel == "email":
        label = "邮件"
    elif channel.startswith("webhook:"):
        label = f"群机器人「{channel.removeprefix('webhook:')}」"
    else:
        label = channel
    return label, branch, target


def digest_lines(root: Path, settings: Settings, as_of: dt.datetime) -> list[Line]:
    """Failed and retrying deliveries of the morning digest (see the module docstring)."""
    data = _read_json(root / STATE_DIR / NOTIFY_FILE)
    days = data.get("days") if isinstance(data, dict) else None
    if not isinstance(days, dict):
        return []
    since = as_of.date() - dt.timedelta(days=DIGEST_DAYS - 1)
    lines: list[Line] = []
    for day_text, entries in sorted(days.items(), reverse=True):
        try:
            day = dt.date.fromisoformat(day_text)
        except (TypeError, ValueError):
            continue
        if not since <= day <= as_of.date() or not isinstance(entries, dict):
            continue
        for key, value in sorted(entries.items()):
            delivery = Delivery.of(value) if isinstance(key, str) else None
            if delivery is None or delivery.sent or not delivery.error:
                continue
            label, branch, target = _channel(key)
            where = f"{DIGEST} · {label}" + (f" → {target}" if target else "")
            try:
                retry = dt.datetime.fromisoformat(delivery.next_try) if delivery.next_try else None
            except ValueError:
                retry = None
            close = _closing(day, settings)
            if retry is not None and day == as_of.date() and as_of < retry < close:
                state, fill = RETRYING, WARNING_FILL
                note = (f"{day:%m月%d日}晨报第 {delivery.attempts} 次发送失败：{delivery.error}；"
                        f"将于 {retry:%H:%M} 自动重试")
            else:
                state, fill = FAILED, ERROR_FILL
                note = (f"{day:%m月%d日}晨报未送达（共试 {delivery.attempts} 次）：{delivery.error}；当日已停止重试，"
                        "请检查 automation.toml 的 [notify] 设置或网络，必要时用 automation notify 补发")
            lines.append(([branch, where, DIGEST, None, None, None, None, state, note], fill))
    return lines


def notice_lines(root: Path, settings: Settings) -> list[Line]:
    """Letters edited by hand, and a company template that cannot be used (see the module docstring)."""
    lines: list[Line] = []
    data = _read_json(root / STATE_DIR / NOTICES_FILE)
    letters = data.get("letters") if isinstance(data, dict) else None
    for key, entry in sorted(letters.items()) if isinstance(letters, dict) else ():
        if not isinstance(key, str) or not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
            continue
        path = root / key
        if Path(key).is_absolute() or ".." in Path(key).parts or not path.is_file():
            continue  # a letter removed after mailing is no problem; a foreign key is not ours to look at
        try:
            current = sha256_of(path)
        except OSError:
            continue
        if current != entry["sha256"]:
            contract = entry.get("contract") if isinstance(entry.get("contract"), str) else ""
            branch = key.split("/")[0] if "/" in key else ""
            note = (f"合同 {contract} 的通知书已被手工修改：系统保留它、不再更新；合同信息如有变化，请核对后再寄出"
                    if contract else "通知书已被手工修改：系统保留它、不再更新；请核对后再寄出")
            lines.append(([branch, key, LETTER, None, None, None, None, EDITED, note], WARNING_FILL))
    template = template_path(root, settings)
    if template.is_file():
        try:
            load_template(root, settings)
        except TemplateProblem as exc:
            name = template.relative_to(root).as_posix() if template.is_relative_to(root) else template.name
            lines.append(([settings.head_office, name, LETTER, None, None, None, None, BAD_TEMPLATE,
                           f"{exc.zh}；改正模板后，下次处理保养合同时生成通知书"], ERROR_FILL))  # fmt: skip
    return lines


def set_aside_lines(root: Path, settings: Settings) -> list[Line]:
    """数据状态 lines of the files left aside: suspected copies (「疑似副本」) and spreadsheets saved in a format the
    product does not read (.et, .ods, .csv …), each with what to do."""
    lines: list[Line] = []
    for record in set_aside_files(root, settings):
        row = record.status_row()
        lines.append(([row["分公司"], row["工作簿"], row["登记簿"] or None, None, None, None, None, row["结果写回"],
                       row["说明"]], WARNING_FILL))  # fmt: skip
    return lines


def outbox_lines(
    root: Path, settings: Settings, as_of: dt.datetime, units: Sequence[str], *, capped: bool = True
) -> list[Line]:
    """数据状态 lines of the files left aside, the digest and the letters, branch by branch in ``units`` order
    (others last); at most :data:`MAX_LINES` unless not ``capped`` (a site's, capped at the head office)."""
    try:
        lines = set_aside_lines(root, settings) + digest_lines(root, settings, as_of) + notice_lines(root, settings)
    except Exception:  # noqa: BLE001 - these lines are a by-product: never the reason the summary is not built
        return []
    order = {u: i for i, u in enumerate(units)}
    lines.sort(key=lambda line: order.get(str(line[0][0]), len(order)))  # stable: newest digest day first
    return cap_lines(lines) if capped else lines


def cap_lines(lines: list[Line]) -> list[Line]:
    """At most MAX_LINES lines, the last saying how many more there are."""
    if len(lines) <= MAX_LINES:
        return lines
    more = len(lines) - MAX_LINES + 1
    return lines[: MAX_LINES - 1] + [(["", f"另有 {more} 条", "", None, None, None, None, "", "晨报与通知书的其余问题未逐条列出"], None)]


__all__ = ["cap_lines", "digest_lines", "notice_lines", "outbox_lines", "set_aside_lines"]
