"""The ``automation`` command line (§9): one function per command.

Every error becomes an exit code here and nowhere else: 0 no errors (warnings allowed), 1 at least one error
problem, 2 unusable input or usage. Nothing below this module prints or exits.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from . import __version__
from .problems import BilingualError, Problem
from .registers import REGISTERS
from .root import find_root
from .set_aside import SetAside, set_aside_files
from .settings import SETTINGS_FILE, load_settings

if TYPE_CHECKING:
    from .pipeline import WorkbookReport
    from .summary import SummaryOutcome

def _bilingual_help_panels() -> None:
    """Headings of typer's --help panels in both languages, as the help texts are (module constants typer reads
    when it renders; absent in older typers, then English stays)."""
    try:
        from typer import rich_utils
    except ImportError:  # typer without rich
        return
    for name, text in (("OPTIONS_PANEL_TITLE", "选项 Options"), ("ARGUMENTS_PANEL_TITLE", "参数 Arguments"),
                       ("COMMANDS_PANEL_TITLE", "命令 Commands"), ("ERRORS_PANEL_TITLE", "错误 Error")):
        if hasattr(rich_utils, name):
            setattr(rich_utils, name, text)


app = typer.Typer(
    help="售后服务登记簿自动化：校验、派工时限、汇总。 Excel registers for customer and after-sales service.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
calendar_app = typer.Typer(help="工作日历与派工时限。 Working calendar and dispatch deadlines.", invoke_without_command=True)
app.add_typer(calendar_app, name="calendar")

console = Console()
# Problems listed per workbook in the terminal; the rest are in the workbook's 校验结果 sheet and in --json.
TERMINAL_PROBLEMS = 100
err_console = Console(stderr=True)

DEFAULT_ROOT = Path("workbooks")
EXIT_OK, EXIT_PROBLEMS, EXIT_UNUSABLE = 0, 1, 2

Lang = Annotated[
    str | None,
    typer.Option(
        "--lang", show_default=False,
        help="输出语言 zh 或 en（默认取 automation.toml 的 output.language，没有则 zh）。 "
        "Output language: zh or en (default: the root's output.language, else zh).",
    ),
]
AsOf = Annotated[
    str | None,
    typer.Option("--as-of", help="以此时刻为“现在”，如 2026-11-29 或 '2026-11-29 10:00'。 Treat this instant as now."),
]
Json = Annotated[bool, typer.Option("--json", help="输出 JSON（§9 格式）。 Print one JSON object.")]
NoWrite = Annotated[bool, typer.Option("--no-write", help="只校验，不写回结果表。 Check only; write nothing back.")]
Root = Annotated[Path, typer.Argument(help="部署根目录。 Deployment root.")]


class UsageError(BilingualError):
    """Bad command-line input: reported in one line, exit 2."""


def _show_version(value: bool) -> None:
    if value:
        console.print(f"automation {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="显示版本后退出。 Show the version and exit."),
    ] = False,
) -> None:
    # Options of `automation` itself; the help text is the app's.
    pass


def parse_as_of(text: str | None) -> dt.datetime:
    """--as-of: a date and time, or a bare date meaning the end of that day (23:59); empty means now."""
    if not text:
        return dt.datetime.now().replace(second=0, microsecond=0)
    cleaned = text.strip().replace("T", " ").replace("/", "-")
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            value = dt.datetime.strptime(cleaned, fmt)
        except ValueError:
            continue
        # A bare date means the end of that working day, so "today's" calls count as past.
        return value.replace(hour=23, minute=59) if fmt == "%Y-%m-%d" else value
    raise UsageError(
        f"--as-of 的值「{text}」无法识别，应为 2026-11-29 或 2026-11-29 10:00",
        f"--as-of value '{text}' is not understood; use 2026-11-29 or 2026-11-29 10:00",
    )


def parse_call_time(text: str) -> dt.datetime:
    """START of `calendar deadline`: a date and a time. A bare date is refused: the time of a call decides its
    deadline, and guessing 23:59 (as --as-of does) would quietly move it to the next working day."""
    cleaned = text.strip().replace("T", " ").replace("/", "-")
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            return dt.datetime.strptime(cleaned, fmt)
        except ValueError:
            continue
    try:
        dt.datetime.strptime(cleaned, "%Y-%m-%d")
    except ValueError:
        raise UsageError(
            f"来电时间「{text}」无法识别，应写成日期加时间，如 \"2026-02-13 15:30\"",
            f"START '{text}' is not understood; give a date and a time, e.g. \"2026-02-13 15:30\"",
        ) from None
    raise UsageError(
        f"来电时间「{text}」只有日期，缺少时间：派工时限从来电的时刻算起，请写成 \"{cleaned} 15:30\" 这样的形式",
        f"START '{text}' is a date without a time: the deadline counts from the moment of the call; "
        f"write it like \"{cleaned} 15:30\"",
    )


def register_name(key: str | None, lang: str) -> str:
    """How a register is named to people: 叫修登记簿 in Chinese output, its English title in English."""
    register = REGISTERS.get(key or "")
    if register is None:
        return key or ""
    return register.title_en if lang == "en" else register.name


def in_sheet_order(problems: Sequence[Problem]) -> list[Problem]:
    """Problems as staff walk the workbook: sheet by sheet (in the order the checks met them), then row, then
    column; problems about a whole sheet (no row) first."""
    sheets: dict[str, int] = {}
    for p in problems:
        sheets.setdefault(p.sheet or "", len(sheets))

    def key(p: Problem) -> tuple[int, int, int, str]:
        letters = re.match(r"[A-Z]*", p.cell or "").group(0)  # type: ignore[union-attr]
        column = 0
        for ch in letters:
            column = column * 26 + ord(ch) - 64
        return sheets[p.sheet or ""], p.row or 0, column, p.code

    return sorted(problems, key=key)


def _require_root(root: Path) -> None:
    if not root.is_dir():
        raise UsageError(f"根目录不存在：{root}", f"root folder does not exist: {root}")


def _check_lang(lang: str | None, root: Path | None = None) -> str:
    """The language of a command's output: --lang when given, else the root's [output] language, else zh."""
    if lang is None:
        return settings_language(root)
    if lang not in ("zh", "en"):
        raise UsageError(f"--lang 应为 zh 或 en，实为 {lang}", f"--lang must be zh or en, got {lang}")
    return lang


def settings_language(root: Path | None) -> str:
    """[output] language of ``root`` (./workbooks when None); zh when there is no readable settings file (a bad
    one is reported by the command itself, in Chinese, the default)."""
    folder = root if root is not None else DEFAULT_ROOT
    try:
        if (folder / SETTINGS_FILE).is_file():
            return load_settings(folder).language
    except (BilingualError, OSError):
        pass
    return "zh"


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    )


def exit_code(reports: Sequence[WorkbookReport]) -> int:
    if any(r.error_zh for r in reports):
        return EXIT_UNUSABLE
    return EXIT_PROBLEMS if any(r.errors for r in reports) else EXIT_OK


def print_reports(
    reports: Sequence[WorkbookReport], lang: str, as_of: dt.datetime, as_json: bool,
    summary: SummaryOutcome | None = None, set_aside: Sequence[SetAside] | None = None,
) -> None:
    """The reports as §9's JSON object, or per workbook a line and a table of its problems in sheet order."""
    if as_json:
        payload: dict[str, object] = {
            "as_of": as_of.isoformat(),
            "workbooks": [r.to_json(lang) for r in reports],
            "errors": sum(r.errors for r in reports),
            "warnings": sum(r.warnings for r in reports),
        }
        if set_aside is not None:
            payload["set_aside"] = [item.to_json(lang) for item in set_aside]
        if summary is not None:
            payload["summary"] = {
                "path": str(summary.path), "written": summary.written,
                "copy": str(summary.copy) if summary.copy else None, "reason": summary.message(lang) if not summary.written else None,
            }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return
    en = lang == "en"
    for report in reports:
        title = f"{escape(report.name)}  [dim]{register_name(report.register, lang)} {escape(report.branch or '')}[/dim]"
        if report.error_zh:
            # One line however long (the terminal may fold it); the message is text, never markup.
            console.print(f"[bold red]✗[/] {title}: {escape(report.error(lang) or '')}", soft_wrap=True)
            continue
        mark = "[red]✗[/]" if report.errors else ("[yellow]![/]" if report.warnings else "[green]✓[/]")
        counts = (
            f"{report.errors} errors, {report.warnings} warnings, {report.rows} rows"
            if en
            else f"错误 {report.errors}，警告 {report.warnings}，共 {report.rows} 行"
        )
        if report.written:
            counts += "，已写回结果表" if not en else ", results written"
        elif report.reason and report.reason != "--no-write":
            counts += f"；未写回：{report.reason}" if not en else f"; not written: {report.reason_en or report.reason}"
        console.print(f"{mark} {title}  {counts}")
        for zh, en_text in report.notes:
            console.print(f"  [dim]{'note' if en else '提示'}：{escape(en_text if en else zh)}[/dim]", soft_wrap=True)
        _print_notices(report, lang)
        if not report.problems:
            continue
        table = RichTable(show_header=True, header_style="bold", show_lines=False, pad_edge=False)
        headers = ("Sheet", "Cell", "Level", "Code", "Message", "Article") if en else (
            "工作表", "单元格", "级别", "代码", "问题", "依据")
        for header in headers:
            table.add_column(header, overflow="fold")
        shown = in_sheet_order(report.problems)[:TERMINAL_PROBLEMS]
        for p in shown:
            error = p.severity == "error"
            colour = "red" if error else "yellow"
            # The level in words as well as colour: colour is lost when the output is piped or printed.
            level = ("error" if error else "warning") if en else ("错误" if error else "警告")
            table.add_row(escape(p.sheet or ""), p.cell or "", f"[{colour}]{level}[/]", f"[{colour}]{p.code}[/]",
                          escape(p.message(lang)), p.article)
        console.print(table)
        if len(report.problems) > len(shown):
            rest = len(report.problems) - len(shown)
            console.print(
                f"… {rest} more lines: see the sheet 校验结果 in the workbook, or --json" if en
                else f"… 另有 {rest} 条未显示：请看工作簿中的「校验结果」表，或用 --json"
            )
    print_set_aside(set_aside or (), lang)
    errors, warnings = sum(r.errors for r in reports), sum(r.warnings for r in reports)
    unusable = sum(1 for r in reports if r.error_zh)
    if en:
        console.print(f"[bold]{len(reports)} workbooks: {errors} errors, {warnings} warnings, {unusable} unusable[/]")
    else:
        console.print(f"[bold]共 {len(reports)} 个工作簿：错误 {errors}，警告 {warnings}，无法读取 {unusable}[/]")


