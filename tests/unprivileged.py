"""Run a permission test as an unprivileged user when the suite runs as root (as CI does).

Root ignores file modes (``chmod 0o555`` on a folder does not stop it), so a test of a read-only folder proves
nothing as root. ``run_unprivileged(request)`` re-runs the calling test in a child pytest without those powers and
fails unless it passed there; the test body then runs only in the child (``privileged()`` is false there).

Two ways to drop the powers, tried in order:
- ``setpriv --reuid=nobody --regid=nogroup --clear-groups`` (or ``runuser -u nobody``): a real other user, used
  when that user can run this Python and import the project and pytest (not so for one in root's home);
- ``setpriv --bounding-set=-all ...``: still uid 0 but with no capabilities at all, so the kernel applies the mode
  bits to it as to anyone (``CAP_DAC_OVERRIDE`` is what lets root write into a 0555 folder).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from skip_policy import REQUIRE_ALL_ENV, require_all

PROJECT = Path(__file__).resolve().parent.parent
CAP_DAC_OVERRIDE = 1  # bit number in /proc/self/status CapEff


def privileged() -> bool:
    """Whether file modes do not bind this process (root with ``CAP_DAC_OVERRIDE``)."""
    if not hasattr(os, "geteuid"):
        return False
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return os.geteuid() == 0
    for line in status.splitlines():
        if line.startswith("CapEff:"):
            return bool(int(line.split()[1], 16) >> CAP_DAC_OVERRIDE & 1)
    return os.geteuid() == 0


def _as_nobody() -> list[str] | None:
    if shutil.which("setpriv"):
        return ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    if shutil.which("runuser"):
        return ["runuser", "-u", "nobody", "--"]
    return None


@functools.cache
def _command_prefix() -> tuple[tuple[str, ...], bool]:
    """(command prefix, whether it switches to ``nobody``); empty prefix when nothing can drop the powers."""
    nobody = _as_nobody()
    if nobody is not None:
        probe = subprocess.run([*nobody, sys.executable, "-c", "import automation, pytest"], cwd="/",
                               capture_output=True, check=False)  # fmt: skip
        if probe.returncode == 0:
            return tuple(nobody), True
    if shutil.which("setpriv"):
        drop = ("setpriv", "--bounding-set=-all", "--inh-caps=-all", "--ambient-caps=-all", "--no-new-privs")
        probe = subprocess.run([*drop, sys.executable, "-c", "pass"], capture_output=True, check=False)
        if probe.returncode == 0:
            return drop, False
    return (), False


def run_unprivileged(request: pytest.FixtureRequest, *, timeout: float = 120) -> None:
    """Run the calling test again without root's powers; fail (or, outside CI, skip) when that is impossible."""
    prefix, switches_user = _command_prefix()
    if not prefix:
        message = "running as root and neither setpriv nor runuser can drop root's powers"
        if require_all():
            pytest.fail(message)
        pytest.skip(message)
    base = Path(tempfile.mkdtemp(prefix="unprivileged-"))
    try:
        if switches_user:
            # The child's tmp_path lives here: it must own it (mkdtemp made it 0700 for root).
            shutil.chown(base, "nobody", "nogroup")
        env = dict(os.environ, HOME=str(base), PYTHONDONTWRITEBYTECODE="1", **{REQUIRE_ALL_ENV: "1"})
        node = request.node.nodeid
        command = [*prefix, sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                   f"--basetemp={base / 'tmp'}", f"--rootdir={PROJECT}", node]  # fmt: skip
        done = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=timeout,
                              check=False)  # fmt: skip
    finally:
        shutil.rmtree(base, ignore_errors=True)
    who = "as nobody" if switches_user else "as root without capabilities"
    assert done.returncode == 0 and "1 passed" in done.stdout, f"{node} {who}:\n{done.stdout}\n{done.stderr}"
