"""A digest as people read it: plain text and HTML for e-mail, markdown and plain lines for group robots, and the
splitting of a long message into the parts a robot accepts.

Group messages (``public``) never carry customer phone numbers or addresses (客户信息管理办法 第六条); e-mails carry
them only when ``notify.email.contact_details`` is set. Every section names its article and, when rows were left
out, how many and in which result sheet the full list is.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from .digest import (
    ALL_SECTIONS,
    CITATIONS,
    LATE_KEY,
    OVERDUE_KEY,
    PRIORITY_KEY,
    RENEWAL_KEY,
    REPORTS_KEY,
    REVIEW_KEY,
    SOON_KEY,
    BranchDigest,
    Section,
)

# What each 岗位 needs (售后服务管理制度): the supervisor dispatches (第七条, 第十七条, 第十八条), receives overdue
# repairs (第十三条) and the technicians' reports (第十四条); a salesperson is sent to win renewals (第十九条).
# Every other post (经理 signs the reports and oversees all of it) gets the whole digest.
ROLE_SECTIONS: dict[str, tuple[str, ...]] = {
    "服务主任": (PRIORITY_KEY, LATE_KEY, SOON_KEY, OVERDUE_KEY, REPORTS_KEY, REVIEW_KEY),
    "业务员": (RENEWAL_KEY,),
}
EMAIL_MAX_ROWS = 500  # per section: an e-mail has room, but not for a register's worth of old open calls
MAX_PARTS = 5  # messages per robot and branch: robots accept 20 a minute, several branches share one
TRUNCATED = "（内容过长，另有 {n} 行未发出，完整清单见各登记簿的结果表）"
PRIVACY_NOTE = f"按{CITATIONS['privacy']}，群消息不含客户电话和地址。"
FOOTER = "计算时间 {time} · 本晨报由系统自动生成，完整清单见各登记簿的结果表"
# Result columns shown with their header in one-line rows (a bare "2.33" or "11-30 10:20" says nothing).
LABELLED = frozenset({"来电时间", "应到达时间", "剩余(工时)", "超时(工时)", "约定完成日期", "逾期天数", "到期日期",
                      "剩余天数", "经理核阅"})


def sections_for(role: str | None) -> tuple[str, ...]:
    return ROLE_SECTIONS.get(role or "", ALL_SECTIONS)


def _chosen(digest: BranchDigest, keys: Sequence[str]) -> list[Section]:
    return [s for s in digest.sections if s.key in keys]


def _heading(section: Section) -> str:
    count = "" if section.note else f" · {len(section.rows)} 条"
    return f"{section.title}{count} · {section.article}"


def _more(section: Section, shown: int) -> str | None:
    rest = len(section.rows) - shown
    if rest <= 0:
        return None
    where = "、".join(section.where) or "登记簿的结果表"
    return f"另有 {rest} 条，见 {where}"


def _row_line(section: Section, row: tuple[str, ...], columns: list[int]) -> str:
    cells = []
    for i in columns:
        value = row[i]
        if not value:
            continue
        header = section.headers[i]
        cells.append(f"{header} {value}" if header in LABELLED else value)
    return " · ".join(cells)


def _footer(digest: BranchDigest) -> str:
    return FOOTER.format(time=f"{digest.as_of:%Y-%m-%d %H:%M}")


def _unreadable(digest: BranchDigest) -> str | None:
    if not digest.unreadable:
        return None
    return f"注意：{'、'.join(digest.unreadable)} 无法读取，本晨报不含其内容（原因见总部汇总的「数据状态」）"


# ----------------------------------------------------------------------------------------------- e-mail


def subject(digest: BranchDigest, keys: Sequence[str]) -> str:
    return f"{digest.title}：{digest.counts(keys)}"


def plain_text(digest: BranchDigest, keys: Sequence[str], *, contact: bool, max_rows: int = EMAIL_MAX_ROWS) -> str:
    lines = [digest.title, digest.counts(keys), ""]
    if (note := _unreadable(digest)) is not None:
        lines += [note, ""]
    for section in _chosen(digest, keys):
        lines.append(f"【{_heading(section)}】")
        if section.note:
            lines.append(f"  {section.note}")
        elif not section.rows:
            lines.append(f"  {section.empty}")
        else:
            columns = section.columns(public=not contact)
            lines.append("  " + " | ".join(section.headers[i] for i in columns))
            lines += ["  " + " | ".join(row[i] for i in columns) for row in section.rows[:max_rows]]
            if (more := _more(section, min(max_rows, len(section.rows)))) is not None:
                lines.append(f"  {more}")
        lines.append("")
    lines.append(_footer(digest))
    return "\n".join(lines) + "\n"


_CELL = 'style="border:1px solid #bbb;padding:3px 6px;text-align:left"'


def html_body(digest: BranchDigest, keys: Sequence[str], *, contact: bool, max_rows: int = EMAIL_MAX_ROWS) -> str:
    e = html.escape
    out = ["<!DOCTYPE html>", '<html><head><meta charset="utf-8"></head>',
           '<body style="font-family:\'Microsoft YaHei\',\'PingFang SC\',sans-serif;font-size:14px">',
           f"<h2>{e(digest.title)}</h2>", f"<p>{e(digest.counts(keys))}</p>"]
    if (note := _unreadable(digest)) is not None:
        out.append(f'<p style="color:#b00">{e(note)}</p>')
    for section in _chosen(digest, keys):
        out.append(f"<h3>{e(section.title)} <small style=\"color:#666\">{e(section.article)}</small></h3>")
        if section.note or not section.rows:
            out.append(f"<p>{e(section.note or section.empty)}</p>")
            continue
        columns = section.columns(public=not contact)
        out.append('<table style="border-collapse:collapse">')
        out.append("<tr>" + "".join(f"<th {_CELL}>{e(section.headers[i])}</th>" for i in columns) + "</tr>")
        for row in section.rows[:max_rows]:
            out.append("<tr>" + "".join(f"<td {_CELL}>{e(row[i])}</td>" for i in columns) + "</tr>")
        out.append("</table>")
        if (more := _more(section, min(max_rows, len(section.rows)))) is not None:
            out.append(f"<p>{e(more)}</p>")
    out.append(f'<p style="color:#666">{e(_footer(digest))}</p></body></html>')
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------------------------- group robots


def _md(value: str) -> str:
    """Staff text made inert in robot markdown: no emphasis, links, code or <@mention>/<font> tags."""
    return value.translate(str.maketrans({"*": "＊", "_": "＿", "`": "｀", "[": "［", "]": "］", "<": "＜", ">": "＞",
                                          "#": "＃"}))


def group_blocks(digest: BranchDigest, *, markdown: bool, max_rows: int) -> tuple[str, list[str]]:
    """(title, lines) of a group message: every section, at most ``max_rows`` rows each, no phone or address."""
    esc = _md if markdown else (lambda v: v)
    title = f"### {esc(digest.title)}" if markdown else digest.title
    lines = [esc(digest.counts())]
    if (note := _unreadable(digest)) is not None:
        lines.append(esc(note))
    for section in digest.sections:
        heading = esc(_heading(section))
        lines.append(f"**{heading}**" if markdown else f"【{heading}】")
        if section.note or not section.rows:
            lines.append(esc(section.note or section.empty))
            continue
        columns = section.columns(public=True)
        for n, row in enumerate(section.rows[:max_rows], 1):
            lines.append(f"{n}. {esc(_row_line(section, row, columns))}")
        if (more := _more(section, min(max_rows, len(section.rows)))) is not None:
            lines.append(esc(more))
    lines += [esc(PRIVACY_NOTE), esc(_footer(digest))]
    return title, lines


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _clip(text: str, budget: int) -> str:
    """``text`` cut to at most ``budget`` bytes of UTF-8, never inside a character."""
    if _size(text) <= budget:
        return text
    data = text.encode("utf-8")[: max(0, budget - 3)]
    return data.decode("utf-8", errors="ignore") + "…"


def split(title: str, lines: Sequence[str], max_bytes: int, *, sep: str = "\n", max_parts: int = MAX_PARTS) -> list[str]:
    """The message as parts of at most ``max_bytes`` bytes each, every part starting with the title (numbered
    「（2/3）」 when there are several); beyond ``max_parts`` the rest is left out and the last part says how many
    lines were not sent."""
    reserve = _size(f"{title}（{max_parts}/{max_parts}）{sep}") + _size(sep + TRUNCATED.format(n=10**6))
    budget = max(100, max_bytes - reserve)
    parts: list[list[str]] = [[]]
    used = 0
    for line in lines:
        line = _clip(line, budget - _size(sep))
        size = _size(line + sep)
        if used + size > budget and parts[-1]:
            parts.append([])
            used = 0
        parts[-1].append(line)
        used += size
    if len(parts) > max_parts:
        dropped = sum(len(p) for p in parts[max_parts:])
        parts = parts[:max_parts]
        parts[-1].append(TRUNCATED.format(n=dropped))
    n = len(parts)
    return [sep.join([f"{title}（{i}/{n}）" if n > 1 else title, *part]) for i, part in enumerate(parts, 1)]


__all__ = ["EMAIL_MAX_ROWS", "MAX_PARTS", "ROLE_SECTIONS", "group_blocks", "html_body", "plain_text", "sections_for",
           "split", "subject"]
