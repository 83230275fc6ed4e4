"""The head office's registers of the sample company: 基础资料, 客户档案 and 需求信息.

Staff (a salesperson and a technician who have left included), the 节假日调整 rows, customers with contacts,
correspondence and yearly results, new customers at every stage of approval (the filed ones join the archive),
and demand information with rewards. ``build_*`` functions draw the people and customers the branches need;
``*_rows`` functions turn them into register rows; ``*_row`` functions make one clean row, which
:mod:`.mistakes` also uses as the starting point of a planted mistake.
"""

from __future__ import annotations

import datetime as dt

from ..registers.customers import SITE_CHECKS
from ..registers.demand import SOURCES
from . import vocabulary as vocab
from .company import NO, REWARD_MAX, REWARD_MIN, YES, Company, Customer, Row, Staff

# --------------------------------------------------------------------------------------------- master data


def build_staff(co: Company) -> None:
    def add(dept: str, post: str, unit: str, left: dt.date | None = None) -> Staff:
        staff = Staff(f"E{1001 + len(co.staff):04d}", co.names(), dept, post, unit, left)
        co.staff.append(staff)
        return staff

    ho = co.head_office
    add("其他", "经理", ho)
    add("营业部", "市场主管", ho)  # decides new-customer applications (客户开发 第三条(1))
    for _ in range(max(5, 2 * len(co.branches) + 1)):
        add("营业部", "业务员", ho)
    # left five weeks ago and is still 主办业务员 of a few customers: a hand-over reminder, not a mistake
    co.left_sales = add("营业部", "业务员", ho, co.day(35))
    add("信息部", "经理", ho)
    add("信息部", "其他", ho)
    add("企划部", "其他", ho)
    add("财务部", "会计员", ho)
    add("技术部", "其他", ho)
    add("质量管理部", "其他", ho)
    add("资材部", "其他", ho)
    add("资材部", "其他", ho, co.day(co.rng.randrange(400, 700)))
    n_tech = max(3, min(12, co.rows // 60 + 2))
    for b in co.branches:
        add("服务部", "经理", b)
        add("服务部", "服务主任", b)
        add("财务部", "会计员", b)
        for _ in range(n_tech):
            add("服务部", "技术员", b)
    # left seven weeks ago; appears only on jobs finished before that
    co.left_tech = add("服务部", "技术员", co.branches[0], co.day(50))


def master_rows(co: Company) -> None:
    rel = co.office("master")
    for s in co.staff:
        co.rows_of(rel, "员工").append(staff_row(s))
    for d, kind, note in co.overrides:
        co.rows_of(rel, "节假日调整").append(Row({"日期": d, "类型": kind, "说明": note}, key=(d,)))


def staff_row(s: Staff) -> Row:
    return Row({"工号": s.number, "姓名": s.name, "部门": s.dept, "岗位": s.post, "所属单位": s.unit,
                "在职状态": "离职" if s.left else "在职", "离职日期": s.left}, key=(s.number,))


# ----------------------------------------------------------------------------------------------- customers


def draft_customer(co: Company, branch: str, filed: dt.date, *, name: str | None = None) -> Customer:
    rng = co.rng
    wanted = vocab.BRANCH_DISTRICTS.get(branch)
    district = rng.choice([d for d in vocab.DISTRICTS if wanted is None or d.name in wanted])
    place = rng.choice(vocab.DISTRICT_PLACES.get(district.name, ("宁波",)))
    main = rng.choice([s for s in co.salespeople(filed) if s is not co.left_sales])
    return Customer(
        code="", name=name or co.companies(place), district=district, address=vocab.address(rng, district),
        phone=vocab.phone(rng), branch=branch, filed=filed, main=main, second=None, model=vocab.product(rng),
    )


def build_customers(co: Company) -> None:
    rng = co.rng
    n = max(10 * len(co.branches), co.rows * len(co.branches) // 6)
    drafts = [draft_customer(co, co.branches[i % len(co.branches)], co.day(rng.randrange(150, 3000)))
              for i in range(n)]
    for i, c in enumerate(drafts):
        if i % 4 == 1:  # important customers have a second salesperson
            c.second = rng.choice([s for s in co.salespeople(c.filed) if s not in (c.main, co.left_sales)])
    # the salesperson who left is still 主办 of three customers and 协办 of one (客户维护提醒)
    before_leaving = co.left_sales.left - dt.timedelta(days=60)  # type: ignore[operator]
    for c in (*drafts[3:6], drafts[9]):
        c.filed = min(c.filed, before_leaving)
    for c in drafts[3:6]:
        c.main = co.left_sales
    drafts[9].second = co.left_sales
    # two more of his customers were handed over to a colleague (第七条(4)): one was told by telephone after he left,
    # the other not yet, so 客户维护提醒 keeps reminding of the second until 往来记录 shows it
    for c, told in ((drafts[6], True), (drafts[7], False)):
        c.filed = min(c.filed, before_leaving)
        c.former, c.told, c.second = co.left_sales, told, None
        if c.main is co.left_sales:
            c.main = co.salespeople(co.today)[0]
    # the contact-report system of 第七条(3): important customers are called on regularly, except one that has not
    # been contacted for months and one never contacted since it was filed (both 客户维护提醒, no mistakes)
    looked_after = [c for c in drafts if c.second is not None and co.left_sales not in (c.main, c.second)]
    for c, plan in zip(looked_after, ("overdue", "never"), strict=False):
        c.contacts = plan
    drafts.sort(key=lambda c: c.filed)
    for c in drafts:
        c.code = co.new_code()
    co.customers = drafts


def customer_row(co: Company, c: Customer) -> Row:
    rng = co.rng
    return Row({
        "客户代码": c.code, "客户名称": c.name,
        "客户类别": rng.choices(("终端用户", "经销商", "供应商"), (7, 2, 1))[0],
        "统一社会信用代码": vocab.credit_code(rng, c.district.division) if rng.random() < 0.92 else None,
        "法定代表人": co.fake.name(), "地址": c.address, "邮编": rng.choice(c.district.postcodes),
        "电话": c.phone, "传真": vocab.landline(rng) if rng.random() < 0.6 else None,
        "经营范围": rng.choice(vocab.BUSINESS_SCOPES),
        "注册资本": rng.choice((50, 100, 200, 300, 500, 800, 1000, 2000, 5000)),
        "重要客户": YES if c.second else NO, "主办业务员": c.main.name,
        "协办业务员": c.second.name if c.second else None,
        "建档日期": c.filed, "往来状态": rng.choices(("正常", "暂停", "终止"), (17, 2, 1))[0],
    }, key=(c.filed, c.code))


def customer_rows(co: Company) -> None:
    rng = co.rng
    rel = co.office("customers")
    for c in co.customers:
        co.rows_of(rel, "客户").append(customer_row(co, c))
        for _ in range(rng.randrange(1, 4)):
            co.rows_of(rel, "联系人").append(Row({
                "客户代码": c.code, "姓名": co.fake.name(), "职务": rng.choice(vocab.CONTACT_TITLES),
                "电话": vocab.mobile(rng) if rng.random() < 0.8 else vocab.landline(rng),
                "邮箱": vocab.email(rng, co.fake) if rng.random() < 0.6 else None,
            }, key=(c.code,)))
        for day in contact_days(co, c):
            co.rows_of(rel, "往来记录").append(correspondence_row(co, c, day))
        if c.former is not None:
            co.rows_of(rel, "往来记录").extend(handover_rows(co, c, c.former))
        last = co.today.year if co.today.month >= 7 else co.today.year - 1
        for year in range(max(c.filed.year, co.today.year - 3), last + 1):
            co.rows_of(rel, "年度业绩").append(results_row(co, c, year))


def contact_days(co: Company, c: Customer) -> list[dt.date]:
    """The days of a customer's 往来记录: a few at random, or for an important customer one every 20–75 days over
    the last year or so (so its last contact is within ``customers.contact_days``) unless planned otherwise."""
    rng = co.rng
    # A customer whose hand-over is still open has no record by anyone after the salesperson left.
    end = c.former.left - dt.timedelta(days=1) if c.former is not None and c.former.left and not c.told else co.today
    if c.second is None:
        span = (end - c.filed).days
        return sorted(c.filed + dt.timedelta(days=rng.randrange(0, span + 1)) for _ in range(rng.randrange(0, 5)))
    if c.contacts == "never":
        return []
    if c.contacts == "overdue":
        end = co.day(100 + rng.randrange(0, 40))
    days, day = [], max(c.filed, co.day(400))
    while (day := day + dt.timedelta(days=rng.randrange(20, 76))) <= end:
        days.append(day)
    return days


def handover_rows(co: Company, c: Customer, former: Staff) -> list[Row]:
    """The former salesperson's last visit before leaving and, once the customer was told, the successor's call."""
    assert former.left is not None
    visit = correspondence_row(co, c, former.left - dt.timedelta(days=co.rng.randrange(10, 50)), major=False)
    visit.values["本公司人员"] = former.name
    if not c.told:
        return [visit]
    day = former.left + dt.timedelta(days=co.rng.randrange(0, 10))
    told = correspondence_row(co, c, day, major=False)
    told.values.update({"方式": "电话", "本公司人员": c.main.name,
                        "摘要": f"告知{former.name}已离职，今后由{c.main.name}负责联系"})
    return [visit, told]


def correspondence_row(co: Company, c: Customer, day: dt.date, *, major: bool | None = None) -> Row:
    rng = co.rng
    people = [p for p in (c.main, c.second) if p is not None and p.active_through(day)]
    person = rng.choice(people or co.salespeople(day))
    way = rng.choice(tuple(vocab.CORRESPONDENCE))
    major = rng.random() < 0.06 if major is None else major
    text = rng.choice(vocab.MAJOR_MATTERS if major else vocab.CORRESPONDENCE[way]).format(model=c.model[1])
    return Row({"日期": day, "客户代码": c.code, "方式": way, "本公司人员": person.name, "摘要": text,
                "重大事项": YES if major else rng.choice((NO, None)), "已报信息部": YES if major else None},
               key=(day, c.code))


def results_row(co: Company, c: Customer, year: object) -> Row:
    rng = co.rng
    return Row({"客户代码": c.code, "年度": year, "交易额": round(rng.uniform(3, 600), 1),
                "财务状况": rng.choices(("良好", "一般", "较差", None), (6, 3, 1, 2))[0],
                "备注": "本年度截至目前" if year == co.today.year else None}, key=(c.code, str(year)))


def build_new_customers(co: Company) -> None:
    """新客户开发 at every stage of approval; the filed ones join the archive (and so the customer list)."""
    rng = co.rng
    rel = co.office("customers")
    for i in range(max(8, co.rows // 25)):
        stage = i % 7  # 0 general survey … 4 contracts signed, 5 filed and notified, 6 filed this week
        branch = co.branches[i % len(co.branches)]
        general = co.day((rng.randrange(5, 20), rng.randrange(60, 200), rng.randrange(30, 90),
                          rng.randrange(30, 90), rng.randrange(40, 90), rng.randrange(70, 140),
                          rng.randrange(40, 60))[stage])
        row = new_customer_row(co, f"XK{co.today.year}{i + 1:03d}", co.companies(), general,
                               stage=min(stage, 5))
        v = row.values
        if stage == 1:
            v[rng.choice(SITE_CHECKS)] = "不合格"
        if stage == 3 and rng.random() < 0.5:  # applied, the decision still pending
            v["认定审批人"] = v["审批日期"] = v["审批结论"] = None
        if stage == 6:
            v["供应合同日期"] = v["质保合同日期"] = max(v["认定申请日期"], co.day(rng.randrange(0, 5)))  # type: ignore[type-var]
        if stage >= 5:
            filed = min(co.today, v["供应合同日期"] + dt.timedelta(days=rng.randrange(0, 3)))  # type: ignore[operator]
            customer = draft_customer(co, branch, filed, name=str(v["客户名称"]))
            customer.code = co.new_code()
            co.customers.append(customer)
            v["客户代码"] = customer.code
            if stage == 6:  # filed within the last week: notifying and archiving may still be pending
                v["已通知相关部门"], v["资料已存档"] = rng.choice((NO, None)), NO
        co.rows_of(rel, "新客户开发").append(row)


def new_customer_row(co: Company, number: str, name: str, general: dt.date, *, stage: int) -> Row:
    """A consistent 新客户开发 row that has reached ``stage`` (0 general survey … 5 filed and notified)."""
    rng = co.rng
    v: dict[str, object] = {"申请编号": number, "客户名称": name, "一般调查日期": general,
                            "资料齐全": YES if stage else rng.choice((NO, None))}
    if stage >= 1:
        site = general + dt.timedelta(days=rng.randrange(3, 15))
        v.update({"实地调查日期": site, **dict.fromkeys(SITE_CHECKS, "合格")})
    if stage >= 3:
        v["认定申请日期"] = site + dt.timedelta(days=rng.randrange(2, 8))
        # 第三条(1): the application goes to the 市场主管, who decides within a few days and before any contract
        approver = next(s for s in co.staff if s.post == "市场主管")
        approved = min(co.today, v["认定申请日期"] + dt.timedelta(days=rng.randrange(0, 5)))  # type: ignore[operator]
        v.update({"认定审批人": approver.name, "审批日期": approved, "审批结论": "同意"})
    if stage >= 4:
        v["供应合同日期"] = v["质保合同日期"] = v["认定申请日期"] + dt.timedelta(days=rng.randrange(5, 15))  # type: ignore[operator]
    if stage >= 5:
        v["已通知相关部门"] = v["资料已存档"] = YES
    return Row(v, key=(number,))


# -------------------------------------------------------------------------------------- demand information


def demand_row(co: Company, number: str, day: dt.date, *, value: str | None = None, adopted: str | None = None,
               reward: object = "auto") -> Row:
    rng = co.rng
    kind, model = vocab.product(rng)
    text = rng.choice(vocab.DEMAND_TEXTS).format(product=kind, model=model, n=rng.randrange(1, 6))
    provider = rng.choice([s for s in co.staff if s.left is None])
    value = value or rng.choices(("高", "中", "低"), (2, 5, 3))[0]
    if adopted is None:
        adopted = rng.choices(("已采用", "未采用", "待定"), (3, 3, 2))[0] if (co.today - day).days > 20 else "待定"
    if reward == "auto":
        earns = (adopted == "已采用" or value == "高") and rng.random() < 0.85
        reward = rng.randrange(REWARD_MIN // 10, REWARD_MAX // 10 + 1) * 10 if earns else None
    return Row({
        "信息编号": number, "登记日期": vocab.text_date(day, rng) if rng.random() < 0.05 else day,
        "提供人": provider.name, "提供人部门": provider.dept,
        "信息来源": rng.choices(SOURCES, (1, 2, 1, 1, 4, 1, 2, 5, 1))[0],
        "相关单位": co.companies() if rng.random() < 0.8 else None, "需求内容": text,
        "订货信息": YES if any(w in text for w in ("采购", "询价", "配套")) else NO,
        "可信度": rng.choice(("高", "中", "低")), "使用价值": value, "分送部门": rng.choice(vocab.DEMAND_DEPTS),
        "采用情况": adopted,
        "效益": rng.randrange(100, 3000) * 100 if adopted == "已采用" and rng.random() < 0.7 else None,
        "奖励金额": reward, "已提交信息报告": YES if value == "高" else rng.choice((NO, None)),
    }, key=(day, number))


def demand_rows(co: Company) -> None:
    rel = co.office("demand")
    days = sorted(co.day(co.rng.randrange(0, 330)) for _ in range(max(20, co.rows // 3)))
    for i, day in enumerate(days, start=1):
        co.rows_of(rel, "需求信息").append(demand_row(co, f"XQ{day.year}{i:04d}", day))
