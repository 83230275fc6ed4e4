"""Sites: publishing a root's facts to the central store, and the head-office summary built from the store.

A site is a root that holds some of the company's folders (``[site] folders``, all of its own by default) under
a name (``[site] name``, the root folder's name by default). After each summary build a site with
``[store] publish = true`` publishes, for the workbooks in those folders:

* their facts, exactly the bytes of the summary cache (:func:`~.collect.encode_facts`: links are stored without
  their file, which the reader supplies, and addresses and phone numbers never get in);
* its lines of 数据状态 (modification times, write-back state, missing registers, files deleted or set aside, the
  digest and letters), which only the site can see, as it has the files and the state database.

Publishing goes through a durable outbox (``.automation/store/``): the snapshot is written there first, then
sent; a store that cannot be reached leaves it there, and the next build sends what is pending, oldest first,
before its own. A snapshot replaces the site's whole previous one, so a newer one makes an older pending one
pointless: it is dropped when the newer is queued. The sequence number only grows (kept in ``site.json`` beside
the outbox), so the store never takes an older snapshot over a newer one, whatever order they arrive in.

``automation consolidate --from-store`` builds the summary from the latest snapshot of every site. 数据状态 then
also has one line per site: when it last published, flagged when that is more than a working day ago; a site
whose snapshot is damaged, or was published by another version of the product, is one line and contributes
nothing else.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import secrets
import time
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..calendar import WorkCalendar
from ..deployment import Deployment
from ..jobs import make_calendar
from ..problems import BilingualError
from ..remote_lookups import encode
from ..settings import Settings
from ..store import Publication, Store, Stored, StoreError, open_store, queued, site_dir
from ..writeback import work_dir
from ..xlsx.safe_write import write_file_atomically
from ..xlsx.sheet_xml import Link
from .build import ERROR_FILL, WARNING_FILL, StatusRows, SummaryInput, link_target
from .collect import CACHE_VERSION, CacheFormatError, WorkbookFacts, decode_facts, encode_facts
from .outbox import cap_lines, outbox_lines

SITE_FILE = "site.json"
META_VERSION = 1  # of the meta document below; bumped with CACHE_VERSION's meaning or on its own


# ---------------------------------------------------------------------------------------------- the site


def site_name(root: Path, settings: Settings) -> str:
    return settings.site_name or root.resolve().name


def site_folders(root: Path, settings: Settings, folders: Iterable[str]) -> list[str]:
    """The folders (head office, branches) this site holds, of those present on disk."""
    present = [f for f in folders if (root / f).is_dir()]
    return [f for f in present if f in settings.site_folders] if settings.site_folders else present


@dataclass
class _SiteFile:
    origin: str
    seq: int
    as_of: dt.datetime | None = None  # of the last snapshot queued


def _site_file(root: Path) -> Path:
    return site_dir(root) / SITE_FILE


def _known(root: Path) -> _SiteFile | None:
    """What site.json says; None for a new site. A damaged file is set aside (the store then names the way back:
    the new origin is refused as a collision, see sql.py)."""
    path = _site_file(root)
    try:
        known = json.loads(path.read_text(encoding="utf-8"))
        origin, last, as_of = known["origin"], known["seq"], known.get("as_of")
        if type(origin) is not str or type(last) is not int or not origin:
            raise ValueError("site.json")
        return _SiteFile(origin, last, dt.datetime.fromisoformat(as_of) if type(as_of) is str else None)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        with contextlib.suppress(OSError):
            path.replace(path.with_suffix(".damaged"))  # kept for a look
        return None


def _next(root: Path, as_of: dt.datetime) -> _SiteFile:
    """This root's origin (made once) and the next sequence number: the clock in microseconds, but always above
    the last one used (a clock set back never makes a snapshot look older than one already sent)."""
    known = _known(root) or _SiteFile(secrets.token_hex(16), 0)
    seq = max(time.time_ns() // 1000, known.seq + 1)
    path = _site_file(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"origin": known.origin, "seq": seq, "as_of": as_of.isoformat()}
    write_file_atomically(path, json.dumps(body).encode("utf-8"), work_dir(root))
    return _SiteFile(known.origin, seq, as_of)


def is_current(root: Path, as_of: dt.datetime) -> bool:
    """Whether a build as of ``as_of`` may replace the site's published snapshot: not a what-if run of an earlier
    day than the last snapshot (``--as-of``), nor one of the future."""
    known = _known(root)
    if as_of > dt.datetime.now() + dt.timedelta(hours=1):
        return False
    return known is None or known.as_of is None or as_of >= known.as_of


# ---------------------------------------------------------------------------------------------- meta


def _cell_to_json(value: object) -> object:
    if isinstance(value, Link):
        return {"$l": value.text}  # a workbook's own path; the reader makes the link relative to its summary
    if isinstance(value, dt.datetime):
        return {"$t": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$d": value.isoformat()}
    if value is None or type(value) in (str, int, float):
        return value
    raise CacheFormatError(f"a 数据状态 value of type {type(value).__name__}")


def _cell_from_json(value: object, root: Path, summary: Path) -> object:
    if isinstance(value, dict) and len(value) == 1:
        ((tag, inner),) = value.items()
        if type(inner) is str:
            if tag == "$l":
                return Link(inner, file=link_target(root, summary, inner))
            if tag == "$t":
                return dt.datetime.fromisoformat(inner)
            if tag == "$d":
                return dt.date.fromisoformat(inner)
    if value is None or type(value) in (str, int, float):
        return value
    raise CacheFormatError("a 数据状态 value")


def encode_meta(*, site: str, folders: Sequence[str], branches: Sequence[str], status: StatusRows,
                extra: Sequence[tuple[list[object], str | None]], as_of: dt.datetime) -> bytes:  # fmt: skip
    """The site's own lines: its folders and branches, and its 数据状态 rows (only those of its folders)."""
    rows, fills, notes = status
    mine = [(r, f) for r, f in zip(rows, fills, strict=True) if str(r[0]) in folders]
    body = {
        "version": [META_VERSION, CACHE_VERSION],
        "site": site,
        "as_of": as_of.isoformat(),
        "folders": list(folders),
        "branches": [b for b in branches if b in folders],
        "rows": [[_cell_to_json(v) for v in r] for r, _ in mine],
        "fills": [f for _, f in mine],
        "notes": {k: v for k, v in notes.items() if k in folders},
        "extra": [[[_cell_to_json(v) for v in r], f] for r, f in extra if str(r[0]) in folders],
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass
class SiteMeta:
    site: str
    as_of: dt.datetime  # of the facts: what "overdue" and "this month" meant at the site
    folders: list[str]
    branches: list[str]
    rows: list[list[object]]
    fills: list[str | None]
    notes: dict[str, list[str]]
    extra: list[tuple[list[object], str | None]]


def decode_meta(data: bytes, root: Path, summary: Path) -> SiteMeta:
    """A site's meta, checked value by value; CacheFormatError for anything else (another version included)."""
    raw = json.loads(data.decode("utf-8"))
    if type(raw) is not dict or raw.get("version") != [META_VERSION, CACHE_VERSION]:
        raise CacheFormatError("meta of another version")

    def texts(value: object) -> list[str]:
        if type(value) is not list or not all(type(v) is str for v in value):
            raise CacheFormatError("a list of text")
        return list(value)

    def row(value: object) -> list[object]:
        if type(value) is not list:
            raise CacheFormatError("a row")
        return [_cell_from_json(v, root, summary) for v in value]

    def fill(value: object) -> str | None:
        if value is not None and type(value) is not str:
            raise CacheFormatError("a fill")
        return value

    rows = [row(r) for r in raw["rows"]]
    fills = [fill(f) for f in raw["fills"]]
    if len(rows) != len(fills) or type(raw["notes"]) is not dict or type(raw["extra"]) is not list:
        raise CacheFormatError("meta's parts")
    extra = []
    for item in raw["extra"]:
        if type(item) is not list or len(item) != 2:
            raise CacheFormatError("an extra line")
        extra.append((row(item[0]), fill(item[1])))
    return SiteMeta(site=str(raw["site"]), as_of=dt.datetime.fromisoformat(raw["as_of"]), folders=texts(raw["folders"]), branches=texts(raw["branches"]),
                    rows=rows, fills=fills, notes={str(k): texts(v) for k, v in raw["notes"].items()},
                    extra=extra)  # fmt: skip


# ---------------------------------------------------------------------------------------------- publishing


def snapshot(root: Path, settings: Settings, inp: SummaryInput, status: StatusRows) -> Publication:
    """This site's publication of a summary input it has just computed (``status``: its 数据状态 rows)."""
    folders = site_folders(root, settings, [*inp.branches, inp.head_office])
    bodies = {}
    for facts in inp.facts:
        if facts.branch in folders:
            bodies[facts.path] = encode_facts(facts, link_target(root, inp.summary_path, facts.path))
    extra = outbox_lines(root, settings, inp.as_of, [*inp.branches, inp.head_office], capped=False)
    meta = encode_meta(site=site_name(root, settings), folders=folders, branches=inp.branches, status=status,
                       extra=extra, as_of=inp.as_of)  # fmt: skip
    lookups = _head_office_lookups(root, settings, inp) if inp.head_office in folders else b""
    ids = _next(root, inp.as_of)
    return Publication(site=site_name(root, settings), origin=ids.origin, seq=ids.seq,
                       published_at=dt.datetime.now().replace(microsecond=0), meta=meta, folders=tuple(folders),
                       bodies=bodies, lookups=lookups)  # fmt: skip


def _head_office_lookups(root: Path, settings: Settings, inp: SummaryInput) -> bytes:
    """What the branch sites look up at the head office (:mod:`automation.remote_lookups`). Read from 基础资料
    and 客户档案 only when their content changed since the last publication (kept in ``shared.json``)."""
    key = json.dumps(sorted((f.path, f.sha256 or "") for f in inp.facts
                            if f.branch == inp.head_office and f.register in ("master", "customers")))  # fmt: skip
    kept = site_dir(root) / "shared.json"
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        known = json.loads(kept.read_text(encoding="utf-8"))
        if known["key"] == key and type(known["lookups"]) is str:
            return known["lookups"].encode("utf-8")
    deployment = Deployment(root, settings, inp.as_of)
    data = encode(lambda register, sheet: deployment.register_tables(deployment.head_office, register, sheet))
    with contextlib.suppress(OSError):
        kept.parent.mkdir(parents=True, exist_ok=True)
        write_file_atomically(kept, json.dumps({"key": key, "lookups": data.decode("utf-8")},
                                               ensure_ascii=False).encode("utf-8"), work_dir(root))  # fmt: skip
    return data


def _to_file(p: Publication) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        head = {"site": p.site, "origin": p.origin, "seq": p.seq, "published_at": p.published_at.isoformat(),
                "folders": list(p.folders), "paths": list(p.bodies)}  # fmt: skip
        zf.writestr("publication.json", json.dumps(head, ensure_ascii=False))
        zf.writestr("meta", p.meta)
        zf.writestr("lookups", p.lookups)
        for i, body in enumerate(p.bodies.values()):
            zf.writestr(f"body/{i}", body)
    return out.getvalue()


def _from_file(data: bytes) -> Publication:
    """A queued snapshot; raises (any kind) for a file that is not exactly what :func:`_to_file` writes."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        head = json.loads(zf.read("publication.json"))
        if type(head) is not dict or type(head.get("seq")) is not int or type(head.get("paths")) is not list:
            raise ValueError("not a queued snapshot")
        bodies = {str(path): zf.read(f"body/{i}") for i, path in enumerate(head["paths"])}
        return Publication(site=str(head["site"]), origin=str(head["origin"]), seq=int(head["seq"]),
                           published_at=dt.datetime.fromisoformat(head["published_at"]), meta=zf.read("meta"),
                           folders=tuple(str(f) for f in head["folders"]), bodies=bodies,
                           lookups=zf.read("lookups"))  # fmt: skip


def queue(root: Path, publication: Publication) -> Path:
    """Write the snapshot to the outbox (durably) and drop the older ones it makes pointless."""
    folder = site_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{publication.seq:020d}.pub"
    write_file_atomically(path, _to_file(publication), work_dir(root))
    for older in pending(root):
        if older.name < path.name:
            with contextlib.suppress(OSError):
                older.unlink()
    return path


pending = queued  # the outbox's snapshots, oldest first


@dataclass(frozen=True)
class Sent:
    """What became of a publication: sent (or found older than the store's), or still waiting and why."""

    sent: int
    waiting: int
    problem: BilingualError | None = None

    def message(self, lang: str = "zh") -> str:
        if self.problem is None:
            return "已发布到中央存储" if lang == "zh" else "published to the store"
        reason = self.problem.zh if lang == "zh" else self.problem.en
        return (f"未能发布到中央存储，{self.waiting} 份待发送（{reason}）" if lang == "zh"
                else f"not published to the store, {self.waiting} waiting ({reason})")  # fmt: skip


def send_pending(root: Path, settings: Settings, store: Store | None = None) -> Sent:
    """Send the outbox's snapshots, oldest first; each leaves the outbox once the store has it (or a newer one).
    A store that cannot be reached leaves them for the next time; nothing is raised."""
    sent = 0
    paths = pending(root)
    try:
        store = store or open_store(root, settings)
    except StoreError as exc:
        return Sent(0, len(paths), exc)
    try:
        for path in paths:
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                continue  # another process sent it, or queued a newer one
            except OSError as exc:  # a share's hiccup, a scanner's lock: the file stays for the next time
                return Sent(sent, len(pending(root)), StoreError(f"待发送文件暂时无法读取（{exc.strerror}）",
                                                                 f"a queued file cannot be read now ({exc.strerror})"))  # fmt: skip
            try:
                publication = _from_file(data)
            except Exception as exc:  # noqa: BLE001 - whatever the damage (zip, zlib, JSON, types), it is one line
                with contextlib.suppress(OSError):
                    path.replace(path.with_suffix(".damaged"))  # kept for a look, never sent
                detail = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
                problem = StoreError(f"待发送文件已损坏，已改名为 {path.stem}.damaged（{detail}）",
                                     f"a queued file is damaged, renamed {path.stem}.damaged ({detail})")  # fmt: skip
                return Sent(sent, len(pending(root)), problem)
            try:
                store.publish(publication)
            except StoreError as exc:
                return Sent(sent, len(pending(root)), exc)
            with contextlib.suppress(OSError):
                path.unlink()
            sent += 1
    finally:
        store.close()
    return Sent(sent, 0)


def waiting_line(sent: Sent) -> tuple[list[object], str | None]:
    """数据状态's line at a site whose publication waits in the outbox."""
    return (["", "中央存储", "中央存储", None, None, None, None, "待发布", sent.message("zh")], WARNING_FILL)


def publish(root: Path, settings: Settings, inp: SummaryInput, status: StatusRows) -> Sent | None:
    """Queue this build's snapshot and send everything pending; None (nothing done) for a what-if run of another
    day (:func:`is_current`), which must not replace the site's live snapshot."""
    if not is_current(root, inp.as_of):
        return None
    try:
        queue(root, snapshot(root, settings, inp, status))
    except (OSError, CacheFormatError, TypeError, ValueError, OverflowError) as exc:
        return Sent(0, len(pending(root)), StoreError(f"无法生成发布内容（{exc}）", f"cannot make the publication ({exc})"))
    return send_pending(root, settings)


# ---------------------------------------------------------------------------------------------- the head office


@dataclass
class FromStore:
    """What the store holds, ready for the summary: facts, 数据状态 parts, and one line per site."""

    branches: list[str]
    facts: list[WorkbookFacts]
    status: StatusRows
    extra: list[tuple[list[object], str | None]]


def site_line(stored: Stored, as_of: dt.datetime, calendar: WorkCalendar, day_minutes: int, problem: str | None,
              data_as_of: dt.datetime | None = None) -> tuple[list[object], str | None]:  # fmt: skip
    """数据状态's line of one site: when it last published, flagged when silent for more than a working day."""
    p = stored.publication
    name = f"站点：{p.site}"
    when: object = p.published_at if p.published_at != dt.datetime.min else None
    if problem is None and when is None:
        problem = "发布时间无法识别，数据未计入"
    if problem is not None:
        return ["", name, "中央存储", None, when, None, None, "无法使用", problem], ERROR_FILL
    try:
        silent = float(calendar.working_minutes_between(p.published_at, as_of)) > day_minutes
    except (ValueError, OverflowError):  # a time the calendar cannot span: long silent, or never right
        silent = True
    if silent:
        return (["", name, "中央存储", None, when, None, None, "发布中断",
                 f"超过一个工作日没有发布（最后发布于 {p.published_at:%Y-%m-%d %H:%M}）"], WARNING_FILL)  # fmt: skip
    if data_as_of is not None and data_as_of.date() != as_of.date():
        return (["", name, "中央存储", None, when, None, None, "已发布",
                 f"数据截至 {data_as_of:%Y-%m-%d %H:%M}（超时、逾期等按当时计算）"], None)  # fmt: skip
    return ["", name, "中央存储", None, when, None, None, "已发布", None], None


def from_store(root: Path, settings: Settings, as_of: dt.datetime, stored: Sequence[Stored]) -> FromStore:
    summary = root / settings.summary
    calendar = make_calendar(settings, {})
    day_minutes = sum(end - start for start, end in settings.work_periods)
    facts: list[WorkbookFacts] = []
    rows: list[list[object]] = []
    fills: list[str | None] = []
    notes: dict[str, list[str]] = {}
    extra: list[tuple[list[object], str | None]] = []
    sites: list[tuple[list[object], str | None]] = []
    branches: set[str] = set()
    owner: dict[str, str] = {}  # folder -> the site whose rows of it are used
    # In code-point order whatever the database's collation: which site keeps a shared folder, and every sum,
    # must not depend on the server's locale.
    for item in sorted(stored, key=lambda s: s.publication.site):
        p = item.publication
        problem, meta = None, None
        if item.damaged:
            problem = f"发布内容校验不符，已忽略（{', '.join(item.damaged[:3])}）"
        else:
            try:
                meta = decode_meta(p.meta, root, summary)
                decoded = [decode_facts(p.bodies[path], path, link_target(root, summary, path)) for path in sorted(p.bodies)]
                if any(f is None for f in decoded):
                    raise CacheFormatError("facts of another version")
            except Exception:  # noqa: BLE001 - whatever the content, the site is one line
                problem = "由另一版本的程序发布，或内容无法识别；请两边使用同一版本"
            else:
                problem = _foreign(meta, p, decoded, owner)
        sites.append(site_line(item, as_of, calendar, day_minutes, problem, meta.as_of if meta else None))
        if problem is not None:
            continue
        owner.update(dict.fromkeys(meta.folders, p.site))
        facts.extend(f for f in decoded if f is not None)
        rows.extend(meta.rows)
        fills.extend(meta.fills)
        for branch, lines in meta.notes.items():
            notes.setdefault(branch, []).extend(lines)
        extra.extend(meta.extra)
        branches.update(b for b in meta.branches if b != settings.head_office)
    order = {b: i for i, b in enumerate([*sorted(branches), settings.head_office])}
    # The sites' rows in the order one root would give them (branch order, then the workbook), and their other
    # lines after them in branch order (each site's own order kept).
    paired = sorted(zip(rows, fills, strict=True), key=lambda rf: (order.get(str(rf[0][0]), len(order)), _text(rf[0][1])))
    extra.sort(key=lambda line: order.get(str(line[0][0]), len(order)))
    return FromStore(
        branches=sorted(branches),
        facts=facts,
        status=([r for r, _ in paired], [f for _, f in paired], notes),
        extra=[*cap_lines(extra), *sites],
    )


def _foreign(meta: SiteMeta, p: Publication, facts: Sequence[WorkbookFacts | None], owner: dict[str, str]) -> str | None:
    """Why a site's snapshot must not be counted: it holds a workbook outside the folders it says it holds, or
    a folder another site (first by name) already publishes."""
    if sorted(meta.folders) != sorted(p.folders):
        return "发布内容前后不一致（文件夹列表不符），数据未计入"
    outside = [f.path for f in facts if f is not None and (f.branch not in meta.folders or f.path.split("/")[0] != f.branch)]
    if outside:
        return f"发布了不属于本站点文件夹的工作簿（{outside[0]}），数据未计入"
    shared = [f for f in meta.folders if f in owner]
    if shared:  # counted once: the site first by name keeps the folder
        return f"与站点「{owner[shared[0]]}」都发布了文件夹「{shared[0]}」（一个文件夹只能属于一个站点），本站点的数据未计入"
    return None


def _text(value: object) -> str:
    return str(value.text if isinstance(value, Link) else value)


__all__ = ["FromStore", "Sent", "from_store", "publish", "send_pending", "site_name", "snapshot", "waiting_line"]
