"""The morning digest (issue 13, part 2) with real parts: an SMTP server on localhost (aiosmtpd, plain, STARTTLS with
login, implicit TLS), a local HTTP server standing in for the 企业微信 / 钉钉 / 飞书 robots (pytest-httpserver, which
checks the signatures), and a clock passed in, so an 08:00 digest takes milliseconds.

The deployment is small and hand-written (as of Monday 2026-11-30 08:00; Friday 11-27 is the previous working day)
so every row of the digest is known; one test runs on the sample company and compares with its result sheets.
"""

from __future__ import annotations

import base64
import datetime as dt
import email
import email.policy
import hashlib
import hmac
import json
import socket
import ssl
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from conftest import STAFF_HEADER, STAFF_ROWS, write_workbook
from werkzeug import Request, Response

from automation.cli import main
from automation.notify import FAILED, SENT, next_digest_time, next_send_time, send_due_digests
from automation.notify.channels import dingtalk_sign, feishu_sign
from automation.notify.config import MAX_BYTES
from automation.notify.digest import branch_digest, root_calendar
from automation.notify.render import split
from automation.notify.send import deployment_calendar
from automation.notify.state import STATE_FILE
from automation.registers import REGISTERS
from automation.settings import SettingsError, load_settings, parse_settings

MONDAY = dt.datetime(2026, 11, 30, 8, 0)
BRANCH = "服务中心"
PHONE, ADDRESS = "13905740077", "宁波市鄞州区天童南路 588 号"


def _sheet(register: str, sheet: str, rows: list[dict[str, object]]) -> list[list[object]]:
    headers = [c.header for c in REGISTERS[register].sheet(sheet).columns]
    return [headers, *([r.get(h) for h in headers] for r in rows)]


def _call(no: str, at: dt.datetime, area: str = "市区", **more: object) -> dict[str, object]:
    return {"登记号": no, "来电时间": at, "客户代码": "KH00001", "客户名称": "宁波甬江机械有限公司", "地址": ADDRESS,
            "电话": PHONE, "商品型号": "HX-160", "区域": area, "服务类别": "A", **more}


@pytest.fixture
def company(root: Path) -> Path:
    """服务中心 as of Monday 2026-11-30 08:00: a late call, one due within the hour, one waiting for dispatch, an
    overdue repair, contracts due for a notice today and later this week, and Friday's daily reports incomplete."""
    staff = [*STAFF_ROWS, ["E007", "赵六", "服务部", "技术员", BRANCH, "在职", None]]
    write_workbook(root / "总部" / "基础资料.xlsx", {"员工": [STAFF_HEADER, *staff], "节假日调整": [["日期", "类型", "说明"]]})
    write_workbook(root / BRANCH / "叫修登记簿.xlsx", {"叫修登记": _sheet("callins", "叫修登记", [
        # dispatched Thursday, never arrived: late since Thursday 15:00
        _call("FW001", dt.datetime(2026, 11, 26, 9, 0), 派工技术员="王强", 派工时间=dt.datetime(2026, 11, 26, 9, 30)),
        # Friday 10:45 + 6 h: 5.25 h by Friday's close, due Monday 08:45
        _call("FW002", dt.datetime(2026, 11, 27, 10, 45), 派工技术员="王强", 派工时间=dt.datetime(2026, 11, 27, 11, 0)),
        # Friday 16:00, suburbs, nobody dispatched: due Monday 15:00
        _call("FW003", dt.datetime(2026, 11, 27, 16, 0), area="郊区"),
    ])})
    write_workbook(root / BRANCH / "客户商品进出登记簿.xlsx", {"商品进出": _sheet("items", "商品进出", [
        {"收据号": "SJ001", "登记号": "FW001", "客户名称": "宁波甬江机械有限公司", "商品型号": "HX-160",
         "带回日期": dt.date(2026, 11, 20), "约定完成日期": dt.date(2026, 11, 25), "修理卡号": "XL001",
         "维修技术员": "王强", "服务类别": "A"},
        {"收据号": "SJ002", "登记号": "FW002", "客户名称": "宁波甬江机械有限公司", "商品型号": "HX-160",
         "带回日期": dt.date(2026, 11, 27), "约定完成日期": dt.date(2026, 12, 5), "修理卡号": "XL002",
         "维修技术员": "王强", "服务类别": "A"},
    ])})
    contract = {"客户代码": "KH00001", "客户名称": "宁波甬江机械有限公司", "商品型号": "HX-160",
                "开始日期": dt.date(2026, 1, 1), "合同金额": 5000, "合同状态": "有效"}
    write_workbook(root / BRANCH / "保养合同.xlsx", {"保养合同": _sheet("contracts", "保养合同", [
        {**contract, "合同编号": "BY001", "到期日期": dt.date(2026, 12, 28)},  # 28 days: in its window today
        {**contract, "合同编号": "BY002", "到期日期": dt.date(2027, 1, 2)},  # enters it on Thursday
        {**contract, "合同编号": "BY003", "到期日期": dt.date(2027, 1, 20)},  # not this week
        {**contract, "合同编号": "BY004", "到期日期": dt.date(2026, 12, 20), "到期通知日期": dt.date(2026, 11, 15)},
    ])})
    write_workbook(root / BRANCH / "技术员工作日报表.xlsx", {
        "工作日报": _sheet("worklog", "工作日报", [
            {"日期": dt.date(2026, 11, 27), "技术员": "王强", "服务类别": "A", "工作内容": "上门维修", "工时": 6}]),
        "日报核阅": _sheet("worklog", "日报核阅", [{"日期": dt.date(2026, 11, 27), "服务主任": "李娜", "经理核阅": "否"}]),
    })
    return root


