"""The central store and sites (issue 17): publishing, building the summary from the store, and what goes wrong.

The oracle is the product's own single-root result: a company processed in one root gives 汇总.xlsx; the same
registers spread over sites that publish to a store must give, at a head office that holds nothing but the
store's address, the same summary — every part byte for byte, except 数据状态, which has one more line per site
(and the times at which each copy was processed). Every engine-level test runs on both engines: SQLite, and a
real PostgreSQL server the tests start (tests/postgres_server.py).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import shutil
import sqlite3
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from postgres_server import ADMIN, ADMIN_PASSWORD, PostgresServer, start_server
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from automation.cli import app
from automation.sample import build_sample
from automation.settings import SettingsError, load_settings, parse_settings
from automation.store import Publication, Store, StoreError, open_store
from automation.summary import build_from_store, build_summary, run_root
from automation.summary.build import SENSITIVE_COLUMNS
from automation.summary.sites import pending, send_pending

AS_OF = dt.datetime(2026, 11, 27, 16, 0)
HEAD = "总部"
BRANCHES = ("慈溪分公司", "服务中心")
SUMMARY = Path(HEAD) / "汇总.xlsx"
STATUS_SHEET = "数据状态"
TIMES = (3, 4)  # 数据状态's 修改时间 and 处理时间: when each copy was saved and processed


def toml(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def store_settings(url: str, *, publish: bool, site: str | None = None, folders: list[str] | None = None) -> str:
    text = f'[store]\nurl = "{url}"\npublish = {"true" if publish else "false"}\n'
    if site is not None:
        text += f'[site]\nname = "{site}"\n'
        if folders is not None:
            text += "folders = [" + ", ".join(f'"{f}"' for f in folders) + "]\n"
    return text


# ------------------------------------------------------------------------------------------ the engines

ROLES = itertools.count(1)  # login roles are the server's, not the database's: every test makes new names


@pytest.fixture(scope="module")
def pg() -> Iterator[PostgresServer]:
    server, stop = start_server()
    try:
        yield server
    finally:
        stop()


class Engine:
    """One empty store of either engine, and what the tests do to it from outside the product."""

    def __init__(self, kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg: PostgresServer | None):
        self.kind, self.pg = kind, pg
        if pg is None:
            self.path = tmp_path / "store.sqlite"
            self.url = str(self.path)
            open_store(tmp_path, url=self.url).close()
            return
        self.database = pg.new_database()
        self.url = pg.url(self.database)
        # Passwords as sites keep them: in the file libpq reads (never in automation.toml).
        self.passfile = tmp_path / "pgpass"
        self.passfile.write_text(f"127.0.0.1:{pg.port}:*:{ADMIN}:{ADMIN_PASSWORD}\n", encoding="utf-8")
        self.passfile.chmod(0o600)
        monkeypatch.setenv("PGPASSFILE", str(self.passfile))
        monkeypatch.delenv("PGPASSWORD", raising=False)
        open_store(tmp_path, url=self.url).close()  # migrated by its owner, as an administrator would first

    def open(self) -> Store:
        return open_store(Path("."), url=self.url)

    def execute(self, statement: str) -> list[tuple[object, ...]]:
        """SQL as the store's owner (to look inside, or to damage it)."""
        if self.pg is None:
            with sqlite3.connect(self.path) as db:
                return [tuple(r) for r in db.execute(statement).fetchall()]
        with self.pg.admin(self.database) as db:
            cur = db.execute(statement)
            return [tuple(r) for r in cur.fetchall()] if cur.description else []

    def damage_a_body(self) -> None:
        """One stored body's bytes changed under its digest, as a failing disk would (on PostgreSQL past the
        constraint that keeps SQL from doing it)."""
        if self.pg is not None:
            self.execute("ALTER TABLE bodies DROP CONSTRAINT bodies_digest")
        zero = "X'00'" if self.pg is None else "'\\x00'::bytea"
        self.execute(f"UPDATE bodies SET body = {zero} WHERE sha256 = (SELECT min(sha256) FROM bodies)")

    def role(self, group: str, *sites: str, password: str | None = None) -> str:
        """The url of a new login role in ``group`` that publishes as ``sites`` (PostgreSQL); the owner's url
        for SQLite, which has no roles."""
        if self.pg is None:
            return self.url
        name = f"{group.removeprefix('automation_')}_{next(ROLES)}"
        secret = password or f"pw-{name}"
        self.pg.new_role(name, secret, group)
        for site in sites:
            self.execute(f"INSERT INTO site_roles (role, site) VALUES ('{name}', '{site}')")
        with self.passfile.open("a", encoding="utf-8") as fh:
            fh.write(f"127.0.0.1:{self.pg.port}:*:{name}:{secret}\n")
        return self.pg.url(self.database, name)

    def unreachable(self, tmp_path: Path) -> str:
        if self.pg is None:
            blocker = tmp_path / "not-a-folder"
            blocker.write_text("a file where the store's folder should be", encoding="utf-8")
            return str(blocker / "store.sqlite")
        import socket

        with socket.socket() as s:  # a port nobody listens on
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        return f"postgresql://{ADMIN}@127.0.0.1:{port}/{self.database}"


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    server = request.getfixturevalue("pg") if request.param == "postgresql" else None
    return Engine(request.param, tmp_path, monkeypatch, server)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample company as staff left it (nothing processed)."""
    root = tmp_path_factory.mktemp("store") / "source"
    build_sample(root, as_of=AS_OF, rows=30, branches=BRANCHES)
    return root


@pytest.fixture(scope="module")
def one_root(source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The oracle: the whole company processed in one root, without a store."""
    root = tmp_path_factory.mktemp("one") / "company"
    shutil.copytree(source, root)
    _, outcome = run_root(root, as_of=AS_OF)
    assert outcome is not None and outcome.written
    assert not (root / ".automation" / "store.sqlite").exists()  # no store unless asked: today's behaviour
    return root


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def status_rows(path: Path) -> list[tuple[object, ...]]:
    ws = openpyxl.load_workbook(path, read_only=True)[STATUS_SHEET]
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def sheet_part(path: Path, name: str) -> str:
    """The package part of a sheet, by its name."""
    with zipfile.ZipFile(path) as zf:
        book = zf.read("xl/workbook.xml").decode()
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet [^>]*name="{name}"[^>]*r:id="(rId\d+)"', book).group(1)  # type: ignore[union-attr]
    target = re.search(rf'Id="{rid}"[^>]*Target="([^"]+)"', rels) or re.search(rf'Target="([^"]+)"[^>]*Id="{rid}"', rels)
    return "xl/" + target.group(1).removeprefix("/xl/")  # type: ignore[union-attr]