def _print_notices(report: WorkbookReport, lang: str) -> None:
    """The one line about a contracts workbook's expiry notices, when there is news (written, kept, a bad
    template)."""
    outcome = report.notices
    if outcome is not None and outcome.newsworthy:
        colour = "red" if outcome.error_zh else ("yellow" if outcome.kept or outcome.busy or outcome.notes else "green")
        console.print(f"  [{colour}]{escape(outcome.line(lang))}[/]  [dim]{escape(report.name)}[/]", soft_wrap=True)


def print_set_aside(items: Sequence[SetAside], lang: str) -> None:
    """One line per file left out: suspected copies (疑似副本) and spreadsheets in a format that cannot be read."""
    for item in items:
        console.print(f"[yellow]![/] {escape(item.message(lang))}", soft_wrap=True)


def print_overview(reports: Sequence[WorkbookReport], lang: str) -> None:
    """The closing table of run/demo: one line per workbook."""
    en = lang == "en"
    table = RichTable(show_header=True, header_style="bold", pad_edge=False)
    headers = ("Workbook", "Register", "Branch", "Errors", "Warnings", "Results") if en else (
        "工作簿", "登记簿", "分公司", "错误", "警告", "结果表")
    for header in headers:
        table.add_column(header, overflow="fold")
    for r in reports:
        if r.error_zh:
            status = f"[red]{r.error(lang)}[/]"
        elif r.written:
            status = "written" if en else "已写回"
        else:
            status = f"[yellow]{(r.reason_en if en else r.reason) or ''}[/]"
        errors = f"[red]{r.errors}[/]" if r.errors else "0"
        warnings = f"[yellow]{r.warnings}[/]" if r.warnings else "0"
        table.add_row(escape(r.name), register_name(r.register, lang), escape(r.branch or ""), errors, warnings, status)
    console.print(table)
    for r in reports:
        _print_notices(r, lang)


