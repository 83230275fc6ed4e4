"""Where a digest goes: one class per channel behind the small :class:`Channel` protocol.

* :class:`EmailChannel` — SMTP (``smtplib``): implicit TLS (``ssl``), STARTTLS or none, login when a user is
  set; one e-mail per branch and 岗位 with a plain-text and an HTML body.
* :class:`WeComChannel` (企业微信), :class:`DingTalkChannel` (钉钉, signed with its secret: ``timestamp`` in
  milliseconds and ``sign`` = Base64(HMAC-SHA256(secret, "timestamp\\nsecret")) added to the URL, as DingTalk
  documents it) and :class:`FeishuChannel` (飞书 ``post`` messages, optionally signed: ``timestamp`` in seconds and
  ``sign`` = Base64(HMAC-SHA256 keyed with "timestamp\\nsecret" over nothing) in the body) — group robots posted to
  with ``urllib.request``; a long digest is split into parts within the robot's size limit.

A failure raises :class:`DeliveryError` with a plain line (Chinese and English) and how many parts did go out, so
a retry sends only the rest. A robot's URL carries its key: messages name the robot and its host, never the URL.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import hmac
import json
import os
import smtplib
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, Protocol
from urllib.parse import urlencode

from .config import EmailSettings, WebhookSettings
from .digest import BranchDigest
from .render import group_blocks, html_body, plain_text, sections_for, split, subject


class DeliveryError(Exception):
    """A message could not be delivered; ``done`` parts of it were."""

    def __init__(self, zh: str, en: str, done: int = 0) -> None:
        super().__init__(en)
        self.zh, self.en, self.done = zh, en, done

    def message(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


@dataclass
class Message:
    """One delivery of a digest: to one role's addresses, or to one robot for one branch."""

    channel: str  # the channel's key
    branch: str
    target: str  # the 岗位 for e-mail, "" for a robot
    to: str  # who receives it, for people (addresses, or the robot's name and host)
    subject: str
    parts: list[str]  # the text of each part as sent (what --dry-run prints)
    payloads: list[Any] = field(default_factory=list)  # what is sent: EmailMessage, or JSON bodies


class Channel(Protocol):
    key: str  # stable, for the sent-state: "email", "webhook:服务中心群"
    label: str  # for people: 邮件, 钉钉群「服务中心群」

    def targets(self, branch: str) -> list[str]:
        """The deliveries this channel makes for a branch (岗位 for e-mail, [""] for a robot serving it)."""
        ...

    def message(self, digest: BranchDigest, target: str) -> Message: ...

    def send(self, message: Message, *, skip: int = 0) -> None:
        """Deliver the parts after the first ``skip``; raises DeliveryError."""
        ...


def _secret(value: str | None, env: str | None, what: str) -> str | None:
    if env is None:
        return value
    found = os.environ.get(env)
    if not found:
        raise DeliveryError(f"{what}所用的环境变量 {env} 未设置", f"the environment variable {env} for the {what} is not set")
    return found


# ----------------------------------------------------------------------------------------------- e-mail