def settings_file(root: Path, text: str) -> None:
    (root / "automation.toml").write_text(text, encoding="utf-8")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------------------------------------ settings


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ({"webhook": {"群": {"kind": "wecom", "url": "http://qyapi.example.com/send?key=k"}}}, "notify.webhook.群.url"),
        ({"webhook": {"群": {"kind": "slack", "url": "https://x.example.com"}}}, "notify.webhook.群.kind"),
        ({"webhook": {"群": {"kind": "wecom", "url": "https://x.example.com", "secret": "s"}}}, "企业微信群机器人没有加签"),
        ({"webhook": {"群": {"kind": "dingtalk", "url": "https://x.example.com", "colour": 1}}}, "notify.webhook.群.colour"),
        ({"time": "8点"}, "notify.time"),
        ({"time": "24:00"}, "notify.time"),
        ({"retry_first_minutes": 60, "retry_max_minutes": 5}, "notify.retry_first_minutes"),
        ({"email": {"host": "smtp.example.com"}}, "notify.email.sender"),
        ({"email": {"host": "smtp.example.com", "sender": "a@example.com", "security": "tls"}}, "notify.email.security"),
        ({"email": {"host": "smtp.example.com", "sender": "a@example.com", "to": {BRANCH: {"店长": ["a@example.com"]}}}},
         "notify.email.to.服务中心.店长"),
        ({"email": {"host": "smtp.example.com", "sender": "a@example.com", "to": {"*": {"经理": ["not an address"]}}}},
         "notify.email.to.*.经理"),
        ({"email": {"host": "smtp.example.com", "sender": "a@example.com", "username": "u", "password": "p",
                    "security": "none"}}, "密码会明文传输"),
        ({"email": {"host": "smtp.example.com", "sender": "a@example.com", "username": "u"}}, "password_env"),
        ({"sms": {}}, "notify.sms"),
    ],
)
def test_bad_notify_settings_name_the_key(table: dict, expected: str) -> None:
    with pytest.raises(SettingsError) as caught:
        parse_settings({"notify": table})
    assert expected in caught.value.zh


def test_plain_http_only_to_this_machine_and_secrets_stay_out_of_repr() -> None:
    settings = parse_settings({"notify": {"webhook": {
        "本机": {"kind": "dingtalk", "url": "http://127.0.0.1:9/robot?access_token=TOKEN", "secret": "SECRET"},
        "正式": {"kind": "feishu", "url": "https://open.feishu.cn/open-apis/bot/v2/hook/abc"}}}})
    assert [h.name for h in settings.notify.webhooks] == ["本机", "正式"]
    assert "TOKEN" not in repr(settings.notify) and "SECRET" not in repr(settings.notify)
    assert settings.notify.webhooks[0].max_bytes == MAX_BYTES["dingtalk"]
    with pytest.raises(SettingsError, match="https://"):
        parse_settings({"notify": {"webhook": {"x": {"kind": "feishu", "url": "ftp://127.0.0.1/hook"}}}})


def test_a_bad_notify_file_is_refused_like_any_setting(root: Path) -> None:
    settings_file(root, '[notify.webhook."群"]\nkind = "wecom"\nurl = "http://robot.example.com/send"\n')
    with pytest.raises(SettingsError, match=r"notify\.webhook\.群\.url"):
        load_settings(root)
    assert main(["notify", str(root), "--dry-run"]) == 2


# ------------------------------------------------------------------------------------------------ schedule