def assert_same_summary(oracle: Path, built: Path, sites: list[str], *, times_differ: bool) -> None:
    """Every part equal but 数据状态 (and the workbook part, which holds its print range); 数据状态 equal row for
    row, then one 已发布 line per site."""
    status_part = sheet_part(built, STATUS_SHEET)
    a, b = parts(oracle), parts(built)
    assert a.keys() == b.keys()
    differing = {n for n in a if a[n] != b[n]}
    assert differing <= {status_part, "xl/workbook.xml"}, differing
    want, got = status_rows(oracle), status_rows(built)
    lines = got[len(want) :]
    assert [line[1] for line in lines] == [f"站点：{s}" for s in sorted(sites)]
    assert all(line[7] == "已发布" for line in lines)
    got = got[: len(want)]
    if times_differ:
        want = [tuple(None if i in TIMES else v for i, v in enumerate(r)) for r in want]
        got = [tuple(None if i in TIMES else v for i, v in enumerate(r)) for r in got]
    assert got == want


def published_company(engine: Engine, source: Path, tmp_path: Path) -> Path:
    """The sample company processed in one root that publishes to ``engine``'s store."""
    root = tmp_path / "company"
    shutil.copytree(source, root)
    toml(root / "automation.toml", store_settings(engine.url, publish=True))
    run_root(root, as_of=AS_OF)
    return root


def head_from_store(engine: Engine, tmp_path: Path) -> Path:
    """An empty head-office root that knows only the store; its summary built from it."""
    head = tmp_path / "head"
    head.mkdir()
    toml(head / "automation.toml", store_settings(engine.url, publish=False))
    assert build_from_store(head, as_of=AS_OF).written
    return head


# ------------------------------------------------------------------------------------------ the oracle


def test_one_root_through_its_own_store_gives_its_own_summary(engine: Engine, source: Path, tmp_path: Path) -> None:
    root, head = tmp_path / "company", tmp_path / "head"
    shutil.copytree(source, root)
    toml(root / "automation.toml", store_settings(engine.url, publish=True))
    _, outcome = run_root(root, as_of=AS_OF)
    assert outcome is not None and outcome.written
    assert outcome.published is not None and outcome.published.problem is None, outcome.published.message()
    head.mkdir()
    toml(head / "automation.toml", store_settings(engine.url, publish=False))
    built = build_from_store(head, as_of=AS_OF)
    assert built.written, built
    assert_same_summary(root / SUMMARY, head / SUMMARY, [root.name], times_differ=False)


