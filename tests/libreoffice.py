"""Run LibreOffice headless from tests: find ``soffice``, convert a file with a private profile and a timeout.

Tests that need it call ``require_soffice()``: it skips when LibreOffice is absent, unless the environment variable
``AUTOMATION_REQUIRE_LIBREOFFICE=1`` says the run must prove fidelity in a real spreadsheet program, then it fails.
``require_uno_python()`` does the same for a Python that has LibreOffice's ``uno`` module.
Each conversion uses its own throw-away user profile, so parallel test runs never fight over one profile lock.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from automation import office
from automation.office import find_soffice  # the product's own look-up and conversion, one place

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
    try:
        [target] = office.convert(soffice, [source], outdir, fmt, timeout=timeout).values()
    except office.OfficeError as exc:
        raise RuntimeError(f"LibreOffice could not convert {source.name}: {exc}") from None
    return target