def test_next_digest_time_follows_the_working_calendar(root: Path) -> None:
    settings = load_settings(root)
    calendar = deployment_calendar(root, settings, MONDAY)
    assert next_digest_time(dt.datetime(2026, 11, 27, 9, 0), calendar, settings) == dt.datetime(2026, 11, 30, 8, 0)
    assert next_digest_time(dt.datetime(2026, 11, 30, 7, 59), calendar, settings) == dt.datetime(2026, 11, 30, 8, 0)
    assert next_digest_time(dt.datetime(2026, 11, 30, 8, 0), calendar, settings) == dt.datetime(2026, 12, 1, 8, 0)
    # Spring Festival 2026: Saturday 02-14 is a make-up working day, then nine days off.
    assert next_digest_time(dt.datetime(2026, 2, 13, 9, 0), calendar, settings) == dt.datetime(2026, 2, 14, 8, 0)
    assert next_digest_time(dt.datetime(2026, 2, 14, 9, 0), calendar, settings) == dt.datetime(2026, 2, 24, 8, 0)
    settings_file(root, '[notify]\ntime = "07:30"\n')
    later = load_settings(root)
    assert next_digest_time(dt.datetime(2026, 11, 30, 7, 0), calendar, later) == dt.datetime(2026, 11, 30, 7, 30)


def test_an_override_day_off_moves_the_digest(root: Path) -> None:
    write_workbook(root / "总部" / "基础资料.xlsx", {"员工": [STAFF_HEADER, *STAFF_ROWS],
                                                 "节假日调整": [["日期", "类型", "说明"], [dt.date(2026, 11, 30), "休息日", "公司活动"]]})
    settings = load_settings(root)
    calendar = deployment_calendar(root, settings, MONDAY)
    assert next_digest_time(dt.datetime(2026, 11, 27, 9, 0), calendar, settings) == dt.datetime(2026, 12, 1, 8, 0)


# ------------------------------------------------------------------------------------------------ content


def test_the_digest_lists_what_the_jobs_found(company: Path) -> None:
    from automation.deployment import Deployment
    from automation.notify.digest import week_end

    settings = load_settings(company)
    deployment = Deployment(company, settings, MONDAY)
    digest = branch_digest(deployment, Deployment(company, settings, week_end(MONDAY.date())), BRANCH,
                           root_calendar(deployment))
    keys = {s.key: [r[0] if s.key not in ("reports", "review") else r[1] for r in s.rows] for s in digest.sections}
    assert keys["priority"] == ["1"] and digest.section("priority").rows[0][1] == "FW003"
    assert keys["late"] == ["FW001"]
    assert keys["soon"] == ["FW002"] and digest.section("soon").rows[0][-1] == "0.75"
    assert keys["overdue"] == ["SJ001"] and digest.section("overdue").rows[0][-1] == "5"
    assert keys["renewal"] == ["BY001", "BY002"]
    assert [r[4] for r in digest.section("renewal").rows] == ["28", "33"]  # days left counted from today
    assert keys["reports"] == ["赵六"]  # 王强 filed Friday's report; 刘洋 left in June
    assert keys["review"] == ["未核阅"]
    assert digest.report_day == dt.date(2026, 11, 27)
    assert digest.section("priority").article == "《售后服务管理制度》第十七条"
    assert digest.section("late").article == "《售后服务管理制度》第十八条"


def test_sample_company_digest_matches_its_result_sheets(tmp_path: Path) -> None:
    """On the demo company, the digest's rows are the rows `run` writes into 逾期维修 and 派工时限."""
    from automation.pipeline import validate_root
    from automation.sample import build_sample

    build_sample(tmp_path, as_of=MONDAY, rows=40)
    settings_file(tmp_path, '[notify.webhook."群"]\nkind = "wecom"\nurl = "http://127.0.0.1:9/x"\n')
    outcomes = send_due_digests(tmp_path, MONDAY, dry_run=True)
    reports = validate_root(tmp_path, as_of=MONDAY)
    for outcome in outcomes:
        text = "\n".join(outcome.message.parts)
        branch_reports = [r for r in reports if r.branch == outcome.branch]
        overdue = [row for r in branch_reports for t in r.results if t.name == "逾期维修" for row in t.frame["收据号"]]
        late = [row for r in branch_reports for t in r.results if t.name == "派工时限"
                for row in t.frame.loc[t.frame["状态"] == "未到达(已超时)", "登记号"]]
        assert f"逾期维修（报服务主任处理） · {len(overdue)} 条" in text
        assert f"已超时未到达 · {len(late)} 条" in text
        assert all(no in text for no in overdue + late)
    assert {o.branch for o in outcomes} == {"服务中心", "慈溪分公司", "余姚分公司"}


def test_long_messages_are_split_within_the_limit_and_cut_with_a_note() -> None:
    lines = [f"{i}. FW{i:05d} · 宁波甬江机械有限公司 · 市区 · 应到达时间 11-30 10:00" for i in range(400)]
    parts = split("### 服务中心 售后晨报", lines, 4096, max_parts=3)
    assert len(parts) == 3
    assert all(len(p.encode("utf-8")) <= 4096 for p in parts)
    assert parts[0].startswith("### 服务中心 售后晨报（1/3）")
    assert "另有" in parts[-1] and "行未发出" in parts[-1]
    sent = sum(p.count("FW") for p in parts)
    assert f"另有 {400 - sent} 行未发出" in parts[-1]


# ------------------------------------------------------------------------------------------------ e-mail


