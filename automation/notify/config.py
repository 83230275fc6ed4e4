"""The ``[notify]`` section family of ``automation.toml``: the morning digest's time, retries and channels.

Read by :func:`automation.settings.parse_settings` (which stores the result as ``Settings.notify``); a bad key is
refused like every other setting, with its path (``notify.webhook.服务中心群.url``) and the expected form, in
Chinese and English. Example::

    [notify]
    time = "08:00"                # on each working day of the working calendar
    retry_first_minutes = 1       # back-off after a failed delivery: 1, 2, 4 … minutes
    retry_max_minutes = 30
    timeout_seconds = 10
    max_rows = 20                 # rows listed per section; the rest are counted, with where to find them

    [notify.email]
    host = "smtp.example.com"
    port = 465
    security = "ssl"              # "ssl" (implicit TLS), "starttls" or "none"
    username = "aftersales@example.com"
    password_env = "AUTOMATION_SMTP_PASSWORD"   # or password = "…"
    sender = "售后服务系统 <aftersales@example.com>"

    [notify.email.to]
    "*" = { "经理" = ["boss@example.com"] }     # every branch (TOML needs quotes around Chinese keys)
    "服务中心" = { "服务主任" = ["lina@example.com"] }

    [notify.webhook."服务中心群"]
    kind = "dingtalk"             # "wecom" (企业微信), "dingtalk" (钉钉) or "feishu" (飞书)
    url = "https://oapi.dingtalk.com/robot/send?access_token=…"
    secret = "SEC…"               # 加签 (钉钉, 飞书); or secret_env = "NAME"
    branches = ["服务中心"]        # default: every branch

基础资料/员工 has no e-mail column (SPEC §2.1), so recipients come from settings, by branch and 岗位.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ..registers.master import POSTS
from ..settings import SettingsError

WEBHOOK_KINDS = ("wecom", "dingtalk", "feishu")
SECURITY = ("ssl", "starttls", "none")
EVERY_BRANCH = "*"
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
# What each robot accepts per message (bytes of UTF-8 text in the message body we build). 企业微信: markdown
# content at most 4096 bytes (its documentation); 钉钉 and 飞书 take about 20 KB per request: we stay below.
MAX_BYTES = {"wecom": 4096, "dingtalk": 18_000, "feishu": 18_000}
_ADDRESS = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_NAME = re.compile(r"[^\s.\"']+")


@dataclass(frozen=True)
class EmailSettings:
    host: str
    sender: str
    port: int = 465
    security: str = "ssl"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    password_env: str | None = None
    ca_file: str | None = None  # a company CA bundle for the server's certificate (else the system's)
    contact_details: bool = False  # 地址/电话 in the priority list of e-mails (never in group messages)
    # (branch or "*", 岗位, addresses)
    to: tuple[tuple[str, str, tuple[str, ...]], ...] = ()

    def recipients(self, branch: str) -> dict[str, tuple[str, ...]]:
        """岗位 -> addresses for one branch: its own entries and those for every branch ("*"), in order."""
        out: dict[str, list[str]] = {}
        for where, role, addresses in self.to:
            if where in (branch, EVERY_BRANCH):
                have = out.setdefault(role, [])
                have.extend(a for a in addresses if a not in have)
        return {role: tuple(a) for role, a in out.items() if a}


@dataclass(frozen=True)
class WebhookSettings:
    name: str
    kind: str
    url: str = field(repr=False)  # holds the robot's key: never shown in logs
    secret: str | None = field(default=None, repr=False)
    secret_env: str | None = None
    branches: tuple[str, ...] = ()  # empty: every branch
    max_bytes: int = 4096

    def serves(self, branch: str) -> bool:
        return not self.branches or branch in self.branches

    @property
    def host(self) -> str:
        """Where the robot lives, for messages (the URL itself carries a key)."""
        return urlsplit(self.url).hostname or "?"


@dataclass(frozen=True)
class NotifySettings:
    time: int = 8 * 60  # minutes after midnight
    retry_first_minutes: float = 1.0
    retry_max_minutes: float = 30.0
    timeout_seconds: float = 10.0
    max_rows: int = 20
    email: EmailSettings | None = None
    webhooks: tuple[WebhookSettings, ...] = ()

    @property
    def channels(self) -> bool:
        return self.email is not None or bool(self.webhooks)

    @property
    def time_text(self) -> str:
        return f"{self.time // 60:02d}:{self.time % 60:02d}"


def _bad(key: str, zh: str, en: str, value: Any) -> SettingsError:
    return SettingsError(f"设置 {key} 应为{zh}，实为 {value!r}", f"setting {key} must be {en}, got {value!r}")


def _text(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _bad(key, "非空文本", "non-empty text", value)
    return value.strip()


def _choice(value: Any, key: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise _bad(key, " 或 ".join(f'"{c}"' for c in choices), " or ".join(f'"{c}"' for c in choices), value)
    return str(value)


def _number(value: Any, key: str, lo: float, hi: float, integer: bool = False) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and lo <= value <= hi
    if ok and integer:
        ok = float(value).is_integer()
    if not ok:
        kind_zh, kind_en = ("整数", "an integer") if integer else ("数字", "a number")
        raise _bad(key, f" {lo:g}–{hi:g} 的{kind_zh}", f"{kind_en} from {lo:g} to {hi:g}", value)
    return int(value) if integer else float(value)


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise _bad(key, " true 或 false", "true or false", value)
    return value


def _time(value: Any, key: str) -> int:
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip()) if isinstance(value, str) else None
    if not m or int(m[1]) > 23 or int(m[2]) > 59:
        raise _bad(key, '时刻，如 "08:00"', 'a time of day like "08:00"', value)
    return int(m[1]) * 60 + int(m[2])


def _env_name(value: Any, key: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
        raise _bad(key, "环境变量名，如 AUTOMATION_SMTP_PASSWORD", "an environment variable name", value)
    return value


def _table(value: Any, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SettingsError(f"设置 {key} 应为一个节 [{key}]", f"setting {key} must be a section [{key}]")
    return value


def _unknown(key: str, known: tuple[str, ...]) -> SettingsError:
    section = key.rsplit(".", 1)[0]
    names = ", ".join(known)
    return SettingsError(f"未知的设置 {key}（[{section}] 可用：{names}）", f"unknown setting {key} ([{section}] knows: {names})")


def _addresses(value: Any, key: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(a, str) and _ADDRESS.fullmatch(a.strip()) for a in items):
        raise _bad(key, '电子邮箱地址列表，如 ["lina@example.com"]', 'a list of e-mail addresses like ["lina@example.com"]', value)
    return tuple(a.strip() for a in items)


def _recipients(value: Any, key: str) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    out = []
    for branch, roles in _table(value, key).items():
        where = f"{key}.{branch}"
        for role, addresses in _table(roles, where).items():
            if role not in POSTS:
                known = "、".join(POSTS)
                raise SettingsError(f"设置 {where}.{role}：未知的岗位「{role}」（基础资料/员工 的岗位：{known}）",
                                    f"setting {where}.{role}: unknown post '{role}' (posts of 基础资料/员工: {known})")
            out.append((branch, role, _addresses(addresses, f"{where}.{role}")))
    return tuple(out)


_EMAIL_KEYS = ("host", "port", "security", "username", "password", "password_env", "sender", "ca_file",
               "contact_details", "to")


def _email(value: Any) -> EmailSettings:
    table = _table(value, "notify.email")
    for key in table:
        if key not in _EMAIL_KEYS:
            raise _unknown(f"notify.email.{key}", _EMAIL_KEYS)
    for required in ("host", "sender"):
        if required not in table:
            raise SettingsError(f"设置 notify.email.{required} 缺失（发送邮件需要它）",
                                f"setting notify.email.{required} is missing (needed to send e-mail)")
    host = _text(table["host"], "notify.email.host")
    security = _choice(table.get("security", "ssl"), "notify.email.security", SECURITY)
    port = _number(table.get("port", {"ssl": 465, "starttls": 587, "none": 25}[security]), "notify.email.port",
                   1, 65535, integer=True)
    sender = _text(table["sender"], "notify.email.sender")
    if not _ADDRESS.search(sender):
        raise _bad("notify.email.sender", '含邮箱地址的发件人，如 "售后服务系统 <aftersales@example.com>"',
                   'a sender with an address, like "Aftersales <aftersales@example.com>"', sender)
    username = _text(table["username"], "notify.email.username") if "username" in table else None
    password = _text(table["password"], "notify.email.password") if "password" in table else None
    password_env = _env_name(table["password_env"], "notify.email.password_env") if "password_env" in table else None
    if password is not None and password_env is not None:
        raise SettingsError("设置 notify.email.password 与 password_env 只能用一个",
                            "settings notify.email.password and password_env exclude each other")
    if username is not None and password is None and password_env is None:
        raise SettingsError("设置 notify.email.username 需要 password 或 password_env",
                            "setting notify.email.username needs password or password_env")
    # A password sent without TLS can be read on the wire: only to a server on this machine.
    if username is not None and security == "none" and host not in LOCAL_HOSTS:
        raise SettingsError(
            f"设置 notify.email.security 为 \"none\" 时不能登录远程服务器 {host}（密码会明文传输）；请用 \"ssl\" 或 \"starttls\"",
            f"setting notify.email.security \"none\" cannot log in to the remote server {host} (the password would "
            "travel in clear); use \"ssl\" or \"starttls\"",
        )
    return EmailSettings(
        host=host, port=int(port), security=security, sender=sender, username=username, password=password,
        password_env=password_env,
        ca_file=_text(table["ca_file"], "notify.email.ca_file") if "ca_file" in table else None,
        contact_details=_bool(table.get("contact_details", False), "notify.email.contact_details"),
        to=_recipients(table.get("to", {}), "notify.email.to"),
    )


def check_webhook_url(value: Any, key: str) -> str:
    """An https URL, or http to this machine only (a test robot); anything else is refused."""
    text = _text(value, key)
    parts = urlsplit(text)
    local = parts.hostname in LOCAL_HOSTS
    if not parts.hostname or parts.scheme not in ("https", "http") or (parts.scheme == "http" and not local):
        shown = f"{parts.scheme}://{parts.hostname}/…" if parts.hostname else text[:40]
        raise SettingsError(
            f"设置 {key} 应为 https:// 地址（只有 localhost、127.0.0.1 可用 http://），实为 {shown}",
            f"setting {key} must be an https:// URL (http:// only for localhost or 127.0.0.1), got {shown}",
        )
    return text


_WEBHOOK_KEYS = ("kind", "url", "secret", "secret_env", "branches", "max_bytes")


def _webhook(name: str, value: Any) -> WebhookSettings:
    key = f"notify.webhook.{name}"
    table = _table(value, key)
    for k in table:
        if k not in _WEBHOOK_KEYS:
            raise _unknown(f"{key}.{k}", _WEBHOOK_KEYS)
    for required in ("kind", "url"):
        if required not in table:
            raise SettingsError(f"设置 {key}.{required} 缺失", f"setting {key}.{required} is missing")
    kind = _choice(table["kind"], f"{key}.kind", WEBHOOK_KINDS)
    secret = _text(table["secret"], f"{key}.secret") if "secret" in table else None
    secret_env = _env_name(table["secret_env"], f"{key}.secret_env") if "secret_env" in table else None
    if kind == "wecom" and (secret or secret_env):
        raise SettingsError(f"设置 {key}.secret：企业微信群机器人没有加签，请删去",
                            f"setting {key}.secret: WeCom group robots have no signing secret; remove it")
    if secret is not None and secret_env is not None:
        raise SettingsError(f"设置 {key}.secret 与 secret_env 只能用一个", f"settings {key}.secret and secret_env exclude each other")
    branches = table.get("branches", [])
    if not isinstance(branches, list) or not all(isinstance(b, str) and b.strip() for b in branches):
        raise _bad(f"{key}.branches", '分公司文件夹名列表，如 ["服务中心"]', 'a list of branch folder names like ["服务中心"]', branches)
    limit = MAX_BYTES[kind]
    return WebhookSettings(
        name=name, kind=kind, url=check_webhook_url(table["url"], f"{key}.url"), secret=secret, secret_env=secret_env,
        branches=tuple(b.strip() for b in branches),
        max_bytes=int(_number(table.get("max_bytes", limit), f"{key}.max_bytes", 500, limit, integer=True)),
    )


_NOTIFY_KEYS = ("time", "retry_first_minutes", "retry_max_minutes", "timeout_seconds", "max_rows", "email", "webhook")


def parse_notify(value: Any) -> NotifySettings:
    """``[notify]`` and its sub-tables -> :class:`NotifySettings`; raises SettingsError naming the key."""
    table = _table(value, "notify")
    for key in table:
        if key not in _NOTIFY_KEYS:
            raise _unknown(f"notify.{key}", _NOTIFY_KEYS)
    webhooks = []
    for name, hook in _table(table.get("webhook", {}), "notify.webhook").items():
        if not _NAME.fullmatch(name):
            raise _bad("notify.webhook 的名称", "不含空格、点和引号的名称", "a name without spaces, dots or quotes", name)
        webhooks.append(_webhook(name, hook))
    first = _number(table.get("retry_first_minutes", 1), "notify.retry_first_minutes", 0.05, 240)
    most = _number(table.get("retry_max_minutes", 30), "notify.retry_max_minutes", 0.05, 1440)
    if first > most:
        raise SettingsError("设置 notify.retry_first_minutes 不能大于 notify.retry_max_minutes",
                            "setting notify.retry_first_minutes must not exceed notify.retry_max_minutes")
    return NotifySettings(
        time=_time(table.get("time", "08:00"), "notify.time"),
        retry_first_minutes=first,
        retry_max_minutes=most,
        timeout_seconds=_number(table.get("timeout_seconds", 10), "notify.timeout_seconds", 0.1, 120),
        max_rows=int(_number(table.get("max_rows", 20), "notify.max_rows", 1, 500, integer=True)),
        email=_email(table["email"]) if "email" in table else None,
        webhooks=tuple(webhooks),
    )


__all__ = ["EVERY_BRANCH", "EmailSettings", "NotifySettings", "WebhookSettings", "check_webhook_url", "parse_notify"]
