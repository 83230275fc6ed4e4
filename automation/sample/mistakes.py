"""The planted mistakes of the sample company: extra rows that cover every catalogue code that can be planted.

:func:`plant_all` adds them after the clean data is built. Each planted row is a clean row (made by the
same ``*_row`` functions as the data) with one value changed, chosen so that validation reports exactly one
problem, at exactly one cell; the row records the expected code, header and a note
(:meth:`~.company.Row.plant`, :meth:`~.company.Row.mark`), which :mod:`.workbook` turns into
:class:`~.company.PlantedMistake` records.
"""

from __future__ import annotations

import datetime as dt

from ..registers import REGISTERS
from ..registers.callins import CASH, INVOICE
from ..registers.model import Kind
from ..validators.rules.callins import model_key, model_keys
from . import vocabulary as vocab
from .branches import EQUIPMENT_SHEET, SURVEY_SHEET, add_machine, call_row, complete, contract_row, item_row
from .company import CALL_WINDOW_DAYS, NO, YES, Call, Company, Contract, Customer, Row, Staff, add_working
from .head_office import (
    correspondence_row,
    customer_row,
    demand_row,
    draft_customer,
    new_customer_row,
    results_row,
    staff_row,
)


def plant_all(co: Company) -> None:
    """Plant every mistake: the head office's registers, then the branches' (spread over up to three branches)."""
    b = co.branches
    plant_master(co)
    plant_customers(co)
    plant_new_customers(co)
    plant_demand(co)
    plant_contracts(co, b[0], other=b[1] if len(b) > 1 else None)
    plant_equipment(co, b[0])
    plant_calls(co, b[0])
    plant_machines(co, b[0])
    plant_survey(co, b[0])
    plant_call_values(co, b[1 % len(b)])
    plant_items(co, b[1 % len(b)])
    plant_worklog(co, b[2 % len(b)])


def plant_master(co: Company) -> None:
    rows = co.rows_of(co.office("master"), "员工")

    def staff(number: int) -> Row:
        return staff_row(Staff(f"E{number:04d}", co.names(), "资材部", "其他", co.head_office))

    row = staff(9001)
    row.values["在职状态"] = "离职"
    rows.append(row.mark("MST001", "离职日期", "在职状态为离职但没有离职日期"))
    rows.append(staff(9002).plant("MST002", "离职日期", co.day(90), "在职员工填写了离职日期"))
    unit = next(u for u in ("鄞州分公司", "北仑分公司", "奉化分公司", "宁海分公司") if u not in co.branches)
    rows.append(staff(9003).plant("MST003", "所属单位", unit, f"所属单位「{unit}」不是总部也不是分公司"))