class Inbox:
    def __init__(self) -> None:
        self.mails: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802 - aiosmtpd's hook
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.mails.append((list(envelope.rcpt_tos), message))
        return "250 OK"


@pytest.fixture
def smtp():  # noqa: ANN201 - yields (inbox, port)
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def email_settings(port: int, extra: str = "", host: str = "127.0.0.1", security: str = "none") -> str:
    return (f'[notify]\ntimeout_seconds = 5\n[notify.email]\nhost = "{host}"\nport = {port}\nsecurity = "{security}"\n'
            f'sender = "售后服务系统 <aftersales@example.com>"\n{extra}'
            '[notify.email.to]\n"*" = { "经理" = ["boss@example.com"] }\n'
            f'"{BRANCH}" = {{ "服务主任" = ["lina@example.com"], "业务员" = ["sales@example.com"] }}\n')


def test_the_digest_arrives_at_the_smtp_server_once_per_role(company: Path, smtp) -> None:  # noqa: ANN001
    inbox, port = smtp
    settings_file(company, email_settings(port))
    outcomes = send_due_digests(company, MONDAY)
    assert [o.status for o in outcomes] == [SENT] * 3
    by_rcpt = {tuple(rcpt): mail for rcpt, mail in inbox.mails}
    assert set(by_rcpt) == {("boss@example.com",), ("lina@example.com",), ("sales@example.com",)}
    boss = by_rcpt[("boss@example.com",)]
    assert boss["Subject"].startswith(f"{BRANCH} 售后晨报 2026-11-30（一）")
    plain = boss.get_body(("plain",)).get_content()
    html = boss.get_body(("html",)).get_content()
    assert "FW001" in plain and "SJ001" in plain and "BY002" in plain and "赵六" in plain
    assert "<table" in html and "<th " in html and "FW003" in html
    assert PHONE not in plain and ADDRESS not in html  # contact details only when settings ask for them
    supervisor = by_rcpt[("lina@example.com",)].get_body(("plain",)).get_content()
    assert "FW003" in supervisor and "BY001" not in supervisor  # the supervisor's sections
    sales = by_rcpt[("sales@example.com",)].get_body(("plain",)).get_content()
    assert "BY001" in sales and "FW001" not in sales  # renewals only
    # Another call the same day — a restart of the watcher, or `automation notify` — sends nothing again.
    assert send_due_digests(company, MONDAY + dt.timedelta(minutes=5)) == []
    assert len(inbox.mails) == 3
    state = json.loads((company / ".automation" / STATE_FILE).read_text(encoding="utf-8"))
    assert all(d["sent"] for d in state["days"]["2026-11-30"].values())


def test_contact_details_go_to_email_only_when_asked(company: Path, smtp) -> None:  # noqa: ANN001
    inbox, port = smtp
    settings_file(company, email_settings(port, extra="contact_details = true\n"))
    send_due_digests(company, MONDAY)
    plain = inbox.mails[0][1].get_body(("plain",)).get_content()
    assert PHONE in plain and ADDRESS in plain


def test_a_holiday_or_an_early_hour_sends_nothing(company: Path, smtp) -> None:  # noqa: ANN001
    inbox, port = smtp
    settings_file(company, email_settings(port))
    assert send_due_digests(company, dt.datetime(2026, 11, 28, 8, 0)) == []  # Saturday
    assert send_due_digests(company, dt.datetime(2026, 10, 1, 9, 0)) == []  # National Day
    assert send_due_digests(company, dt.datetime(2026, 11, 30, 7, 59)) == []  # before 08:00
    assert inbox.mails == []
    assert main(["notify", str(company), "--as-of", "2026-11-28 08:00"]) == 0
    assert inbox.mails == []


def test_a_digest_missed_until_the_close_of_work_is_dropped(company: Path, smtp) -> None:  # noqa: ANN001
    inbox, port = smtp
    settings_file(company, email_settings(port))
    assert send_due_digests(company, dt.datetime(2026, 11, 30, 17, 0)) == []  # Monday's, after work: dropped
    assert inbox.mails == []
    send_due_digests(company, dt.datetime(2026, 12, 1, 8, 0))  # Tuesday's only
    assert {m["Subject"][:20] for _, m in inbox.mails} == {f"{BRANCH} 售后晨报 2026-12-01（二）"[:20]}


