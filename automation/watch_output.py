"""What the folder watcher says (§11): one line per event on the console and in ``.automation/log/automation.log``.

Every message exists in Chinese and English (:data:`MESSAGES`); the language follows the deployment's settings,
read again when they change. The log file rotates (5 × 2 MB) and carries only this watcher's lines, so several
watchers in one process (tests) keep separate logs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import logging.handlers
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from .problems import describe_exception
from .root import STATE_DIR

logger = logging.getLogger("automation.watch")
LOG_FILE = Path(STATE_DIR) / "log" / "automation.log"
MESSAGES: dict[str, tuple[str, str]] = {
    "start": ("开始监视 {root}（{mode}），按 Ctrl-C 停止", "Watching {root} ({mode}); press Ctrl-C to stop"),
    "inotify": ("文件系统通知", "file-system events"),
    "polling": ("轮询，每 {interval:g} 秒", "polling every {interval:g} s"),
    "processing": ("开始处理 {name}", "Processing {name}"),
    "counts": ("{errors} 个错误，{warnings} 个警告", "{errors} errors, {warnings} warnings"),
    "written": ("{name}：{counts}，结果已写回", "{name}: {counts}, results written"),
    "unchanged": ("{name}：{counts}，结果已是最新", "{name}: {counts}, results already current"),
    "not_written": ("{name}：{counts}；未写回：{reason}", "{name}: {counts}; not written: {reason}"),
    "unusable": ("{name}：无法处理：{error}", "{name}: cannot be processed: {error}"),
    "crash": ("{name}：处理出错（{error}），已记录，继续监视", "{name}: processing failed ({error}); recorded, still watching"),
    "crash_state": ("处理出错：{error}", "processing failed: {error}"),
    "deleted": ("{name}：文件已删除或所在文件夹已不存在，已记录", "{name}: file deleted or its folder is gone; recorded"),
    "gone": ("监视目录 {root} 不可用（已删除或网络共享断开），等待恢复…",
             "{root} is not available (deleted or share disconnected); waiting for it to come back…"),
    "back": ("监视目录 {root} 已恢复，补处理期间的变更", "{root} is back; catching up on changes"),
    "summary": ("汇总已更新（{seconds:.1f} 秒）", "Summary rebuilt ({seconds:.1f} s)"),
    "summary_copy": ("汇总未替换：{reason}", "Summary not replaced: {reason}"),
    "summary_failed": ("汇总更新失败：{error}；稍后自动重试", "Summary could not be rebuilt: {error}; retried later"),
    "store_waiting": ("{reason}；下次处理时再发送", "{reason}; sent with the next processing"),
    "store_published": ("已发布到中央存储", "Published to the store"),
    "state_failed": ("{name}：{error}；稍后自动重试", "{name}: {error}; retried later"),
    "stale_lock": ("{name}：{reason}", "{name}: {reason}"),
    "cleaned": ("清理了上次异常退出遗留的 {count} 个临时文件（完整的旧版本已存入历史）",
                "Cleaned {count} temporary files left by an earlier crash (complete versions kept in history)"),
    "settings_bad": ("设置文件有误，沿用之前的设置：{error}", "Bad settings file, keeping the previous settings: {error}"),
    "settings": ("设置已更改，重新处理全部登记簿", "Settings changed; processing every register again"),
    "refresh": ("定时刷新（{time:%Y-%m-%d %H:%M}）：重新计算 {count} 个与时间有关的登记簿",
                "Scheduled refresh ({time:%Y-%m-%d %H:%M}): computing {count} time-dependent registers again"),
    "task_failed": ("定时任务 {task} 出错（{error}），已记录，继续监视", "Timed task {task} failed ({error}); recorded, still watching"),
    "loop_error": ("监视出错（{error}），已记录，继续监视", "Watcher error ({error}); recorded, still watching"),
    "stopping": ("正在停止：完成当前写入后退出…", "Stopping: finishing the write in flight…"),
    "stopped": ("已停止监视", "Stopped watching"),
    "no_root": ("监视目录不存在：{root}", "Folder to watch does not exist: {root}"),
}


class WatchLog:
    """The voice of one watcher: messages by key, on its console and in its root's log file."""

    def __init__(self, root: Path, console: Console, language: Callable[[], str], threads: Iterable[str]) -> None:
        self.root = root
        self.console = console
        self.language = language
        self.tag = id(self)  # log records of this watcher carry it; its threads' records count too
        self._threads = set(threads)
        self._handler: logging.Handler | None = None
        self._level = logging.NOTSET

    @property
    def extra(self) -> dict[str, int]:
        """``extra=`` for logger calls, so the record reaches this watcher's log file."""
        return {"watcher": self.tag}

    def text(self, key: str, **fields: Any) -> str:
        """The message ``key`` in the watcher's language; an exception given as a field is described in it too."""
        zh, en = MESSAGES[key]
        lang = self.language()
        fields = {k: describe_exception(v, lang) if isinstance(v, BaseException) else v for k, v in fields.items()}
        return (en if lang == "en" else zh).format(**fields)

    def say(self, key: str, *, level: int = logging.INFO, **fields: Any) -> None:
        """One line on the console and in the log."""
        message = self.text(key, **fields)
        logger.log(level, message, extra=self.extra)
        style = {logging.WARNING: "yellow", logging.ERROR: "bold red"}.get(level, "")
        with contextlib.suppress(Exception):
            self.console.print(Text(f"{dt.datetime.now():%H:%M:%S} {message}", style=style), soft_wrap=True)

    def name(self, path: Path) -> str:
        """A workbook as staff know it: its path relative to the root."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.name

    def attach(self) -> None:
        path = self.root / LOG_FILE
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler: logging.Handler = logging.handlers.RotatingFileHandler(
                path, maxBytes=2_000_000, backupCount=5, encoding="utf-8", delay=True)
        except OSError:
            return  # a read-only share: console only
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(lambda r: getattr(r, "watcher", None) == self.tag or r.threadName in self._threads)
        package = logging.getLogger("automation")
        self._level = package.level
        if package.level == logging.NOTSET or package.level > logging.INFO:
            package.setLevel(logging.INFO)
        package.addHandler(handler)
        self._handler = handler

    def detach(self) -> None:
        if self._handler is not None:
            package = logging.getLogger("automation")
            package.removeHandler(self._handler)
            package.setLevel(self._level)
            self._handler.close()
            self._handler = None


__all__ = ["LOG_FILE", "MESSAGES", "WatchLog", "logger"]