def test_three_sites_give_the_one_root_summary(engine: Engine, source: Path, one_root: Path, tmp_path: Path) -> None:
    """Head office and two branches on separate roots holding only their own folders, each publishing with a role
    of its own (PostgreSQL); the head office reads with a role that may only read. The branches look up the staff
    list, calendar and customer codes the head office published; the head office checks its staff list against
    the folders every site published (MST003). So, as on any working day, the head office has published before
    the branches process, and processes again after they have."""
    urls = {site: engine.role("automation_site", site) for site in [*BRANCHES, HEAD]}
    for site in [HEAD, *BRANCHES]:
        root = tmp_path / f"site-{site}"
        shutil.copytree(source / site, root / site)
        toml(root / "automation.toml", store_settings(urls[site], publish=True, site=site, folders=[site]))
        _, outcome = run_root(root, as_of=AS_OF)
        assert outcome is not None and outcome.published is not None
        assert outcome.published.problem is None, outcome.published.message()
        assert outcome.branch_site == (site != HEAD)
    assert not (tmp_path / f"site-{BRANCHES[0]}" / HEAD).exists()  # a branch site writes no summary of its own
    # The head office's next summary (its watcher's refresh): the branches' folders are known now.
    outcome = build_summary(tmp_path / f"site-{HEAD}", as_of=AS_OF)
    assert outcome.written and outcome.published is not None and outcome.published.problem is None
    head = tmp_path / "head"
    head.mkdir()
    toml(head / "automation.toml", store_settings(engine.role("automation_reader"), publish=False))
    result = CliRunner().invoke(app, ["consolidate", "--from-store", str(head), "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0, result.output
    assert_same_summary(one_root / SUMMARY, head / SUMMARY, [*BRANCHES, HEAD], times_differ=True)
    # The head-office site ([site] folders holds 总部) builds its own 汇总.xlsx from the store too.
    assert_same_summary(one_root / SUMMARY, tmp_path / f"site-{HEAD}" / SUMMARY, [*BRANCHES, HEAD], times_differ=True)


def test_the_store_holds_no_phone_number_or_address(engine: Engine, source: Path, tmp_path: Path) -> None:
    """信息 第六条: what leaves a site for the store holds none of the customers' phone numbers or addresses."""
    root = published_company(engine, source, tmp_path)
    secrets: set[str] = set()
    for path in root.rglob("*.xlsx"):
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            rows = book.get_sheet_by_name(name).to_python()
            header = [str(h) for h in rows[0]] if rows else []
            for row in rows[1:] if SENSITIVE_COLUMNS & set(header) else ():
                for h, v in zip(header, row, strict=False):
                    text = str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()
                    if h in SENSITIVE_COLUMNS and len(text) >= 6:  # phone, fax, address, postcode, e-mail
                        secrets.add(text)
    assert len(secrets) > 20  # the sample has phones and addresses to leak
    stored = [bytes(b) for (b,) in engine.execute("SELECT body FROM bodies")]
    stored += [bytes(m) for (m,) in engine.execute("SELECT meta FROM sites")]  # type: ignore[arg-type]
    lookups = [bytes(m) for (m,) in engine.execute("SELECT lookups FROM sites")]  # type: ignore[arg-type]
    assert len(stored) > 10 and "客户代码".encode() in b"".join(lookups)  # the customer list went, but only so
    stored += lookups
    text = b"\n".join(stored).decode("utf-8", "replace")
    assert not [s for s in secrets if s in text]


# ------------------------------------------------------------------------------------------ the engine


def publication(site: str, seq: int, *, origin: str = "o1", body: bytes = b"facts", shared: bytes = b"") -> Publication:
    bodies = {f"{site}/叫修登记簿.xlsx": body + f"{site}{seq}".encode()}
    if shared:  # the same bytes in every site's snapshot: one body, pointed at by several sites
        bodies[f"{site}/保养合同.xlsx"] = shared
    return Publication(site=site, origin=origin, seq=seq, published_at=dt.datetime(2026, 11, 27, 9, 0),
                       meta=b"{}", folders=(site,), bodies=bodies)  # fmt: skip


def test_a_late_publication_never_replaces_a_newer_one(engine: Engine) -> None:
    store = engine.open()
    assert store.publish(publication("A", 10))
    assert not store.publish(publication("A", 5))  # arrived late
    assert not store.publish(publication("A", 10))  # the same one again: no duplicate
    [latest] = store.latest()
    assert latest.publication.seq == 10
    assert latest.publication.bodies == {"A/叫修登记簿.xlsx": b"factsA10"}
    assert store.publish(publication("A", 11))
    assert [s.publication.seq for s in store.latest()] == [11]
    store.close()
    # The older body went with the snapshot that held it.
    assert engine.execute("SELECT count(*) FROM bodies") == [(1,)]


def test_two_sites_publishing_at_once(engine: Engine) -> None:
    """Each site's snapshots replace each other while the other site does the same; one body is shared, and
    every other publication drops it, so removing it races with the other site reusing it."""
    errors: list[BaseException] = []
    urls = {name: engine.role("automation_site", name) for name in ("A", "B")}

    def site(name: str) -> None:
        try:
            store = open_store(Path("."), url=urls[name])  # its own connection, as another process would have
            try:
                for seq in range(1, 31):
                    store.publish(publication(name, seq, origin=name, shared=b"shared" if seq % 2 == 0 else b""))
            finally:
                store.close()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=site, args=(n,)) for n in urls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    store = engine.open()
    latest = {s.publication.site: s.publication for s in store.latest()}
    store.close()
    assert {k: p.seq for k, p in latest.items()} == {"A": 30, "B": 30}
    assert latest["A"].bodies == {"A/叫修登记簿.xlsx": b"factsA30", "A/保养合同.xlsx": b"shared"}
    assert engine.execute("SELECT count(*) FROM bodies") == [(3,)]  # A's, B's and the shared one: no leftovers


# A publication as the property test draws it: (site, seq, {path: body}); bodies come from a small pool, so digests
# are shared between sites and snapshots, and orders arrive shuffled.
_SITES = ("A", "B", "C")
_POOL = (b"one", b"two", b"three", b"four")


@st.composite
def _publications(draw: st.DrawFn) -> list[tuple[str, int, dict[str, bytes]]]:
    out = []
    for _ in range(draw(st.integers(1, 12))):
        site = draw(st.sampled_from(_SITES))
        names = draw(st.lists(st.sampled_from(("叫修登记簿", "保养合同", "技术员工作日报表")), unique=True, max_size=3))
        out.append((site, draw(st.integers(1, 6)), {f"{site}/{n}.xlsx": draw(st.sampled_from(_POOL)) for n in names}))
    return out


@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_publications())
def test_the_store_keeps_what_a_plain_model_says(engine: Engine, publications) -> None:  # noqa: ANN001
    """Any sequence of publications, late and repeated ones included, leaves exactly what a model of a few lines
    says: per site the snapshot with the highest sequence number (the first of equal ones), and no body nobody
    points at."""
    engine.execute("DELETE FROM workbooks")
    engine.execute("DELETE FROM sites")
    engine.execute("DELETE FROM bodies")
    model: dict[str, tuple[int, dict[str, bytes]]] = {}
    store = engine.open()
    try:
        for site, seq, bodies in publications:
            taken = store.publish(Publication(site=site, origin=site, seq=seq, published_at=AS_OF, meta=b"{}",
                                              folders=(site,), bodies=bodies))  # fmt: skip
            newer = site not in model or seq > model[site][0]
            assert taken == newer
            if newer:
                model[site] = (seq, bodies)
        got = {s.publication.site: (s.publication.seq, dict(s.publication.bodies)) for s in store.latest()}
        assert all(not s.damaged for s in store.latest())
    finally:
        store.close()
    assert got == model
    referenced = {body for _, bodies in model.values() for body in bodies.values()}
    assert engine.execute("SELECT count(*) FROM bodies") == [(len(referenced),)]


