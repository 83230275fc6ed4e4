"""What the head-office summary needs from each workbook (its *facts*), and the incremental cache of them (§8).

A workbook's :class:`WorkbookFacts` are made once, when it is processed: its problem counts, the rows it
contributes to every detail sheet (:func:`~automation.summary.build.workbook_rows`, from its job results and
problems), and for a call-in register the calls and fees per day (from its 叫修登记 table). Customer addresses and
phone numbers never get in: 次日优先派工's 地址 and 电话 are not among the summary's columns, and a problem in an
address/phone/fax/postcode/e-mail column has its value hidden.

Incremental builds. Facts are pickled under ``<root>/.automation/summary-cache/`` (one file per workbook, written
atomically; a damaged or old-format file is just a miss) with a key made of

* the workbook's content hash (of the bytes on disk; remembered by size, mtime and ctime so an unchanged file is not
  even hashed again; the hash after our own write-back — ``written_sha256`` from the reports and the state database —
  counts as the content that was checked, so writing results back invalidates nothing);
* the settings, the product version, the facts' layout (:data:`CACHE_VERSION`), the as-of *day*;
* for every workbook its validation looks things up in (:data:`DEPENDS`: master data and the customer archive at head
  office, the same branch's contracts, call-ins and items), that workbook's *exports*: a digest of just what is
  looked up (staff and calendar overrides; 客户代码→客户名称; contract numbers, customers and periods; the set of
  登记号). So a new contact or correspondence row in the customer archive re-reads nothing else, and editing a call
  re-reads only that register, while a new call also re-checks that branch's items and daily work.

A build processes, without writing anything back, first every workbook whose own content (or settings, day,
version) changed, then every other workbook whose lookups' exports changed; all others come from the cache. When
there is much to process (a first build, a new day: at least :data:`PARALLEL_MIN_BYTES` of workbooks) the folders are
spread over worker processes (spawned, at most one per CPU and :data:`MAX_WORKERS`, limited by the environment
variable ``AUTOMATION_SUMMARY_WORKERS``; never in a frozen executable or under a script without a main guard), each
with its own deployment; otherwise, and whenever workers cannot be started, it all happens in this process. Choice: facts computed earlier on the same as-of day are reused, so time-dependent figures (an open call
turning late, hours remaining) are as of when that workbook was last processed (数据状态 shows when); the first build
of a new day reads everything again, and ``automation run`` always processes everything.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import pickle
import re
import secrets
import sys
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import __version__
from ..deployment import Deployment, LoadedWorkbook
from ..pipeline import WorkbookReport, process_workbook
from ..problems import Problem, Severity
from ..root import STATE_DIR, Source, register_by_name
from ..settings import Settings
from ..state import Record, State
from ..xlsx.table import Table
from .build import WorkbookRows, link_target, workbook_rows

CACHE_DIR = "summary-cache"
# The layout and meaning of the facts; bumped whenever what they hold changes, so older cache files are misses
# (3: 超时明细 holds every open overdue call, 服务费 counts only A calls whose fee cell has no error).
CACHE_VERSION = 3
CALLS_SHEET = "叫修登记"
FEE = "服务费"

# register key -> the registers its validation looks up (Deployment.lookups); master/customers at head office,
# the others in the workbook's own folder.
DEPENDS: dict[str, tuple[str, ...]] = {
    "master": ("master",),
    "customers": ("master", "customers"),
    "demand": ("master",),
    "callins": ("master", "customers", "callins", "contracts", "items"),
    "items": ("master", "callins", "items"),
    "worklog": ("master", "callins"),
    "contracts": ("master", "customers", "contracts"),
}
HEAD_OFFICE_LOOKUPS = frozenset({"master", "customers"})
# register key -> (sheet, columns) other workbooks look up in it (what Deployment.lookups reads).
EXPORTS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "master": (("员工", ("姓名", "工号", "岗位", "在职状态", "离职日期")), ("节假日调整", ("日期", "类型"))),
    "customers": (("客户", ("客户代码", "客户名称")),),
    "contracts": (("保养合同", ("合同编号", "客户代码", "开始日期", "到期日期")),),
    "callins": (("叫修登记", ("登记号",)),),
    "items": (("商品进出", ("登记号",)),),
}


@dataclass
class WorkbookFacts:
    """Everything the summary shows about one workbook; plain data, pickled in the cache."""

    path: str  # relative to the root, "/" separators
    branch: str  # folder name (head office or branch)
    register: str | None  # register key; for an unreadable file, the one its name suggests
    sha256: str | None  # content the facts were computed from
    written_sha256: str | None  # content after our write-back of those results, if any
    as_of: dt.datetime
    processed: dt.datetime  # wall-clock time of the processing
    rows: int = 0
    errors: int = 0
    warnings: int = 0
    error_zh: str | None = None  # the workbook could not be read at all
    error_en: str | None = None
    rows_of: WorkbookRows = field(default_factory=lambda: WorkbookRows(sheets={}, fills={}))
    # per day (index 日期): 叫修, A, B, C (by call day), 服务费 (A calls' fees without an error, by completion day)
    calls: pd.DataFrame | None = None
    exports: str | None = None  # digest of what other workbooks look up in this one
    key: str = ""


# ------------------------------------------------------------------------------------------- facts of a report


def fee_errors(table: Table, problems: Iterable[Problem]) -> np.ndarray:
    """Rows of the call-in table whose 服务费 cell has an error (validation's, e.g. CAL012 a charged C call) or
    could not be read."""
    rows = {
        p.row for p in problems
        if p.severity == Severity.ERROR and p.column == FEE and p.sheet == table.sheet and p.row is not None
    }  # fmt: skip
    return np.isin(table.excel_rows, list(rows)) | table.bad[FEE]


def call_days(data: pd.DataFrame, as_of: dt.datetime, fee_error: np.ndarray | None = None) -> pd.DataFrame:
    """Calls per call day by category, and 服务费收入 per completion day, up to ``as_of`` (index 日期, ascending).

    服务费收入 is the 服务费 of A calls (有费服务) only, leaving out rows in ``fee_error`` (a fee cell with an error):
    B calls are paid by their contract, C calls are free, so a fee typed there is a mistake, not income."""
    limit = np.datetime64(as_of, "s")
    call = data["来电时间"].to_numpy().astype("datetime64[s]")
    made = ~np.isnat(call) & (call <= limit)
    done = data["完成时间"].to_numpy().astype("datetime64[s]")
    finished = ~np.isnat(done) & (done <= limit)
    call_day, done_day = call[made].astype("datetime64[D]"), done[finished].astype("datetime64[D]")
    days = np.unique(np.concatenate([call_day, done_day]))
    category = data["服务类别"].to_numpy(dtype=object)[made]
    at_call = np.searchsorted(days, call_day)
    columns: dict[str, np.ndarray] = {"叫修": np.bincount(at_call, minlength=len(days))}
    for c in "ABC":
        columns[c] = np.bincount(at_call, weights=(category == c), minlength=len(days)).astype(np.int64)
    fee = data[FEE].to_numpy(dtype=np.float64, na_value=np.nan)
    income = (data["服务类别"].to_numpy(dtype=object) == "A") & ~np.isnan(fee)
    if fee_error is not None:
        income &= ~np.asarray(fee_error, dtype=bool)
    fee = np.where(income, fee, 0.0)[finished]
    columns["服务费"] = np.bincount(np.searchsorted(days, done_day), weights=fee, minlength=len(days))
    return pd.DataFrame(columns, index=pd.DatetimeIndex(days.astype("datetime64[ns]"), name="日期"))


def exports_of(register: str | None, loaded: LoadedWorkbook | None) -> str | None:
    """Digest of what other workbooks' validation reads from this one (None: nothing, or not known)."""
    wanted = EXPORTS.get(register or "")
    if wanted is None or loaded is None or not loaded.ok:
        return None
    digest = hashlib.sha256()
    for sheet, columns in wanted:
        table = loaded.tables.get(sheet)
        if table is None:
            continue
        frame = table.data[[c for c in columns if c in table.data.columns]]
        if columns == ("登记号",):  # a set: order and repeats do not matter
            values = frame["登记号"].dropna().astype(str).drop_duplicates()
            digest.update(np.sort(pd.util.hash_pandas_object(values, index=False).to_numpy()).tobytes())
        else:
            digest.update(pd.util.hash_pandas_object(frame.astype(object), index=False).to_numpy().tobytes())
        digest.update(b"\x1e")
    return digest.hexdigest()


def facts_of(
    report: WorkbookReport,
    loaded: LoadedWorkbook | None,
    *,
    root: Path,
    summary_path: Path,
    as_of: dt.datetime,
    processed: dt.datetime | None = None,
) -> WorkbookFacts:
    """The facts of one processed workbook; ``loaded`` (its tables) supplies the calls of a call-in register and
    the exports; without it the exports fall back to the content hash."""
    register = report.register
    if register is None:
        guess = register_by_name(report.path)
        register = guess.key if guess else None
    rel = State(root).key(report.path)
    branch = report.branch or report.path.parent.name
    results = {r.name: r.frame for r in report.results}
    facts = WorkbookFacts(
        path=rel,
        branch=branch,
        register=register,
        sha256=report.sha256 or (loaded.sha256 if loaded else None),
        written_sha256=report.written_sha256,
        as_of=as_of,
        processed=processed or dt.datetime.now().replace(microsecond=0),
        rows=report.rows,
        errors=report.errors,
        warnings=report.warnings,
        error_zh=report.error_zh,
        error_en=report.error_en,
        rows_of=workbook_rows(results, report.problems, branch=branch, name=rel,
                              target=link_target(root, summary_path, rel), as_of=as_of),  # fmt: skip
    )
    # The tables must be those of the content checked (or of our write-back of its results: the same data).
    same = loaded is not None and (report.sha256 is None or loaded.sha256 in (report.sha256, report.written_sha256))
    if report.error_zh is None and loaded is not None and loaded.ok and same:
        if register == "callins" and CALLS_SHEET in loaded.tables:
            calls = loaded.tables[CALLS_SHEET]
            facts.calls = call_days(calls.data, as_of, fee_errors(calls, report.problems))
        facts.exports = exports_of(register, loaded)
    elif register in EXPORTS:
        facts.exports = facts.sha256
    return facts


# ------------------------------------------------------------------------------------------------- the cache


class SummaryCache:
    """``<root>/.automation/summary-cache/``: one pickle of facts per workbook, plus an index of file stats."""

    def __init__(self, root: Path) -> None:
        self.folder = root / STATE_DIR / CACHE_DIR
        self.index_path = self.folder / "index.pkl"

    def _file(self, rel: str) -> Path:
        return self.folder / f"{hashlib.sha1(rel.encode('utf-8')).hexdigest()}.pkl"

    def _load(self, path: Path) -> object | None:
        # The cache is the product's own state under .automation/; anything unreadable is simply a miss.
        try:
            with open(path, "rb") as fh:
                return pickle.load(fh)
        except Exception:  # noqa: BLE001 - a damaged cache file must never break a build
            return None

    def _dump(self, path: Path, value: object) -> None:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)  # the cache is an optimisation: failing to write it is not an error

    def get(self, rel: str) -> WorkbookFacts | None:
        value = self._load(self._file(rel))
        if isinstance(value, tuple) and len(value) == 2 and value[0] == CACHE_VERSION:
            facts = value[1]
            if isinstance(facts, WorkbookFacts) and facts.path == rel:
                return facts
        return None

    def put(self, facts: WorkbookFacts) -> None:
        self._dump(self._file(facts.path), (CACHE_VERSION, facts))

    def stats(self) -> dict[str, tuple[int, int, int, str]]:
        value = self._load(self.index_path)
        return value if isinstance(value, dict) else {}

    def save_stats(self, stats: Mapping[str, tuple[int, int, int, str]]) -> None:
        self._dump(self.index_path, dict(stats))

    def prune(self, keep: Iterable[str]) -> None:
        """Remove the facts of workbooks that no longer exist."""
        wanted = {self._file(rel).name for rel in keep} | {self.index_path.name}
        if not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            if path.suffix == ".pkl" and path.name not in wanted:
                with contextlib.suppress(OSError):
                    path.unlink()


