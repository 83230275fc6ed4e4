"""Vocabulary and value makers for the sample company (:mod:`automation.sample`).

Everything here is deterministic given the ``random.Random`` and ``Faker`` instances passed in: no clock, no
global random state. The values look like what a Ningbo machinery company's staff type into their registers:
Chinese staff names (Faker ``zh_CN``), company names such as 宁波恒达精密机械有限公司, Ningbo addresses with their
postcodes (315000–315499), mobile and 0574 landline numbers, 统一社会信用代码 with correct check characters
(GB 32100-2015, including the GB 11714 organisation-code check digit), product models, faults and parts.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from faker import Faker

# --------------------------------------------------------------------------------------------- places


@dataclass(frozen=True)
class District:
    name: str  # 海曙区
    city: str  # address prefix: 浙江省宁波市 / 浙江省慈溪市
    division: str  # administrative division code (统一社会信用代码 characters 3–8)
    postcodes: tuple[str, ...]
    streets: tuple[str, ...]  # a street containing 镇 is a suburban (郊区) address, anything else urban (市区)


DISTRICTS: tuple[District, ...] = (
    District("海曙区", "浙江省宁波市", "330203", ("315000", "315010", "315012"),
             ("中山西路", "解放南路", "望春工业园区聚才路", "集士港镇万众村", "古林镇工业区", "石碶街道雅戈尔大道")),
    District("江北区", "浙江省宁波市", "330205", ("315020", "315033"),
             ("人民路", "洪塘街道", "江北投资创业园区C区", "慈城镇工业区", "长兴路", "庄桥街道")),
    District("鄞州区", "浙江省宁波市", "330212", ("315100", "315194", "315040"),
             ("天童南路", "首南街道", "姜山镇工业园区", "鄞州经济开发区", "钟公庙街道", "五乡镇宝同路")),
    District("镇海区", "浙江省宁波市", "330211", ("315200",),
             ("庄市街道", "骆驼街道", "蛟川街道", "九龙湖镇工业区", "镇海经济开发区")),
    District("慈溪市", "浙江省", "330282", ("315300",),
             ("浒山街道", "周巷镇", "观海卫镇", "慈溪经济开发区", "坎墩街道", "逍林镇")),
    District("余姚市", "浙江省", "330281", ("315400",),
             ("阳明街道", "泗门镇", "马渚镇", "余姚经济开发区", "朗霞街道", "低塘街道")),
)

# Which districts a branch serves, by the branch folder's name (other branches: any district).
BRANCH_DISTRICTS: dict[str, tuple[str, ...]] = {
    "服务中心": ("海曙区", "江北区", "鄞州区", "镇海区"),
    "慈溪分公司": ("慈溪市",),
    "余姚分公司": ("余姚市",),
}

# Short prefixes for the numbers a branch gives out (登记号, 合同编号, 收据号 …).
BRANCH_PREFIXES: dict[str, str] = {"服务中心": "FW", "慈溪分公司": "CX", "余姚分公司": "YY"}

# --------------------------------------------------------------------------------------------- companies

COMPANY_PLACES = ("宁波", "宁波", "宁波", "慈溪", "余姚", "鄞州", "镇海", "江北", "海曙")
COMPANY_CORES = (
    "华业", "恒达", "宏远", "金鼎", "永盛", "东方", "天盛", "中联", "甬华", "立信", "海天", "精工", "博远", "新元",
    "瑞丰", "开元", "鑫源", "泰和", "德盛", "振兴", "明峰", "宝龙", "利达", "凯达", "兴业", "嘉诚", "富达", "广博",
    "天成", "伟业", "华昌", "宏泰", "信诚", "裕隆", "通力", "亚太", "星辰", "卓越", "永成", "恒信", "万隆", "顺达",
    "协力", "新海", "富邦", "润泽", "金宇", "三和", "汇通", "大洋", "群力", "荣盛", "惠众", "远航", "致远", "国丰",
)
COMPANY_TRADES = (
    "机械", "精密机械", "模具", "塑料机械", "五金", "汽配", "电器", "液压", "数控设备", "轴承", "纺织机械",
    "包装机械", "注塑", "铸造", "阀门", "工具", "电机",
)
COMPANY_FORMS = ("有限公司", "有限公司", "有限公司", "股份有限公司", "科技有限公司")
# Place names a company of a district calls itself by.
DISTRICT_PLACES = {"海曙区": ("宁波", "海曙"), "江北区": ("宁波", "江北"), "鄞州区": ("宁波", "鄞州"),
                   "镇海区": ("宁波", "镇海"), "慈溪市": ("慈溪",), "余姚市": ("余姚",)}
BUSINESS_SCOPES = (
    "机械设备及配件制造、加工", "塑料制品、模具制造", "汽车零部件制造、销售", "五金工具、电器配件加工",
    "液压元件、气动元件制造", "数控机床销售及维修", "轴承、紧固件制造", "纺织机械及配件制造",
    "包装机械研发、制造", "阀门、管件制造、加工", "电机及控制设备制造", "金属材料、机电产品批发",
)

# --------------------------------------------------------------------------------------------- products

PRODUCTS: tuple[tuple[str, str], ...] = (
    ("数控车床", "NB-CNC-450"), ("数控车床", "NB-CNC-650"), ("立式加工中心", "VMC-850"),
    ("立式加工中心", "VMC-1060"), ("注塑机", "HX-160"), ("注塑机", "HX-250"), ("注塑机", "HX-380"),
    ("液压机", "YH-315"), ("开式冲床", "JH21-80"), ("螺杆空压机", "KY-37A"), ("平面磨床", "M7130"),
    ("线切割机", "DK7740"), ("数控折弯机", "WC67K-100"), ("激光切割机", "LC-3015"),
)
FAULTS = (
    "液压系统漏油", "主轴异响", "伺服报警", "温控失灵", "电机过热", "润滑泵不出油", "刀塔不换刀", "射胶压力不稳",
    "电气柜跳闸", "导轨拉伤", "开模不到位", "冷却液泄漏", "显示屏黑屏", "气压不足", "X 轴定位偏差",
)
PARTS = (
    "主轴轴承", "液压密封圈", "伺服驱动器", "温控模块", "交流接触器", "齿轮油泵", "编码器", "滚珠丝杠", "电磁换向阀",
    "冷却风扇", "比例阀", "限位开关",
)

# --------------------------------------------------------------------------------------------- people, text

CONTACT_TITLES = ("总经理", "副总经理", "设备科长", "采购经理", "生产主管", "设备主管", "厂长", "办公室主任", "技术员")
EMAIL_DOMAINS = ("163.com", "126.com", "qq.com", "sina.com", "139.com")
CORRESPONDENCE = {
    "来函": ("来函询问{model}备件供货周期", "来函确认年度保养计划"),
    "去函": ("去函寄送{model}保养合同续约通知", "去函告知服务收费标准调整"),
    "传真": ("传真发来{model}配件订单", "传真确认上门维修时间"),
    "电话": ("电话回访{model}使用情况", "电话沟通付款进度", "电话预约设备点检"),
    "走访": ("走访客户，了解{model}运行情况及新增设备需求", "走访设备科，商谈明年保养合同"),
    "来访": ("客户来访考察{model}样机", "客户来访商谈批量采购"),
    "邮件": ("邮件发送{model}技术资料", "邮件确认对账单"),
    "其他": ("展会上与客户交流新机型",),
}
MAJOR_MATTERS = ("客户提出{model}质量索赔", "客户计划明年扩产，拟采购{model}五台", "客户法定代表人变更")
DEMAND_TEXTS = (
    "拟采购{product} {model} {n} 台，预计下月招标",
    "新厂房投产，需配套{product} {n} 台",
    "现有{product}老化，计划更新 {n} 台",
    "询价{product} {model}，要求年内交货",
    "行业协会通报：区内企业技改补贴，{product}需求增加",
    "客户反映{model}备件需求，约 {n} 套",
)
DEMAND_DEPTS = ("营业部", "企划部", "营业部、企划部", "营业部、技术部", "资材部")
WORK_ONSITE = ("现场维修：{fault}", "上门检修{model}：{fault}", "现场处理{fault}")
WORK_WORKSHOP = ("车间修理{model}：更换{part}", "车间检修{model}，更换{part}", "车间修复{fault}")
WORK_MAINTENANCE = ("合同客户{model}定期保养", "保养巡检：{model}润滑及电气检查")
# 客户意见调查 (售后 第二条): what customers say when asked after a service.
SURVEY_PRAISE = ("技术员准时到达，处理专业", "维修及时，设备已正常运转", "服务态度好", None, None,
                 "希望保养时一并检查液压系统", "满意，下次保养请提前电话联系")  # fmt: skip
SURVEY_COMPLAINTS = ("等待时间太长", "修好后两天又出同样故障", "技术员未带齐配件，跑了两趟", "收费偏高，未事先说明",
                     "电话多次无人接听")  # fmt: skip
WORK_ARRIVAL = ("上门检查{model}，{fault}，带回修理", "上门检修{model}：{fault}，待续", "现场查看{fault}")
REMARKS = ("客户催修", "需带配件", "老客户", "电话无人接听，已短信通知", "周末值班接报", "")


# --------------------------------------------------------------------------------------------- value makers


def mobile(rng: random.Random) -> str:
    prefix = rng.choice(("138", "139", "135", "136", "137", "150", "151", "152", "158", "159", "186", "187",
                         "188", "133", "153", "180", "189", "130", "131", "132", "155", "156", "185", "177"))
    return prefix + "".join(rng.choice("0123456789") for _ in range(8))


def landline(rng: random.Random, *, extension: bool = False) -> str:
    number = f"0574-{rng.choice('8868')}{rng.randrange(10**6, 10**7)}"
    return f"{number}-{rng.randrange(800, 8999)}" if extension else number


def phone(rng: random.Random) -> str:
    """A phone cell as staff write it: mobile, landline, or both."""
    roll = rng.random()
    if roll < 0.45:
        return mobile(rng)
    if roll < 0.85:
        return landline(rng, extension=rng.random() < 0.05)
    return f"{landline(rng)}/{mobile(rng)}"


def email(rng: random.Random, fake: Faker) -> str:
    domain = rng.choice(EMAIL_DOMAINS)
    if domain == "qq.com":
        return f"{rng.randrange(10**7, 10**10)}@qq.com"
    return f"{fake.user_name()}@{domain}"


ORG_CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, S, V, Z
CREDIT_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


def org_check_digit(body: str) -> str:
    """GB 11714-1997 check character of an 8-character organisation code body."""
    total = sum(ORG_CHARSET.index(c) * w for c, w in zip(body, ORG_WEIGHTS, strict=True))
    c9 = 11 - total % 11
    return "X" if c9 == 10 else "0" if c9 == 11 else str(c9)


def credit_check_char(first17: str) -> str:
    """GB 32100-2015 check character (the 18th) of a 统一社会信用代码."""
    total = sum(CREDIT_CHARSET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARSET[(31 - total % 31) % 31]


def credit_code(rng: random.Random, division: str) -> str:
    """A valid 统一社会信用代码 of an enterprise (登记管理部门 9 = 工商, 机构类别 1 = 企业) registered in ``division``."""
    body = "".join(rng.choice("0123456789") for _ in range(8))
    first17 = "91" + division + body + org_check_digit(body)
    return first17 + credit_check_char(first17)


def wrong_credit_code(code: str) -> str:
    """The same code with a wrong check character (a typical typo)."""
    right = code[-1]
    wrong = CREDIT_CHARSET[(CREDIT_CHARSET.index(right) + 7) % len(CREDIT_CHARSET)]
    return code[:-1] + wrong


def product(rng: random.Random) -> tuple[str, str]:
    return rng.choice(PRODUCTS)


def model_text(rng: random.Random, item: tuple[str, str]) -> str:
    """A product model as staff write it: ``NB-CNC-650``, ``注塑机 HX-160`` or ``HX-160注塑机``."""
    kind, model = item
    roll = rng.random()
    if roll < 0.4:
        return model
    if roll < 0.85:
        return f"{kind} {model}"
    return f"{model}{kind}"


def address(rng: random.Random, district: District) -> str:
    street = rng.choice(district.streets)
    number = rng.randrange(1, 999)
    tail = f"{number}号" if rng.random() < 0.8 else f"{number}号{rng.randrange(1, 9)}幢"
    return f"{district.city}{district.name}{street}{tail}"


def region_of(address_text: str) -> str:
    """市区 / 郊区 of an address: towns (镇) are suburban."""
    return "郊区" if "镇" in address_text else "市区"


class UniqueNames:
    """Unique person names from Faker zh_CN (a repeated name gets another draw)."""

    def __init__(self, fake: Faker) -> None:
        self.fake = fake
        self.used: set[str] = set()

    def __call__(self) -> str:
        for _ in range(1000):
            name = self.fake.name()
            if name not in self.used:
                self.used.add(name)
                return name
        raise RuntimeError("ran out of distinct names")


class UniqueCompanies:
    """Unique company names such as 宁波恒达精密机械有限公司."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    # Draws of the plain pattern before falling back to four-character trade names. One place has only
    # len(CORES) × len(TRADES) × 3 forms ≈ 2,900 plain names, which a 20,000-call demo (10,000 customers) exhausts;
    # small companies never reach the fallback, so their names (and every later draw) stay as they were.
    PLAIN_TRIES = 200

    def __call__(self, place: str | None = None) -> str:
        for attempt in range(10000):
            town = place or self.rng.choice(COMPANY_PLACES)
            core = self.rng.choice(COMPANY_CORES)
            if attempt >= self.PLAIN_TRIES:
                # 恒达 + 宏远 → 恒达宏远: as real firms do when the short name is taken (≈ 3,100 cores more).
                core += self.rng.choice([c for c in COMPANY_CORES if c != core])
            name = town + core + self.rng.choice(COMPANY_TRADES) + self.rng.choice(COMPANY_FORMS)
            if name not in self.used:
                self.used.add(name)
                return name
        raise RuntimeError("ran out of distinct company names")


