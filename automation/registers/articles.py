"""The four regulations and the articles the rules enforce, in one place so the catalogue, templates and docs agree."""

from __future__ import annotations

DEV = "客户开发管理制度"
INFO = "客户信息管理办法"
DEMAND = "客户要求信息处理制度"
SERVICE = "售后服务管理制度"


def art(regulation: str, number: str) -> str:
    return f"{regulation} 第{number}条"


# Customer development: investigation, approval, contracts, filing.
DEV_GENERAL = art(DEV, "三")
DEV_SITE = art(DEV, "四")
DEV_APPROVAL = art(DEV, "五")
DEV_CONTRACTS = art(DEV, "六")
DEV_CODE = art(DEV, "七")
DEV_NOTIFY = art(DEV, "八")

# Customer information: archive, important customers, contacts, correspondence, results, hand-over.
INFO_ARCHIVE = art(INFO, "三")
INFO_IMPORTANT = art(INFO, "四")
INFO_CONTACTS = art(INFO, "五")
INFO_RECORDS = art(INFO, "六")
INFO_MAJOR = art(INFO, "七")
INFO_RESULTS = art(INFO, "八")
INFO_HANDOVER = art(INFO, "九")

# Demand information: registration, evaluation, distribution, rewards, reports.
DEMAND_SOURCE = art(DEMAND, "三")
DEMAND_REGISTER = art(DEMAND, "四")
DEMAND_EVALUATE = art(DEMAND, "五")
DEMAND_REWARD = art(DEMAND, "七")
DEMAND_REPORT = art(DEMAND, "八")

# After-sales service.
SVC_CALLIN = art(SERVICE, "五")
SVC_CATEGORY = art(SERVICE, "六")
SVC_CONTRACT_SERVICE = art(SERVICE, "七")
SVC_DISPATCH = art(SERVICE, "八")
SVC_ONSITE = art(SERVICE, "九")
SVC_WORKSHOP = art(SERVICE, "十")
SVC_REPAIR = art(SERVICE, "十一")
SVC_RETURN = art(SERVICE, "十二")
SVC_BILLING = art(SERVICE, "十三")
SVC_DAILY = art(SERVICE, "十四")
SVC_SUPERVISOR = art(SERVICE, "十五")
SVC_CONTRACT = art(SERVICE, "十六")