def plant_customers(co: Company) -> None:
    rng = co.rng
    rel = co.office("customers")
    branch = co.branches[0]

    def customer(note_code: str, header: str, value: object, note: str, *, important: bool = False,
                 code: str | None = None) -> None:
        c = draft_customer(co, branch, co.day(rng.randrange(200, 900)))
        c.code = code or co.new_code()
        if important:
            c.second = rng.choice([s for s in co.salespeople(c.filed) if s not in (c.main, co.left_sales)])
        row = customer_row(co, c)
        row.values["统一社会信用代码"] = vocab.credit_code(rng, c.district.division)
        co.rows_of(rel, "客户").append(row.plant(note_code, header, value, note))

    customer("CUS001", "客户代码", "KH1234", "客户代码只有 4 位数字", code="KH1234")
    customer("CUS002", "协办业务员", None, "重要客户没有协办业务员", important=True)
    same = draft_customer(co, branch, co.day(300))
    same.code, same.second = co.new_code(), same.main
    co.rows_of(rel, "客户").append(customer_row(co, same).mark(
        "CUS003", "协办业务员", "协办业务员与主办业务员是同一人"))
    customer("TYP005", "注册资本", "五百万", "注册资本写成汉字「五百万」")
    customer("TYP009", "邮编", "31530", "邮编只有 5 位")
    good = vocab.credit_code(rng, "330203")
    customer("TYP011", "统一社会信用代码", vocab.wrong_credit_code(good), "统一社会信用代码校验位错误")

    clean = [c for c in co.customers if c.main is not co.left_sales]
    c1, c2 = clean[1], clean[2]
    contact = {"客户代码": c1.code, "姓名": co.fake.name(), "职务": "设备主管", "电话": vocab.mobile(rng),
               "邮箱": None}
    co.rows_of(rel, "联系人").append(Row(dict(contact), key=(c1.code,)).plant(
        "TYP008", "电话", "0574-876543", "电话号码少一位"))
    contact.update(姓名=co.fake.name(), 电话=vocab.landline(rng))
    co.rows_of(rel, "联系人").append(Row(dict(contact), key=(c1.code,)).plant(
        "TYP010", "邮箱", "zhangwei@163", "邮箱缺少 .com"))

    day = co.day(rng.randrange(10, 60))
    co.rows_of(rel, "往来记录").append(correspondence_row(co, c1, day, major=True).plant(
        "CUS004", "已报信息部", NO, "重大事项未报信息部"))
    future = co.today + dt.timedelta(days=3)
    row = correspondence_row(co, c2, future, major=False)
    row.values["本公司人员"] = c2.main.name
    co.rows_of(rel, "往来记录").append(row.plant("COL004", "日期", future, "往来记录日期在今天之后"))
    major = correspondence_row(co, c2, co.day(rng.randrange(10, 60)), major=True)
    bool_kind = REGISTERS["customers"].sheet("往来记录").column("重大事项").kind is Kind.BOOL
    co.rows_of(rel, "往来记录").append(major.plant(
        "TYP007" if bool_kind else "TYP012", "重大事项", "有", "重大事项写成「有」"))

    results = co.rows_of(rel, "年度业绩")
    year = co.today.year - 1
    results.append(results_row(co, c1, co.today.year + 1).plant(
        "CUS005", "年度", co.today.year + 1, "年度晚于今年"))
    results.append(results_row(co, c2, f"{year}年度").mark("TYP006", "年度", "年度写成「…年度」，不是整数"))
    target = next(r for r in results if not r.plants and r.values["年度"] == year)
    dup = results_row(co, next(c for c in co.customers if c.code == target.values["客户代码"]), year)
    dup.key = (*target.key, 1)
    results.append(dup.plant("COL005", "年度", year, f"客户 {target.values['客户代码']} 的 {year} 年度业绩登记了两次"))


def plant_new_customers(co: Company) -> None:
    rng = co.rng
    rel = co.office("customers")
    rows = co.rows_of(rel, "新客户开发")
    n = 900

    def row(stage: int, general_ago: int = 120) -> Row:
        nonlocal n
        n += 1
        return new_customer_row(co, f"XK{co.today.year}{n:03d}", co.companies(), co.day(general_ago),
                                stage=stage)

    r = row(1)
    rows.append(r.plant("NEW001", "实地调查日期", r.values["一般调查日期"] - dt.timedelta(days=10),  # type: ignore[operator]
                        "实地调查日期早于一般调查日期"))
    r = row(3)
    r.values["设备技术"] = "不合格"
    rows.append(r.mark("NEW002", "认定申请日期", "设备技术不合格却提出认定申请"))
    r = row(3)
    rows.append(r.plant("NEW003", "认定申请日期", r.values["实地调查日期"] - dt.timedelta(days=2),  # type: ignore[operator]
                        "认定申请日期早于实地调查日期"))
    r = row(4)
    early = r.values["认定申请日期"] - dt.timedelta(days=3)  # type: ignore[operator]
    r.values["质保合同日期"] = early
    rows.append(r.plant("NEW004", "供应合同日期", early, "供应合同早于认定申请"))
    r = row(4)
    rows.append(r.plant("NEW005", "质保合同日期", r.values["供应合同日期"] + dt.timedelta(days=3),  # type: ignore[operator]
                        "质保合同比供应合同晚 3 天签订"))
    existing = co.customers[0]
    r = row(3)
    r.values["客户名称"] = existing.name
    rows.append(r.plant("NEW006", "客户代码", existing.code, "合同未签订就编了客户代码"))
    r = row(5)
    r.values["已通知相关部门"] = r.values["资料已存档"] = YES
    rows.append(r.plant("NEW007", "客户代码", co.customers[1].code, "客户代码属于另一个客户"))
    # filed three weeks ago, the departments were never notified
    r = row(4, general_ago=80)
    signed = co.day(rng.randrange(15, 25))
    r.values["供应合同日期"] = r.values["质保合同日期"] = signed
    customer = draft_customer(co, co.branches[0], signed + dt.timedelta(days=1), name=str(r.values["客户名称"]))
    customer.code = co.new_code()
    co.rows_of(rel, "客户").append(customer_row(co, customer))
    r.values["客户代码"], r.values["资料已存档"] = customer.code, YES
    rows.append(r.plant("NEW008", "已通知相关部门", NO, "建档三周后仍未通知相关部门"))
    # 第三条(1): a code given although the 市场主管 did not approve the application
    r = row(5)
    customer = draft_customer(co, co.branches[0], r.values["供应合同日期"], name=str(r.values["客户名称"]))  # type: ignore[arg-type]
    customer.code = co.new_code()
    co.rows_of(rel, "客户").append(customer_row(co, customer))
    r.values["审批结论"] = "不同意"
    rows.append(r.plant("NEW009", "客户代码", customer.code, "认定申请未获同意就编了客户代码"))
    r = row(4)
    rows.append(r.plant("NEW010", "审批日期", r.values["认定申请日期"] - dt.timedelta(days=2),  # type: ignore[operator]
                        "审批日期早于认定申请日期"))
    r = row(3)
    clerk = next(s for s in co.salespeople(co.today) if s is not co.left_sales)
    rows.append(r.plant("NEW011", "认定审批人", clerk.name, "认定申请由业务员审批，而不是市场主管"))