@app.command("validate")
def validate_command(
    paths: Annotated[list[Path], typer.Argument(help="工作簿或文件夹。 Workbooks or folders.", show_default=False)],
    as_json: Json = False,
    lang: Lang = "zh",
    as_of: AsOf = None,
    no_write: NoWrite = False,
) -> None:
    """校验登记簿并报告每个问题所在单元格。 Check registers; report every problem at its cell."""
    missing = [p for p in paths if not p.exists()]
    lang = _check_lang(lang, find_root(paths[0]) if paths and not missing else None)
    moment = parse_as_of(as_of)
    if missing:
        raise UsageError(f"路径不存在：{missing[0]}", f"path does not exist: {missing[0]}")
    with _progress() as progress:
        task = progress.add_task("校验" if lang == "zh" else "checking", total=None)
        from .pipeline import validate_paths  # pandas and pandera: only for a command that reads workbooks

        reports = validate_paths(paths, as_of=moment, write=not no_write, progress=lambda _p: progress.advance(task))
    if not reports:
        raise UsageError("所给路径下没有登记簿", "no registers under the given paths")
    aside = _set_aside_under(paths)
    print_reports(reports, lang, moment, as_json, set_aside=aside or None)
    raise typer.Exit(exit_code(reports))


def _set_aside_under(paths: Sequence[Path]) -> list[SetAside]:
    """Copies and unsupported files inside the folders given to ``validate`` (files named one by one are what
    the user asked for: a copy named so is checked on its own)."""
    found: list[SetAside] = []
    for path in paths:
        if path.is_dir():
            root = find_root(path)
            folder = path.resolve()
            found += [item for item in set_aside_files(root, load_settings(root))
                      if folder == item.path.resolve().parent or folder in item.path.resolve().parents]
    return found


