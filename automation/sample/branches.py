"""Each branch's registers of the sample company: 保养合同, 叫修登记簿, 客户商品进出登记簿 and 技术员工作日报表.

Maintenance contracts (running, expiring within 30 days, expired, renewed, terminated); call-ins over the
recent months with dispatch, arrival and completion as far as ``as_of`` allows (on time, late, not yet
dispatched, still open, a few outside working hours); the workshop items of calls taken back for repair, which
complete their call when returned; and the technicians' daily reports drawn from that work, with the
manager's review.
"""

from __future__ import annotations

import datetime as dt
import random

from ..registers.callins import CASH, INVOICE, RATINGS, UNSATISFIED
from . import vocabulary as vocab
from .company import (
    CALL_WINDOW_DAYS,
    MAX_DAILY_HOURS,
    NO,
    NOTICE_DAYS,
    SLA_MINUTES,
    YES,
    Call,
    Company,
    Contract,
    Customer,
    Row,
    add_working,
)
from .head_office import draft_customer

# ----------------------------------------------------------------------------------------------- contracts


_SCENARIOS = ("active", "renewed", "expiring_notice", "expired_talks", "active", "expiring_quiet",
              "renewed", "terminated", "active", "renewed")


def build_contracts(co: Company) -> None:
    rng = co.rng
    year = dt.timedelta(days=364)
    for branch in co.branches:
        mine = [c for c in co.customers if c.branch == branch]  # oldest first
        drafts: list[Contract] = []
        for i, customer in enumerate(mine[: max(8, len(mine) * 11 // 20)]):
            scenario = _SCENARIOS[i % len(_SCENARIOS)]
            model = vocab.model_text(rng, customer.model)
            amount = rng.randrange(20, 300) * 100

            def add(start: dt.date, end: dt.date, status: str = "有效", *, notice: dt.date | None = None,
                    result: str | None = None, customer: Customer = customer, model: str = model,
                    amount: int = amount, drafts: list[Contract] = drafts) -> Contract:
                contract = Contract("", customer, model, start, end, amount, status, notice, result)
                drafts.append(contract)
                return contract

            if scenario == "active":
                start = co.day(rng.randrange(130, 300))
                add(start, start + year)
            elif scenario == "renewed":
                start = co.day(rng.randrange(400, 600))
                # the notice went out on time, a month or up to a week more before expiry (第十九条)
                old = add(start, start + year, "已续约", notice=start + year - dt.timedelta(days=rng.randrange(30, 37)),
                          result="已续约")
                new = add(old.end + dt.timedelta(days=1), old.end + dt.timedelta(days=1) + year)
                old.renewal = new
            elif scenario in ("expiring_notice", "expiring_quiet"):
                end = co.today + dt.timedelta(days=rng.randrange(3, 28))
                sent = scenario == "expiring_notice"
                add(end - year, end, notice=end - dt.timedelta(days=NOTICE_DAYS) if sent else None,
                    result="洽谈中" if sent else None)
            elif scenario == "expired_talks":
                end = co.day(rng.randrange(5, 40))
                add(end - year, end, notice=end - dt.timedelta(days=NOTICE_DAYS), result="洽谈中")
            else:
                end = co.day(rng.randrange(60, 200))
                add(end - year, end, "已终止", notice=end - dt.timedelta(days=NOTICE_DAYS), result="不续约")
        drafts.sort(key=lambda c: (c.start, c.customer.code))
        for n, c in enumerate(drafts, start=1):
            c.number = f"BY-{co.prefix[branch]}-{c.start.year}{n:03d}"
        for c in drafts:
            if c.renewal is not None:
                c.new_number = c.renewal.number
        co.contracts[branch] = drafts


def contract_row(co: Company, c: Contract) -> Row:
    start: object = vocab.text_date(c.start, co.rng) if co.rng.random() < 0.05 else c.start
    return Row({
        "合同编号": c.number, "客户代码": c.customer.code, "客户名称": c.customer.name, "商品型号": c.model,
        "开始日期": start, "到期日期": c.end, "合同金额": c.amount, "合同状态": c.status,
        "到期通知日期": c.notice, "续约结果": c.result, "新合同编号": c.new_number, **renewal_visit(co, c),
    }, key=(c.start, c.number))


# Reasons customers give for not renewing, as a salesman writes them down.
NO_RENEWAL_REASONS = ("设备已淘汰更新", "改由厂家保养", "预算压缩", "自建维修班组", "工厂搬迁外地")


def renewal_visit(co: Company, c: Contract) -> dict[str, object]:
    """续约拜访人, 拜访日期, 拜访结果 and 不续约原因 (第十九条「并派员前往争取续约」): the customer's 主办业务员 goes
    3 to 15 days after the notice (not yet, if that is still ahead); the answer follows 续约结果. A generator of
    the contract's own number keeps the company's other values as they were."""
    rng = random.Random(f"{c.number}/拜访")
    out: dict[str, object] = {"续约拜访人": None, "拜访日期": None, "拜访结果": None, "不续约原因": None}
    if c.notice is None:
        return out
    day = c.notice + dt.timedelta(days=rng.randrange(3, 16))
    if day > co.today:
        return out
    answer = {"已续约": "续约", "不续约": "不续约"}.get(c.result or "", "待定")
    # Whoever of the customer's salesmen was still in service that day (a leaver's customers are taken over).
    staff = [p for p in (c.customer.main, c.customer.second) if p is not None and (p.left is None or p.left >= day)]
    out.update({"续约拜访人": staff[0].name if staff else None, "拜访日期": day, "拜访结果": answer,
                "不续约原因": rng.choice(NO_RENEWAL_REASONS) if answer == "不续约" else None})
    return out


# ------------------------------------------------------------------------------------------------ call-ins


def call_times(co: Company, n: int, window: int) -> list[dt.datetime]:
    """``n`` call-in times over the last ``window`` days, more of them recently; about 8 % outside hours."""
    rng = co.rng
    first = co.day(window)
    days = co.working_days(first, co.today)
    cum, total = [], 0.0
    for i in range(len(days)):
        total += 1 + 2 * i / max(len(days), 1)
        cum.append(total)
    limit = co.as_of - dt.timedelta(minutes=5)
    times: list[dt.datetime] = []
    while len(times) < n:
        picks = rng.choices(days, cum_weights=cum, k=n - len(times))
        for d in picks:
            if rng.random() < 0.08:  # evening, early morning, or a day off
                d = first + dt.timedelta(days=rng.randrange(0, window + 1))
                t = vocab.at(d, vocab.outside_minute(rng) if co.cal.is_working_day(d) else vocab.working_minute(rng))
            else:
                t = vocab.at(d, vocab.working_minute(rng))
            if t <= limit:
                times.append(t)
    return sorted(times)


def build_calls(co: Company, branch: str, n: int, *, window: int = CALL_WINDOW_DAYS, contracts: bool = True,
                workshop: float = 0.13, archive: bool = True) -> list[Call]:
    rng = co.rng
    mine = [c for c in co.customers if c.branch == branch] if archive else []
    walk_ins = [draft_customer(co, branch, co.today) for _ in range(max(4, min(400, n // 8)))]
    per_day: dict[dt.date, int] = {}
    calls: list[Call] = []
    # Both lists depend on the day only; computed once a day (not once a call, which made 20,000 calls a branch
    # take minutes), in the same order as before, so a seed draws the same company.
    covering_on: dict[dt.date, list[Contract]] = {}
    known_on: dict[dt.date, list[Customer]] = {}
    for t0 in call_times(co, n, window):
        day = t0.date()
        seq = per_day[day] = per_day.get(day, 0) + 1
        number = co.call_number(branch, t0, seq)
        if day not in covering_on:
            covering_on[day] = [c for c in co.contracts[branch] if c.covers(day)] if contracts else []
            known_on[day] = [c for c in mine if c.filed < day]
        covering, known = covering_on[day], known_on[day]
        roll = rng.random()
        if covering and roll < 0.35:
            k = rng.choice(covering)
            cu = k.customer
            call = Call(number, t0, cu.name, cu.code, cu.address, cu.phone, k.model, vocab.region_of(cu.address),
                        "B", contract=k.number)
        elif known and roll < 0.7:
            cu = rng.choice(known)
            call = Call(number, t0, cu.name, cu.code if rng.random() < 0.6 else None, cu.address, cu.phone,
                        vocab.model_text(rng, cu.model), vocab.region_of(cu.address), rng.choice("AAC"))
        else:
            cu = rng.choice(walk_ins)
            call = Call(number, t0, cu.name, None, cu.address, cu.phone, vocab.model_text(rng, cu.model),
                        vocab.region_of(cu.address), rng.choice("AAAC"))
        call.branch = branch
        calls.append(call)
    dispatch(co, branch, calls, workshop)
    return calls


def dispatch(co: Company, branch: str, calls: list[Call], workshop: float) -> None:
    """Dispatch, arrival (mostly on time, about one in six late) and completion, as far as ``as_of`` allows."""
    rng = co.rng
    k1 = [rng.randrange(5, 90) for _ in calls]
    k2 = []
    for call, d in zip(calls, k1, strict=True):
        sla = SLA_MINUTES[call.region]
        late = rng.random() < 0.17
        k2.append(rng.randrange(sla + 15, sla + 900) if late else rng.randrange(d + 15, max(d + 16, sla - 5)))
    starts = [c.t0 for c in calls]
    t1s, t2s = add_working(co.cal, starts, k1), add_working(co.cal, starts, k2)
    for call, t1, t2 in zip(calls, t1s, t2s, strict=True):
        age = co.as_of - call.t0
        if t1 > co.as_of or (age < dt.timedelta(days=3) and rng.random() < 0.35):
            continue  # not dispatched yet (次日优先派工)
        call.t1 = t1
        if t2 > co.as_of or (age < dt.timedelta(days=5) and rng.random() < 0.15):
            call.tech = co.pick_tech(branch, None).name
            continue  # dispatched, not there yet
        call.t2 = t2
        if rng.random() < workshop:
            call.method = "带回修理"  # completed when the item is returned (build_items)
            call.signed = YES  # the customer signs the voucher when the item is taken back (第十条)
            continue
        call.method = "现场修复"
        t3 = min(t2 + dt.timedelta(minutes=rng.randrange(25, 240)), dt.datetime.combine(t2.date(), dt.time(21)))
        call.t3 = t3 if t3 <= co.as_of else None
        complete(co, call)
        call.tech = co.pick_tech(branch, call.t3.date() if call.t3 else None).name


def complete(co: Company, call: Call) -> None:
    """Signature, voucher, fee and invoice of a completed call."""
    rng = co.rng
    if call.t3 is None:
        return
    call.signed = YES
    call.voucher = f"PZ{call.number}" if rng.random() < 0.7 else None
    if call.category == "A":
        call.fee = rng.randrange(15, 250) * 10
        call.invoice = rng.randrange(10**7, 10**8) if rng.random() < 0.3 else f"NB{rng.randrange(10**7, 10**8)}"
        call.invoice_date = call.t3.date()
        if call.method == "现场修复":
            # 第九条: a small fee is mostly collected on the spot and the invoice mailed within a week (not yet, for
            # the latest calls: 收费核对 lists them as 待补寄发票); otherwise invoiced that day to collect later.
            cash = call.fee <= 800 and co.billing_rng.random() < 0.7
            call.payment = CASH if cash else INVOICE
            if cash:
                mailed = call.t3.date() + dt.timedelta(days=co.billing_rng.randrange(0, 8))
                call.invoice, call.invoice_date = (None, None) if mailed > co.today else (call.invoice, mailed)
    elif call.category == "C" and rng.random() < 0.3:
        call.fee = 0


def call_row(co: Company, c: Call) -> Row:
    rng = co.rng
    t0: object = f"{c.t0:%Y/%m/%d %H:%M}" if rng.random() < 0.02 else c.t0
    fee: object = f"{c.fee:g}元" if c.fee and rng.random() < 0.05 else c.fee
    billed: object = vocab.text_date(c.invoice_date, rng) if c.invoice_date and rng.random() < 0.1 else c.invoice_date
    return Row({
        "登记号": c.number, "来电时间": t0, "客户代码": c.code, "客户名称": c.name, "地址": c.address,
        "电话": c.phone, "商品型号": c.model, "区域": c.region,
        "服务类别": vocab.category_alias(c.category, rng) if rng.random() < 0.1 else c.category,
        "合同编号": c.contract, "服务凭证号": c.voucher, "派工技术员": c.tech, "派工时间": c.t1,
        "到达时间": c.t2, "处理方式": c.method, "完成时间": c.t3, "客户签字": c.signed, "服务费": fee,
        "收费方式": (vocab.payment_alias(c.payment, co.billing_rng) if c.payment and co.billing_rng.random() < 0.1
                 else c.payment),
        "发票号": c.invoice, "开票日期": billed, **receipts(co, c), "出厂编号": machine(co, c),
        "备注": (rng.choice(vocab.REMARKS) or None) if rng.random() < 0.15 else None,
    }, key=(c.t0, c.number))


def receipts(co: Company, c: Call) -> dict[str, object]:
    """收款日期 and 交会计员日期 of a paid call (第九条). Drawn from a generator of the call's own (seeded) number, so
    the company's other values stay what they were before these columns existed. Invoiced to collect later: the
    fee comes in 5 to 45 days after the invoice (never before, so a planted late invoice stays one problem), not
    yet for the latest; cash on the spot reaches the 会计员 within two days, so only a planted row is warned."""
    rng = random.Random(f"{c.number}/收款")
    out: dict[str, object] = {"收款日期": None, "交会计员日期": None}
    if c.category != "A" or not c.fee or c.t3 is None:
        return out
    if c.payment == CASH and c.method != "带回修理":
        handed = c.t3.date() + dt.timedelta(days=rng.randrange(0, 3))
        out["交会计员日期"] = handed if handed <= co.today else None
    elif c.invoice_date is not None:
        collected = c.invoice_date + dt.timedelta(days=rng.randrange(5, 46))
        out["收款日期"] = collected if collected <= co.today else None
    return out


def machine(co: Company, c: Call) -> str | None:
    """The 出厂编号 of the call's machine, registered in the branch's equipment file (保养合同/客户设备) on first use:
    a free call's machine is under warranty on the call's day (sold 20–330 days before, a year's warranty); a
    contract call's machine is the contract's (warranty long over, the contract named). Paid calls name none. Drawn
    from generators of their own, so the company's other values stay what they were before the equipment file."""
    if not c.branch or c.category not in ("B", "C") or (c.category == "B" and not c.contract):
        return None
    key = (c.branch, c.contract if c.category == "B" else c.number)
    if key in co.machines:
        return co.machines[key]
    rng = random.Random(f"{c.number}/设备")
    if c.category == "C":
        sold = c.t0.date() - dt.timedelta(days=rng.randrange(20, 330))
    else:
        k = next((k for k in co.contracts[c.branch] if k.number == c.contract), None)
        sold = (k.start if k else c.t0.date()) - dt.timedelta(days=rng.randrange(400, 1500))
    co.machines[key] = serial = add_machine(co, c.branch, c.code, c.name, c.model, sold,
                                            c.contract if c.category == "B" else None)
    return serial


def add_machine(co: Company, branch: str, code: str | None, name: str, model: str, sold: dt.date,
                contract: str | None = None) -> str:
    """A machine row of the branch's 客户设备 (a year's warranty from the sale); its 出厂编号."""
    rows = co.rows_of(co.branch_file(branch, "contracts"), EQUIPMENT_SHEET)
    serial = f"SN{co.prefix[branch]}{sold:%y%m}{len(rows) + 1:04d}"
    rows.append(Row({
        "出厂编号": serial, "客户代码": code, "客户名称": name, "商品型号": model, "销售日期": sold,
        "保修截止日期": sold + dt.timedelta(days=365), "保养合同编号": contract, "备注": None,
    }, key=(sold, serial)))
    return serial


EQUIPMENT_SHEET = "客户设备"
SURVEY_SHEET = "客户意见调查"
# How customers answer the survey (售后 第二条), and what the branch did about a complaint.
RATING_WEIGHTS = (35, 45, 12, 6, 2)  # of RATINGS, 非常满意 … 很不满意
COMPLAINT_ACTIONS = ("服务主任电话致歉，已安排复查", "已派技术员二次上门处理", "已减免部分服务费并致歉",
                     "已更换配件并延长保修一个月", "已约谈技术员，改进服务规范")  # fmt: skip


def survey_rows(co: Company, branch: str) -> None:
    """客户意见调查: about two in five completed calls are asked 1–7 days after completion (not in the future), by
    the branch's service supervisor; a dissatisfied customer's row records what was done. Its own generator."""
    rng = random.Random(f"{co.prefix[branch]}/意见调查")
    rows = co.rows_of(co.branch_file(branch, "callins"), SURVEY_SHEET)
    asker = co.post_of(branch, "服务主任").name
    for call in co.calls[branch]:
        if call.t3 is None or rng.random() >= 0.4:
            continue
        day = call.t3.date() + dt.timedelta(days=rng.randrange(1, 8))
        if day >= co.today:
            continue
        rating = rng.choices(RATINGS, RATING_WEIGHTS)[0]
        unhappy = rating in UNSATISFIED
        rows.append(Row({
            "登记号": call.number, "调查日期": day, "调查方式": rng.choice(("电话", "电话", "电话", "走访", "短信")),
            "调查人": asker, "满意度": rating,
            "客户意见": rng.choice(vocab.SURVEY_COMPLAINTS if unhappy else vocab.SURVEY_PRAISE),
            "处理措施": rng.choice(COMPLAINT_ACTIONS) if unhappy else None,
        }, key=(day, call.number)))


# ------------------------------------------------------------------------------------------ workshop items


def build_items(co: Company, branch: str) -> None:
    rng = co.rng
    for call in co.calls[branch]:
        if call.method != "带回修理":
            continue
        brought = call.t2.date()  # type: ignore[union-attr]
        agreed = brought + dt.timedelta(days=rng.randrange(3, 13))
        repaired: dt.date | None = brought + dt.timedelta(days=rng.randrange(1, 15))
        if repaired > co.today or (agreed < co.today and rng.random() < 0.2):  # type: ignore[operator]
            repaired = None  # still in the workshop; overdue once the agreed date has passed
        checked = repaired is not None and rng.random() < 0.9
        returned: dt.date | None = None
        if checked and rng.random() < 0.75:
            returned = repaired + dt.timedelta(days=rng.randrange(0, 5))  # type: ignore[operator]
            if dt.datetime.combine(returned, dt.time(8, 1)) > co.as_of:
                returned = None
        tech = co.pick_tech(branch, returned)
        call.tech = tech.name
        row = item_row(co, branch, call.number, call.name, call.model, brought, agreed, tech.name,
                       category=call.category, repaired=repaired, checked=checked, returned=returned)
        co.items[branch].append(row)
        if returned is not None:  # the call is complete when the item goes back
            done = vocab.at(returned, vocab.working_minute(rng))
            if done <= call.t2:  # type: ignore[operator]
                done = call.t2 + dt.timedelta(minutes=rng.randrange(60, 180))  # type: ignore[operator]
            call.t3 = min(done, co.as_of)
            complete(co, call)
            if call.category == "A":
                call.invoice_date = returned
                row.values["发票号"], row.values["开票日期"] = call.invoice, returned


def item_row(co: Company, branch: str, number: str, name: str, model: str, brought: dt.date, agreed: dt.date,
             tech: str, *, category: str, repaired: dt.date | None, checked: bool,
             returned: dt.date | None) -> Row:
    rng = co.rng
    n = len(co.items[branch]) + 1
    return Row({
        "收据号": f"SJ{co.prefix[branch]}{n:05d}", "登记号": number, "客户名称": name, "商品型号": model,
        "带回日期": vocab.text_date(brought, rng) if rng.random() < 0.08 else brought, "约定完成日期": agreed,
        "修理卡号": f"WX{co.prefix[branch]}{n:05d}", "维修技术员": tech,
        "维修工时": rng.randrange(2, 17) / 2 if repaired else None,
        "配套零件": rng.choice(vocab.PARTS) if repaired and rng.random() < 0.7 else None,
        "修妥日期": repaired, "主任验收": YES if checked else None, "归还日期": returned,
        "客户签章": YES if returned else None, "收据作废": YES if returned else None,
        "服务类别": category, "发票号": None, "开票日期": None,
    }, key=(brought, number, n))


# ------------------------------------------------------------------------------ technicians' daily reports


def worklog_rows(co: Company, branch: str) -> None:
    rng = co.rng
    rel = co.branch_file(branch, "worklog")
    total = co.worklog_hours.setdefault(branch, {})
    entries: list[tuple] = []

    def add(day: dt.date, tech: str, number: str | None, cat: str, text: str,
            start: dt.time | None, end: dt.time | None, hours: float) -> None:
        if total.get((day, tech), 0) + hours <= MAX_DAILY_HOURS - 2:  # a normal day, never near the limit
            total[(day, tech)] = total.get((day, tech), 0) + hours
            entries.append((day, tech, start or dt.time(23, 59), len(entries), number, cat, text, start, end, hours))

    for call in co.calls[branch]:
        if call.method == "现场修复" and call.t3 and call.t2 and call.t3.date() == call.t2.date():
            text = rng.choice(vocab.WORK_ONSITE).format(fault=rng.choice(vocab.FAULTS), model=call.model)
            hours = round((call.t3 - call.t2).total_seconds() / 3600, 2)
            add(call.t2.date(), call.tech, call.number, call.category, text,  # type: ignore[arg-type]
                call.t2.time(), call.t3.time(), hours)
    for row in co.items[branch]:
        v = row.values
        if v["修妥日期"] is None:
            continue
        hours = float(v["维修工时"])  # type: ignore[arg-type]
        start = dt.time(13, 30) if hours <= 3.5 else dt.time(8, 0)
        end = (dt.datetime.combine(co.today, start) + dt.timedelta(hours=hours)).time()
        timed = rng.random() < 0.6
        text = rng.choice(vocab.WORK_WORKSHOP).format(model=v["商品型号"], part=rng.choice(vocab.PARTS),
                                                      fault=rng.choice(vocab.FAULTS))
        add(v["修妥日期"], v["维修技术员"], v["登记号"], v["服务类别"], text,  # type: ignore[arg-type]
            start if timed else None, end if timed else None, hours)
    models = [c.model for c in co.contracts[branch]] or ["NB-CNC-650"]
    for day in co.working_days(co.day(60), co.day(1)):
        for tech in co.techs(branch):
            if tech.active_through(day) and rng.random() < 0.12:
                text = rng.choice(vocab.WORK_MAINTENANCE).format(model=rng.choice(models))
                add(day, tech.name, None, "B", text, dt.time(14, 0), dt.time(16, 30), 2.5)
    # The report chain of 第十四–十六条 (issue 15), from a generator of its own so the rest of the company is drawn as
    # before: every technician who arrived at or completed a call, or repaired an item, reports that day (about one
    # in fifty never does: 日报缺失 lists them); the supervisor marks reports reviewed after a day or two.
    chain = random.Random(f"{co.prefix[branch]}/日报")
    booked = {(e[0], e[1]) for e in entries}
    worked = [(t, call.tech, call.number, call.category) for call in co.calls[branch] if call.tech
              for t in (call.t2, call.t3) if t is not None]
    worked += [(dt.datetime.combine(v["修妥日期"], dt.time(17)), v["维修技术员"], v["登记号"], v["服务类别"])
               for v in (row.values for row in co.items[branch]) if v["修妥日期"] is not None]
    for t, tech, number, cat in worked:
        key = (t.date(), tech)
        if key in booked or t > co.as_of:
            continue
        booked.add(key)
        hours = min(1.0, MAX_DAILY_HOURS - 2 - total.get(key, 0))
        if chain.random() < 0.02 or hours < 0.5:
            continue
        total[key] = total.get(key, 0) + hours
        text = chain.choice(vocab.WORK_ARRIVAL).format(model="设备", fault=chain.choice(vocab.FAULTS))
        entries.append((t.date(), tech, dt.time(23, 59), len(entries), number, cat, text, None, None, hours))
    for e in entries:
        day, tech, _, i, number, cat, text, start, end, hours = e
        co.rows_of(rel, "工作日报").append(Row({
            "日期": day, "技术员": tech, "登记号": number,
            "服务类别": vocab.category_alias(cat, rng) if rng.random() < 0.05 else cat, "工作内容": text,
            "开始时间": start, "结束时间": end, "工时": hours,
            "主任核阅": YES if (co.today - day).days >= 2 and chain.random() < 0.97 else None,
        }, key=e[:4]))
    supervisor = co.post_of(branch, "服务主任").name
    days = sorted({e[0] for e in entries})

    def review_row(day: dt.date, signed: bool, reviewed: dt.date | None) -> Row:
        sent = min(co.today, reviewed + dt.timedelta(days=chain.randrange(0, 2))) if reviewed else None
        return Row({"日期": day, "服务主任": supervisor, "经理核阅": YES if signed else NO, "核阅日期": reviewed,
                    "转送服务部日期": sent}, key=(day,))

    for day in days:
        signed = (co.today - day).days >= 2 and rng.random() < 0.9
        reviewed = min(co.today, day + dt.timedelta(days=rng.randrange(0, 3))) if signed else None
        co.rows_of(rel, "日报核阅").append(review_row(day, signed, reviewed))
    # 第十五条: a supervisor's report every working day, quiet days too (about one in thirty is missing).
    quiet = [d for d in co.working_days(days[0], co.day(1)) if d not in set(days)] if days else []
    for day in quiet:
        if chain.random() < 0.03:
            continue
        signed = (co.today - day).days >= 2 and chain.random() < 0.95
        reviewed = min(co.today, day + dt.timedelta(days=chain.randrange(0, 3))) if signed else None
        co.rows_of(rel, "日报核阅").append(review_row(day, signed, reviewed))
        days.append(day)
    co.review_days[branch] = set(days)