def plant_demand(co: Company) -> None:
    rng = co.rng
    rel = co.office("demand")
    rows = co.rows_of(rel, "需求信息")
    year = co.today.year

    def row(k: int, **kw: object) -> Row:
        return demand_row(co, f"XQ{year}9{k:03d}", co.day(rng.randrange(25, 200)), **kw)  # type: ignore[arg-type]

    rows.append(row(1, value="中", adopted="未采用").plant("DEM001", "奖励金额", 100, "未采用、价值中等的信息发了奖励"))
    rows.append(row(2, value="中", adopted="已采用").plant("DEM002", "奖励金额", 800, "奖励 800 元超过上限 500 元"))
    rows.append(row(3, value="高", adopted="待定", reward=None).plant(
        "DEM003", "已提交信息报告", NO, "使用价值高的信息未提交信息报告"))
    r = row(4)
    rows.append(r.plant("COL001", "提供人", None, "提供人未填写"))
    r = row(5)
    rows.append(r.plant("TYP012", "信息来源", "朋友介绍", "信息来源不是可选值"))
    r = row(6)
    rows.append(r.plant("TYP001", "登记日期", f"{year}-02-30", "登记日期 2 月 30 日不存在"))
    first = min((r for r in rows if not r.plants), key=lambda r: r.key)
    dup = demand_row(co, str(first.values["信息编号"]), co.day(1))
    rows.append(dup.plant("COL002", "信息编号", first.values["信息编号"], "信息编号与较早的一条重复"))