@app.command("run")
def run_command(
    root: Root = DEFAULT_ROOT,
    as_json: Json = False,
    as_of: AsOf = None,
    no_write: NoWrite = False,
    lang: Lang = "zh",
) -> None:
    """处理根目录下的全部登记簿，再生成总部汇总。 Process every register under ROOT, then build the summary."""
    lang = _check_lang(lang, root)
    moment = parse_as_of(as_of)
    reports, outcome = _run_everything(root, moment, write=not no_write, lang=lang)
    aside = set_aside_files(root, load_settings(root))
    if as_json:
        print_reports(reports, lang, moment, as_json=True, summary=outcome, set_aside=aside)
    else:
        print_overview(reports, lang)
        print_set_aside(aside, lang)
        _print_summary(outcome, lang)
    raise typer.Exit(exit_code(reports))


def _run_everything(
    root: Path, moment: dt.datetime, *, write: bool, lang: str
) -> tuple[list[WorkbookReport], SummaryOutcome | None]:
    from .summary import run_root, summary_sources

    _require_root(root)
    settings = load_settings(root)
    total = len(summary_sources(root, settings))
    if not total:
        raise UsageError(f"{root} 下没有登记簿（可用 automation init 创建）", f"no registers under {root} (create them with automation init)")
    with _progress() as progress:
        task = progress.add_task("处理" if lang == "zh" else "processing", total=total)
        reports, outcome = run_root(
            root, as_of=moment, write=write, settings=settings, progress=lambda _p: progress.advance(task)
        )
    return reports, outcome


def _print_summary(outcome: SummaryOutcome | None, lang: str) -> None:
    if outcome is None:
        return
    if outcome.branch_site:
        console.print("Branch site: the head office builds the summary from the store" if lang == "en"
                      else "分公司站点：汇总由总部从中央存储生成")  # fmt: skip
    elif outcome.written:
        console.print(("Summary: " if lang == "en" else "总部汇总：") + str(outcome.path))
    elif outcome.copy is not None:
        console.print(f"[yellow]{outcome.message(lang)}[/]")
    else:
        console.print(f"[red]{outcome.message(lang)}[/]")
    if outcome.published is not None:
        colour = "green" if outcome.published.problem is None else "yellow"
        console.print(f"[{colour}]{outcome.published.message(lang)}[/]")


@app.command("consolidate")
def consolidate_command(
    root: Root = DEFAULT_ROOT,
    as_of: AsOf = None,
    from_store: Annotated[
        bool,
        typer.Option("--from-store", help="从中央存储中各站点的最新发布生成汇总。 Build from every site's latest publication in the store."),
    ] = False,
    lang: Lang = "zh",
) -> None:
    """生成总部汇总（只重读有变化的登记簿）。 Build the head-office summary, re-reading only changed registers."""
    from .summary import build_from_store, build_summary

    lang = _check_lang(lang, root)
    _require_root(root)
    build = build_from_store if from_store else build_summary
    outcome = build(root, as_of=parse_as_of(as_of) if as_of else None)
    _print_summary(outcome, lang)
    raise typer.Exit(EXIT_OK if outcome.done else EXIT_UNUSABLE)


@app.command("refresh")
def refresh_command(
    root: Root = DEFAULT_ROOT,
    as_of: AsOf = None,
    lang: Lang = "zh",
) -> None:
    """立即刷新与时间有关的结果表和总部汇总。 Refresh the time-dependent result sheets and the summary now."""
    from .refresh import refresh_root

    lang = _check_lang(lang, root)
    moment = parse_as_of(as_of)
    _require_root(root)
    settings = load_settings(root)
    with _progress() as progress:
        task = progress.add_task("刷新" if lang == "zh" else "refreshing", total=None)
        reports, outcome = refresh_root(root, as_of=moment, settings=settings, progress=lambda _p: progress.advance(task))
    if not reports:
        raise UsageError(f"{root} 下没有与时间有关的登记簿", f"no time-dependent registers under {root}")
    print_overview(reports, lang)
    _print_summary(outcome, lang)
    raise typer.Exit(exit_code(reports))


@app.command("watch")
def watch_command(
    root: Annotated[Path, typer.Argument(help="要监视的部署根目录。 Deployment root to watch.")] = DEFAULT_ROOT,
    polling: Annotated[
        bool, typer.Option("--polling", help="轮询模式（网络共享盘）。 Poll instead of change events (network shares).")
    ] = False,
    interval: Annotated[float, typer.Option("--interval", help="轮询间隔秒数。 Polling interval in seconds.")] = 2.0,
    lang: Lang = None,
) -> None:
    """监视文件夹：保存即校验并写回结果。 Watch ROOT: check and write back each register when it is saved.

    --lang 只管本命令启动时的提示；监视日志的语言取 automation.toml 的 [output] language（日志由谁启动都一样）。
    --lang sets the language of the command's own messages; the watcher's log follows [output] language.
    """
    from .watch import watch

    _check_lang(lang, root)
    _require_root(root)
    load_settings(root)
    raise typer.Exit(watch(root, polling=polling, interval=interval, console=console))


