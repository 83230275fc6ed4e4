"""The morning digest (issue 13, part 2): per branch, what needs doing today, sent by e-mail and group robots.

Modules: :mod:`.config` (the ``[notify]`` settings), :mod:`.digest` (the content, from the product's own job
results), :mod:`.render` (text, HTML, markdown, splitting), :mod:`.channels` (SMTP and the 企业微信 / 钉钉 / 飞书
robots), :mod:`.state` (what was sent, in ``.automation/notify.json``) and :mod:`.send` (when, and sending).

The watcher runs :class:`DigestTask` among its timed tasks: it calls :func:`send_due_digests` at
:func:`next_send_time` (the next digest time from :func:`next_digest_time`, or the next retry of a failed delivery); ``automation notify`` calls it once.
"""

from __future__ import annotations

from .send import (
    ALREADY_SENT,
    FAILED,
    PREVIEW,
    SENT,
    Outcome,
    deployment_calendar,
    due_day,
    next_digest_time,
    next_send_time,
    send_due_digests,
)
from .task import DigestTask

__all__ = ["ALREADY_SENT", "FAILED", "PREVIEW", "SENT", "DigestTask", "Outcome", "deployment_calendar", "due_day",
           "next_digest_time", "next_send_time", "send_due_digests"]