def content_sha(path: Path, rel: str, known: dict[str, tuple[int, int, int, str]]) -> str | None:
    """SHA-256 of a file's bytes, reusing the remembered hash when size, mtime and ctime are unchanged."""
    try:
        st = path.stat()
        stamp = (st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        remembered = known.get(rel)
        if remembered is not None and tuple(remembered[:3]) == stamp:
            return remembered[3]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        known.pop(rel, None)
        return None
    known[rel] = (*stamp, digest)
    return digest


# -------------------------------------------------------------------------------------------- collecting facts


@dataclass
class _Entry:
    source: Source
    rel: str
    sha: str | None  # canonical content hash (our own write-back mapped back to the content checked)
    cached: WorkbookFacts | None
    facts: WorkbookFacts | None = None  # fresh or processed in this build

    @property
    def current(self) -> WorkbookFacts | None:
        return self.facts or self.cached


class _Keys:
    """Cache keys: the workbook's own part (content, settings, day, version) and its lookups' exports."""

    def __init__(
        self, entries: list[_Entry], root: Path, settings: Settings, as_of: dt.datetime, units: list[str]
    ) -> None:
        self.settings = repr(dataclasses.replace(settings, source=None))
        self.day, self.units = as_of.date().isoformat(), units
        self.head = root / settings.head_office
        self.by_folder: dict[Path, list[_Entry]] = {}
        for entry in entries:
            self.by_folder.setdefault(entry.source.path.parent, []).append(entry)

    def own(self, entry: _Entry, register: str | None) -> list[object]:
        units = self.units if register in (None, "master") else []
        return [CACHE_VERSION, __version__, self.settings, self.day, entry.rel, entry.sha, units]

    def full(self, entry: _Entry) -> str:
        facts = entry.current
        register = facts.register if facts else None
        folder = entry.source.path.parent
        nearby = self.by_folder.get(folder, []) + ([] if folder == self.head else self.by_folder.get(self.head, []))
        wanted = DEPENDS.get(register or "")
        deps = []
        for other in nearby:
            other_facts = other.current
            if other is entry or other_facts is None:
                continue
            kind = other_facts.register
            if wanted is None or kind is None:  # unknown: anything nearby may matter
                deps.append((other.rel, other.sha))
                continue
            looked_up_in = self.head if kind in HEAD_OFFICE_LOOKUPS else folder
            if kind in wanted and other.source.path.parent == looked_up_in:
                deps.append((other.rel, other_facts.exports or other.sha))
        payload = [self.own(entry, register), sorted(deps, key=lambda d: d[0])]
        return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode("utf-8")).hexdigest()

    def own_unchanged(self, entry: _Entry) -> bool:
        cached = entry.cached
        if cached is None or entry.sha is None:
            return False
        return cached.sha256 == entry.sha and cached.as_of.date().isoformat() == self.day