PUBLISHER = """
import datetime as dt, os, sys
from pathlib import Path
from automation.store import Publication, open_store
store = open_store(Path("."), url=sys.argv[1])
print("ready", flush=True)
for seq in range(int(sys.argv[2]), int(sys.argv[2]) + 100000):
    bodies = {f"A/{i}.xlsx": os.urandom(64 * 1024) for i in range(8)}  # big enough to be caught mid-write
    store.publish(Publication(site="A", origin="a", seq=seq, published_at=dt.datetime(2026, 11, 27, 9), meta=b"{}",
                              folders=("A",), bodies=bodies))
"""


def test_a_publisher_killed_mid_write_leaves_a_whole_snapshot(engine: Engine, tmp_path: Path) -> None:
    """kill -9 at random moments of a stream of publications: each time the store opens, and holds one whole
    snapshot, every body intact, the sequence numbers only growing."""
    import random
    import signal
    import subprocess
    import sys
    import time

    last = 0
    for round_ in range(1, 4):
        child = subprocess.Popen([sys.executable, "-c", PUBLISHER, engine.url, str(round_ * 100000)],
                                 stdout=subprocess.PIPE, cwd=tmp_path)  # fmt: skip
        assert child.stdout is not None and child.stdout.readline().strip() == b"ready"
        time.sleep(random.uniform(0.3, 1.2))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        store = engine.open()
        try:
            latest = store.latest()
        finally:
            store.close()
        assert len(latest) <= 1 and all(not s.damaged and len(s.publication.bodies) == 8 for s in latest)
        seq = latest[0].publication.seq if latest else 0
        assert seq >= last  # never an older snapshot than one seen before
        last = seq
        assert engine.execute("SELECT count(*) FROM bodies") == [(8 if latest else 0,)]  # nothing half-removed
    assert last > 0, "no publication finished in three rounds"


