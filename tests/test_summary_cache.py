"""No code from data (issue 11, finding 3): nothing the product reads from ``.automation/`` can run code.

Every clerk can write to the shared folder, so the summary cache under ``.automation/summary-cache/`` is data from
strangers: it is JSON (never a pickle), and a file that is corrupt, truncated, foreign, of an older version or
tampered with (well-formed JSON of the wrong shape or types included) is a cache miss — the workbook is read again and
the summary is the same — never a crash. Old ``*.pkl`` files are removed, and never opened. The other files the
product reads there (the state database, the demo's ``sample.json``) tolerate garbage too, and no module of the
product unpickles, unmarshals or evaluates anything.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import hashlib
import json
import math
import os
import pickle
import shutil
import sqlite3
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

import automation
import automation.summary.collect as collect_module
from automation.deployment import Deployment
from automation.sample import build_sample
from automation.sample.guard import MARKER, not_from_demo
from automation.settings import load_settings
from automation.state import State
from automation.summary import build_summary, run_root, summary_sources
from automation.summary.build import DETAILS, PROBLEMS, WorkbookRows, link_target
from automation.summary.collect import CACHE_VERSION, SummaryCache, WorkbookFacts, decode_facts, encode_facts
from automation.xlsx.sheet_xml import Link

AS_OF = dt.datetime(2026, 11, 27, 16, 0)
CALLINS = "服务中心/叫修登记簿.xlsx"
WORKLOG = "服务中心/技术员工作日报表.xlsx"
SUMMARY = Path("总部") / "汇总.xlsx"
PROCESSED_COLUMN = 4  # 数据状态's 处理时间: when a workbook was last read, differs after a re-read


# ---------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cache") / "company"
    build_sample(root, as_of=AS_OF, rows=40)
    reports, outcome = run_root(root, as_of=AS_OF)
    assert outcome is not None and outcome.written, outcome
    return root


@pytest.fixture
def copy(company: Path, tmp_path: Path) -> Path:
    target = tmp_path / "company"
    shutil.copytree(company, target)
    return target


def folder(root: Path) -> Path:
    return root / ".automation" / "summary-cache"


def cache_file(root: Path, rel: str) -> Path:
    return folder(root) / f"{hashlib.sha1(rel.encode('utf-8')).hexdigest()}.json"


def target_of(root: Path, rel: str) -> str:
    return link_target(root, root / SUMMARY, rel)


def summary_content(root: Path) -> dict[str, list[list[object]]]:
    """Every sheet of 汇总.xlsx, except when each workbook was last read (数据状态's 处理时间)."""
    book = CalamineWorkbook.from_path(str(root / SUMMARY))
    try:
        sheets = {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}
    finally:
        book.close()
    sheets["数据状态"] = [r[:PROCESSED_COLUMN] + r[PROCESSED_COLUMN + 1 :] for r in sheets["数据状态"]]
    return sheets


def processed_files(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every workbook a build validates again (relative names)."""
    processed: list[str] = []
    real = collect_module.process_workbook

    def counting(deployment, path, *, write):  # noqa: ANN001, ANN202
        processed.append(Path(path).relative_to(deployment.root).as_posix())
        return real(deployment, path, write=write)

    monkeypatch.setattr(collect_module, "process_workbook", counting)
    return processed


def every_rel(root: Path) -> list[str]:
    return [s.path.relative_to(root).as_posix() for s in summary_sources(root, load_settings(root))]


# ------------------------------------------------------------------------------------------- malicious pickle


class _Boom:
    """Unpickling this creates the file ``marker`` (what an attacker's payload would do, harmlessly)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # noqa: ANN204
        return open, (str(self.marker), "w")


def test_a_malicious_pickle_in_the_cache_folder_is_never_loaded(
    copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "code-ran"
    payload = pickle.dumps(_Boom(marker))
    pickle.loads(payload).close()  # the payload is live: loading it runs code
    assert marker.exists()
    marker.unlink()

    before = summary_content(copy)
    rels = every_rel(copy)
    names = [hashlib.sha1(rel.encode("utf-8")).hexdigest() for rel in rels] + ["index", "evil"]
    for name in names:  # where the previous version looked (.pkl) and where this one looks (.json)
        for suffix in (".pkl", ".json"):
            (folder(copy) / f"{name}{suffix}").write_bytes(payload)
    processed = processed_files(monkeypatch)
    assert build_summary(copy, as_of=AS_OF).written
    assert not marker.exists()
    assert sorted(processed) == sorted(rels)  # nothing trusted: every workbook was read again
    assert summary_content(copy) == before
    assert list(folder(copy).glob("*.pkl")) == []  # files of the old format are removed

    processed.clear()
    assert build_summary(copy, as_of=AS_OF).written and processed == []  # the cache works again
    assert not marker.exists()


# ------------------------------------------------------------------------------------------- damaged files


def _split(data: bytes) -> tuple[bytes, dict]:
    header, _, body = data.partition(b"\n")
    return header, json.loads(body)


def _reframe(data: bytes, change: Callable[[dict], object], *, whole: bool = False) -> bytes:
    """The file with its JSON changed in place by ``change`` (``whole``: replaced by what it returns) and a correct
    header (right version, right digest): only the check of the content itself can refuse it."""
    _, raw = _split(data)
    result = change(raw)
    body = json.dumps(result if whole else raw, ensure_ascii=False).encode("utf-8")
    return collect_module.frame(collect_module.FACTS_KIND, CACHE_VERSION, body)


def _cell(sheet: str, column: int, value: object) -> Callable[[dict], None]:
    """Set the first row's cell of ``column`` (sheets are stored by columns; a column of dates, times or links is
    one object holding the list of values)."""

    def change(raw: dict) -> None:
        stored = raw["sheets"][sheet][column]
        values = next(iter(stored.values())) if isinstance(stored, dict) else stored
        values[0] = value

    return change


def _column(sheet: str, column: int, change: Callable[[object], object]) -> Callable[[dict], None]:
    def edit(raw: dict) -> None:
        columns = raw["sheets"][sheet]
        columns[column] = change(columns[column])

    return edit


def _set(key: str, value: object) -> Callable[[dict], None]:
    return lambda raw: raw.__setitem__(key, value)


def _flip_digit(data: bytes) -> bytes:
    header, _, body = data.partition(b"\n")
    i = next(i for i, b in enumerate(body) if chr(b).isdigit())
    return header + b"\n" + body[:i] + str((int(chr(body[i])) + 1) % 10).encode() + body[i + 1 :]


def _other_version(data: bytes) -> bytes:
    _, _, body = data.partition(b"\n")
    return collect_module.frame(collect_module.FACTS_KIND, CACHE_VERSION - 1, body)


def _pickled_facts(data: bytes) -> bytes:
    return pickle.dumps((CACHE_VERSION, _split(data)[1]))


def _nested(data: bytes) -> bytes:
    return collect_module.frame(collect_module.FACTS_KIND, CACHE_VERSION, b"[" * 200_000 + b"]" * 200_000)


def _calls_days_reversed(raw: dict) -> None:
    raw["calls"]["days"] = raw["calls"]["days"][::-1]


DAMAGE: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
    "garbage": (CALLINS, lambda d: bytes(range(256)) * 40),
    "empty": (CALLINS, lambda d: b""),
    "truncated": (CALLINS, lambda d: d[: len(d) // 2]),
    "truncated body keeps the header": (CALLINS, lambda d: d[: d.index(b"\n") + 40]),
    "one digit changed": (CALLINS, _flip_digit),
    "older version": (CALLINS, _other_version),
    "invalid UTF-8": (CALLINS, lambda d: d.replace(b"\xe5", b"\xff", 1)),
    "a pickle of the facts": (CALLINS, _pickled_facts),
    "foreign JSON": (CALLINS, lambda d: b'{"hello": "world"}'),
    "JSON with our header but a list": (CALLINS, lambda d: _reframe(d, lambda raw: [raw], whole=True)),
    "deeply nested JSON": (CALLINS, _nested),
    "rows as text": (CALLINS, lambda d: _reframe(d, _set("rows", "40"))),
    "errors as a boolean": (CALLINS, lambda d: _reframe(d, _set("errors", True))),
    "as-of time as a number": (CALLINS, lambda d: _reframe(d, _set("as_of", {"$t": 20261127}))),
    "as-of time as a date": (CALLINS, lambda d: _reframe(d, _set("as_of", {"$d": "2026-11-27"}))),
    "a missing field": (CALLINS, lambda d: _reframe(d, lambda raw: raw.pop("warnings"))),
    "an unknown field": (CALLINS, lambda d: _reframe(d, _set("command", "rm -rf /"))),
    "another workbook's facts": (CALLINS, lambda d: _reframe(d, _set("path", "慈溪分公司/叫修登记簿.xlsx"))),
    "a column shorter than the others": (CALLINS, lambda d: _reframe(d, _column("超时明细", 3, lambda c: c[1:]))),
    "a column missing": (CALLINS, lambda d: _reframe(d, lambda raw: raw["sheets"]["超时明细"].pop())),
    "a cell that is a list": (CALLINS, lambda d: _reframe(d, _cell("超时明细", 3, [1]))),
    "a cell that is an object": (CALLINS, lambda d: _reframe(d, _cell("超时明细", 3, {"x": 1}))),
    "a column of an unknown kind": (CALLINS, lambda d: _reframe(d, _column("超时明细", 2, lambda c: {"$X": c["$T"]}))),
    "a date that is not a date": (CALLINS, lambda d: _reframe(d, _cell("超时明细", 2, "tomorrow"))),
    "a date that is a number": (CALLINS, lambda d: _reframe(d, _cell("超时明细", 2, 20261102))),
    "a cell tagged as a date that is not one": (
        CALLINS, lambda d: _reframe(d, _column("超时明细", 3, lambda c: [{"$t": "tomorrow"}, *c[1:]]))),
    "a link to another file": (CALLINS, lambda d: _reframe(d, _cell("超时明细", 1, ["x", None, None, "../../x.exe"]))),
    "a link that is text": (CALLINS, lambda d: _reframe(d, _cell("超时明细", 1, "x"))),
    "a sheet the summary does not have": (CALLINS, lambda d: _reframe(d, lambda raw: raw["sheets"].__setitem__(
        "汇总", []))),
    "fills of another length": (CALLINS, lambda d: _reframe(d, lambda raw: raw["fills"]["校验问题"].pop())),
    "a fill that is no colour": (
        CALLINS, lambda d: _reframe(d, lambda raw: raw["fills"]["校验问题"].__setitem__(0, "red"))),
    "call counts as fractions": (CALLINS, lambda d: _reframe(d, lambda raw: raw["calls"]["叫修"].__setitem__(0, 1.5))),
    "call counts as text": (CALLINS, lambda d: _reframe(d, lambda raw: raw["calls"]["A"].__setitem__(0, "1"))),
    "call days out of order": (CALLINS, lambda d: _reframe(d, _calls_days_reversed)),
    "call columns missing": (CALLINS, lambda d: _reframe(d, lambda raw: raw["calls"].pop("服务费"))),
    "a daily report without its date": (WORKLOG, lambda d: _reframe(d, _cell("服务日报汇总", 1, None))),
    "a daily report dated with a time": (
        WORKLOG, lambda d: _reframe(d, _column("服务日报汇总", 1, lambda c: {"$T": c["$D"]}))),
    "hours as text": (WORKLOG, lambda d: _reframe(d, _cell("服务日报汇总", 9, "8"))),
}  # fmt: skip


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_cache_file_is_a_miss_and_the_workbook_is_read_again(
    copy: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    rel, change = DAMAGE[damage]
    path = cache_file(copy, rel)
    assert build_summary(copy, as_of=AS_OF).written  # this process has read the good file (and remembers it)
    before = summary_content(copy)
    path.write_bytes(change(path.read_bytes()))
    processed = processed_files(monkeypatch)
    outcome = build_summary(copy, as_of=AS_OF)
    assert outcome.written, outcome
    assert processed == [rel]
    assert summary_content(copy) == before

    processed.clear()
    assert build_summary(copy, as_of=AS_OF).written and processed == []  # written again, and trusted again


def test_a_garbage_index_only_costs_hashing_the_workbooks_again(copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = summary_content(copy)
    (folder(copy) / "index.json").write_bytes(b'{"\xe6\x9c\x8d": [1, 2, "x"]')
    processed = processed_files(monkeypatch)
    assert build_summary(copy, as_of=AS_OF).written and processed == []
    assert summary_content(copy) == before


def test_leftovers_in_the_cache_folder_are_removed(copy: Path) -> None:
    stale = folder(copy) / ".abc.json.1234abcd.tmp"
    fresh = folder(copy) / ".abc.json.5678abcd.tmp"  # another build may be writing it right now
    gone = folder(copy) / f"{'0' * 40}.json"  # facts of a workbook that no longer exists
    for path in (stale, fresh, gone):
        path.write_bytes(b"{}")
    long_ago = AS_OF.timestamp() - 86_400
    os.utime(stale, (long_ago, long_ago))
    assert build_summary(copy, as_of=AS_OF).written
    assert not stale.exists() and not gone.exists() and fresh.exists()


# ------------------------------------------------------------------------------------------- round trip


def assert_same_facts(got: WorkbookFacts, want: WorkbookFacts, *, skip: tuple[str, ...] = ()) -> None:
    for f in dataclasses.fields(WorkbookFacts):
        if f.name in skip or f.name in ("rows_of", "calls"):
            continue
        a, b = getattr(got, f.name), getattr(want, f.name)
        assert (type(a), a) == (type(b), b), f.name
    for f in dataclasses.fields(WorkbookRows):
        a, b = getattr(got.rows_of, f.name), getattr(want.rows_of, f.name)
        if f.name == "sheets":
            assert a.keys() == b.keys()
            for name in a:
                assert [[type(c) for c in r] for r in a[name]] == [[type(c) for c in r] for r in b[name]], name
        assert a == b, f.name
    if want.calls is None:
        assert got.calls is None
    else:
        pd.testing.assert_frame_equal(got.calls, want.calls, check_exact=True, check_freq=True, check_flags=True)
        assert got.calls.index.dtype == want.calls.index.dtype and got.calls.index.name == want.calls.index.name


def test_cached_facts_equal_the_freshly_computed_facts(company: Path) -> None:
    settings = load_settings(company)
    deployment = Deployment(company, settings, AS_OF)
    cache = SummaryCache(company, company / settings.summary)
    now = dt.datetime.now().replace(microsecond=0)
    rels = every_rel(company)
    assert CALLINS in rels and WORKLOG in rels
    for rel in rels:
        fresh = collect_module.process(deployment, company / rel, now)
        cached = cache.get(rel)
        assert cached is not None, rel
        # the run wrote its results back: the cache knows both the content checked and the one written
        assert fresh.sha256 in (cached.sha256, cached.written_sha256)
        assert_same_facts(cached, fresh, skip=("processed", "key", "sha256", "written_sha256"))
        target = target_of(company, rel)
        back = decode_facts(encode_facts(fresh, target), rel, target)
        assert back is not None, rel
        assert_same_facts(back, fresh)
    cached = cache.get(CALLINS)
    assert cached is not None and cached.calls is not None and len(cached.calls) and cached.rows_of.sheets
    # issue 15's facts are there to compare (not only zeros): money owed, renewal decisions, customers not contacted
    assert cached.owed > 0 and cached.owed_days is not None
    contracts, archive = cache.get("服务中心/保养合同.xlsx"), cache.get("总部/客户档案.xlsx")
    assert contracts is not None and contracts.renewal_decided > 0
    assert archive is not None and archive.uncontacted > 0
    cached.key, cached.sha256 = "changed by the caller", None  # what collect_facts does to the facts it gets
    again = cache.get(CALLINS)
    assert again is not None and again.key != cached.key and again.sha256 is not None


def test_every_field_of_the_facts_is_stored(company: Path) -> None:
    """A field added to the facts must be added to the cache format too (or the cache would drop it)."""
    rel = CALLINS
    cache = SummaryCache(company, company / SUMMARY)
    facts = cache.get(rel)
    assert facts is not None
    _, raw = _split(encode_facts(facts, target_of(company, rel)))
    rows_fields = {f.name for f in dataclasses.fields(WorkbookRows)}
    assert set(raw) == {f.name for f in dataclasses.fields(WorkbookFacts)} - {"rows_of"} | rows_fields


CELL = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
    st.datetimes(),
    st.dates(),
    st.times(),
    st.builds(Link, st.text(), st.one_of(st.none(), st.text()), st.one_of(st.none(), st.text()), st.just("../x.xlsx")),
)


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return type(a) is type(b) and a == b


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(CELL, min_size=11, max_size=11), max_size=8), st.text())
def test_every_kind_of_cell_round_trips_exactly(rows: list[list[object]], text: str) -> None:
    n = len(DETAILS[PROBLEMS].columns)
    rows = [*rows, ["\ud800 lone surrogate", text, *[None] * (n - 2)]]
    facts = WorkbookFacts(
        path="a/b.xlsx", branch=text, register=None, sha256=None, written_sha256=None, as_of=AS_OF,
        processed=AS_OF, error_zh=text or None,
        rows_of=WorkbookRows(sheets={PROBLEMS: rows}, fills={PROBLEMS: ["FFFDE2E1"] * len(rows)}),
    )  # fmt: skip
    back = decode_facts(encode_facts(facts, "../x.xlsx"), "a/b.xlsx", "../x.xlsx")
    assert back is not None
    got = back.rows_of.sheets[PROBLEMS]
    assert all(_same(a, b) for r, s in zip(got, rows, strict=True) for a, b in zip(r, s, strict=True))
    assert back.branch == text and back.error_zh == (text or None)


@pytest.mark.parametrize(
    "cell", [Decimal("1.5"), (1, 2), {"a": 1}, pd.NaT, Link("x", file="../other.xlsx"), object()], ids=repr
)
def test_facts_that_cannot_be_stored_exactly_are_not_cached(tmp_path: Path, cell: object) -> None:
    n = len(DETAILS[PROBLEMS].columns)
    facts = WorkbookFacts(
        path="a/b.xlsx", branch="a", register=None, sha256="0" * 64, written_sha256=None, as_of=AS_OF,
        processed=AS_OF, rows_of=WorkbookRows(sheets={PROBLEMS: [[cell] * n]}, fills={PROBLEMS: [None]}),
    )  # fmt: skip
    cache = SummaryCache(tmp_path, tmp_path / SUMMARY)
    (tmp_path / "a").mkdir()
    cache.put(facts)  # no exception: the workbook is simply read again next time
    assert cache.get("a/b.xlsx") is None
    assert not folder(tmp_path).is_dir() or not any(folder(tmp_path).glob("*.json"))


# ------------------------------------------------------------------------------------------- the other files


@pytest.mark.parametrize(
    "content",
    [b"\x00\xff garbage", b"[" * 100_000, b'["files"]', b'{"files": 5}', b'{"files": [[1]]}', b'{"files": [{}]}',
     b"\xff\xfe{", b""],
    ids=["garbage", "deeply nested", "a list", "files a number", "files of lists", "files of objects", "UTF-16",
         "empty"],
)  # fmt: skip
def test_a_garbage_sample_marker_means_nothing_here_is_from_the_demo(copy: Path, content: bytes) -> None:
    (copy / MARKER).parent.mkdir(parents=True, exist_ok=True)
    (copy / MARKER).write_bytes(content)
    assert len(not_from_demo(copy)) == len(every_rel(copy)) + 1  # every register and automation.toml


def test_a_garbage_state_database_does_not_break_the_summary(copy: Path) -> None:
    (copy / ".automation" / "state.sqlite3").write_bytes(b"not a database " * 100)
    assert build_summary(copy, as_of=AS_OF).written


def test_rows_of_the_state_database_that_we_never_write_are_ignored(copy: Path) -> None:
    """A well-formed database with rows of the wrong types (a blob for a time, text for a count) is not trusted:
    those rows are as if missing (the summary then says the results wait), and nothing crashes."""
    with sqlite3.connect(copy / ".automation" / "state.sqlite3") as db:
        db.execute("INSERT INTO workbook (path, processed, errors, warnings, written) "
                   "VALUES ('慈溪分公司/旧登记簿.xlsx', x'00ff', 1, 0, 0)")  # fmt: skip
        db.execute("UPDATE workbook SET errors = 'many' WHERE path = ?", (CALLINS,))
    db.close()
    state = State(copy)
    records = {r.path: r for r in state.all()}
    assert CALLINS not in records and "慈溪分公司/旧登记簿.xlsx" not in records and len(records) == len(every_rel(copy)) - 1
    assert state.get(CALLINS) is None
    assert build_summary(copy, as_of=AS_OF).written
    status = {r[1]: r for r in summary_content(copy)["数据状态"][2:]}
    assert status[CALLINS][-2] == "待写回"


FORBIDDEN_MODULES = {"pickle", "_pickle", "cPickle", "cloudpickle", "dill", "joblib", "marshal", "shelve", "yaml"}
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "read_pickle", "to_pickle", "unsafe_load", "full_load"}


def test_no_module_of_the_product_unpickles_or_evaluates_anything() -> None:
    found = []
    for path in sorted(Path(automation.__file__).parent.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module.split(".")[0]]
            bad = [n for n in names if n in FORBIDDEN_MODULES]
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                if name in FORBIDDEN_CALLS and not (name == "compile" and isinstance(func, ast.Attribute)):
                    bad.append(name)  # re.compile is fine, the builtin compile is not
                bad += [f"{name}(allow_pickle=...)" for k in node.keywords if k.arg == "allow_pickle"]
            found += [f"{path.name}:{node.lineno}: {b}" for b in bad]  # type: ignore[attr-defined]
    assert found == []


def test_a_full_build_holds_one_branch_at_a_time(copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory (issue 16): with an empty cache every workbook is processed, but a branch's workbooks are released
    once the branch is done, so the deployment never holds more than the head office's and one branch's."""
    shutil.rmtree(folder(copy))
    held: list[set[str]] = []
    load = Deployment.load

    def loading(self: Deployment, path: Path):  # noqa: ANN202
        loaded = load(self, path)
        held.append({p.parent.name for p in self._loaded})
        return loaded

    monkeypatch.setattr(Deployment, "load", loading)
    outcome = build_summary(copy, as_of=AS_OF)
    assert outcome.written
    branches = {name for folders in held for name in folders} - {"总部"}
    assert len(branches) == 3  # every branch was processed
    assert max(len(folders - {"总部"}) for folders in held) == 1, held


def test_an_incremental_build_reads_each_workbook_once(copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After one call-in register changes, it and the registers of its branch that look it up are processed again,
    each read once: releasing a branch waits until its dependants are done too."""
    book = copy / "服务中心" / "叫修登记簿.xlsx"
    wb = openpyxl.load_workbook(book)
    ws = wb["叫修登记"]
    header = next(r for r in range(1, 6) if any(c.value == "派工技术员" for c in ws[r]))
    technician = next(c.column for c in ws[header] if c.value == "派工技术员")
    done = next(r for r in range(header + 1, ws.max_row + 1) if ws.cell(row=r, column=technician).value)
    ws.cell(row=done, column=technician).value = None  # who worked on a call: the worklog's lookups change
    wb.save(book)
    reads: list[Path] = []
    read = Deployment._read

    def counting(self: Deployment, source):  # noqa: ANN001, ANN202
        reads.append(source.path.resolve())
        return read(self, source)

    monkeypatch.setattr(Deployment, "_read", counting)
    assert build_summary(copy, as_of=AS_OF).written
    assert book.resolve() in reads
    assert (copy / "服务中心" / "技术员工作日报表.xlsx").resolve() in reads  # its lookups changed
    assert sorted(reads) == sorted(set(reads)), reads  # nothing read twice