def plant_contracts(co: Company, branch: str, *, other: str | None) -> None:
    rng = co.rng
    rel = co.branch_file(branch, "contracts")
    rows = co.rows_of(rel, "保养合同")
    mine = [c for c in co.customers if c.branch == branch]
    year = dt.timedelta(days=364)
    n = 900

    def contract(customer: Customer, start: dt.date, end: dt.date, status: str = "有效", **kw: object) -> Row:
        nonlocal n
        n += 1
        k = Contract(f"BY-{co.prefix[branch]}-{start.year}{n}", customer, vocab.model_text(rng, customer.model),
                     start, end, rng.randrange(20, 300) * 100, status, **kw)  # type: ignore[arg-type]
        return contract_row(co, k)

    start = co.day(100)
    rows.append(contract(mine[0], start, start + year).plant(
        "CON001", "到期日期", start - dt.timedelta(days=1), "到期日期年份写错，早于开始日期"))
    c = mine[1]
    short = c.name.removesuffix("股份有限公司").removesuffix("有限公司")
    start = co.day(200)
    rows.append(contract(c, start, start + year).plant("CON002", "客户名称", short, "客户名称用了简称"))
    end = co.day(20)
    rows.append(contract(mine[2], end - year, end, result="洽谈中").plant(
        "CON003", "到期通知日期", end + dt.timedelta(days=5), "到期通知在合同到期后才寄出"))
    start = co.day(500)
    rows.append(contract(mine[3], start, start + year, "已续约", notice=start + year - dt.timedelta(days=30),
                         result="已续约").plant("CON004", "新合同编号", None, "已续约但没有新合同编号"))
    start = co.day(480)
    rows.append(contract(mine[4], start, start + year, "已续约", notice=start + year - dt.timedelta(days=30),
                         result="已续约").plant("CON005", "新合同编号", f"BY-{co.prefix[branch]}-2099001",
                                             "新合同编号在本登记簿中不存在"))
    end = co.day(90)
    rows.append(contract(mine[5], end - year, end, "已终止", notice=end - dt.timedelta(days=30),
                         result="不续约").plant("CON006", "新合同编号", co.contracts[branch][0].number,
                                             "不续约却填写了新合同编号"))
    start = co.day(150)
    rows.append(contract(mine[6], start, start + year).plant("COL003", "合同金额", 0, "合同金额为 0"))
    end = co.today + dt.timedelta(days=10)
    rows.append(contract(mine[0], end - year, end, notice=end - dt.timedelta(days=12), result="洽谈中").mark(
        "CON007", "到期通知日期", "到期通知在期满前 12 天才寄出（应提前一个月）"))
    # 第十九条: the visit to win the renewal is dated before the notice it follows; a refusal without its reason.
    end = co.today + dt.timedelta(days=15)
    row = contract(mine[1], end - year, end, notice=end - dt.timedelta(days=30), result="洽谈中")
    rows.append(row.plant("CON008", "拜访日期", end - dt.timedelta(days=34), "拜访日期早于到期通知日期"))
    end = co.day(100)
    rows.append(contract(mine[2], end - year, end, "已终止", notice=end - dt.timedelta(days=30), result="不续约").plant(
        "CON009", "不续约原因", None, "客户不续约，没有记下原因"))
    # Ended before its term (no 不续约): the contract row is right, the B call registered on it is the mistake (CAL018).
    n += 1
    start = co.day(200)
    cancelled = Contract(f"BY-{co.prefix[branch]}-{start.year}{n}", mine[1], vocab.model_text(rng, mine[1].model),
                         start, start + year, rng.randrange(20, 300) * 100, "已终止")
    rows.append(contract_row(co, cancelled))
    co.cancelled_contract = cancelled
    co.foreign_contract = co.contracts[other][0].number if other else f"BY-ZZ-{co.today.year}001"


def plant_equipment(co: Company, branch: str) -> None:
    """客户设备 (保养合同 register): one machine row per EQP code, each otherwise consistent."""
    rows = co.rows_of(co.branch_file(branch, "contracts"), EQUIPMENT_SHEET)
    k, k2 = [c for c in co.contracts[branch] if c.customer.code][:2]
    sold = co.day(900)

    def machine(contract: Contract, **kw: object) -> Row:
        cu = contract.customer
        serial = add_machine(co, branch, cu.code, cu.name, contract.model, sold, contract.number)
        row = rows[-1]
        assert row.values["出厂编号"] == serial
        return row

    r = machine(k)
    r.plant("EQP001", "保修截止日期", sold - dt.timedelta(days=10), "保修截止日期早于销售日期")
    machine(k).plant("EQP002", "保养合同编号", f"BY-{co.prefix[branch]}-2099999", "保养合同编号在本登记簿中不存在")
    machine(k).plant("EQP003", "保养合同编号", k2.number, "设备登记在另一个客户的保养合同下")
    other_model = next(m for _, m in vocab.PRODUCTS if model_key(m) not in model_keys(k.model))
    r = machine(k)
    r.values["商品型号"] = other_model
    r.mark("EQP004", "保养合同编号", f"合同只含 {k.model}，设备型号是 {other_model}")


def plant_machines(co: Company, branch: str) -> None:
    """Calls naming a machine of the equipment file wrongly: one per CAL022–CAL026."""
    rows = co.rows_of(co.branch_file(branch, "callins"), "叫修登记")
    mine = [c for c in co.customers if c.branch == branch and c.code]
    owner, stranger = mine[0], mine[1]
    k = next(c for c in co.contracts[branch] if c.status == "有效" and c.start < co.day(70) < co.day(6) < c.end)

    def add(call: Call, code: str, header: str, value: object, note: str) -> None:
        row = call_row(co, call)
        row.values["服务类别"] = call.category
        rows.append(row.plant(code, header, value, note))

    call = clean_call(co, branch, "C", customer=owner)
    expired = add_machine(co, branch, owner.code, owner.name, call.model, co.day(900))
    row = call_row(co, call)
    row.values["服务类别"], row.values["出厂编号"] = "C", expired
    rows.append(row.mark("CAL022", "服务类别", "设备保修期已过，仍按免费服务登记"))
    add(clean_call(co, branch, "C", customer=owner), "CAL023", "出厂编号", f"SN{co.prefix[branch]}99990001",
        "出厂编号不在客户设备中")
    theirs = add_machine(co, branch, stranger.code, stranger.name, "NB-CNC-650", co.day(60))
    add(clean_call(co, branch, "C", customer=owner), "CAL024", "出厂编号", theirs, "出厂编号是另一个客户的设备")
    bare = add_machine(co, branch, k.customer.code, k.customer.name, k.model, co.day(1200))
    add(clean_call(co, branch, "B", contract=k), "CAL025", "出厂编号", bare, "设备没有保养合同，却按合同服务登记")
    add(clean_call(co, branch, "C", customer=owner), "CAL026", "出厂编号", None, "免费服务没有填出厂编号")


