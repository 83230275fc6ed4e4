"""The sample company never replaces a company's own registers (``automation demo``).

``automation demo ROOT`` writes the sample company's ``automation.toml`` and registers into ROOT. Typed at the wrong
folder (``automation demo workbooks``) that would replace real registers, so the demo records what it wrote in
``ROOT/.automation/sample.json`` and refuses a folder holding registers (or a settings file) it did not write.
``--force`` overrides that. Every file the demo is about to replace is copied into ``.automation/history/`` first,
whoever wrote it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from ..registers import REGISTERS
from ..root import STATE_DIR, discover
from ..settings import SETTINGS_FILE, Settings, SettingsError, load_settings
from ..writeback import history_dir
from ..xlsx.safe_write import copy_to_history, prune_history
from .company import DEFAULT_BRANCHES, HEAD_OFFICE

MARKER = Path(STATE_DIR) / "sample.json"


def sample_files(branches: Sequence[str] = DEFAULT_BRANCHES, head_office: str = HEAD_OFFICE) -> list[str]:
    """The files the sample company writes, relative to its root."""
    files = [SETTINGS_FILE]
    files += [f"{head_office}/{r.file_name}" for r in REGISTERS.values() if r.at_head_office]
    files += [f"{b}/{r.file_name}" for b in branches for r in REGISTERS.values() if not r.at_head_office]
    return files


def _written_by_demo(root: Path) -> set[str]:
    try:
        return set(json.loads((root / MARKER).read_text(encoding="utf-8"))["files"])
    except (OSError, ValueError, KeyError, TypeError, RecursionError):  # garbage: nothing here is the demo's
        return set()


def not_from_demo(root: Path) -> list[Path]:
    """Registers and the settings file under ``root`` that the demo did not write (the company's own work)."""
    root = Path(root)
    if not root.is_dir():
        return []
    ours = _written_by_demo(root)
    found = [s.path for s in discover(root, Settings())]
    found += [root / SETTINGS_FILE] if (root / SETTINGS_FILE).is_file() else []
    return [p for p in found if p.relative_to(root).as_posix() not in ours]


def keep_before_demo(root: Path) -> list[Path]:
    """Copy every file the demo is about to replace into history (its own earlier files too: the marker is a
    file on a share anyone can write, so it decides only whether to ask for ``--force``, never whether a file is
    kept); at most ``output.history_keep`` copies per file. Returns the copies."""
    try:
        keep = load_settings(Path(root)).history_keep
    except SettingsError:
        keep = Settings().history_keep
    copies = []
    for rel in sample_files():
        path = Path(root) / rel
        if path.is_file():
            folder = history_dir(root, path)
            copies.append(copy_to_history(path, folder))
            prune_history(folder, path.stem, path.suffix, keep)
    return copies


def mark_as_demo(root: Path) -> None:
    """Record the files the demo wrote, so running it again in the same folder is allowed."""
    marker = Path(root) / MARKER
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps({"files": sample_files()}, ensure_ascii=False, indent=1), encoding="utf-8")


__all__ = ["MARKER", "keep_before_demo", "mark_as_demo", "not_from_demo", "sample_files"]