@app.command("status")
def status_command(
    root: Root = DEFAULT_ROOT,
    as_json: Json = False,
    lang: Lang = "zh",
) -> None:
    """待写回的登记簿及原因（锁文件、打开者、时长）。 Workbooks whose results wait, and why."""
    from .status import waiting_workbooks

    lang = _check_lang(lang, root)
    _require_root(root)
    settings = load_settings(root)
    now = dt.datetime.now()
    waiting = waiting_workbooks(root, settings, now)
    outbox = _queued_publications(root)
    if as_json:
        payload: dict[str, object] = {"root": str(root), "waiting": [w.to_json(lang, now) for w in waiting]}
        if outbox is not None:
            payload["store_waiting"] = outbox
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        raise typer.Exit(EXIT_OK)
    en = lang == "en"
    if outbox is not None:
        since = outbox["since"].replace("T", " ")
        console.print(f"[yellow]Store: {outbox['count']} publication(s) waiting since {since}; sent with the next "
                      "processing[/]" if en else
                      f"[yellow]中央存储：{outbox['count']} 份发布待发送（最早 {since}），下次处理时发送[/]")  # fmt: skip
    if not waiting:
        console.print("Nothing waits: every result is written." if en else "没有待写回的登记簿：结果均已写回。")
        raise typer.Exit(EXIT_OK)
    table = RichTable(show_header=True, header_style="bold", pad_edge=False)
    for header in (("Workbook", "Why", "Last checked") if en else ("工作簿", "原因", "最近处理")):
        table.add_column(header, overflow="fold")
    for w in waiting:
        style = "red" if w.stale else "yellow"
        table.add_row(w.name, f"[{style}]{w.reason(lang)}[/]", (w.processed or "").replace("T", " "))
    console.print(table)
    stale = sum(w.stale for w in waiting)
    if en:
        console.print(f"{len(waiting)} waiting, {stale} with a probably stale lock (automation unlock FILE clears one).")
    else:
        console.print(f"共 {len(waiting)} 个待写回，其中 {stale} 个的锁文件可能是遗留的（用 automation unlock 文件 清除）。")
    raise typer.Exit(EXIT_OK)


def _queued_publications(root: Path) -> dict[str, object] | None:
    """How many snapshots wait in the site's outbox, and since when (None when none do)."""
    from .store import queued

    files = queued(root)
    if not files:
        return None
    try:
        since = dt.datetime.fromtimestamp(int(files[0].stem) / 1e6).isoformat(timespec="seconds")
    except (ValueError, OverflowError, OSError):
        since = ""
    return {"count": len(files), "since": since}


@app.command("unlock")
def unlock_command(
    file: Annotated[Path, typer.Argument(help="登记簿（或其锁文件）。 The workbook (or its lock file).", show_default=False)],
    force: Annotated[
        bool, typer.Option("--force", help="锁文件未过期也删除。 Remove even a recent lock.")
    ] = False,
    lang: Lang = "zh",
) -> None:
    """删除遗留的锁文件（只删锁文件）。 Remove a stale lock file of a workbook (nothing else)."""
    from .status import unlock

    lang = _check_lang(lang, find_root(file))
    removed = unlock(file, load_settings(find_root(file)), force=force)
    for lock, age in removed:
        if lang == "en":
            console.print(f"✓ removed {lock.path} ({lock.who('en')}, {age} old); the watcher now writes the results")
        else:
            console.print(f"✓ 已删除锁文件 {lock.path}（{lock.who()}，已存在 {age}）；监视程序随后写入结果")
    raise typer.Exit(EXIT_OK)


@app.command("notify")
def notify_command(
    root: Root = DEFAULT_ROOT,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="只显示将发送的内容，不发送。 Print what would be sent; send nothing.")
    ] = False,
    as_of: AsOf = None,
    lang: Lang = "zh",
) -> None:
    """发送到时的晨报（邮件、企业微信、钉钉、飞书）。 Send the morning digests that are due."""
    from .notify.cli import notify

    lang = _check_lang(lang, root)
    _require_root(root)
    raise typer.Exit(notify(root, load_settings(root), parse_as_of(as_of), dry_run=dry_run, lang=lang, console=console))


@app.command("templates")
def templates_command(
    out: Annotated[Path, typer.Option("--out", help="输出文件夹。 Output folder.")] = Path("workbooks/templates"),
    lang: Lang = None,
) -> None:
    """由登记簿模型重新生成空白模板。 Regenerate the blank register templates from the register model."""
    from .templates import write_templates

    _check_lang(lang)  # what it prints is file paths; --lang is checked so a wrong value is still refused
    for path in write_templates(out):
        console.print(f"✓ {path}")


@app.command("init")
def init_command(
    root: Annotated[Path, typer.Argument(help="要创建的部署根目录。 Root folder to lay out.")],
    branch: Annotated[
        list[str] | None, typer.Option("--branch", help="分公司名称，可重复。 Branch name; repeatable.")
    ] = None,
    lang: Lang = None,
) -> None:
    """创建目录结构与空白登记簿（§1）。 Lay out a root with blank registers."""
    from .templates import init_root, layout_paths

    lang = _check_lang(lang, root)
    branches = branch or []
    try:
        created = init_root(root, branches)
    except ValueError as exc:
        raise UsageError(str(exc), str(exc)) from None
    for path in created:
        console.print(f"✓ {path}")
    for path in sorted(set(layout_paths(root, branches)) - set(created)):
        console.print(f"[dim]- {path} (exists, kept)[/]" if lang == "en" else f"[dim]- {path}（已存在，未覆盖）[/]")