def plant_survey(co: Company, branch: str) -> None:
    """客户意见调查 (叫修登记簿): one survey row per SUR code."""
    rows = co.rows_of(co.branch_file(branch, "callins"), SURVEY_SHEET)
    asked = {r.values["登记号"] for r in rows}
    done = [c for c in co.calls[branch] if c.t3 is not None and c.number not in asked and c.t3.date() < co.day(3)]
    asker = co.post_of(branch, "服务主任").name

    def survey(number: str, day: dt.date, rating: str = "满意", action: str | None = None) -> Row:
        row = Row({"登记号": number, "调查日期": day, "调查方式": "电话", "调查人": asker, "满意度": rating,
                   "客户意见": None, "处理措施": action}, key=(day, number))
        rows.append(row)
        return row

    survey(f"{co.prefix[branch]}00000000", co.day(3)).mark("SUR001", "登记号", "登记号在叫修登记中不存在")
    still_open = clean_call(co, branch, "C")  # arrived, being repaired on site, not completed yet
    still_open.t3 = still_open.fee = still_open.voucher = None
    co.rows_of(co.branch_file(branch, "callins"), "叫修登记").append(call_row(co, still_open))
    survey(still_open.number, co.day(1)).mark("SUR002", "登记号", "叫修尚未完成就做了意见调查")
    call = done[0]
    survey(call.number, call.t3.date() - dt.timedelta(days=2)).mark(  # type: ignore[union-attr]
        "SUR003", "调查日期", "调查日期早于叫修完成日期")
    call = done[1]
    survey(call.number, call.t3.date() + dt.timedelta(days=1), "不满意").mark(  # type: ignore[union-attr]
        "SUR004", "处理措施", "客户不满意，没有记下处理措施")


def clean_call(co: Company, branch: str, category: str, *, customer: Customer | None = None,
               contract: Contract | None = None, day: dt.date | None = None,
               tech: Staff | None = None) -> Call:
    """A complete, consistent call (dispatched, arrived, repaired on site, signed, billed when A)."""
    rng = co.rng
    if day is None:
        day = rng.choice(co.working_days(co.day(60), co.day(5)))
    t0 = vocab.at(day, rng.randrange(8 * 60 + 1, 10 * 60))
    t1, t2 = add_working(co.cal, [t0, t0], [20, 120])
    cu = customer or (contract.customer if contract else None)
    if cu is None:
        cu = draft_customer(co, branch, co.today)
    call = Call(co.call_number(branch, t0, 90), t0, cu.name, cu.code or None, cu.address, cu.phone,
                contract.model if contract else vocab.model_text(rng, cu.model), vocab.region_of(cu.address), category,
                contract=contract.number if contract else None, t1=t1, t2=t2, method="现场修复",
                t3=t2 + dt.timedelta(minutes=90))
    call.tech = (tech or co.pick_tech(branch, None)).name
    call.branch = branch
    complete(co, call)
    return call


