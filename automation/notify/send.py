"""When digests are due, and sending them: the entry points of the watcher's schedule and of ``automation notify``.

* :func:`next_digest_time` — the next digest instant after a moment: ``notify.time`` on a working day of the
  deployment's calendar (holidays and 节假日调整 included).
* :func:`send_due_digests` — everything due at ``now``: today's digest for each branch and delivery (each e-mail
  role, each robot) not yet sent and not waiting out a back-off. Never raises; returns one :class:`Outcome` per
  delivery tried (or, with ``dry_run``, per delivery that would be sent, with its text).

A digest is due from ``notify.time`` until the close of that working day (the end of its last work period): a
watcher started at 10:00 still sends that morning's digest (as of 10:00); one not sent by then is dropped — the
next working day's digest supersedes it. Failures wait ``retry_first_minutes`` doubling up to ``retry_max_minutes`` before the next try.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import logging.handlers
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..calendar import WorkCalendar
from ..deployment import Deployment
from ..root import STATE_DIR
from ..settings import Settings, SettingsError, load_settings
from .channels import Channel, DeliveryError, Message, channels_of
from .config import NotifySettings
from .digest import BranchDigest, branch_digest, has_registers, root_calendar, week_end
from .state import NotifyState, delivery_key, sending_lock

logger = logging.getLogger("automation.notify")

SENT, FAILED, PREVIEW, ALREADY_SENT = "sent", "failed", "preview", "already_sent"


@dataclass(frozen=True)
class Outcome:
    """What became of one delivery of one day's digest."""

    channel: str  # the channel's key ("email", "webhook:服务中心群")
    label: str  # for people: 邮件, 钉钉群「服务中心群」
    branch: str
    target: str  # 岗位 for e-mail, "" for robots
    to: str
    day: dt.date
    status: str  # SENT, FAILED, PREVIEW (dry run), ALREADY_SENT (dry run)
    attempts: int = 0
    error_zh: str | None = None
    error_en: str | None = None
    next_try: dt.datetime | None = None
    message: Message | None = None

    @property
    def ok(self) -> bool:
        return self.status != FAILED

    def where(self, lang: str = "zh") -> str:
        recipient = f" ({self.to})" if lang == "en" else f"（{self.to}）"
        return f"{self.label} → {self.branch}" + (f"/{self.target}" if self.target else "") + recipient

    def line(self, lang: str = "zh") -> str:
        """One line for the log and the console."""
        parts = len(self.message.parts) if self.message else 0
        if lang == "en":
            where = self.where("en")
            if self.status == SENT:
                return f"Morning digest {self.day} sent: {where}, {parts} message(s)"
            if self.status == FAILED:
                later = f"; retried at {self.next_try:%H:%M}" if self.next_try else ""
                return f"Morning digest {self.day} not sent: {where}: {self.error_en} (attempt {self.attempts}){later}"
            if self.status == ALREADY_SENT:
                return f"Morning digest {self.day} already sent: {where}"
            return f"Morning digest {self.day} would go to {where}, {parts} message(s)"
        if self.status == SENT:
            return f"晨报 {self.day} 已发送：{self.where()}，{parts} 条消息"
        if self.status == FAILED:
            later = f"；将于 {self.next_try:%H:%M} 重试" if self.next_try else ""
            return f"晨报 {self.day} 发送失败：{self.where()}：{self.error_zh}（第 {self.attempts} 次）{later}"
        if self.status == ALREADY_SENT:
            return f"晨报 {self.day} 今日已发送：{self.where()}"
        return f"晨报 {self.day} 将发送：{self.where()}，{parts} 条消息"


# ----------------------------------------------------------------------------------------------- schedule


def _notify(settings: Settings) -> NotifySettings:
    return settings.notify if isinstance(settings.notify, NotifySettings) else NotifySettings()


def digest_at(day: dt.date, settings: Settings) -> dt.datetime:
    minutes = _notify(settings).time
    return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60))


def next_digest_time(after: dt.datetime, calendar: WorkCalendar, settings: Settings) -> dt.datetime:
    """The first digest instant strictly after ``after``: ``notify.time`` (default 08:00) on a working day."""
    day = after.date()
    for _ in range(800):  # two years: every calendar has working days long before that
        moment = digest_at(day, settings)
        if moment > after and calendar.is_working_day(day):
            return moment
        day += dt.timedelta(days=1)
    raise ValueError("no working day within two years")