# Processing many workbooks (a first build, a new day) is spread over worker processes, one group of folders each:
# below this much work, starting them (importing the product: about a second) would cost more than it saves.
PARALLEL_MIN_BYTES = 12 << 20
PARALLEL_BYTES_PER_WORKER = 6 << 20
MAX_WORKERS = 4
WORKERS_ENV = "AUTOMATION_SUMMARY_WORKERS"  # at most this many worker processes; 0 or 1: never


def _cpus() -> int:
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        count = os.cpu_count() or 1
    limit = os.environ.get(WORKERS_ENV, "").strip()
    return min(count, int(limit)) if limit.isdigit() else count


def _main_is_safe() -> bool:
    """Whether worker processes can start: they import the main module again (spawn), which must not run the
    program a second time — true for ``python -m automation``, the ``automation`` command, pytest, and any script
    guarded by ``if __name__ == "__main__"``; false in frozen executables."""
    if getattr(sys, "frozen", False):
        return False
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None and (spec.name == "__main__" or spec.name.endswith(".__main__")):
        return True  # a package's __main__ is never imported again
    path = getattr(main, "__file__", None)
    if path is None:
        return spec is None  # interactive: nothing to run again
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return re.search(r"""__name__\s*==\s*["']__main__["']""", text) is not None