def test_unreachable_smtp_server_is_retried_with_back_off(company: Path, smtp) -> None:  # noqa: ANN001
    inbox, port = smtp
    settings_file(company, email_settings(free_port()))  # nothing listens there
    first = send_due_digests(company, MONDAY)
    assert {o.status for o in first} == {FAILED}
    assert "无法连接邮件服务器" in first[0].error_zh and "连接被拒绝" in first[0].error_zh
    assert "将于 08:01 重试" in first[0].line()
    log = (company / ".automation" / STATE_FILE).read_text(encoding="utf-8")
    assert "连接被拒绝" in log
    assert next_send_time(company, MONDAY) == MONDAY + dt.timedelta(minutes=1)
    assert send_due_digests(company, MONDAY + dt.timedelta(seconds=30)) == []  # still waiting
    second = send_due_digests(company, MONDAY + dt.timedelta(minutes=1))
    assert {o.status for o in second} == {FAILED} and second[0].attempts == 2
    assert second[0].next_try == MONDAY + dt.timedelta(minutes=3)  # 1, then 2 minutes
    settings_file(company, email_settings(port))  # the admin fixes the port
    third = send_due_digests(company, MONDAY + dt.timedelta(minutes=3))
    assert {o.status for o in third} == {SENT}
    assert len(inbox.mails) == 3
    assert next_send_time(company, MONDAY + dt.timedelta(minutes=4)) == dt.datetime(2026, 12, 1, 8, 0)


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost (the client trusts it through notify.email.ca_file)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def tls_smtp(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - yields (inbox, port, cert, logins)
    cert, key = _certificate(tmp_path_factory.mktemp("tls"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox, port, logins = Inbox(), free_port(), []

    def authenticate(server, session, envelope, mechanism, auth_data):  # noqa: ANN001, ANN202
        logins.append(auth_data.login)
        ok = auth_data.login == b"aftersales" and auth_data.password == b"s3cret"
        return AuthResult(success=ok, handled=False)  # not handled: the server answers 535 itself

    controller = Controller(inbox, hostname="localhost", port=port, tls_context=context, require_starttls=True,
                            authenticator=authenticate, auth_require_tls=True)
    controller.start()
    yield inbox, port, cert, logins
    controller.stop()


def test_starttls_and_login(company: Path, tls_smtp, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    inbox, port, cert, logins = tls_smtp
    monkeypatch.setenv("AUTOMATION_TEST_SMTP_PASSWORD", "wrong")
    extra = f'username = "aftersales"\npassword_env = "AUTOMATION_TEST_SMTP_PASSWORD"\nca_file = "{cert.as_posix()}"\n'
    settings_file(company, email_settings(port, extra, host="localhost", security="starttls"))
    refused = send_due_digests(company, MONDAY)
    assert {o.status for o in refused} == {FAILED} and logins
    assert "拒绝登录" in refused[0].error_zh and inbox.mails == []
    monkeypatch.setenv("AUTOMATION_TEST_SMTP_PASSWORD", "s3cret")
    assert send_due_digests(company, MONDAY + dt.timedelta(seconds=59)) == []  # the back-off holds
    sent = send_due_digests(company, MONDAY + dt.timedelta(minutes=1))
    assert {o.status for o in sent} == {SENT} and len(inbox.mails) == 3


def test_a_certificate_the_client_cannot_verify_is_a_clear_failure(company: Path, tls_smtp) -> None:  # noqa: ANN001
    inbox, port, _cert, _logins = tls_smtp
    settings_file(company, email_settings(port, 'username = "aftersales"\npassword = "s3cret"\n', host="localhost",
                                          security="starttls"))
    outcomes = send_due_digests(company, MONDAY)
    assert {o.status for o in outcomes} == {FAILED}
    assert "加密连接失败" in outcomes[0].error_zh and inbox.mails == []


def test_implicit_tls(company: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    cert, key = _certificate(tmp_path_factory.mktemp("tls"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="localhost", port=port, ssl_context=context)
    controller.start()
    try:
        settings_file(company, email_settings(port, f'ca_file = "{cert.as_posix()}"\n', host="localhost", security="ssl"))
        assert {o.status for o in send_due_digests(company, MONDAY)} == {SENT}
    finally:
        controller.stop()
    assert len(inbox.mails) == 3


# ------------------------------------------------------------------------------------------------ group robots


def robot_settings(url: str, kind: str, extra: str = "", timeout: float = 5) -> str:
    return f'[notify]\ntimeout_seconds = {timeout}\n[notify.webhook."服务中心群"]\nkind = "{kind}"\nurl = "{url}"\n{extra}'


def _json(request: Request) -> dict:
    return json.loads(request.get_data().decode("utf-8"))


def posts(httpserver, path: str) -> list[Request]:  # noqa: ANN001
    """Requests the robot at ``path`` received (a slow request of an earlier test may still land in the log)."""
    return [request for request, _response in httpserver.log if request.path == path]


def test_dingtalk_gets_signed_markdown_without_customer_contacts(company: Path, httpserver) -> None:  # noqa: ANN001
    secret = "SECtest0123456789"
    received: list[dict] = []

    def robot(request: Request) -> Response:
        query = parse_qs(urlsplit(request.url).query)
        timestamp, sign = query["timestamp"][0], query["sign"][0]
        expected = base64.b64encode(hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest())
        if query["access_token"] != ["T"] or sign != expected.decode() or abs(int(timestamp) / 1000 - time.time()) > 3600:
            return Response(json.dumps({"errcode": 310000, "errmsg": "sign not match"}), content_type="application/json")
        received.append(_json(request))
        return Response(json.dumps({"errcode": 0, "errmsg": "ok"}), content_type="application/json")

    httpserver.expect_request("/robot/send", method="POST").respond_with_handler(robot)
    url = httpserver.url_for("/robot/send") + "?access_token=T"
    settings_file(company, robot_settings(url, "dingtalk", f'secret = "{secret}"\n'))
    outcomes = send_due_digests(company, MONDAY)
    assert [o.status for o in outcomes] == [SENT]
    assert len(received) == 1
    text = received[0]["markdown"]["text"]
    assert received[0]["msgtype"] == "markdown" and received[0]["markdown"]["title"].startswith(BRANCH)
    assert "FW003" in text and "SJ001" in text and "《售后服务管理制度》第十七条" in text
    assert PHONE not in text and ADDRESS not in text
    assert "《客户信息管理办法》第六条" in text
    assert "\n\n" in text  # DingTalk's markdown needs blank lines between lines
    assert send_due_digests(company, MONDAY + dt.timedelta(hours=1)) == []
    assert len(received) == 1


def test_a_wrong_dingtalk_secret_is_refused_and_retried(company: Path, httpserver) -> None:  # noqa: ANN001
    def robot(request: Request) -> Response:
        query = parse_qs(urlsplit(request.url).query)
        ok = query["sign"][0] == dingtalk_sign("SECright", query["timestamp"][0])
        answer = {"errcode": 0, "errmsg": "ok"} if ok else {"errcode": 310000, "errmsg": "sign not match"}
        return Response(json.dumps(answer), content_type="application/json")

    httpserver.expect_request("/ding", method="POST").respond_with_handler(robot)
    settings_file(company, robot_settings(httpserver.url_for("/ding"), "dingtalk", 'secret = "SECwrong"\n'))
    failed = send_due_digests(company, MONDAY)
    assert failed[0].status == FAILED and "拒收消息" in failed[0].error_zh and "310000" in failed[0].error_zh
    settings_file(company, robot_settings(httpserver.url_for("/ding"), "dingtalk", 'secret = "SECright"\n'))
    assert [o.status for o in send_due_digests(company, MONDAY + dt.timedelta(minutes=1))] == [SENT]


def test_feishu_post_is_signed_in_the_body(company: Path, httpserver) -> None:  # noqa: ANN001
    received: list[dict] = []

    def robot(request: Request) -> Response:
        body = _json(request)
        if body.get("sign") != feishu_sign("fs-secret", body.get("timestamp", "")):
            return Response(json.dumps({"code": 19021, "msg": "sign match fail"}), content_type="application/json")
        received.append(body)
        return Response(json.dumps({"code": 0, "msg": "success"}), content_type="application/json")

    httpserver.expect_request("/hook", method="POST").respond_with_handler(robot)
    settings_file(company, robot_settings(httpserver.url_for("/hook"), "feishu", 'secret = "fs-secret"\n'))
    assert [o.status for o in send_due_digests(company, MONDAY)] == [SENT]
    post = received[0]["content"]["post"]["zh_cn"]
    assert received[0]["msg_type"] == "post" and post["title"].startswith(BRANCH)
    lines = [p[0]["text"] for p in post["content"]]
    assert any("FW001" in line for line in lines)
    assert not any(PHONE in line or ADDRESS in line for line in lines)
    assert not any("**" in line for line in lines)  # plain text, no markdown marks


def test_wecom_parts_stay_within_4096_bytes(company: Path, httpserver) -> None:  # noqa: ANN001
    calls = [_call(f"FW1{i:03d}", dt.datetime(2026, 11, 27, 16, 0) - dt.timedelta(minutes=i), 客户名称=f"宁波{i}号精密机械制造有限公司")
             for i in range(120)]
    write_workbook(company / BRANCH / "叫修登记簿.xlsx", {"叫修登记": _sheet("callins", "叫修登记", calls)})
    httpserver.expect_request("/wecom", method="POST").respond_with_json({"errcode": 0, "errmsg": "ok"})
    settings_file(company, "[notify]\nmax_rows = 200\n" + robot_settings(httpserver.url_for("/wecom"), "wecom").split("\n", 2)[2])
    outcomes = send_due_digests(company, MONDAY)
    bodies = [_json(request) for request in posts(httpserver, "/wecom")]
    assert [o.status for o in outcomes] == [SENT] and len(bodies) > 1
    assert all(len(b["markdown"]["content"].encode("utf-8")) <= 4096 for b in bodies)
    assert bodies[0]["markdown"]["content"].startswith(f"### {BRANCH} 售后晨报 2026-11-30（一）（1/")
    assert len(outcomes[0].message.parts) == len(bodies)


def test_robot_answering_500_then_ok_is_sent_once(company: Path, httpserver) -> None:  # noqa: ANN001
    httpserver.expect_oneshot_request("/w", method="POST").respond_with_data("busy", status=500)
    httpserver.expect_request("/w", method="POST").respond_with_json({"errcode": 0, "errmsg": "ok"})
    settings_file(company, robot_settings(httpserver.url_for("/w"), "wecom"))
    failed = send_due_digests(company, MONDAY)
    assert failed[0].status == FAILED and "HTTP 500" in failed[0].error_zh
    assert "企业微信群「服务中心群」" in failed[0].line() and "localhost" in failed[0].line()
    assert [o.status for o in send_due_digests(company, MONDAY + dt.timedelta(minutes=1))] == [SENT]
    assert send_due_digests(company, MONDAY + dt.timedelta(minutes=5)) == []
    assert len(posts(httpserver, "/w")) == 2


def test_a_robot_that_does_not_answer_times_out(company: Path, httpserver) -> None:  # noqa: ANN001
    def slow(request: Request) -> Response:
        time.sleep(1.0)
        return Response(json.dumps({"errcode": 0}), content_type="application/json")

    httpserver.expect_request("/slow", method="POST").respond_with_handler(slow)
    settings_file(company, robot_settings(httpserver.url_for("/slow"), "wecom", timeout=0.2))
    outcomes = send_due_digests(company, MONDAY)
    assert outcomes[0].status == FAILED and "没有应答" in outcomes[0].error_zh


def test_a_split_message_resumes_after_the_parts_that_went_out(company: Path, httpserver) -> None:  # noqa: ANN001
    calls = [_call(f"FW2{i:03d}", dt.datetime(2026, 11, 27, 16, 0) - dt.timedelta(minutes=i), 客户名称=f"慈溪{i}号机械有限公司")
             for i in range(150)]
    write_workbook(company / BRANCH / "叫修登记簿.xlsx", {"叫修登记": _sheet("callins", "叫修登记", calls)})
    answers = iter([200, 200, 500])

    def robot(request: Request) -> Response:
        status = next(answers, 200)
        return Response(json.dumps({"errcode": 0, "errmsg": "ok"}), status=status, content_type="application/json")

    httpserver.expect_request("/w", method="POST").respond_with_handler(robot)
    settings_file(company, "[notify]\nmax_rows = 200\n" + robot_settings(httpserver.url_for("/w"), "wecom").split("\n", 2)[2])
    first = send_due_digests(company, MONDAY)
    parts = len(first[0].message.parts)
    assert first[0].status == FAILED and parts >= 3 and len(posts(httpserver, "/w")) == 3
    second = send_due_digests(company, MONDAY + dt.timedelta(minutes=1))
    assert second[0].status == SENT
    sent = [_json(r)["markdown"]["content"] for r in posts(httpserver, "/w")]
    assert len(sent) == parts + 1  # the failed third part once more, nothing else twice
    assert sent[3].startswith(f"### {BRANCH} 售后晨报 2026-11-30（一）（3/{parts}）")


# ------------------------------------------------------------------------------------------------ state and CLI


def test_dry_run_prints_per_channel_and_sends_nothing(company: Path, httpserver, capsys) -> None:  # noqa: ANN001
    httpserver.expect_request("/w", method="POST").respond_with_json({"errcode": 0, "errmsg": "ok"})
    settings_file(company, robot_settings(httpserver.url_for("/w"), "wecom"))
    assert main(["notify", str(company), "--dry-run", "--as-of", "2026-11-30 08:00"]) == 0
    out = capsys.readouterr().out
    assert "将发送：企业微信群「服务中心群」" in out and "FW003" in out and PHONE not in out
    assert posts(httpserver, "/w") == [] and not (company / ".automation" / STATE_FILE).exists()
    assert main(["notify", str(company), "--as-of", "2026-11-30 08:00"]) == 0
    assert len(posts(httpserver, "/w")) == 1
    assert main(["notify", str(company), "--dry-run", "--as-of", "2026-11-30 09:00"]) == 0
    assert "今日已发送" in capsys.readouterr().out
    log = (company / ".automation" / "log" / "automation.log").read_text(encoding="utf-8")
    assert "晨报 2026-11-30 已发送：企业微信群「服务中心群」" in log


def test_a_failed_delivery_gives_exit_code_1_and_a_log_line(company: Path) -> None:
    settings_file(company, robot_settings(f"http://127.0.0.1:{free_port()}/w", "wecom"))
    assert main(["notify", str(company), "--as-of", "2026-11-30 08:00"]) == 1
    log = (company / ".automation" / "log" / "automation.log").read_text(encoding="utf-8")
    assert "发送失败" in log and "连接被拒绝" in log


def test_a_damaged_state_file_is_set_aside(company: Path, httpserver) -> None:  # noqa: ANN001
    httpserver.expect_request("/w", method="POST").respond_with_json({"errcode": 0, "errmsg": "ok"})
    settings_file(company, robot_settings(httpserver.url_for("/w"), "wecom"))
    (company / ".automation").mkdir(exist_ok=True)
    (company / ".automation" / STATE_FILE).write_text('{"version": 1, "days": {"2026-11-30": []}}', encoding="utf-8")
    assert [o.status for o in send_due_digests(company, MONDAY)] == [SENT]
    assert (company / ".automation" / (STATE_FILE + ".bad")).exists()
    assert send_due_digests(company, MONDAY + dt.timedelta(minutes=1)) == []


def test_no_channels_no_work(company: Path) -> None:
    assert send_due_digests(company, MONDAY) == []
    assert main(["notify", str(company), "--as-of", "2026-11-30 08:00"]) == 0


def test_the_watchers_timed_task_sends_at_eight_on_working_days(company: Path, smtp) -> None:  # noqa: ANN001
    """DigestTask as the watcher's timers use it: asked when it is next due, run at that instant of the clock."""
    from automation.notify import DigestTask

    inbox, port = smtp
    settings_file(company, email_settings(port))
    seen: list[str] = []
    task = DigestTask(company, on_outcome=lambda o: seen.append(o.status), background=False)
    friday_evening = dt.datetime(2026, 11, 27, 18, 0)
    assert task.next_due(friday_evening) == MONDAY
    assert task.next_due(friday_evening) == MONDAY  # asked again: the cached answer
    task.run(MONDAY)
    assert seen == [SENT] * 3 and len(inbox.mails) == 3
    assert task.next_due(MONDAY) == dt.datetime(2026, 12, 1, 8, 0)
    task.run(MONDAY + dt.timedelta(minutes=2))  # a clock that jumps: nothing twice
    assert len(inbox.mails) == 3
    assert task.next_due(dt.datetime(2026, 9, 30, 18, 0)) == dt.datetime(2026, 10, 8, 8, 0)  # National Day


def test_the_timed_task_sends_in_the_background_and_retries(company: Path) -> None:
    from automation.notify import DigestTask

    settings_file(company, email_settings(free_port()))
    task = DigestTask(company)
    task.run(MONDAY)
    assert task.wait(30)
    assert task.next_due(MONDAY) == MONDAY + dt.timedelta(minutes=1)
    (company / "automation.toml").unlink()
    assert task.next_due(MONDAY) is None  # no channel: never due


def test_a_running_watcher_sends_the_digest_when_its_clock_reaches_eight(company: Path, smtp) -> None:  # noqa: ANN001
    """The watcher's timed tasks with DigestTask registered: nothing on Friday evening or over the weekend; the
    digest at Monday 08:00, once, however long the clock then stays there."""
    from automation.notify import DigestTask
    from automation.watch import Watcher

    inbox, port = smtp
    settings_file(company, email_settings(port))
    clock = {"now": dt.datetime(2026, 11, 27, 18, 0)}
    task = DigestTask(company, background=False)
    with Watcher(company, now=lambda: clock["now"], tasks=[task], refresh=False, summary_delay=0.1) as watcher:
        assert watcher.wait_idle(60)
        clock["now"] = dt.datetime(2026, 11, 28, 8, 0)  # Saturday
        assert watcher.wait_idle(60)
        assert inbox.mails == []
        clock["now"] = MONDAY
        assert watcher.wait_idle(60)
        assert len(inbox.mails) == 3
        clock["now"] = MONDAY + dt.timedelta(hours=2)
        assert watcher.wait_idle(60)
    assert len(inbox.mails) == 3


def test_automation_watch_sends_the_digest_without_being_told(company: Path, smtp) -> None:  # noqa: ANN001
    """The `automation watch` entry registers the digest itself: with [notify] set and the clock at Monday 08:00,
    the mails arrive while it runs, and its console says so."""
    import io
    import threading
    import time

    from rich.console import Console
    from watching import wait_for

    from automation.watch import watch

    inbox, port = smtp
    settings_file(company, email_settings(port))
    stop, out = threading.Event(), io.StringIO()
    started = time.monotonic()

    def clock() -> dt.datetime:  # starts at 07:59:57 and runs on: 08:00 comes while the watcher runs
        return MONDAY - dt.timedelta(seconds=3) + dt.timedelta(seconds=time.monotonic() - started)

    runner = threading.Thread(
        target=watch, args=(company,), kwargs={"stop": stop, "console": Console(file=out, width=200), "now": clock}
    )
    runner.start()
    try:
        wait_for(lambda: len(inbox.mails) == 3, timeout=60, what="the three digest mails")
    finally:
        stop.set()
        runner.join(60)
    assert not runner.is_alive()
    assert len(inbox.mails) == 3
    assert "晨报" in out.getvalue() or "digest" in out.getvalue().lower()