def closing(day: dt.date, settings: Settings) -> dt.datetime:
    """Until when the digest of ``day`` may still go out: the end of the day's last work period (a digest meant for
    the morning is no news after work), or midnight when the digest time is later than that."""
    end = max(e for _s, e in settings.work_periods)
    close = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=end)
    return close if close > digest_at(day, settings) else dt.datetime.combine(day + dt.timedelta(days=1), dt.time())


def due_day(now: dt.datetime, calendar: WorkCalendar, settings: Settings) -> dt.date | None:
    """The day whose digest is due at ``now``: today, on a working day from ``notify.time`` until the close of work
    (:func:`closing`); else None."""
    today = now.date()
    due = digest_at(today, settings) <= now < closing(today, settings)
    return today if due and calendar.is_working_day(today) else None


def retry_delay(attempts: int, notify: NotifySettings) -> dt.timedelta:
    """Back-off after the ``attempts``-th failure: first, doubling, at most the maximum."""
    minutes = min(notify.retry_first_minutes * 2 ** max(0, attempts - 1), notify.retry_max_minutes)
    return dt.timedelta(minutes=minutes)


def deployment_calendar(root: Path, settings: Settings, now: dt.datetime) -> WorkCalendar:
    """The working calendar of a root as its jobs use it (for the watcher's :func:`next_digest_time`)."""
    return root_calendar(Deployment(root, settings, now))


# ----------------------------------------------------------------------------------------------- sending


def _branches(root: Path, settings: Settings) -> list[str]:
    from ..summary import branch_folders

    return [b for b in branch_folders(root, settings) if has_registers(root, b, settings)]


@dataclass
class _Planned:
    branch: str
    channel: Channel
    target: str
    key: str
    already_sent: bool


def send_due_digests(
    root: Path,
    now: dt.datetime | None = None,
    *,
    settings: Settings | None = None,
    dry_run: bool = False,
    log_extra: Mapping[str, object] | None = None,
) -> list[Outcome]:
    """Send every digest delivery due at ``now`` (default: the clock) and not yet sent; with ``dry_run`` only say
    what would be sent (state untouched). Never raises: a failure is an Outcome, a log line and a later retry.

    ``settings`` saves reading ``automation.toml`` again (the watcher holds them); ``log_extra`` is passed to the
    log records (the watcher's ``WatchLog.extra``, so the lines reach its log file).
    """
    now = (now or dt.datetime.now()).replace(microsecond=0)
    extra = dict(log_extra or {})
    try:
        settings = settings or load_settings(root)
    except SettingsError as exc:
        logger.warning("晨报未发送：%s", exc.zh, extra=extra)
        return []
    notify = _notify(settings)
    if not notify.channels:
        return []
    try:
        deployment = Deployment(root, settings, now)
        calendar = root_calendar(deployment)
        day = due_day(now, calendar, settings)
        if day is None:
            return []
        with sending_lock(root) as mine:
            if not mine:
                logger.info("晨报：另一个进程正在发送，本次跳过", extra=extra)
                return []
            return _send(root, settings, notify, deployment, calendar, day, now, dry_run, extra)
    except Exception as exc:  # noqa: BLE001 - the digest never stops the watcher; the next call tries again
        logger.warning("晨报出错：%s: %s", type(exc).__name__, exc, extra=extra)
        return []


def _plan(root: Path, settings: Settings, notify: NotifySettings, state: NotifyState, day: dt.date,
          now: dt.datetime, dry_run: bool) -> list[_Planned]:
    plan = []
    for branch in _branches(root, settings):
        for channel in channels_of(notify):
            for target in channel.targets(branch):
                key = delivery_key(channel.key, branch, target)
                done = state.peek(day, key)
                if done is not None and done.sent:
                    if dry_run:
                        plan.append(_Planned(branch, channel, target, key, True))
                    continue
                waiting = done is not None and done.next_try and now < dt.datetime.fromisoformat(done.next_try)
                if waiting and not dry_run:
                    continue
                plan.append(_Planned(branch, channel, target, key, False))
    return plan