def test_another_root_cannot_publish_as_the_same_site(engine: Engine) -> None:
    store = engine.open()
    assert store.publish(publication("A", 1, origin="first"))
    with pytest.raises(StoreError) as refused:
        store.publish(publication("A", 2, origin="second"))
    assert "已被另一个根目录使用" in refused.value.zh
    assert [s.publication.origin for s in store.latest()] == ["first"]
    store.close()


def test_a_store_of_a_newer_version_is_refused(engine: Engine, tmp_path: Path) -> None:
    engine.execute("UPDATE store_schema SET version = 99")
    with pytest.raises(StoreError) as refused:
        engine.open()
    assert "比本程序支持的 1 新" in refused.value.zh
    head = tmp_path / "head"
    head.mkdir()
    toml(head / "automation.toml", store_settings(engine.url, publish=False))
    outcome = build_from_store(head, as_of=AS_OF)
    assert not outcome.written and "比本程序支持的 1 新" in (outcome.reason or "")
    assert "\n" not in (outcome.reason or "")


def test_a_damaged_body_costs_its_site_one_line_until_the_next_publication(
    engine: Engine, source: Path, tmp_path: Path
) -> None:
    root = published_company(engine, source, tmp_path)
    engine.damage_a_body()
    head = head_from_store(engine, tmp_path)
    rows = status_rows(head / SUMMARY)
    [line] = [r for r in rows if str(r[1]).startswith("站点：")]
    assert line[7] == "无法使用" and "校验不符" in str(line[8])
    assert not [r for r in rows if str(r[1]).endswith(".xlsx")]  # nothing of that site is believed
    # The site's next publication holds the same facts: the damaged copy is replaced, not pointed at again.
    assert build_summary(root, as_of=AS_OF).published.problem is None  # type: ignore[union-attr]
    build_from_store(head, as_of=AS_OF)
    assert [r[7] for r in status_rows(head / SUMMARY) if str(r[1]).startswith("站点：")] == ["已发布"]


def test_a_folder_two_sites_publish_is_counted_once(engine: Engine, source: Path, tmp_path: Path) -> None:
    """Two roots set up to hold the same branch (a copied automation.toml): the head office counts the branch
    once and names the second site in one line."""
    for site in ("A站", "B站"):  # the store lists sites by name: A站 first
        root = tmp_path / site
        for folder in (BRANCHES[0], HEAD):
            shutil.copytree(source / folder, root / folder)
        toml(root / "automation.toml", store_settings(engine.url, publish=True, site=site, folders=[BRANCHES[0]]))
        run_root(root, as_of=AS_OF)
    head = tmp_path / "head"
    head.mkdir()
    toml(head / "automation.toml", store_settings(engine.url, publish=False))
    assert build_from_store(head, as_of=AS_OF).written
    rows = status_rows(head / SUMMARY)
    books = [r[1] for r in rows if str(r[1]).endswith(".xlsx")]
    assert len(books) == len(set(books)) == 4  # the branch's four registers, once
    lines = {r[1]: r for r in rows if str(r[1]).startswith("站点：")}
    assert lines["站点：A站"][7] == "已发布"
    assert lines["站点：B站"][7] == "无法使用" and "都发布了文件夹「慈溪分公司」" in str(lines["站点：B站"][8])


@pytest.mark.parametrize(
    ("published", "state"),
    [
        ("2026-11-26T15:00:00", "发布中断"),  # Thursday 15:00 → Friday 16:00: 9 working hours
        ("2026-11-26T17:30:00", "已发布"),  # after Thursday's close: 7 working hours
        ("2026-11-20T18:00:00", "发布中断"),  # a week ago
    ],
)
def test_a_site_silent_for_more_than_a_working_day_is_flagged(
    engine: Engine, source: Path, tmp_path: Path, published: str, state: str
) -> None:
    published_company(engine, source, tmp_path)
    engine.execute(f"UPDATE sites SET published_at = '{published}'")
    head = head_from_store(engine, tmp_path)  # as of Friday 2026-11-27 16:00
    [line] = [r for r in status_rows(head / SUMMARY) if str(r[1]).startswith("站点：")]
    assert line[7] == state and line[4] == dt.datetime.fromisoformat(published)
    if state == "发布中断":
        assert f"最后发布于 {published[:10]} {published[11:16]}" in str(line[8])


# ------------------------------------------------------------------------------------------ offline