def plant_calls(co: Company, branch: str) -> None:
    rng = co.rng
    rows = co.rows_of(co.branch_file(branch, "callins"), "叫修登记")
    clean = [k for k in co.contracts[branch] if k.status == "有效" and k.start < co.day(70) < co.day(6) < k.end]
    k, k2 = clean[0], clean[1]
    day = rng.choice(co.working_days(co.day(60), co.day(6)))

    def add(call: Call, code: str, header: str, value: object, note: str) -> None:
        row = call_row(co, call)
        row.values["服务类别"] = call.category
        rows.append(row.plant(code, header, value, note))

    add(clean_call(co, branch, "B", contract=k, day=day), "CAL001", "客户代码", None, "合同服务没有填客户代码")
    add(clean_call(co, branch, "B", contract=k, day=day), "CAL002", "合同编号", None, "合同服务没有填合同编号")
    add(clean_call(co, branch, "B", contract=k, day=day), "CAL003", "合同编号", co.foreign_contract,
        "合同编号是其他分公司的合同")
    add(clean_call(co, branch, "B", contract=k2, day=day), "CAL004", "合同编号", k.number,
        "合同编号属于另一个客户")
    renewed = next(c for c in co.contracts[branch] if c.renewal is not None)
    late_day = rng.choice(co.working_days(renewed.end + dt.timedelta(days=1), co.day(5)) or [co.day(5)])
    add(clean_call(co, branch, "B", contract=renewed.renewal, day=late_day), "CAL005", "合同编号",
        renewed.number, "续约后仍填写已到期的旧合同编号")
    cancelled = co.cancelled_contract
    assert cancelled is not None  # planted by plant_contracts on the same branch
    add(clean_call(co, branch, "B", contract=cancelled, day=day), "CAL018", "合同编号", cancelled.number,
        "合同已提前终止，仍按合同服务登记")
    other_model = next(m for _, m in vocab.PRODUCTS if m not in k2.model)
    add(clean_call(co, branch, "B", contract=k2, day=day), "CAL019", "商品型号", other_model,
        f"合同只含 {k2.model}，叫修的是 {other_model}")
    call = clean_call(co, branch, "C")
    add(call, "CAL006", "派工时间", call.t0 - dt.timedelta(minutes=40), "派工时间早于来电时间")  # type: ignore[operator]
    call = clean_call(co, branch, "C")
    add(call, "CAL007", "到达时间", call.t1 - dt.timedelta(minutes=10), "到达时间早于派工时间")  # type: ignore[operator]
    call = clean_call(co, branch, "C")
    add(call, "CAL008", "派工技术员", None, "已派工、已到达却没有派工技术员")
    call = clean_call(co, branch, "C")
    add(call, "CAL009", "完成时间", call.t2 - dt.timedelta(minutes=30), "完成时间早于到达时间")  # type: ignore[operator]
    call = clean_call(co, branch, "C")
    add(call, "CAL010", "客户签字", NO, "现场修复完成但客户未签字")
    call = clean_call(co, branch, "A")
    add(call, "CAL011", "服务费", None, "有费服务完成但没有收服务费")
    call = clean_call(co, branch, "C")
    add(call, "CAL012", "服务费", 200, "免费服务收了 200 元")
    call = billed_same_day(co, clean_call(co, branch, "A"))
    call.invoice_date = None
    add(call, "CAL013", "发票号", None, "开票另收的有费现场修复完成但没有开发票")
    call = billed_same_day(co, clean_call(co, branch, "A"))
    add(call, "CAL014", "开票日期", call.t3.date() + dt.timedelta(days=3), "开票另收，完成三天后才开票")  # type: ignore[union-attr]
    call = billed_same_day(co, clean_call(co, branch, "A"))
    add(call, "CAL020", "收款日期", call.invoice_date - dt.timedelta(days=2),  # type: ignore[operator]
        "开票另收，收款日期写成了开票前两天")
    call = clean_call(co, branch, "A")
    call.payment = CASH  # collected on the spot at least five days ago, the cash still not with the 会计员
    add(call, "CAL021", "交会计员日期", None, "当场收取的服务费多日未交会计员")
    call = clean_call(co, branch, "C")
    call.t3 = call.voucher = call.fee = None  # taken back (and signed for), then not registered
    add(call, "CAL015", "处理方式", "带回修理", "带回修理却没有在商品进出登记簿登记")
    call = taken_back(co, branch, clean_call(co, branch, "C"))
    add(call, "CAL017", "客户签字", None, "带回修理时客户未在服务凭证上签字")
    add(clean_call(co, branch, "C"), "CAL016", "到达时间", None, "已完成却没有填写到达时间")
    left = co.left_tech
    after = rng.choice(co.working_days(left.left + dt.timedelta(days=1), co.day(3)))  # type: ignore[operator]
    call = clean_call(co, branch, "C", day=after)
    add(call, "STF002", "派工技术员", left.name, f"{left.name}已离职仍被派工")


def billed_same_day(co: Company, call: Call) -> Call:
    """The call billed the second way of 第九条 (开票另收): invoiced on the completion day, to collect later."""
    call.payment = INVOICE
    if call.invoice is None:
        call.invoice = f"NB{co.billing_rng.randrange(10**7, 10**8)}"
    call.invoice_date = call.t3.date() if call.t3 else None
    return call