def _send(root: Path, settings: Settings, notify: NotifySettings, deployment: Deployment, calendar: WorkCalendar,
          day: dt.date, now: dt.datetime, dry_run: bool, extra: dict[str, object]) -> list[Outcome]:
    state = NotifyState(root)
    plan = _plan(root, settings, notify, state, day, now, dry_run)
    if not plan:
        return []
    later = Deployment(root, settings, week_end(day))
    digests: dict[str, BranchDigest | Exception] = {}
    outcomes: list[Outcome] = []
    for item in plan:
        channel = item.channel
        if item.branch not in digests:
            try:
                digests[item.branch] = branch_digest(deployment, later, item.branch, calendar)
            except Exception as exc:  # noqa: BLE001 - one branch's broken data does not stop the others
                digests[item.branch] = exc
        digest = digests[item.branch]
        base = dict(channel=channel.key, label=channel.label, branch=item.branch, target=item.target, day=day)
        message: Message | None = None
        error: DeliveryError | None = None
        if isinstance(digest, Exception):
            error = DeliveryError(f"晨报内容计算出错（{type(digest).__name__}）",
                                  f"the digest could not be computed: {type(digest).__name__}: {digest}")
        else:
            try:
                message = channel.message(digest, item.target)
            except DeliveryError as exc:
                error = exc
            except Exception as exc:  # noqa: BLE001
                error = DeliveryError(f"晨报内容生成出错（{type(exc).__name__}）", f"the message could not be made: {exc!r}")
        to = message.to if message is not None else "?"
        if dry_run:
            if error is None:
                status = ALREADY_SENT if item.already_sent else PREVIEW
                outcomes.append(Outcome(**base, to=to, status=status, message=message))
            else:
                outcomes.append(Outcome(**base, to=to, status=FAILED, error_zh=error.zh, error_en=error.en))
            continue
        delivery = state.get(day, item.key)
        delivery.attempts += 1
        if error is None and message is not None:
            try:
                channel.send(message, skip=min(delivery.parts, len(message.parts)))
            except DeliveryError as exc:
                error = exc
                delivery.parts = max(delivery.parts, exc.done)
            except Exception as exc:  # noqa: BLE001 - an unforeseen failure is a failed delivery, retried later
                error = DeliveryError(f"发送出错（{type(exc).__name__}）", f"sending failed: {type(exc).__name__}: {exc}")
        if error is None:
            delivery.sent, delivery.error, delivery.next_try = now.isoformat(), None, None
            delivery.parts = len(message.parts) if message else delivery.parts
            outcome = Outcome(**base, to=to, status=SENT, attempts=delivery.attempts, message=message)
            logger.info(outcome.line(settings.language), extra=extra)
        else:
            retry = now + retry_delay(delivery.attempts, notify)
            close = closing(day, settings)
            next_try = retry if retry < close else None  # a digest is for its day: none after work or the next day
            delivery.error, delivery.next_try = error.zh, (next_try or close).isoformat()
            outcome = Outcome(**base, to=to, status=FAILED, attempts=delivery.attempts, error_zh=error.zh,
                              error_en=error.en, next_try=next_try, message=message)
            logger.warning(outcome.line(settings.language), extra=extra)
        outcomes.append(outcome)
        try:
            state.save(day)  # after every delivery: a crash later in the round cannot make this one go out again
        except OSError as exc:
            logger.warning("晨报发送状态无法写入 %s（%s）：重启后可能重复发送", state.path.name, exc, extra=extra)
    return outcomes


def next_send_time(root: Path, now: dt.datetime, settings: Settings | None = None,
                   calendar: WorkCalendar | None = None) -> dt.datetime:
    """When :func:`send_due_digests` has something to do next: ``now`` while a delivery of today's digest has
    never been tried, the earliest retry of today's failed ones, else the next digest time. The watcher schedules
    its next call at this instant (and again after each call)."""
    settings = settings or load_settings(root)
    calendar = calendar or deployment_calendar(root, settings, now)
    day = due_day(now, calendar, settings)
    notify = _notify(settings)
    if day is not None and notify.channels:
        state = NotifyState(root)
        close = closing(day, settings)
        waits = []
        for item in _plan(root, settings, notify, state, day, now, dry_run=True):
            if item.already_sent:
                continue
            done = state.peek(day, item.key)
            if done is None or not done.next_try:
                return now
            waits.append(dt.datetime.fromisoformat(done.next_try))
        pending = [w for w in waits if w < close]
        if pending:
            return max(now, min(pending))
    return next_digest_time(now, calendar, settings)


@contextlib.contextmanager
def root_log(root: Path) -> Iterator[None]:
    """The digest's log lines also go to ``ROOT/.automation/log/automation.log`` (for ``automation notify``; the
    watcher has its own handler there)."""
    path = root / STATE_DIR / "log" / "automation.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=5, encoding="utf-8", delay=True)
    except OSError:
        yield
        return
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    level = logger.level
    logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        handler.close()


__all__ = ["ALREADY_SENT", "FAILED", "PREVIEW", "SENT", "Outcome", "deployment_calendar", "digest_at", "due_day",
           "next_digest_time", "next_send_time", "retry_delay", "root_log", "send_due_digests"]