# The sample generator is tested up to this many call-ins per branch (customer codes KH + 5 digits run out beyond).
MAX_DEMO_ROWS = 50_000


@app.command("demo")
def demo_command(
    root: Annotated[Path, typer.Argument(help="示例公司的位置。 Where to create the sample company.")] = Path("demo"),
    rows: Annotated[int, typer.Option("--rows", help="每个分公司的叫修记录数。 Call-ins per branch.")] = 300,
    seed: Annotated[int, typer.Option("--seed", help="随机种子。 Random seed.")] = 20261129,
    as_of: AsOf = None,
    lang: Lang = "zh",
    force: Annotated[
        bool, typer.Option("--force", help="文件夹中已有登记簿也写入（原文件存入历史）。 Write over existing registers (kept in history).")
    ] = False,
) -> None:
    """生成示例公司（含预置错误）并处理。 Create a sample company with planted mistakes, then process it."""
    from .sample import build_sample
    from .sample.guard import keep_before_demo, mark_as_demo, not_from_demo

    lang = _check_lang(lang, root)
    if not 1 <= rows <= MAX_DEMO_ROWS:
        raise UsageError(f"--rows 应在 1 到 {MAX_DEMO_ROWS} 之间，实为 {rows}",
                         f"--rows must be between 1 and {MAX_DEMO_ROWS}, got {rows}")
    moment = parse_as_of(as_of)
    theirs = not_from_demo(root)
    if theirs and not force:
        example = theirs[0].relative_to(root).as_posix()
        raise UsageError(
            f"{root} 中已有不是示例数据的文件（如 {example}，共 {len(theirs)} 个），demo 不会覆盖；"
            "请换一个空文件夹，或加 --force（被替换的文件先存入 .automation/history/）",
            f"{root} already holds files the demo did not write (e.g. {example}, {len(theirs)} in all); nothing "
            "overwritten. Use an empty folder, or add --force (replaced files are kept in .automation/history/ first)",
        )
    kept = keep_before_demo(root)
    planted = build_sample(root, as_of=moment, seed=seed, rows=rows)
    mark_as_demo(root)
    if theirs and kept:
        console.print(f"[yellow]已替换 {len(kept)} 个文件，原文件保存在 {kept[0].parent.parent}[/]" if lang != "en"
                      else f"[yellow]{len(kept)} files replaced; the originals are in {kept[0].parent.parent}[/]")
    reports, outcome = _run_everything(root, moment, write=True, lang=lang)
    print_overview(reports, lang)
    print_set_aside(set_aside_files(root, load_settings(root)), lang)
    _print_summary(outcome, lang)
    summary = outcome.path if outcome is not None else root
    if lang == "en":
        console.print(f"Sample company in {root} with {len(planted)} planted mistakes. Open {summary} and the registers.")
    else:
        console.print(f"示例公司已生成于 {root}（预置错误 {len(planted)} 处）。请打开 {summary}（汇总）及各分公司文件夹下的登记簿。")


CalendarRoot = Annotated[
    Path | None,
    typer.Option(
        "--root", help="部署根目录（读取设置与节假日调整；默认 ./workbooks，没有则只用法定节假日）。 Deployment root.",
        show_default=False,
    ),
]


def _uncovered_note(year: int, lang: str = "zh") -> str:
    if lang == "en":
        return (
            f"Note: the holidays of {year} are not entered (or the year is not marked complete), so Monday to Friday "
            f"count as working days; enter them in 基础资料/节假日调整 and add a row of 类型 「全年已录入」 (or "
            f"complete_years = [{year}] under [calendar] in automation.toml)."
        )
    return (
        f"注意：{year} 年的节假日安排未录入（或未标明全年已录入），暂按周一至周五计算；请在 基础资料/节假日调整 "
        f"录入该年安排，录完后加一行 类型「全年已录入」（或在 automation.toml 的 [calendar] 写 complete_years = [{year}]）。"
    )


# Why a day is (not) a working day, in English (calendar.DayInfo.reason is Chinese: it goes into sheets).
_REASONS_EN = {"工作日": "working day", "周末": "weekend", "节日": "public holiday", "调休": "make-up working day",
               "覆盖": "override (基础资料/节假日调整)"}