class EmailChannel:
    key = "email"
    label = "邮件"

    def __init__(self, settings: EmailSettings, timeout: float) -> None:
        self.settings = settings
        self.timeout = timeout

    def targets(self, branch: str) -> list[str]:
        return list(self.settings.recipients(branch))

    def message(self, digest: BranchDigest, target: str) -> Message:
        s = self.settings
        to = self.settings.recipients(digest.branch)[target]
        keys = sections_for(target)
        text = plain_text(digest, keys, contact=s.contact_details)
        mail = EmailMessage()
        mail["Subject"] = subject(digest, keys)
        mail["From"] = s.sender
        mail["To"] = ", ".join(to)
        mail["Date"] = email.utils.formatdate(localtime=True)
        mail["Message-ID"] = email.utils.make_msgid(domain=email.utils.parseaddr(s.sender)[1].split("@")[-1] or None)
        mail.set_content(text)
        mail.add_alternative(html_body(digest, keys, contact=s.contact_details), subtype="html")
        return Message(self.key, digest.branch, target, ", ".join(to), str(mail["Subject"]), [text], [mail])

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.ca_file)

    def send(self, message: Message, *, skip: int = 0) -> None:
        s = self.settings
        where = f"{s.host}:{s.port}"
        try:
            password = _secret(s.password, s.password_env, "邮件服务器密码")
            if s.security == "ssl":
                server: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=self.timeout, context=self._context())
            else:
                server = smtplib.SMTP(s.host, s.port, timeout=self.timeout)
            with server:
                if s.security == "starttls":
                    server.starttls(context=self._context())
                if s.username is not None:
                    try:
                        server.login(s.username, password or "")
                    except smtplib.SMTPServerDisconnected as exc:
                        # Some servers hang up after a refused password instead of answering 535.
                        raise DeliveryError(f"邮件服务器 {where} 拒绝登录并断开连接（多为用户名或密码不对）",
                                            f"the mail server {where} refused the login and hung up (user name or "
                                            "password)") from exc
                for mail in message.payloads[skip:]:
                    server.send_message(mail)
        except DeliveryError:
            raise
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"邮件服务器 {where} 拒绝登录（用户名或密码不对）：{exc.smtp_code}",
                                f"the mail server {where} refused the login (user name or password): {exc.smtp_code}") from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise DeliveryError(f"邮件服务器 {where} 不支持所设的 STARTTLS 或登录方式",
                                f"the mail server {where} does not support STARTTLS or the login: {exc}") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            refused = ", ".join(exc.recipients)
            raise DeliveryError(f"邮件服务器 {where} 拒收收件人 {refused}", f"the mail server {where} refused {refused}") from exc
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"邮件服务器 {where} 拒绝发送：{exc.smtp_code}",
                                f"the mail server {where} refused the message: {exc.smtp_code} {exc.smtp_error!r}") from exc
        except ssl.SSLError as exc:
            raise DeliveryError(f"与邮件服务器 {where} 的加密连接失败（证书或 TLS 设置）",
                                f"TLS with the mail server {where} failed: {exc}") from exc
        except TimeoutError as exc:
            raise DeliveryError(f"邮件服务器 {where} 在 {self.timeout:g} 秒内没有应答",
                                f"the mail server {where} did not answer within {self.timeout:g} s") from exc
        except socket.gaierror as exc:
            raise DeliveryError(f"找不到邮件服务器 {s.host}（地址无法解析）", f"mail server {s.host} not found: {exc}") from exc
        except ConnectionRefusedError as exc:
            raise DeliveryError(f"无法连接邮件服务器 {where}（连接被拒绝）", f"cannot reach the mail server {where}: connection refused") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"无法通过邮件服务器 {where} 发送：{type(exc).__name__}",
                                f"cannot send through the mail server {where}: {type(exc).__name__}: {exc}") from exc


# ----------------------------------------------------------------------------------------------- group robots


class _Robot:
    """What the three robots share: one JSON POST per part, and their answer checked (an HTTP 200 may still say
    no: a bad signature or a rate limit comes back as a non-zero ``errcode``/``code``)."""

    kind_label = "群机器人"
    sep = "\n"
    markdown = True

    def __init__(self, settings: WebhookSettings, timeout: float, max_rows: int,
                 clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.timeout = timeout
        self.max_rows = max_rows
        self.clock = clock  # signatures need the real time (robots refuse one off by more than an hour)
        self.key = f"webhook:{settings.name}"
        self.label = f"{self.kind_label}「{settings.name}」"

    def targets(self, branch: str) -> list[str]:
        return [""] if self.settings.serves(branch) else []

    def message(self, digest: BranchDigest, target: str) -> Message:
        title, lines = group_blocks(digest, markdown=self.markdown, max_rows=self.max_rows)
        parts = split(title, lines, self.settings.max_bytes - self.overhead, sep=self.sep)
        return Message(self.key, digest.branch, target, self.settings.host, digest.title, parts,
                       [self.body(digest.title, p) for p in parts])

    overhead = 200  # bytes of the JSON envelope around the text, kept out of the size budget

    def body(self, title: str, text: str) -> dict[str, Any]:
        raise NotImplementedError

    def signed(self, url: str, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return url, body

    def accepted(self, answer: dict[str, Any]) -> tuple[bool, str]:
        code = answer.get("errcode")
        return code == 0, f"errcode {code}: {answer.get('errmsg', '')}"

    def send(self, message: Message, *, skip: int = 0) -> None:
        done = skip
        for body in message.payloads[skip:]:
            self._post(body, done)
            done += 1

    def _post(self, body: dict[str, Any], done: int) -> None:
        name, host = self.label, self.settings.host
        try:
            url, body = self.signed(self.settings.url, body)
            request = urllib.request.Request(
                url, data=json.dumps(body, ensure_ascii=False).encode("utf-8"), method="POST",
                headers={"Content-Type": "application/json; charset=utf-8"})
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - https, or localhost
                raw = response.read(1_000_000)
        except DeliveryError as exc:
            exc.done = done
            raise
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"{name}（{host}）回应 HTTP {exc.code}", f"{name} ({host}) answered HTTP {exc.code}", done) from exc
        except TimeoutError as exc:
            raise DeliveryError(f"{name}（{host}）在 {self.timeout:g} 秒内没有应答",
                                f"{name} ({host}) did not answer within {self.timeout:g} s", done) from exc
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError):
                raise DeliveryError(f"{name}（{host}）在 {self.timeout:g} 秒内没有应答",
                                    f"{name} ({host}) did not answer within {self.timeout:g} s", done) from exc
            raise DeliveryError(f"无法连接{name}（{host}）：{_why(reason)}", f"cannot reach {name} ({host}): {reason}", done) from exc
        except OSError as exc:
            raise DeliveryError(f"无法连接{name}（{host}）：{_why(exc)}", f"cannot reach {name} ({host}): {exc}", done) from exc
        try:
            answer = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            answer = None
        if not isinstance(answer, dict):
            raise DeliveryError(f"{name}（{host}）的回应无法识别", f"{name} ({host}) gave an answer that is not JSON", done)
        ok, detail = self.accepted(answer)
        if not ok:
            raise DeliveryError(f"{name}（{host}）拒收消息：{detail}", f"{name} ({host}) refused the message: {detail}", done)


