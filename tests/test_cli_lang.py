"""The command line in the chosen language (issue 14, finding 7): the parser's own errors, register names, the
级别 column, problems in sheet order, --version, --lang on every command, a call time without a time refused."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import typer.main
from conftest import write_workbook

from automation import __version__
from automation.cli import app, main

CONTRACTS = [
    ["合同编号", "客户代码", "客户名称", "商品型号", "开始日期", "到期日期", "合同金额(元)", "合同状态"],
    ["HT-001", "KH00001", "宁波甬江机械有限公司", "CNC-650", dt.date(2026, 1, 1), dt.date(2026, 12, 31), 1200, "有效"],
    ["HT-002", "KH00001", "宁波甬江机械", "CNC-650", dt.date(2026, 1, 1), dt.date(2025, 12, 31), 1200, "有效"],
    ["HT-003", "KH00001", "宁波甬江机械有限公司", "CNC-650", dt.date(2026, 1, 1), dt.date(2025, 6, 30), 1200, "有效"],
]
CJK = re.compile(r"[\u4e00-\u9fff]")

# (arguments, what the Chinese line says, what the English line says): the parser's errors, each exit 2.
USAGE_ERRORS = [
    (["validate"], "缺少参数 PATHS", "Missing argument"),
    (["calendar", "deadline"], "缺少参数 START", "Missing argument"),
    (["demo", "--rows", "abc"], "--rows 的值不是整数", "--rows"),
    (["calendar", "deadline", "2026-02-13 15:30", "--hours", "x"], "--hours 的值不是数字", "--hours"),
    (["demo", "--rowz", "3"], "没有选项 --rowz（是不是 --rows？）", "No such option"),
    (["run", "--json", "--lang"], "选项 --lang 后面缺少值", "requires an argument"),
    (["frobnicate"], "没有命令 frobnicate", "No such command"),
    (["run", "a", "b"], "多余的参数：b", "unexpected extra argument"),
]


@pytest.mark.parametrize(("args", "zh", "en"), USAGE_ERRORS)
def test_parser_errors_in_both_languages(tmp_path, monkeypatch, capsys, args, zh, en):
    monkeypatch.chdir(tmp_path)  # no ./workbooks: the default language is zh
    assert main(args) == 2
    err = capsys.readouterr().err
    assert zh in err and "说明见 automation" in err and "--help" in err
    assert "Missing parameter" not in err and "Error:" not in err
    assert len(err.strip().splitlines()) == 1  # one line, as every refusal
    assert main([*args, "--lang", "en"] if args[-1] != "--lang" else [*args[:-1], "--lang=en", "--lang"]) == 2
    err = capsys.readouterr().err
    assert en in err and not CJK.search(err), err


def test_parser_errors_follow_the_settings_language(tmp_path, monkeypatch, capsys):
    (tmp_path / "workbooks").mkdir()
    (tmp_path / "workbooks" / "automation.toml").write_text('[output]\nlanguage = "en"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["validate"]) == 2
    assert "Missing argument" in capsys.readouterr().err
    assert main(["validate", "--lang", "zh"]) == 2
    assert "缺少参数" in capsys.readouterr().err


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"automation {__version__}"


def test_every_command_takes_lang():
    group = typer.main.get_command(app)
    commands = dict(group.commands)
    commands.update({f"calendar {n}": c for n, c in group.commands["calendar"].commands.items()})
    for name, command in commands.items():
        options = {opt for param in command.params for opt in getattr(param, "opts", [])}
        assert "--lang" in options, name


def test_chinese_register_names_level_column_and_sheet_order(root, capsys):
    path = write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": CONTRACTS})
    assert main(["validate", str(path), "--as-of", "2026-11-27 16:00", "--no-write"]) == 1
    out = capsys.readouterr().out
    assert "保养合同" in out.splitlines()[0] and "contracts" not in out
    assert "级别" in out and "错误" in out and "警告" in out  # the level in words, not colour alone
    cells = re.findall(r"\b([A-H])([34])\b", out)
    rows = [int(r) for _, r in cells]
    assert rows == sorted(rows) and rows[0] == 3  # row 3's problems (C3, F3) before row 4's (F4)
    main(["validate", str(path), "--as-of", "2026-11-27 16:00", "--no-write", "--lang", "en"])
    out = capsys.readouterr().out
    assert "maintenance contracts" in out and "Level" in out and "error" in out and "warning" in out


def test_run_overview_names_registers_in_chinese(root, capsys):
    write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": CONTRACTS[:2]})
    main(["run", str(root), "--as-of", "2026-11-27 16:00", "--no-write"])
    out = capsys.readouterr().out
    assert "基础资料" in out and "客户档案" in out and "保养合同" in out
    assert not re.search(r"\b(master|customers|contracts)\b", out)


def test_deadline_refuses_a_date_without_a_time(capsys):
    assert main(["calendar", "deadline", "2026-02-13"]) == 2
    err = capsys.readouterr().err
    assert "只有日期" in err and '"2026-02-13 15:30"' in err
    assert main(["calendar", "deadline", "2026-02-13", "--lang", "en"]) == 2
    assert 'write it like "2026-02-13 15:30"' in capsys.readouterr().err
    assert main(["calendar", "--lang", "en", "deadline", "2026/02/13"]) == 2
    assert "without a time" in capsys.readouterr().err


def test_calendar_in_english(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["calendar", "deadline", "2026-02-13 15:30", "--hours", "6", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "working hours" in out and not CJK.search(out)
    assert main(["calendar", "--year", "2026", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Working calendar 2026" in out and "Spring Festival" in out and "working days" in out
    assert main(["calendar", "--year", "2026"]) == 0
    assert "2026 年工作日历" in capsys.readouterr().out