def taken_back(co: Company, branch: str, call: Call) -> Call:
    """The call's item taken back for repair (signed for, still in the workshop), with its row in the branch's
    客户商品进出登记簿."""
    call.method, call.t3, call.voucher, call.fee, call.signed = "带回修理", None, None, None, YES
    brought = call.t2.date()  # type: ignore[union-attr]
    row = item_row(co, branch, call.number, call.name, call.model, brought, brought + dt.timedelta(days=7),
                   co.pick_tech(branch, None).name, category=call.category, repaired=None, checked=False, returned=None)
    co.items[branch].append(row)
    co.rows_of(co.branch_file(branch, "items"), "商品进出").append(row)
    return call


def plant_call_values(co: Company, branch: str) -> None:
    rows = co.rows_of(co.branch_file(branch, "callins"), "叫修登记")

    def add(call: Call, code: str, header: str, value: object, note: str) -> None:
        rows.append(call_row(co, call).plant(code, header, value, note))

    known = set(co.names.used)
    stranger = next(n for n in ("张师傅", "李师傅", "王师傅", "陈工") if n not in known)
    call = clean_call(co, branch, "C")
    add(call, "STF001", "派工技术员", stranger, f"派工技术员「{stranger}」不在员工名单中")
    call = clean_call(co, branch, "C")
    add(call, "STF003", "派工技术员", co.post_of(branch, "服务主任").name, "服务主任被登记为派工技术员")
    call = clean_call(co, branch, "C")
    add(call, "TYP002", "派工时间", "上午10点", "派工时间写成「上午10点」")
    call = clean_call(co, branch, "C")
    add(call, "TYP003", "到达时间", call.t2.date(), "到达时间只有日期没有时间")  # type: ignore[union-attr]
    call = clean_call(co, branch, "C")
    midnight = dt.datetime.combine(call.t2.date() + dt.timedelta(days=1), dt.time())  # type: ignore[union-attr]
    add(call, "TYP013", "完成时间", midnight, "完成时间填成次日 00:00（漏填了时间）")
    call = clean_call(co, branch, "C")
    add(call, "COL001", "电话", None, "电话未填写")
    call = clean_call(co, branch, "A")
    add(call, "REF001", "客户代码", "KH99999", "客户代码不在客户档案中")


def plant_items(co: Company, branch: str) -> None:
    rng = co.rng
    rows = co.rows_of(co.branch_file(branch, "items"), "商品进出")
    calls = [c for c in co.calls[branch] if c.method == "带回修理"] or co.calls[branch]
    tech = co.pick_tech(branch, None)

    def item(category: str = "C", **kw: object) -> Row:
        """A clean item of an existing call: brought in, repaired after 4 days, returned after 6."""
        call = rng.choice(calls)
        brought = co.day(rng.randrange(20, 40))
        args: dict = {"repaired": brought + dt.timedelta(days=4), "checked": True,
                      "returned": brought + dt.timedelta(days=6), **kw}
        row = item_row(co, branch, call.number, call.name, call.model, brought, brought + dt.timedelta(days=7),
                       tech.name, category=category, **args)
        row.values["带回日期"] = brought
        if category == "A" and args["returned"]:
            row.values["发票号"], row.values["开票日期"] = f"NB{rng.randrange(10**7, 10**8)}", args["returned"]
        co.items[branch].append(row)
        rows.append(row)
        return row

    r = item()
    r.plant("ITM001", "约定完成日期", r.values["带回日期"] - dt.timedelta(days=3), "约定完成日期早于带回日期")
    r = item(returned=None)
    r.plant("ITM002", "修妥日期", r.values["带回日期"] - dt.timedelta(days=2), "修妥日期早于带回日期")
    item(returned=None).plant("ITM003", "维修工时", None, "已修妥但没有维修工时")
    r = item()
    r.plant("ITM004", "归还日期", r.values["修妥日期"] - dt.timedelta(days=1), "归还日期早于修妥日期")
    r = item()
    r.values["客户签章"] = NO
    r.mark("ITM005", "归还日期", "归还时客户未签章")
    r = item("A")
    r.values["开票日期"] = None
    r.plant("ITM006", "发票号", None, "有费服务归还时没有开发票")
    r = item("A")
    r.plant("ITM007", "开票日期", r.values["归还日期"] + dt.timedelta(days=2), "开票日期比归还日期晚两天")
    item().plant("REF002", "登记号", f"{co.prefix[branch]}000000", "登记号在叫修登记簿中不存在")


