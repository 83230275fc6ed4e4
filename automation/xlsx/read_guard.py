"""Remembering which workbook was being read when the process died, so that it is not read again and again.

Why: python-calamine is native code, and a few inputs end the process outright instead of raising: a failed
allocation aborts (a sheet whose ``<dimension>`` understates a far-flung cell gets past :mod:`.extent`), a panic
outside the calls :mod:`.read` guards. A watcher restarted by its service would read the same file again and die
again, for ever. So while a workbook is read, a small marker under ``.automation/reading/`` names its content; the
marker is held locked by the reading process (an OS lock dies with its process). At the next start, a marker that
nobody holds means that read ended with its process. That may be chance (a kill -9, a power cut, a machine shut
down), so one such end only makes the content a suspect in ``.automation/unreadable.json``; a suspect that is then
read to the end is cleared. Content that ended a reader twice is refused in one line until the file changes (its
hash then differs): a crash loop stops after its second turn.

Nothing here may stop reading: a root that cannot be written to (a read-only share) simply reads without markers.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(handle: IO[str]) -> bool:
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
else:
    import fcntl

    def _lock(handle: IO[str]) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False


READING_DIR = Path(".automation") / "reading"
UNREADABLE_FILE = Path(".automation") / "unreadable.json"
KEEP = 200  # contents remembered as unreadable, newest first
DEATHS = 2  # readers a content must have ended to be refused (one may be chance)


class ReadGuard:
    """Markers of the workbooks being read under one root, and the contents that killed a reader before."""

    def __init__(self, root: Path) -> None:
        self.folder = root / READING_DIR
        self.record = root / UNREADABLE_FILE
        self._unreadable: dict[str, dict[str, str]] | None = None

    def unreadable(self) -> dict[str, dict[str, object]]:
        """Content hash -> {name, at, deaths} of contents whose reading ended a process; markers left by dead
        readers are counted in first."""
        if self._unreadable is None:
            known = self._load()
            found = self._dead_markers()
            for sha, entry in found.items():
                deaths = known.get(sha, {}).get("deaths", 0)
                known[sha] = {**entry, "deaths": (deaths if isinstance(deaths, int) else 0) + 1}
            if found:
                known = dict(sorted(known.items(), key=lambda kv: str(kv[1].get("at", "")), reverse=True)[:KEEP])
                self._save(known)
            self._unreadable = known
        return self._unreadable

    def killed_before(self, sha: str) -> dict[str, object] | None:
        """What is known of this content if reading it ended a process often enough to be refused."""
        entry = self.unreadable().get(sha)
        deaths = entry.get("deaths", 0) if entry else 0
        return entry if isinstance(deaths, int) and deaths >= DEATHS else None

    def cleared(self, sha: str) -> None:
        """This content was read to the end: it is no suspect (a death it was blamed for was chance)."""
        known = self.unreadable()
        if sha in known:
            del known[sha]
            self._save(known)

    @contextlib.contextmanager
    def reading(self, name: str, sha: str) -> Iterator[None]:
        """Hold a marker naming ``name`` (content ``sha``) while the body reads it."""
        marker = self.folder / f"{os.getpid()}-{threading.get_ident()}.json"
        handle: IO[str] | None = None
        # Folders made just for the marker are removed with it: a run that writes nothing (--no-write) leaves the
        # root as it found it.
        made = [f for f in (self.folder.parent, self.folder) if not f.exists()]
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle = open(marker, "w", encoding="utf-8")  # noqa: SIM115 - held open (and locked) while reading
            _lock(handle)
            handle.write(json.dumps({"name": name, "sha256": sha, "at": _now()}, ensure_ascii=False))
            handle.flush()
        except OSError:
            handle = None  # a root we cannot write to: read without a marker
        try:
            yield
        finally:
            if handle is not None:
                _release(handle, marker)
            for folder in reversed(made):
                with contextlib.suppress(OSError):  # not empty: another reader, or the product's other files
                    folder.rmdir()
        self.cleared(sha)  # reached only when the body ended normally

    # ------------------------------------------------------------------------------------------------------

    def _dead_markers(self) -> dict[str, dict[str, object]]:
        found: dict[str, dict[str, object]] = {}
        try:
            markers = sorted(self.folder.glob("*.json"))
        except OSError:
            return found
        for marker in markers:
            try:
                with open(marker, encoding="utf-8") as handle:
                    if not _lock(handle):
                        continue  # a living reader holds it
                    content = json.loads(handle.read() or "{}")
                marker.unlink()
            except (OSError, ValueError):
                continue
            if isinstance(content, dict) and isinstance(content.get("sha256"), str):
                found[content["sha256"]] = {"name": str(content.get("name", "")), "at": str(content.get("at", ""))}
        return found

    def _load(self) -> dict[str, dict[str, object]]:
        try:
            data = json.loads(self.record.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # missing, damaged or foreign: start afresh (it only ever holds hashes and names)
        if not isinstance(data, dict):
            return {}
        return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, dict)}

    def _save(self, known: dict[str, dict[str, object]]) -> None:
        temp = self.record.with_name(f".{self.record.name}.{os.getpid()}.tmp")
        try:
            temp.write_text(json.dumps(known, ensure_ascii=False, indent=1), encoding="utf-8")
            os.replace(temp, self.record)
        except OSError:
            with contextlib.suppress(OSError):
                temp.unlink()


def _release(handle: IO[str], marker: Path) -> None:
    """Remove a marker whose reading ended normally. POSIX: unlink while still holding the lock, so no starting
    run can take it for a dead reader's. Windows cannot unlink an open file: empty it first (an empty marker names
    nothing), then close and unlink."""
    if os.name == "nt":  # pragma: no cover - exercised on Windows only
        with contextlib.suppress(OSError):
            handle.seek(0)
            handle.truncate()
            handle.flush()
        handle.close()
        with contextlib.suppress(OSError):
            marker.unlink()
        return
    with contextlib.suppress(OSError):
        marker.unlink()
    handle.close()


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")
