"""A deployment ("root", §1): where it is, its branches, which register each workbook holds.

A register is recognised by, in order: the custom document property ``automation.register``, the register's
Chinese name (or key) inside the file name, then the header row of its sheets. Lock files, temporary files,
sidecars, the generated summary and everything under ``.automation/`` are never registers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .registers import REGISTERS, Register
from .registers.model import normalise_header
from .settings import SETTINGS_FILE, Settings
from .xlsx import EXCEL_SUFFIXES

if TYPE_CHECKING:
    from .xlsx.read import RawWorkbook

STATE_DIR = ".automation"
SIDECAR_MARK = ".结果"
TEMPLATES_DIR = "templates"


@dataclass(frozen=True)
class Source:
    """One workbook of a deployment."""

    path: Path
    root: Path
    branch: str  # folder name: the head office or a branch

    @property
    def name(self) -> str:
        """Path relative to the root, with "/" separators: how problems name the workbook."""
        try:
            return self.path.relative_to(self.root).as_posix()
        except ValueError:
            return self.path.name


def is_ignored(path: Path, settings: Settings | None = None, root: Path | None = None) -> bool:
    """Lock, temporary, sidecar, summary and state files are never registers."""
    name = path.name
    if name.startswith(("~$", ".~lock.", ".~", "~")) or name.endswith(("#", ".tmp")) or name.startswith("."):
        return True
    if STATE_DIR in path.parts:
        return True
    if path.suffix.lower() not in EXCEL_SUFFIXES:
        return True
    if path.stem.endswith(SIDECAR_MARK):
        return True
    if original_of(path) is not None:
        return True  # an office copy (「叫修登记簿 - 副本.xlsx」): reported once by set_aside, never processed
    if settings is not None and root is not None:
        summary = root / settings.summary
        # The summary and its timestamped copies (汇总.20261129-101500.xlsx, written while it was open).
        if path.parent.resolve() == summary.parent.resolve() and (
            path.name == summary.name or re.fullmatch(rf"{re.escape(summary.stem)}\.\d{{8}}-\d{{6}}\.xlsx", path.name)
        ):
            return True
    return False


# How office programs name a copy, on the stem (checked case-insensitively): Windows 7+ 「X - 副本」, 「X - 副本 (2)」,
# 「X - Copy」; Windows XP 「复件 X」, 「复件 (2) X」, 「Copy of X」, 「Copy (2) of X」; a second download or WPS's
# 「X (2)」, 「X(1)」, 「X（2）」; macOS 「X 副本」, 「X copy 2」.
_COPY_NAMES = (
    re.compile(r"^(?P<stem>.+?)\s*(?:-\s*)?(?:副本|copy)(?:\s*[(（]?\d{1,3}[)）]?)?$", re.IGNORECASE),
    re.compile(r"^(?:复件|副本)\s*(?:[(（]\d{1,3}[)）]\s*)?(?P<stem>.+)$"),
    re.compile(r"^copy\s*(?:\(\d{1,3}\)\s*)?of\s+(?P<stem>.+)$", re.IGNORECASE),
    re.compile(r"^(?P<stem>.+?)\s*[(（]\d{1,3}[)）]$"),
)


def original_of(path: Path) -> Path | None:
    """The workbook ``path`` looks like an office copy of, when that workbook is in the same folder.

    「叫修登记簿 - 副本.xlsx」 beside 「叫修登记簿.xlsx」 holds the same rows, so reading both would report every row
    as a duplicate across files (COL006) and count every call twice. A copy-like name whose original is not
    there (only 「叫修登记簿 (2).xlsx」 in the folder) is an ordinary register. Layers are peeled one at a time
    (「X - 副本 - 副本」 → 「X - 副本」 → 「X」) and the nearest one present is the original.
    """
    suffix = path.suffix.lower()
    if suffix not in EXCEL_SUFFIXES:
        return None
    stem = path.stem.strip()
    for _ in range(4):
        for pattern in _COPY_NAMES:
            match = pattern.match(stem)
            if match and match.group("stem").strip():
                stem = match.group("stem").strip()
                break
        else:
            return None
        for candidate_suffix in (path.suffix, *(s for s in EXCEL_SUFFIXES if s != suffix)):
            candidate = path.with_name(stem + candidate_suffix)
            if candidate != path and candidate.is_file():
                return candidate
    return None


def find_root(path: Path) -> Path:
    """The deployment a path belongs to: the nearest folder holding automation.toml, else the branch folder's parent."""
    path = path.resolve()
    start = path if path.is_dir() else path.parent
    for folder in (start, *start.parents):
        if (folder / SETTINGS_FILE).is_file():
            return folder
    root = start if path.is_dir() else start.parent
    # Never treat the file-system root as a deployment: state and history would land there.
    return start if root == root.parent else root


def branch_of(path: Path, root: Path) -> str:
    try:
        rel = path.resolve().relative_to(root.resolve())
    except ValueError:
        return path.parent.name
    return rel.parts[0] if len(rel.parts) > 1 else ""


def unit_folders(root: Path) -> list[Path]:
    """The head-office and branch folders of a root, sorted: every folder but hidden ones and ``templates``
    (the blank registers kept beside the deployment in ``workbooks/templates`` are never a branch)."""
    try:
        return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name != TEMPLATES_DIR)
    except OSError:
        return []


def discover(root: Path, settings: Settings) -> list[Source]:
    """Every candidate workbook under ``root`` (head office and branch folders, one level deep), sorted."""
    sources: list[Source] = []
    for folder in unit_folders(root):
        for path in sorted(folder.iterdir()):
            if path.is_file() and not is_ignored(path, settings, root):
                sources.append(Source(path=path, root=root, branch=folder.name))
    return sources


def register_by_name(path: Path) -> Register | None:
    """Register named in the file name (叫修登记簿-2026.xlsx is a call-in register); the longest name wins."""
    stem = normalise_header(path.stem).casefold()
    matches = [r for r in REGISTERS.values() if r.name in stem or r.key in stem]
    return max(matches, key=lambda r: len(r.name)) if matches else None


def register_by_headers(workbook: RawWorkbook) -> Register | None:
    """The register whose sheet headers the workbook's first rows match best (at least half of a sheet's headers)."""
    from .xlsx.table import header_score  # pandas: only once a workbook is actually read

    best: tuple[float, Register | None] = (0.0, None)
    for sheet in workbook.sheet_names:
        try:
            rows = workbook.rows(sheet)
        except Exception:  # noqa: BLE001 - an unreadable sheet just does not help recognition
            continue
        for register in REGISTERS.values():
            for model in register.sheets:
                score = header_score(rows, model)
                if score > best[0]:
                    best = (score, register)
    return best[1] if best[0] >= 0.5 else None


def recognise(workbook: RawWorkbook) -> Register | None:
    prop = workbook.register_property
    if prop and prop in REGISTERS:
        return REGISTERS[prop]
    return register_by_name(workbook.path) or register_by_headers(workbook)