@calendar_app.callback()
def calendar_command(
    ctx: typer.Context,
    year: Annotated[int | None, typer.Option("--year", help="显示哪一年（默认今年）。 Year to show.")] = None,
    root: CalendarRoot = None,
    lang: Lang = None,
) -> None:
    """显示一年的工作日历。 Show a year of the working calendar."""
    if ctx.invoked_subcommand is not None:
        # `automation calendar --root R --lang en deadline ...` uses R and en too
        ctx.obj = {"root": root, "lang": lang}
        return
    lang = _check_lang(lang, root)
    en = lang == "en"
    calendar = _calendar_for(root)
    year = year or dt.date.today().year
    if en:
        title = f"Working calendar {year}" + ("" if calendar.covered(year) else " (holidays not entered: Monday to Friday)")
        headers = ("Date", "Weekday", "Working", "Why", "Holiday")
    else:
        title = f"{year} 年工作日历" + ("" if calendar.covered(year) else "（节假日未录入，按周一至周五）")
        headers = ("日期", "星期", "上班", "原因", "节日")
    table = RichTable(title=title)
    for header in headers:
        table.add_column(header)
    working = 0
    for info in calendar.year_table(year):
        working += info.working
        if info.reason in ("工作日", "周末"):
            continue
        if en:
            table.add_row(info.day.isoformat(), f"{info.day:%a}", "yes" if info.working else "no",
                          _REASONS_EN.get(info.reason, info.reason), info.holiday_name or "")
        else:
            table.add_row(info.day.isoformat(), info.weekday_zh, "是" if info.working else "否", info.reason,
                          info.holiday_name_zh or "")
    console.print(table)
    console.print(f"{year}: {working} working days (the table lists only holidays, make-up days and overrides)" if en
                  else f"{year} 年共 {working} 个工作日（上表只列出节日、调休和覆盖的日子）")
    if not calendar.covered(year):
        console.print(f"[yellow]{escape(_uncovered_note(year, lang))}[/]")


def _calendar_for(root: Path | None):  # noqa: ANN202
    """The deployment's calendar: ROOT given must exist; without it ./workbooks is used when there is one,
    else the plain calendar (chinesecalendar, default work periods)."""
    from .calendar import WorkCalendar
    from .deployment import Deployment
    from .jobs import make_calendar

    if root is None:
        if not DEFAULT_ROOT.is_dir():
            return WorkCalendar()
        root = DEFAULT_ROOT
    _require_root(root)
    settings = load_settings(root)
    lookups = Deployment(root, settings, dt.datetime.now()).lookups(root)
    return make_calendar(settings, lookups.calendar_overrides, lookups.calendar_complete_years)


@calendar_app.command("deadline")
def deadline_command(
    ctx: typer.Context,
    start: Annotated[str, typer.Argument(help="来电时间（须含时间），如 '2026-02-13 15:30'。 Call time, with the time of day.")],
    hours: Annotated[float, typer.Option("--hours", help="工作小时数。 Working hours.")] = 6,
    root: CalendarRoot = None,
    lang: Lang = None,
) -> None:
    """计算应到达时间（START 须含时间）。 Print the deadline: START (a date and a time) plus HOURS working hours."""
    import numpy as np

    parent = ctx.obj or {}
    root = root if root is not None else parent.get("root")
    lang = _check_lang(lang if lang is not None else parent.get("lang"), root)
    moment = parse_call_time(start)
    calendar = _calendar_for(root)
    start64 = np.array([np.datetime64(moment, "m")])
    due = calendar.add_working_minutes(start64, int(round(hours * 60)))
    due_dt = due[0].astype("datetime64[m]").astype(dt.datetime)
    unit = "working hours" if lang == "en" else "工作小时"
    console.print(f"{moment:%Y-%m-%d %H:%M} + {hours:g} {unit} → {due_dt:%Y-%m-%d %H:%M}")
    # The deadline depends on every day from the call to the deadline (SPEC §5: a year is known only once declared).
    for y in calendar.uncovered_rows(start64, due):
        console.print(f"[yellow]{escape(_uncovered_note(y, lang))}[/]")


def _lang_of(args: list[str]) -> str:
    """The language of messages printed before or instead of the command (usage errors, refusals): --lang on the
    command line, else the [output] language of the root the arguments name (or of ./workbooks), else zh."""
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    for arg in args:
        if arg.startswith("-"):
            continue
        try:
            path = Path(arg)
            if path.exists():
                return settings_language(find_root(path))
        except (OSError, ValueError):
            continue
    return settings_language(None)


# Words of the command parser's messages (click's, English only) that the Chinese message names.
_TYPES_ZH = {"integer": "整数", "float": "数字", "number": "数字", "boolean": "是/否（true/false）", "path": "路径", "file": "文件",
             "directory": "文件夹", "choice": "可选值之一", "text": "文字"}


def _kinds(exc: BaseException) -> set[str]:
    """Class names of an exception and its bases. The parser's exceptions are matched by name: typer ships its
    own copy of click (typer._click) from 0.26 on and uses the click package before, so neither can be imported
    as *the* one."""
    return {cls.__name__ for cls in type(exc).__mro__}


