"""The rule catalogue, its documentation and the source stay in step; the README's commands are the CI's."""

from __future__ import annotations

import re
from pathlib import Path

from automation.catalogue import RULES, rules_markdown

ROOT = Path(__file__).resolve().parent.parent
CODE = re.compile(r'"((?:XLS|TYP|COL|REF|STF|MST|CUS|NEW|DEM|CON|EQP|CAL|SUR|ITM|WRK|CLD|SYS)\d{3})"')


def source_codes() -> set[str]:
    codes: set[str] = set()
    for path in (ROOT / "automation").rglob("*.py"):
        if path.name == "catalogue.py":
            continue
        codes |= set(CODE.findall(path.read_text(encoding="utf-8")))
    return codes


def test_every_code_used_in_the_source_is_in_the_catalogue():
    assert source_codes() - set(RULES) == set()


def test_every_catalogue_code_is_used_somewhere():
    assert set(RULES) - source_codes() == set()


def test_every_rule_has_both_messages_and_a_known_family():
    for rule in RULES.values():
        assert rule.zh and rule.en and rule.family, rule.code
        assert re.search(r"[\u4e00-\u9fff]", rule.zh), rule.code
        # Chinese terms may stand in the English text as glosses in parentheses or quoted sheet names only.
        english = re.sub(r"\([^)]*\)|'[^']*'|基础资料|节假日调整|基础资料/员工", "", rule.en)
        assert not re.search(r"[\u4e00-\u9fff]", english), f"{rule.code}: English message in Chinese?"


def test_articles_name_a_regulation():
    # Which article, and that it exists in the company's citation table, is tests/test_citations.py's business.
    regulations = ("客户开发管理制度", "客户信息管理办法", "客户要求信息处理制度", "售后服务管理制度")
    for rule in RULES.values():
        if rule.article:
            assert re.fullmatch(rf"《({'|'.join(regulations)})》第.+条(\(\d+\))?", rule.article), rule.code


def test_docs_rules_md_is_generated_from_the_catalogue():
    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == rules_markdown(), (
        "regenerate with: python -m automation.catalogue > docs/rules.md"
    )


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.+?)\n```", readme, re.S)
    test_command = next(b for b in blocks if "pytest" in b)
    assert test_command.strip() in ci
    assert any("automation demo" in b for b in blocks)


def test_every_command_and_option_is_documented_in_the_readme():
    import typer.main

    from automation.cli import app

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    group = typer.main.get_command(app)
    for name, command in group.commands.items():
        assert f"automation {name}" in readme, name
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--") and opt != "--help":
                    assert opt in readme, f"{name} {opt}"