def test_an_offline_site_keeps_working_and_catches_up(engine: Engine, source: Path, tmp_path: Path) -> None:
    root = tmp_path / "company"
    shutil.copytree(source, root)
    toml(root / "automation.toml", store_settings(engine.unreachable(tmp_path), publish=True))
    reports, outcome = run_root(root, as_of=AS_OF)
    assert outcome is not None and outcome.written  # local work goes on
    assert all(r.written for r in reports if not r.error_zh)
    assert outcome.published is not None and outcome.published.problem is not None
    assert "1 份待发送" in outcome.published.message() and "\n" not in outcome.published.message()
    [waiting] = [r for r in status_rows(root / SUMMARY) if r[7] == "待发布"]  # and the site's 数据状态 says so
    assert "1 份待发送" in str(waiting[8])
    [first] = pending(root)
    status = CliRunner().invoke(app, ["status", str(root)])  # what waits, the site's own publication included
    assert "中央存储：1 份发布待发送" in status.output, status.output
    _, outcome = run_root(root, as_of=AS_OF)  # still offline: the newer snapshot replaces the queued one
    [second] = pending(root)
    assert second.name > first.name and not first.exists()

    toml(root / "automation.toml", store_settings(engine.url, publish=True))
    sent = send_pending(root, load_settings(root))
    assert sent.problem is None and sent.sent == 1 and pending(root) == []
    assert "中央存储" not in CliRunner().invoke(app, ["status", str(root)]).output
    store = engine.open()
    [stored] = store.latest()
    store.close()
    assert stored.publication.seq == int(second.stem)
    assert send_pending(root, load_settings(root)).sent == 0  # nothing twice


def test_a_branch_site_checks_against_the_head_offices_lists_even_without_the_store(
    engine: Engine, source: Path, tmp_path: Path
) -> None:
    """A branch site holds no 总部 folder: its staff, calendar and customer look-ups come from what the head office
    published, and on a day the store cannot be reached, from the last answer kept."""
    head_site, branch_site = tmp_path / "head-site", tmp_path / "branch-site"
    shutil.copytree(source / HEAD, head_site / HEAD)
    toml(head_site / "automation.toml", store_settings(engine.url, publish=True, site=HEAD, folders=[HEAD]))
    run_root(head_site, as_of=AS_OF)
    shutil.copytree(source / BRANCHES[1], branch_site / BRANCHES[1])
    toml(branch_site / "automation.toml",
         store_settings(engine.url, publish=True, site=BRANCHES[1], folders=[BRANCHES[1]]))  # fmt: skip
    online, _ = run_root(branch_site, as_of=AS_OF)
    codes = {p.code for r in online for p in r.problems}
    assert "REF003" not in codes  # every look-up had its list
    assert {"STF001", "REF001"} <= codes  # the sample's unknown technician and customer code are found
    toml(branch_site / "automation.toml",
         store_settings(engine.unreachable(tmp_path), publish=True, site=BRANCHES[1], folders=[BRANCHES[1]]))  # fmt: skip
    offline, _ = run_root(branch_site, as_of=AS_OF)
    assert sorted((p.code, p.cell) for r in offline for p in r.problems) == sorted(
        (p.code, p.cell) for r in online for p in r.problems
    )


# ------------------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # cut short
        lambda data: data[:200] + bytes(b ^ 0x5A for b in data[200:400]) + data[400:],  # flipped in the middle
        lambda data: b"",
        lambda data: _rezipped({"publication.json": b'{"seq": null, "paths": {}}'}),  # well-formed, wrong types
    ],
    ids=["truncated", "flipped", "empty", "wrong-types"],
)
def test_a_damaged_queued_snapshot_is_one_line_and_set_aside(engine: Engine, source: Path, tmp_path: Path, damage) -> None:  # noqa: ANN001
    root = tmp_path / "company"
    shutil.copytree(source, root)
    toml(root / "automation.toml", store_settings(engine.unreachable(tmp_path), publish=True))
    run_root(root, as_of=AS_OF)
    [queued] = pending(root)
    queued.write_bytes(damage(queued.read_bytes()))
    toml(root / "automation.toml", store_settings(engine.url, publish=True))
    sent = send_pending(root, load_settings(root))
    assert sent.problem is not None and "待发送文件已损坏" in sent.problem.zh and "\n" not in sent.problem.zh
    assert pending(root) == [] and queued.with_suffix(".damaged").exists()
    _, outcome = run_root(root, as_of=AS_OF)  # the next processing publishes afresh
    assert outcome is not None and outcome.published is not None and outcome.published.problem is None


def _rezipped(members: dict[str, bytes]) -> bytes:
    import io

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def test_a_root_rebuilt_without_its_site_file_is_told_the_way_back(engine: Engine, source: Path, tmp_path: Path) -> None:
    root = published_company(engine, source, tmp_path)
    (root / ".automation" / "store" / "site.json").write_text("{damaged", encoding="utf-8")
    _, outcome = run_root(root, as_of=AS_OF)
    assert outcome is not None and outcome.published is not None and outcome.published.problem is not None
    assert "已被另一个根目录使用" in outcome.published.problem.zh and "删除站点" in outcome.published.problem.zh
    assert (root / ".automation" / "store" / "site.damaged").exists()