def _param_name(param: object) -> str:
    """How a parameter is named on the command line: --hours for an option, PATHS for an argument."""
    if param is None:
        return ""
    opts = [o for o in getattr(param, "opts", []) if o.startswith("-")]
    if opts:
        return "/".join(opts)
    return str(getattr(param, "name", "") or "").upper()


def usage_message(exc: Exception, lang: str) -> str:
    """One line for a usage error of the command parser, in ``lang``, with the command's usage and where help is.

    click words these in English only; its exceptions carry what the message is about (the parameter, the option,
    the suggestions), so the Chinese line is built from them, and the English line is click's own.
    """
    kinds = _kinds(exc)
    ctx = getattr(exc, "ctx", None)
    command = ctx.command_path if ctx is not None else "automation"
    usage = " ".join(ctx.get_usage().split()).removeprefix("Usage: ") if ctx is not None else command
    english = " ".join(exc.format_message().split())  # type: ignore[attr-defined]
    if lang == "en":
        return f"{english} Usage: {usage}; see {command} --help"
    param = getattr(exc, "param", None)
    name = _param_name(param)
    if "MissingParameter" in kinds:
        kind = getattr(exc, "param_type", None) or (param.param_type_name if param is not None else "parameter")
        text = f"缺少选项 {name}" if kind == "option" else f"缺少参数 {name}"
    elif "NoSuchOption" in kinds:
        text = f"没有选项 {getattr(exc, 'option_name', '')}"
        possibilities = getattr(exc, "possibilities", None)
        if possibilities:
            text += f"（是不是 {'、'.join(sorted(possibilities))}？）"
    elif "BadOptionUsage" in kinds:
        option = getattr(exc, "option_name", "")
        needs = re.search(r"requires (?:an|\d+) arguments?", english)
        if needs:
            text = f"选项 {option} 后面缺少值"
        elif "does not take a value" in english:
            text = f"选项 {option} 后面不能带值"
        else:
            text = f"选项 {option} 用法有误（{english}）"
    elif "BadParameter" in kinds:
        value = re.search(r"'(.*?)' is not a valid (\w+)", english) or re.search(
            r"(?:a valid|as an?) (integer|float|number|boolean)", english)
        missing_path = re.search(r"(?:Path|File|Directory) '(.*)' does not exist", english)
        choice = re.search(r"'(.*?)' is not one of", english)
        if value and value.lastindex == 2:
            text = f"{name} 的值「{value.group(1)}」不是{_TYPES_ZH.get(value.group(2), '有效的值')}"
        elif value:
            text = f"{name} 的值不是{_TYPES_ZH[value.group(1)]}"
        elif missing_path:
            text = f"{name}：路径「{missing_path.group(1)}」不存在"
        elif choice:
            text = f"{name} 的值「{choice.group(1)}」不在可选值之中"
        else:
            text = f"{name} 的值无效（{english}）"
    else:
        extra = re.search(r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)", english)
        command_name = re.search(r"No such command '(.*?)'", english)
        if extra:
            text = f"多余的参数：{extra.group(1)}"
        elif command_name:
            text = f"没有命令 {command_name.group(1)}"
        else:
            text = f"命令行用法有误（{english}）"
    return f"{text}。用法：{usage}；说明见 {command} --help"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: run the app and turn every failure into one line and an exit code."""
    args = list(argv) if argv is not None else sys.argv[1:]
    lang = _lang_of(args)
    if not args or "--help" in args:
        _bilingual_help_panels()  # typer's help renderer (rich markdown and all): loaded only to show help
    try:
        code = app(args=list(argv) if argv is not None else None, prog_name="automation", standalone_mode=False)
    except typer.Exit as exc:
        return exc.exit_code
    except BilingualError as exc:
        err_console.print(f"[red]✗[/] {escape(exc.message(lang))}", soft_wrap=True)
        return EXIT_UNUSABLE
    except typer.Abort:
        err_console.print("[red]✗[/] " + ("aborted" if lang == "en" else "已中止"), soft_wrap=True)
        return EXIT_UNUSABLE
    except Exception as exc:  # noqa: BLE001 - usage errors of the command parser and anything unforeseen: one line
        _bilingual_help_panels()  # whatever typer shows from here on carries the bilingual headings
        if "NoArgsIsHelpError" in _kinds(exc):  # `automation` alone: the (bilingual) help, exit 2
            exc.show()  # type: ignore[attr-defined]
            return EXIT_UNUSABLE
        if "UsageError" in _kinds(exc):
            # Exit code 2 as click's own; the line in the chosen language.
            err_console.print(f"[red]✗[/] {escape(usage_message(exc, lang))}", soft_wrap=True)
            return EXIT_UNUSABLE
        show = getattr(exc, "show", None)
        if callable(show) and hasattr(exc, "exit_code"):  # the parser's own usage errors know how to show themselves
            show()
        else:
            err_console.print(f"[red]✗[/] {type(exc).__name__}: {exc}", soft_wrap=True)
        return EXIT_UNUSABLE
    return code if isinstance(code, int) else EXIT_OK


def run() -> None:
    sys.exit(main())
