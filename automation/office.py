"""LibreOffice headless from the product: find ``soffice`` and convert documents to PDF.

LibreOffice is optional: whoever calls :func:`convert_to_pdf` first asks :func:`find_soffice` and skips the PDF
(with a note) when it returns None. Each conversion runs with its own throw-away user profile, so it never fights
over the profile lock of a LibreOffice that staff have open on the same machine, and in its own process group, so
a hung conversion is killed together with its ``soffice.bin`` child.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

# Usual install locations when soffice is not on PATH (Debian/Ubuntu, macOS, Windows).
KNOWN_LOCATIONS = (
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    r"C:\Program Files\LibreOffice\program\soffice.exe",
)


class OfficeError(Exception):
    """LibreOffice could not convert (it failed, timed out, or cannot open this kind of document)."""


def find_soffice() -> str | None:
    """Path of the LibreOffice executable, or None."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return next((p for p in KNOWN_LOCATIONS if Path(p).is_file()), None)


def convert_to_pdf(soffice: str, sources: Sequence[Path], outdir: Path, *, timeout: float = 180) -> dict[Path, Path]:
    """Convert ``sources`` to PDF into ``outdir`` in one LibreOffice run (its start-up is most of the cost);
    return source → PDF for each one converted. Raises OfficeError when none could be."""
    return convert(soffice, sources, outdir, "pdf", timeout=timeout)


def convert(
    soffice: str, sources: Sequence[Path], outdir: Path, fmt: str, *, timeout: float = 180
) -> dict[Path, Path]:
    """Open ``sources`` in LibreOffice headless and save each as ``fmt`` (``pdf``, ``xlsx``, ``xlsx:"Calc MS Excel
    2007 XML"``…) into ``outdir``, in one run with a throw-away profile; return source → new file for each one
    written. Raises OfficeError when none could be (the last line LibreOffice said, or the time-out)."""
    if not sources:
        return {}
    outdir.mkdir(parents=True, exist_ok=True)
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-"))
    command = [
        soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--nolockcheck",
        "--convert-to", fmt, "--outdir", str(outdir), *map(str, sources),
    ]
    try:
        # Own session so a hung conversion can be killed with its soffice.bin child.
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    except OSError as exc:
        shutil.rmtree(profile, ignore_errors=True)
        raise OfficeError(f"cannot start LibreOffice: {exc}") from None
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
        process.communicate()
        raise OfficeError(f"LibreOffice did not finish within {timeout:.0f} s") from None
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    extension = fmt.split(":", 1)[0]
    done = {s: outdir / f"{s.stem}.{extension}" for s in sources}
    done = {s: p for s, p in done.items() if p.is_file() and p.stat().st_size > 0}
    if not done:
        detail = (err or out).decode("utf-8", "replace").strip().splitlines()
        # LibreOffice without Writer exits 0 and says "no export filter": name the likely cause.
        raise OfficeError(detail[-1] if detail else f"LibreOffice exited with {process.returncode} and wrote nothing")
    return done