def test_a_site_cannot_publish_another_sites_workbooks(engine: Engine, source: Path, tmp_path: Path) -> None:
    """A snapshot that says it holds folder Z but carries 慈溪分公司's facts is not counted (row-level security
    checks the site column only; the head office checks what the facts say)."""
    root = published_company(engine, source, tmp_path)
    store = engine.open()
    [real] = store.latest()
    copied = {path: body for path, body in real.publication.bodies.items() if path.startswith(BRANCHES[0])}
    meta = json.loads(real.publication.meta)
    meta.update(site="Z", folders=["Z"], branches=["Z"], rows=[], fills=[], notes={}, extra=[])
    assert store.publish(Publication(site="Z", origin="z", seq=1, published_at=dt.datetime.now().replace(microsecond=0),
                                     meta=json.dumps(meta, ensure_ascii=False).encode(), folders=("Z",), bodies=copied))  # fmt: skip
    store.close()
    head = head_from_store(engine, tmp_path)
    lines = {r[1]: r for r in status_rows(head / SUMMARY) if str(r[1]).startswith("站点：")}
    assert lines["站点：Z"][7] == "无法使用" and "不属于本站点文件夹" in str(lines["站点：Z"][8])
    assert lines[f"站点：{root.name}"][7] == "已发布"
    books = [r[1] for r in status_rows(head / SUMMARY) if str(r[1]).endswith(".xlsx")]
    assert len(books) == len(set(books))  # nothing counted twice


def test_a_site_named_only_publishes_the_folders_it_has(engine: Engine, source: Path, tmp_path: Path) -> None:
    """`[site] name` without `folders`: every folder of the root, and no head office it does not have."""
    root = tmp_path / "branch"
    shutil.copytree(source / BRANCHES[0], root / BRANCHES[0])
    toml(root / "automation.toml", store_settings(engine.url, publish=True, site="A慈溪"))
    run_root(root, as_of=AS_OF)
    store = engine.open()
    assert store.folders() == {"A慈溪": (BRANCHES[0],)}
    assert store.lookups() == {}
    store.close()


def test_a_what_if_run_of_an_earlier_day_replaces_nothing(engine: Engine, source: Path, tmp_path: Path) -> None:
    root = published_company(engine, source, tmp_path)
    [before] = engine.execute("SELECT seq FROM sites")
    _, outcome = run_root(root, as_of=AS_OF - dt.timedelta(days=7))
    assert outcome is not None and outcome.published is None
    assert engine.execute("SELECT seq FROM sites") == [before] and pending(root) == []


def test_a_bad_publication_time_or_look_ups_cost_one_line(engine: Engine, source: Path, tmp_path: Path) -> None:
    head_site = tmp_path / "head-site"
    shutil.copytree(source / HEAD, head_site / HEAD)
    toml(head_site / "automation.toml", store_settings(engine.url, publish=True, site=HEAD, folders=[HEAD]))
    run_root(head_site, as_of=AS_OF)
    branch_site = tmp_path / "branch-site"
    shutil.copytree(source / BRANCHES[0], branch_site / BRANCHES[0])
    toml(branch_site / "automation.toml",
         store_settings(engine.url, publish=True, site=BRANCHES[0], folders=[BRANCHES[0]]))  # fmt: skip
    good, _ = run_root(branch_site, as_of=AS_OF)  # keeps the look-ups
    if engine.pg is not None:
        engine.execute("ALTER TABLE sites DROP CONSTRAINT sites_lookups_digest")
    engine.execute(f"UPDATE sites SET lookups = {'X' if engine.pg is None else ''}'FF' WHERE site = '{HEAD}'"
                   if engine.pg is None else f"UPDATE sites SET lookups = '\\xff'::bytea WHERE site = '{HEAD}'")
    again, _ = run_root(branch_site, as_of=AS_OF)  # damaged look-ups: the kept ones stand
    assert sorted((p.code, p.cell) for r in again for p in r.problems) == sorted(
        (p.code, p.cell) for r in good for p in r.problems
    )
    engine.execute("UPDATE sites SET published_at = 'yesterday-ish'")
    head = head_from_store(engine, tmp_path)
    lines = [r for r in status_rows(head / SUMMARY) if str(r[1]).startswith("站点：")]
    assert len(lines) == 2 and {r[7] for r in lines} == {"无法使用"} and all("发布时间无法识别" in str(r[8]) for r in lines)


def test_the_extra_lines_of_all_sites_are_capped_once(tmp_path: Path) -> None:
    """Digest and letter lines: at most 200 in 数据状态 across all sites, the last saying how many more."""
    from automation.store import Stored
    from automation.summary.outbox import MAX_LINES
    from automation.summary.sites import encode_meta, from_store

    settings = parse_settings({})
    stored = []
    for site in ("A", "B"):
        extra = [([site, f"通知书{i}", "", None, None, None, None, "已改动", "手工修改"], None) for i in range(150)]
        meta = encode_meta(site=site, folders=[site], branches=[site], status=([], [], {}), extra=extra, as_of=AS_OF)
        stored.append(Stored(Publication(site=site, origin=site, seq=1, published_at=AS_OF, meta=meta, folders=(site,))))
    got = from_store(tmp_path, settings, AS_OF, stored)
    lines = [row for row, _ in got.extra if not str(row[1]).startswith("站点：")]
    assert len(lines) == MAX_LINES and lines[-1][1] == "另有 101 条"
    assert [row[0] for row in lines[:150]] == ["A"] * 150