def _groups(entries: list[_Entry], min_bytes: int) -> list[list[_Entry]]:
    """Folders (a branch with its registers reads the same lookups) spread over workers by size; [] if not worth it."""
    folders: dict[Path, list[_Entry]] = {}
    sizes: dict[Path, int] = {}
    for entry in entries:
        folder = entry.source.path.parent
        folders.setdefault(folder, []).append(entry)
        with contextlib.suppress(OSError):
            sizes[folder] = sizes.get(folder, 0) + entry.source.path.stat().st_size
    total = sum(sizes.values())
    workers = min(_cpus(), MAX_WORKERS, len(folders), max(1, total // PARALLEL_BYTES_PER_WORKER))
    if total < min_bytes or workers < 2 or not _main_is_safe():
        return []
    groups: list[list[_Entry]] = [[] for _ in range(workers)]
    load = [0] * workers
    for folder in sorted(folders, key=lambda f: -sizes.get(f, 0)):
        i = load.index(min(load))
        groups[i].extend(folders[folder])
        load[i] += sizes.get(folder, 0)
    return groups


def process(deployment: Deployment, path: Path, now: dt.datetime) -> WorkbookFacts:
    """Read, validate and run the jobs of one workbook (nothing is written back), and take its facts."""
    root, settings = deployment.root, deployment.settings
    loaded = deployment.load(path)
    report = process_workbook(deployment, path, write=False)
    return facts_of(report, loaded, root=root, summary_path=root / settings.summary, as_of=deployment.as_of,
                    processed=now)  # fmt: skip


def process_paths(
    root: Path, settings: Settings, as_of: dt.datetime, now: dt.datetime, paths: list[Path]
) -> list[WorkbookFacts]:
    """Facts of the given workbooks, processed in one deployment of their own (a worker's job)."""
    deployment = Deployment(root, settings, as_of)
    return [process(deployment, path, now) for path in paths]


def in_workers(
    root: Path, settings: Settings, as_of: dt.datetime, now: dt.datetime, entries: list[_Entry]
) -> bool:
    """Process ``entries`` in worker processes when there is enough work; False (nothing done) otherwise or when
    worker processes cannot be used here (the caller then processes them itself)."""
    groups = _groups(entries, PARALLEL_MIN_BYTES)
    if not groups:
        return False
    try:
        context = multiprocessing.get_context("spawn")  # no fork: the watcher runs threads
        with ProcessPoolExecutor(max_workers=len(groups), mp_context=context) as pool:
            jobs = [pool.submit(process_paths, root, settings, as_of, now, [e.source.path for e in g]) for g in groups]
            for group, job in zip(groups, jobs, strict=True):
                for entry, facts in zip(group, job.result(), strict=True):
                    entry.facts = facts
    except Exception:  # noqa: BLE001 - no worker processes here (or one failed): the caller processes the rest
        return False
    return True


def collect_facts(
    root: Path,
    settings: Settings,
    as_of: dt.datetime,
    sources: list[Source],
    fresh: Mapping[Path, WorkbookFacts] | None = None,
    *,
    units: Iterable[str] = (),
    records: Iterable[Record] = (),
) -> list[WorkbookFacts]:
    """Facts of every source: from ``fresh`` (facts of workbooks the caller has just processed), else from the
    cache when the key matches, else by reading and processing the workbook (nothing is written back).
    Updates the cache."""
    fresh = {k.resolve(): v for k, v in (fresh or {}).items()}
    cache = SummaryCache(root)
    stats = cache.stats()
    state = State(root)
    aliases = {r.written_sha256: r.sha256 for r in records if r.written_sha256 and r.sha256}
    entries: list[_Entry] = []
    for source in sources:
        rel = state.key(source.path)
        cached = cache.get(rel)
        if cached is not None and cached.written_sha256 and cached.sha256:
            aliases[cached.written_sha256] = cached.sha256
        sha = content_sha(source.path, rel, stats)
        entries.append(_Entry(source, rel, sha, cached, fresh.get(source.path.resolve())))
    for entry in entries:
        entry.sha = aliases.get(entry.sha, entry.sha) if entry.sha else None
        if entry.facts is not None and entry.facts.sha256:
            entry.sha = aliases.get(entry.facts.sha256, entry.facts.sha256)
    keys = _Keys(entries, root, settings, as_of, sorted(units))
    now = dt.datetime.now().replace(microsecond=0)
    deployment = Deployment(root, settings, as_of)  # reads nothing until asked

    # 1. workbooks whose own content (or settings, day, version) changed; 2. those whose lookups changed.
    changed = [e for e in entries if e.facts is None and not (keys.own_unchanged(e) and e.cached and e.cached.key)]
    in_workers(root, settings, as_of, now, changed)
    for entry in changed:
        if entry.facts is None:
            entry.facts = process(deployment, entry.source.path, now)
    for entry in entries:
        if entry.facts is None and entry.cached is not None and entry.cached.key != keys.full(entry):
            entry.facts = process(deployment, entry.source.path, now)

    for entry in entries:
        facts = entry.current
        assert facts is not None
        if facts.sha256:
            canonical = aliases.get(facts.sha256, facts.sha256)
            if canonical != facts.sha256:  # we read our own write-back: remember both hashes
                facts.written_sha256, facts.sha256 = facts.written_sha256 or facts.sha256, canonical
            entry.sha = canonical
    for entry in entries:
        facts = entry.current
        assert facts is not None
        key = keys.full(entry) if facts.sha256 else ""
        if key != facts.key or entry.facts is not None:
            facts.key = key
            cache.put(facts)
    cache.prune(e.rel for e in entries)
    cache.save_stats({e.rel: stats[e.rel] for e in entries if e.rel in stats})
    return [e.current for e in entries if e.current is not None]


def facts_of_reports(
    reports: Iterable[WorkbookReport], *, root: Path, settings: Settings, as_of: dt.datetime
) -> dict[Path, WorkbookFacts]:
    """Facts of reports handed in without their tables: call-in registers are read once more for their calls
    (the exports of the others fall back to their content hash)."""
    deployment: Deployment | None = None
    out = {}
    now = dt.datetime.now().replace(microsecond=0)
    for report in reports:
        loaded = None
        if report.register == "callins" and report.error_zh is None:
            deployment = deployment or Deployment(root, settings, as_of)
            loaded = deployment.load(report.path)
        out[report.path] = facts_of(report, loaded, root=root, summary_path=root / settings.summary, as_of=as_of,
                                    processed=now)  # fmt: skip
    return out


__all__ = [
    "DEPENDS",
    "EXPORTS",
    "SummaryCache",
    "WorkbookFacts",
    "call_days",
    "collect_facts",
    "content_sha",
    "exports_of",
    "facts_of",
    "facts_of_reports",
    "fee_errors",
    "process",
    "process_paths",
]
