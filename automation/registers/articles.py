"""Every regulation citation the product shows, in one place so the catalogue, the templates' prompts and 填写说明,
and ``docs/rules.md`` agree.

Only articles (and items) listed in the company's citation table, ``docs/regulations/ARTICLES.md``, may be cited,
written the way it prescribes: ``《制度名》第N条``, plus ``(k)`` when one item of the article is meant. The
regulations' numbering has gaps (客户信息管理办法 has no 第三条, 售后服务管理制度 no 第五条), so a citation is never
derived from a neighbour's number; ``tests/test_citations.py`` checks each one against the table.
"""

from __future__ import annotations

DEV = "客户开发管理制度"
INFO = "客户信息管理办法"
DEMAND = "客户要求信息处理制度"
SERVICE = "售后服务管理制度"


def cite(regulation: str, article: str, item: int | None = None) -> str:
    """``《regulation》第{article}条`` and ``(item)`` when given: the one spelling staff see everywhere."""
    return f"《{regulation}》第{article}条" + (f"({item})" if item is not None else "")


def regulation_of(citation: str) -> str:
    """The regulation a citation made by :func:`cite` names (what stands between 《 and 》)."""
    return citation[citation.index("《") + 1 : citation.index("》")]


# --- 客户开发管理制度 (第一条–第三条 only)
DEV_EQUIPMENT = cite(DEV, "一", 1)  # criterion: equipment and technology that meet the quality requirements
DEV_ON_TIME = cite(DEV, "一", 2)  # criterion: able to manage on-time supply
DEV_FINANCE = cite(DEV, "一", 3)  # criterion: sound finances and credit
DEV_COOPERATION = cite(DEV, "一", 4)  # criterion: a cooperative attitude
DEV_CONFIDENTIALITY = cite(DEV, "一", 5)  # criterion: keeps business and technical secrets
DEV_COST = cite(DEV, "一", 6)  # criterion: cost management and cost level acceptable
DEV_GENERAL_SURVEY = cite(DEV, "二", 1)  # general investigation: the candidate's documents and talks
DEV_SITE_SURVEY = cite(DEV, "二", 2)  # site investigation, built on the general one's impression
DEV_APPLICATION = cite(DEV, "三", 1)  # application to 市场主管, from the results of both investigations
DEV_SUPPLY_CONTRACT = cite(DEV, "三", 2)  # supply contract with the selected (approved) customer
DEV_QUALITY_CONTRACT = cite(DEV, "三", 3)  # quality-assurance contract signed together with the supply contract
DEV_CODE = cite(DEV, "三", 4)  # customer code assigned and registered
DEV_NOTIFY_FILE = cite(DEV, "三", 5)  # departments notified, payment method fixed, documents filed

# --- 客户信息管理办法 (第一、二、四–八条; no 第三条)
INFO_LIST = cite(INFO, "二", 2)  # a customer list (客户一览表) to look customers up in
INFO_ARCHIVE = cite(INFO, "二", 3)  # an archive for every customer dealt with, with the standard fields
INFO_RESULTS = cite(INFO, "二", 4)  # yearly results and financial status accumulated in the archive
INFO_MAJOR = cite(INFO, "四")  # major matters with a customer reported to 信息部
INFO_ACCESS = cite(INFO, "六")  # access to the archive restricted: no customer phone/address in group messages
INFO_LEAVER = cite(INFO, "五")  # a leaver's customer files are taken over by the department and 信息部
INFO_CORRESPONDENCE = cite(INFO, "七", 2)  # letters, faxes and calls with customers recorded in the archive
INFO_TWO_STAFF = cite(INFO, "七", 3)  # important customers: two or more staff in contact
INFO_HANDOVER = cite(INFO, "七", 4)  # the staff member in contact leaves: replacement assigned at once

# --- 客户要求信息处理制度
DEMAND_CARD = cite(DEMAND, "六")  # all demand information goes to 企划部; the provider fills an information card
DEMAND_JUDGED = cite(DEMAND, "七")  # 企划部 judges credibility and usefulness, passes it to departments
DEMAND_REWARD = cite(DEMAND, "九")  # one-off reward, within a set range, for information that proved useful
DEMAND_SOURCES = cite(DEMAND, "十六")  # the six kinds of information source
DEMAND_REPORT = cite(DEMAND, "十八")  # important information goes up as an information report

# --- 售后服务管理制度 (no 第五条)
SVC_SURVEY = cite(SERVICE, "二")  # the programme includes customer opinion surveys
SVC_CATEGORIES = cite(SERVICE, "六")  # service categories A paid, B contract, C free
SVC_CONTRACT_SERVICE = cite(SERVICE, "六", 2)  # B: service under the customer's maintenance contract
SVC_FREE = cite(SERVICE, "六", 3)  # C: free service within the free-warranty period
SVC_CALL = cite(SERVICE, "七")  # call registered (name, address, phone, model), voucher taken, supervisor dispatches
SVC_ON_SITE = cite(SERVICE, "八")  # fixed on site: customer signs the voucher, the call is closed in the register
SVC_FEES = cite(SERVICE, "九")  # paid service: fee collected on the spot, or invoiced the same day
SVC_TAKE_BACK = cite(SERVICE, "十")  # taken back: receipt to the customer, item registered, repair card filled
SVC_REPAIR = cite(SERVICE, "十一")  # repair card hours and parts, supervisor's check, return recorded and signed
SVC_WORKSHOP_INVOICE = cite(SERVICE, "十二")  # paid workshop repair invoiced on the day the item is returned
SVC_OVERDUE = cite(SERVICE, "十三")  # not repaired by the agreed time: reported to the service supervisor
SVC_DAILY_REPORT = cite(SERVICE, "十四")  # every technician's daily report of work categories and hours
SVC_SUPERVISOR_REPORT = cite(SERVICE, "十五")  # the supervisor's daily report from the technicians', every day
SVC_REVIEW = cite(SERVICE, "十六")  # a branch supervisor's daily report signed by the branch manager
SVC_PRIORITY = cite(SERVICE, "十七")  # calls not dispatched today go to the supervisor next morning, first
SVC_DEADLINE = cite(SERVICE, "十八")  # from call to arrival within 6 (city) / 7 (suburbs) working hours
SVC_RENEWAL = cite(SERVICE, "十九")  # expiry notice one month before a contract ends, renewal sought