# ------------------------------------------------------------------------------------------ PostgreSQL only


@pytest.fixture
def postgres(pg: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    return Engine("postgresql", tmp_path, monkeypatch, pg)


def test_a_site_role_writes_only_its_own_rows(postgres: Engine) -> None:
    """Row-level security: the role of site A cannot publish as B, nor change or remove B's rows by hand; the
    head office's reading role cannot write at all."""
    owner = postgres.open()
    assert owner.publish(publication("B", 1, origin="b"))
    owner.close()
    a_url = postgres.role("automation_site", "A")
    a = open_store(Path("."), url=a_url)
    assert a.publish(publication("A", 1, origin="a"))
    with pytest.raises(StoreError) as refused:
        a.publish(publication("B", 2, origin="b"))
    assert "row-level security" in refused.value.en
    a.close()
    import psycopg

    with psycopg.connect(a_url, autocommit=True) as db:  # the same role, by hand
        assert db.execute("UPDATE sites SET seq = 99 WHERE site = 'B'").rowcount == 0
        assert db.execute("DELETE FROM workbooks WHERE site = 'B'").rowcount == 0
        assert db.execute("DELETE FROM bodies").rowcount == 0  # every body is still pointed at
    reader = open_store(Path("."), url=postgres.role("automation_reader"))
    assert {s.publication.site for s in reader.latest()} == {"A", "B"}
    with pytest.raises(StoreError):
        reader.publish(publication("C", 1, origin="c"))
    reader.close()
    assert postgres.execute("SELECT site, seq FROM sites ORDER BY site") == [("A", 1), ("B", 1)]


def test_no_site_can_plant_a_body_under_a_digest(postgres: Engine) -> None:
    """A body is what its digest says whoever writes it: a site cannot store wrong bytes under a digest another
    site will publish later."""
    import psycopg

    url = postgres.role("automation_site", "A")
    planted = "0" * 64
    with psycopg.connect(url, autocommit=True) as db, pytest.raises(psycopg.errors.CheckViolation):
        db.execute("INSERT INTO bodies (sha256, body) VALUES (%s, %s)", (planted, b"lies"))


def test_a_wrong_password_is_one_line_and_local_work_goes_on(postgres: Engine, source: Path, tmp_path: Path) -> None:
    url = postgres.role("automation_site", "慈溪分公司", password="right")
    text = postgres.passfile.read_text(encoding="utf-8").replace(":right\n", ":wrong\n")
    postgres.passfile.write_text(text, encoding="utf-8")
    with pytest.raises(StoreError) as refused:
        open_store(Path("."), url=url)
    assert "password authentication failed" in refused.value.en and "\n" not in refused.value.en
    assert "wrong" not in refused.value.en and "wrong" not in refused.value.zh
    root = tmp_path / "company"
    shutil.copytree(source, root)
    toml(root / "automation.toml", store_settings(url, publish=True))
    reports, outcome = run_root(root, as_of=AS_OF)
    assert outcome is not None and outcome.written and all(r.written for r in reports if not r.error_zh)
    assert outcome.published is not None and "password authentication failed" in outcome.published.message("en")
    assert len(pending(root)) == 1


# ------------------------------------------------------------------------------------------ settings


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"store": {"url": "postgresql://clerk:secret@server/company"}}, "密码不能写在 automation.toml 中"),
        ({"store": {"url": "mysql://server/company"}}, "不支持的存储地址"),
        ({"store": {"publish": "yes"}}, "应为 true 或 false"),
        ({"site": {"name": "a/b"}}, "不含 / 或"),
        ({"site": {"folders": "分公司A"}}, "文件夹名称列表"),
        ({"store": {"url": "postgresql://clerk@server:99999/company"}}, "端口号无效"),
    ],
)
def test_store_settings_are_checked(table: dict, message: str) -> None:
    with pytest.raises(SettingsError) as refused:
        parse_settings(table)
    assert message in refused.value.zh


def test_the_settings_never_show_the_store_address() -> None:
    """Settings' repr keys the summary cache: where facts are published must not change them."""
    settings = parse_settings({"store": {"url": "postgresql://clerk@server/company", "publish": True},
                               "site": {"name": "慈溪", "folders": ["慈溪分公司"]}})  # fmt: skip
    assert repr(settings) == repr(parse_settings({}))