def _why(reason: object) -> str:
    """Why a connection failed, in words staff read."""
    if isinstance(reason, ConnectionRefusedError):
        return "连接被拒绝"
    if isinstance(reason, socket.gaierror):
        return "地址无法解析"
    if isinstance(reason, ssl.SSLError):
        return "加密连接失败（证书或 TLS）"
    return type(reason).__name__ if isinstance(reason, BaseException) else str(reason)


class WeComChannel(_Robot):
    """企业微信群机器人: markdown, content at most 4096 bytes."""

    kind_label = "企业微信群"

    def body(self, title: str, text: str) -> dict[str, Any]:
        return {"msgtype": "markdown", "markdown": {"content": text}}


class DingTalkChannel(_Robot):
    """钉钉自定义机器人: markdown (a title for the notification and the text), signed when a secret is set."""

    kind_label = "钉钉群"
    sep = "\n\n"  # DingTalk's markdown joins single line breaks

    def body(self, title: str, text: str) -> dict[str, Any]:
        return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}

    def signed(self, url: str, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        secret = _secret(self.settings.secret, self.settings.secret_env, f"{self.label}的加签密钥")
        if not secret:
            return url, body
        timestamp = str(round(self.clock() * 1000))
        query = urlencode({"timestamp": timestamp, "sign": dingtalk_sign(secret, timestamp)})
        return f"{url}{'&' if '?' in url else '?'}{query}", body


class FeishuChannel(_Robot):
    """飞书自定义机器人: a ``post`` (rich text) message, one paragraph per line, signed when a secret is set."""

    kind_label = "飞书群"
    markdown = False

    def body(self, title: str, text: str) -> dict[str, Any]:
        head, _, rest = text.partition("\n")
        lines = [[{"tag": "text", "text": line}] for line in rest.split("\n")]
        return {"msg_type": "post", "content": {"post": {"zh_cn": {"title": head, "content": lines}}}}

    def signed(self, url: str, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        secret = _secret(self.settings.secret, self.settings.secret_env, f"{self.label}的签名密钥")
        if not secret:
            return url, body
        timestamp = str(int(self.clock()))
        return url, {"timestamp": timestamp, "sign": feishu_sign(secret, timestamp), **body}

    def accepted(self, answer: dict[str, Any]) -> tuple[bool, str]:
        code = answer.get("code", answer.get("StatusCode"))
        return code == 0, f"code {code}: {answer.get('msg', answer.get('StatusMessage', ''))}"


def dingtalk_sign(secret: str, timestamp: str) -> str:
    """DingTalk's 加签: Base64(HMAC-SHA256 keyed with the secret over "timestamp\\nsecret") (URL-encoded by the
    caller)."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


def feishu_sign(secret: str, timestamp: str) -> str:
    """Feishu's 签名校验: Base64(HMAC-SHA256 keyed with "timestamp\\nsecret" over an empty message)."""
    mac = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


ROBOTS: dict[str, type[_Robot]] = {"wecom": WeComChannel, "dingtalk": DingTalkChannel, "feishu": FeishuChannel}


def channels_of(notify: Any) -> list[Channel]:
    """The channels configured in ``[notify]`` (a NotifySettings), e-mail first, robots in the file's order."""
    out: list[Channel] = []
    if notify.email is not None:
        out.append(EmailChannel(notify.email, notify.timeout_seconds))
    out.extend(ROBOTS[h.kind](h, notify.timeout_seconds, notify.max_rows) for h in notify.webhooks)
    return out


__all__ = ["Channel", "DeliveryError", "DingTalkChannel", "EmailChannel", "FeishuChannel", "Message", "WeComChannel",
           "channels_of", "dingtalk_sign", "feishu_sign"]
