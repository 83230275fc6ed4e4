"""Run LibreOffice headless from tests: find ``soffice``, convert a file with a private profile and a timeout.

Tests that need it call ``require_soffice()``: it skips when LibreOffice is absent, unless the environment variable
``AUTOMATION_REQUIRE_LIBREOFFICE=1`` says the run must prove fidelity in a real spreadsheet program, then it fails.
``require_uno_python()`` does the same for a Python that has LibreOffice's ``uno`` module.
Each conversion uses its own throw-away user profile, so parallel test runs never fight over one profile lock.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import pytest

from automation.office import find_soffice  # the product's own look-up (expiry notices to PDF), one place

REQUIRE_ENV = "AUTOMATION_REQUIRE_LIBREOFFICE"


def require_soffice() -> str:
    """The soffice path; otherwise skip the test (or fail it when LibreOffice is required)."""
    found = find_soffice()
    if found is None:
        message = "LibreOffice (soffice) is not installed"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{message}, but {REQUIRE_ENV}=1 requires it")
        pytest.skip(message)
    return found


def uno_python() -> str | None:
    """A Python that can ``import uno`` (LibreOffice's scripting bridge; Debian's python3-uno serves
    /usr/bin/python3)."""
    for candidate in ("/usr/bin/python3", shutil.which("python3")):
        if candidate and subprocess.run([candidate, "-c", "import uno"], capture_output=True).returncode == 0:
            return candidate
    return None


def require_uno_python() -> str:
    """That Python; otherwise skip, or fail when LibreOffice is required (as ``require_soffice`` does)."""
    found = uno_python()
    if found is None:
        message = "no Python with LibreOffice's uno module (Debian/Ubuntu: python3-uno)"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{message}, but {REQUIRE_ENV}=1 requires it")
        pytest.skip(message)  # AUTOMATION_REQUIRE_ALL=1 turns this into a failure too (skip_policy)
    return found


def convert(source: Path, outdir: Path, fmt: str = "xlsx", *, timeout: float = 180) -> Path:
    """Open ``source`` in LibreOffice headless and save it as ``fmt`` into ``outdir``; return the new file."""
    soffice = require_soffice()
    outdir.mkdir(parents=True, exist_ok=True)
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-"))
    command = [
        soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--convert-to",
        fmt,
        "--outdir",
        str(outdir),
        str(source),
    ]
    # Own session so a hung conversion can be killed with its soffice.bin child.
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
        process.communicate()
        raise RuntimeError(f"LibreOffice did not finish converting {source.name} within {timeout:.0f} s") from None
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    target = outdir / f"{source.stem}.{fmt.split(':', 1)[0]}"
    if process.returncode != 0 or not target.is_file():
        detail = (err or out).decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"LibreOffice could not convert {source.name}: {detail[-1] if detail else 'no output'}")
    return target