def plant_worklog(co: Company, branch: str) -> None:
    rng = co.rng
    rel = co.branch_file(branch, "worklog")
    daily, reviews = co.rows_of(rel, "工作日报"), co.rows_of(rel, "日报核阅")
    hours = co.worklog_hours.setdefault(branch, {})
    techs = [t for t in co.techs(branch) if t.left is None]
    # Technician-days without a report of their own; a big demo (thousands of calls a branch) books every
    # technician every day of the last 60, so the window reaches back until five free days are found.
    back = 60
    while True:
        free = [(d, t.name) for d in co.working_days(co.day(back), co.day(2)) for t in techs
                if (d, t.name) not in hours]
        if len(free) >= 5:
            break
        back *= 2
    picks = rng.sample(free, 5)

    def row(pick: tuple[dt.date, str], i: int, start: dt.time | None, end: dt.time | None, h: float) -> Row:
        day, tech = pick
        text = rng.choice(vocab.WORK_MAINTENANCE).format(model="NB-CNC-650")
        r = Row({"日期": day, "技术员": tech, "登记号": None, "服务类别": "B", "工作内容": text,
                 "开始时间": start, "结束时间": end, "工时": h}, key=(day, tech, start or dt.time(23, 59), -9 + i))
        daily.append(r)
        return r

    row(picks[0], 0, dt.time(15, 0), dt.time(14, 0), 1.0).plants.append(
        ("WRK001", "结束时间", "结束时间早于开始时间"))
    row(picks[1], 0, dt.time(9, 0), dt.time(10, 30), 3.0).plants.append(
        ("WRK002", "工时", "工时 3 小时与 9:00–10:30 不符"))
    row(picks[2], 0, dt.time(14, 0), None, 3.0).plant("TYP004", "结束时间", "下午5点", "结束时间写成「下午5点」")
    row(picks[3], 0, None, None, 9.5)
    row(picks[3], 1, None, None, 9.5)
    row(picks[3], 2, None, None, 6.0).plants.append(("WRK003", "工时", "一天合计 25 小时"))
    row(picks[4], 0, dt.time(8, 0), dt.time(12, 0), 4.0)
    row(picks[4], 1, dt.time(13, 0), dt.time(17, 0), 4.0)
    row(picks[4], 2, dt.time(18, 0), dt.time(23, 0), 5.0).plants.append(("WRK004", "工时", "一天合计 13 小时"))

    supervisor = co.post_of(branch, "服务主任").name
    taken = co.review_days.get(branch, set())
    back = CALL_WINDOW_DAYS + 60
    while True:  # as above: reach back until three days without a review row are found
        days = [d for d in co.working_days(co.day(back), co.day(3)) if d not in taken]
        if len(days) >= 3:
            break
        back *= 2
    for (code, signed, offset, note), day in zip((
        ("WRK005", YES, None, "经理已核阅但没有核阅日期"),
        ("WRK006", YES, -1, "核阅日期早于日报日期"),
        ("WRK007", NO, 1, "经理未核阅却填写了核阅日期"),
    ), rng.sample(days, 3), strict=True):
        reviewed = None if offset is None else day + dt.timedelta(days=offset)
        reviews.append(Row({"日期": day, "服务主任": supervisor, "经理核阅": signed, "核阅日期": reviewed},
                           key=(day,), plants=[(code, "核阅日期", note)]))
    # 第十六条: signed first, then sent to 服务部. Two more days without a review row, after the ones above.
    taken |= {r.values["日期"] for r in reviews}  # type: ignore[misc]
    back = CALL_WINDOW_DAYS + 60
    while len(free := [d for d in co.working_days(co.day(back), co.day(3)) if d not in taken]) < 2:
        back *= 2
    first, second = sorted(free)[:2]
    reviews.append(Row({"日期": first, "服务主任": supervisor, "经理核阅": YES, "核阅日期": first + dt.timedelta(days=1),
                        "转送服务部日期": first}, key=(first,), plants=[("WRK008", "转送服务部日期", "转送服务部早于经理核阅")]))
    reviews.append(Row({"日期": second, "服务主任": supervisor, "经理核阅": NO, "核阅日期": None,
                        "转送服务部日期": second + dt.timedelta(days=1)}, key=(second,),
                       plants=[("WRK009", "转送服务部日期", "经理未核阅签章就转送了服务部")]))