# --------------------------------------------------------------------------------------------- times and spellings


def at(day: dt.date, minute_of_day: int) -> dt.datetime:
    """``day`` at a minute of the day."""
    return dt.datetime.combine(day, dt.time(minute_of_day // 60, minute_of_day % 60))


def working_minute(rng: random.Random) -> int:
    """A minute of the day inside the default working periods 08:00–12:00 and 13:00–17:00 (never 00:00, which would
    read as a date without a time)."""
    return rng.randrange(8 * 60 + 1, 12 * 60) if rng.random() < 0.55 else rng.randrange(13 * 60 + 1, 17 * 60)


def outside_minute(rng: random.Random) -> int:
    """A minute of the day in the evening or early morning."""
    return rng.randrange(17 * 60 + 5, 21 * 60 + 30) if rng.random() < 0.75 else rng.randrange(6 * 60 + 40, 7 * 60 + 55)


def text_date(day: dt.date, rng: random.Random) -> str:
    """A date typed as text in one of the forms §3 accepts."""
    return rng.choice((f"{day:%Y/%m/%d}", f"{day.year}年{day.month}月{day.day}日", f"{day:%Y.%m.%d}", f"{day:%Y-%m-%d}"))


def payment_alias(payment: str, rng: random.Random) -> str:
    """A 收费方式 as staff often write it: ``现金``, ``挂账`` … (all accepted by the register model)."""
    return rng.choice({"当场收费": ("现金", "现收"), "开票另收": ("挂账", "开票")}[payment])


def category_alias(category: str, rng: random.Random) -> str:
    """A service category as staff often write it: ``A类``, ``有费服务`` … (all accepted by the register model)."""
    return rng.choice({
        "A": ("A类", "有费服务", "A 有费服务", "有费"),
        "B": ("B类", "合同服务", "B 合同服务"),
        "C": ("C类", "免费服务", "免费"),
    }[category])
