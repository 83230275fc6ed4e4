"""The rule catalogue: every problem code with its severity, both messages and the article it enforces.

Codes are stable: tools and people refer to them. ``docs/rules.md`` is generated from this table
(``python -m automation.catalogue``) and a test keeps the two, and the codes used in the source, in step.
Message templates use ``str.format`` fields; ``{column}`` and ``{value}`` are always available.
"""

from __future__ import annotations

from .problems import Problem, Rule, Severity
from .registers import articles as a

E, W = Severity.ERROR, Severity.WARNING

_RULES: tuple[Rule, ...] = (
    # --- workbook and sheet structure
    Rule("XLS001", E, "缺少工作表「{sheet}」", "sheet '{sheet}' is missing", family="结构"),
    Rule("XLS002", E, "缺少必填列「{column}」", "required column '{column}' is missing", family="结构"),
    Rule("XLS003", E, "前 5 行中找不到表头行", "no header row found in the first 5 rows", family="结构"),
    Rule("XLS004", W, "列「{column}」重复出现，只读取第一列", "column '{column}' appears twice; only the first is read", family="结构"),
    # --- reading values (§3)
    Rule("TYP001", E, "「{value}」不是有效日期", "'{value}' is not a valid date", family="取值"),
    Rule("TYP002", E, "「{value}」不是有效的日期时间", "'{value}' is not a valid date and time", family="取值"),
    Rule("TYP003", E, "「{value}」缺少时间（须填写到时分，如 2026-11-29 14:30）", "'{value}' has no time of day (enter e.g. 2026-11-29 14:30)", family="取值"),
    Rule("TYP004", E, "「{value}」不是有效时间（如 14:30）", "'{value}' is not a valid time (e.g. 14:30)", family="取值"),
    Rule("TYP005", E, "「{value}」不是有效数字", "'{value}' is not a valid number", family="取值"),
    Rule("TYP006", E, "「{value}」不是整数", "'{value}' is not a whole number", family="取值"),
    Rule("TYP007", E, "「{value}」应填写 是 或 否", "'{value}' should be yes (是) or no (否)", family="取值"),
    Rule("TYP008", E, "「{value}」不是有效电话号码（手机 11 位，或区号+号码）", "'{value}' is not a valid phone number (11-digit mobile, or area code + number)", family="取值"),
    Rule("TYP009", E, "「{value}」不是有效邮编（6 位数字）", "'{value}' is not a valid postcode (6 digits)", family="取值"),
    Rule("TYP010", E, "「{value}」不是有效电子邮箱", "'{value}' is not a valid email address", family="取值"),
    Rule("TYP011", E, "「{value}」不是有效的统一社会信用代码（{reason}）", "'{value}' is not a valid unified social credit code ({reason_en})", family="取值"),
    Rule("TYP012", E, "「{value}」不是可选值（{choices}）", "'{value}' is not one of the allowed values ({choices})", family="取值"),
    Rule("TYP013", W, "{column}的时间为 00:00：如是漏填了时间，请补上（时限按 00:00 计算）", "{column} is at 00:00: if the time of day was left out, enter it (the deadline counts from 00:00)", family="取值"),
    # --- column rules (pandera schemas)
    Rule("COL001", E, "{column}为必填项", "{column} is required", family="列规则"),
    Rule("COL002", E, "{column}「{value}」重复（与第 {other} 行相同）", "{column} '{value}' is a duplicate (same as row {other})", family="列规则"),
    Rule("COL003", E, "{column}「{value}」超出范围（{bound}）", "{column} '{value}' is out of range ({bound_en})", family="列规则"),
    Rule("COL004", E, "{column}「{value}」晚于今天", "{column} '{value}' is in the future", family="列规则"),
    Rule("COL005", E, "{columns}组合重复（与第 {other} 行相同）", "the combination {columns} is a duplicate (same as row {other})", family="列规则"),
    Rule("COL006", E, "{column}「{value}」与 {file} 中的记录重复", "{column} '{value}' duplicates a record in {file}", family="列规则"),
    # --- references to other registers
    Rule("REF001", E, "客户代码「{value}」不在客户档案中", "customer code '{value}' is not in the customer archive", a.INFO_ARCHIVE, family="引用"),
    Rule("REF002", E, "登记号「{value}」不在本分公司叫修登记簿中", "call number '{value}' is not in this branch's call-in register", family="引用"),
    Rule("REF003", W, "找不到{register}，无法核对{column}", "{register_en} not found; {column} cannot be checked", family="引用"),
    Rule("REF004", W, "{register}为空，无法核对{column}", "{register_en} is empty; {column} cannot be checked", family="引用"),
    # --- staff
    Rule("STF001", E, "「{value}」不在基础资料/员工名单中", "'{value}' is not in the staff list (基础资料/员工)", family="员工"),
    Rule("STF002", E, "{value}已于 {left} 离职，不能在 {day} 担任{column}", "{value} left on {left} and cannot be {column} on {day}", family="员工"),
    Rule("STF003", E, "{value}的岗位是{post}，派工须派技术员", "{value} is a {post}; calls must be dispatched to a technician (技术员)", a.SVC_CALL, family="员工"),
    # --- master data
    Rule("MST001", E, "在职状态为离职，须填写离职日期", "the employee has left (离职): the leaving date (离职日期) is required", a.INFO_LEAVER, family="基础资料"),
    Rule("MST002", E, "在职员工不应填写离职日期", "an employee in service (在职) has no leaving date", a.INFO_LEAVER, family="基础资料"),
    Rule("MST003", E, "所属单位「{value}」既不是总部也不是已有分公司（{units}）", "unit '{value}' is neither the head office nor an existing branch ({units})", family="基础资料"),
    # --- customer archive
    Rule("CUS001", E, "客户代码「{value}」不符合格式：{expected}", "customer code '{value}' is not in the required form: {expected_en}", family="客户档案"),
    Rule("CUS002", E, "重要客户须指定协办业务员", "an important customer needs a second salesperson (协办业务员)", a.INFO_TWO_STAFF, family="客户档案"),
    Rule("CUS003", E, "协办业务员不能与主办业务员相同", "the second salesperson must differ from the main one", a.INFO_TWO_STAFF, family="客户档案"),
    Rule("CUS004", E, "重大事项须报信息部（已报信息部应为“是”）", "a major matter must be reported to the information department (已报信息部 = 是)", a.INFO_MAJOR, family="客户档案"),
    Rule("CUS005", E, "年度 {value} 晚于今年", "year {value} is after this year", a.INFO_RESULTS, family="客户档案"),
    # --- new customer development
    Rule("NEW001", E, "实地调查日期早于一般调查日期", "the site survey is dated before the general survey", a.DEV_SITE_SURVEY, family="新客户开发"),
    Rule("NEW002", E, "认定申请前须完成：{missing}", "approval may only be requested after: {missing_en}", a.DEV_APPLICATION, family="新客户开发"),
    Rule("NEW003", E, "认定申请日期早于实地调查日期", "the approval request is dated before the site survey", a.DEV_APPLICATION, family="新客户开发"),
    Rule("NEW004", E, "供应合同须在认定申请之后签订", "the supply contract must follow the approval request", a.DEV_SUPPLY_CONTRACT, family="新客户开发"),
    Rule("NEW005", E, "质保合同须与供应合同同日签订", "the quality contract must be signed on the same day as the supply contract", a.DEV_QUALITY_CONTRACT, family="新客户开发"),
    Rule("NEW006", E, "两份合同均签订后才能编客户代码", "a customer code is given only after both contracts are signed", a.DEV_CODE, family="新客户开发"),
    Rule("NEW007", E, "客户代码「{value}」在客户表中不存在或名称不一致", "customer code '{value}' is not in the customer sheet or its name differs", a.DEV_CODE, family="新客户开发"),
    Rule("NEW008", W, "建档已超过 7 天，仍未{missing}", "more than 7 days after filing and still not {missing_en}", a.DEV_NOTIFY_FILE, family="新客户开发"),
    Rule("NEW009", E, "认定申请未经审批同意（审批结论须为“同意”），不能编客户代码", "a customer code is given only after the approval request was approved (审批结论 = 同意)", a.DEV_APPLICATION, family="新客户开发"),
    Rule("NEW010", E, "审批日期早于认定申请日期", "the approval is dated before the approval request", a.DEV_APPLICATION, family="新客户开发"),
    Rule("NEW011", W, "{value}的岗位是{post}，认定申请应由市场主管审批", "{value} is a {post}; the approval request is decided by the market manager (市场主管)", a.DEV_APPLICATION, family="新客户开发"),
    # --- demand information
    Rule("DEM001", E, "只有已采用或使用价值为“高”的信息才能奖励", "only adopted or high-value information earns a reward", a.DEMAND_REWARD, family="需求信息"),
    Rule("DEM002", E, "奖励金额 {value} 不在 {low}～{high} 元之间", "reward {value} is outside {low}..{high} yuan", a.DEMAND_REWARD, family="需求信息"),
    Rule("DEM003", W, "使用价值为“高”的信息须提交信息报告", "high-value information needs an information report", a.DEMAND_REPORT, family="需求信息"),
    # --- maintenance contracts
    Rule("CON001", E, "到期日期须晚于开始日期", "the expiry date must be after the start date", family="保养合同"),
    Rule("CON002", W, "客户名称「{value}」与客户档案中的「{archive}」不一致", "customer name '{value}' differs from the archive's '{archive}'", family="保养合同"),
    Rule("CON003", E, "到期通知日期晚于到期日期", "the expiry notice is dated after the expiry date", a.SVC_RENEWAL, family="保养合同"),
    Rule("CON004", E, "续约结果为已续约，须填写新合同编号", "renewed (已续约): the new contract number is required", a.SVC_RENEWAL, family="保养合同"),
    Rule("CON005", E, "新合同编号「{value}」不在本登记簿中", "new contract number '{value}' is not in this register", a.SVC_RENEWAL, family="保养合同"),
    Rule("CON006", E, "未续约的合同不应填写新合同编号", "a contract that was not renewed has no new contract number", a.SVC_RENEWAL, family="保养合同"),
    Rule("CON007", W, "到期通知日期 {notice} 晚于期满前 {days} 天（{due}）", "the expiry notice is dated {notice}, later than {days} days before expiry ({due})", a.SVC_RENEWAL, family="保养合同"),
    Rule("CON008", E, "拜访日期 {value} 早于到期通知日期 {notice}", "the renewal visit on {value} is before the expiry notice of {notice}", a.SVC_RENEWAL, family="保养合同"),
    Rule("CON009", W, "不续约，请填写不续约原因", "not renewed (不续约): please give the reason", a.SVC_RENEWAL, family="保养合同"),
    # --- the equipment file (保养合同/客户设备)
    Rule("EQP001", E, "保修截止日期 {value} 早于销售日期 {sold}", "the warranty ends on {value}, before the sale on {sold}", a.SVC_FREE, family="客户设备"),
    Rule("EQP002", E, "保养合同编号「{value}」不在本登记簿中", "maintenance contract '{value}' is not in this register", a.SVC_CONTRACT_SERVICE, family="客户设备"),
    Rule("EQP003", E, "合同「{value}」属于客户 {owner}，不是本设备的客户", "contract '{value}' belongs to customer {owner}, not to this machine's customer", a.SVC_CONTRACT_SERVICE, family="客户设备"),
    Rule("EQP004", E, "本机型号「{model}」不在合同「{value}」所列型号（{models}）中", "this machine's model '{model}' is not among the models contract '{value}' covers ({models})", a.SVC_CONTRACT_SERVICE, family="客户设备"),
    # --- call-ins
    Rule("CAL001", E, "B 类（合同服务）须填写客户代码", "contract service (B) needs the customer code", a.SVC_CONTRACT_SERVICE, family="叫修登记"),
    Rule("CAL002", E, "B 类（合同服务）须填写合同编号", "contract service (B) needs the contract number", a.SVC_CONTRACT_SERVICE, family="叫修登记"),
    Rule("CAL003", E, "合同编号「{value}」不是本分公司的保养合同", "contract '{value}' is not a maintenance contract of this branch", a.SVC_CONTRACT_SERVICE, family="叫修登记"),
    Rule("CAL004", E, "合同「{value}」属于客户 {owner}，与本次叫修客户不符", "contract '{value}' belongs to customer {owner}, not to this call's customer", a.SVC_CONTRACT_SERVICE, family="叫修登记"),
    Rule("CAL005", E, "来电时间不在合同「{value}」的有效期（{start}～{end}）内", "the call is outside contract '{value}''s period ({start}..{end})", a.SVC_CONTRACT_SERVICE, family="叫修登记"),
    Rule("CAL006", E, "派工时间早于来电时间", "dispatched before the call came in", a.SVC_CALL, family="叫修登记"),
    Rule("CAL007", E, "到达时间早于派工时间", "arrived before being dispatched", a.SVC_DEADLINE, family="叫修登记"),
    Rule("CAL008", E, "已填写{what}，须填写派工技术员", "{what_en} is filled in: the dispatched technician is required", a.SVC_CALL, family="叫修登记"),
    Rule("CAL009", E, "完成时间早于到达时间", "completed before arriving", a.SVC_ON_SITE, family="叫修登记"),
    Rule("CAL010", E, "现场修复完成须有客户签字", "an on-site repair needs the customer's signature when completed", a.SVC_ON_SITE, family="叫修登记"),
    Rule("CAL011", E, "A 类（有费服务）完成后须收取服务费", "paid service (A) needs a service fee once completed", a.SVC_FEES, family="叫修登记"),
    Rule("CAL012", E, "C 类（免费服务）不应收取服务费", "free service (C) charges no fee", a.SVC_FREE, family="叫修登记"),
    Rule("CAL013", E, "A 类现场修复完成须填写发票号", "a completed paid on-site repair needs an invoice number", a.SVC_FEES, family="叫修登记"),
    Rule("CAL014", W, "开票日期 {value} 晚于完成当日 {done}", "invoiced on {value}, after the completion day {done}", a.SVC_FEES, family="叫修登记"),
    Rule("CAL015", E, "带回修理须在客户商品进出登记簿中登记（找不到登记号「{value}」）", "a workshop repair must be in the item in/out register (call '{value}' not found)", a.SVC_TAKE_BACK, family="叫修登记"),
    Rule("CAL016", W, "已填写完成时间，请补填到达时间（否则按完成时间计算是否超时）", "completed: please enter the arrival time (lateness is judged by the completion time meanwhile)", a.SVC_DEADLINE, family="叫修登记"),
    Rule("CAL017", E, "带回修理须有客户在服务凭证上签字", "an item taken back for repair needs the customer's signature on the service voucher", a.SVC_TAKE_BACK, family="叫修登记"),
    Rule("CAL018", E, "合同「{value}」已终止，不能再按合同服务（B 类）登记；如是期满不续约，请在保养合同中将续约结果填为“不续约”", "contract '{value}' is terminated (已终止): no contract service (B) under it; if it ran its term and was not renewed, set its renewal result to 'not renewed' (不续约)", a.SVC_CONTRACT_SERVICE, family="叫修登记"),
    Rule("CAL019", E, "商品型号「{value}」不在合同「{contract}」所列型号（{models}）中", "model '{value}' is not among the models contract '{contract}' covers ({models})", a.SVC_CONTRACT_SERVICE, family="叫修登记"),
    Rule("CAL020", E, "收款日期 {value} 早于开票日期 {invoice}（开票另收须先开票后收费）", "fee collected on {value}, before the invoice of {invoice} (invoiced to collect later: invoice first)", a.SVC_FEES, family="叫修登记"),
    Rule("CAL021", W, "当场收费已完成 {days} 天，仍未填写交会计员日期", "fee collected on the spot {days} days ago and no date it was handed to the accountant", a.SVC_FEES, family="叫修登记"),
    Rule("CAL022", E, "C 类（免费服务）须在保修期内：出厂编号 {serial} 的保修期至 {end}", "free service (C) is for machines under warranty: machine {serial}'s warranty ended on {end}", a.SVC_FREE, family="叫修登记"),
    Rule("CAL023", E, "出厂编号「{value}」不在保养合同/客户设备中", "machine '{value}' is not in the equipment file (保养合同/客户设备)", a.SVC_CALL, family="叫修登记"),
    Rule("CAL024", E, "出厂编号「{value}」是客户 {owner} 的设备，与本次叫修客户不符", "machine '{value}' belongs to customer {owner}, not to this call's customer", a.SVC_CALL, family="叫修登记"),
    Rule("CAL025", E, "设备「{value}」在客户设备中没有登记保养合同，不能按合同服务（B 类）登记", "machine '{value}' has no maintenance contract in the equipment file: it cannot be contract service (B)", a.SVC_CONTRACT_SERVICE, family="叫修登记"),
    Rule("CAL026", W, "C 类（免费服务）未填写出厂编号，无法核对保修期", "free service (C) without the machine's serial number: the warranty cannot be checked", a.SVC_FREE, family="叫修登记"),
    # --- customer opinion survey (叫修登记簿/客户意见调查)
    Rule("SUR001", E, "登记号「{value}」不在叫修登记中", "call '{value}' is not in the call-in sheet", a.SVC_SURVEY, family="客户意见调查"),
    Rule("SUR002", E, "叫修「{value}」尚未完成，不能做服务后的意见调查", "call '{value}' is not completed: the opinion survey follows the service", a.SVC_SURVEY, family="客户意见调查"),
    Rule("SUR003", E, "调查日期 {value} 早于完成日期 {done}", "surveyed on {value}, before the call was completed on {done}", a.SVC_SURVEY, family="客户意见调查"),
    Rule("SUR004", W, "客户{value}，请填写处理措施", "the customer was not satisfied ({value}): please record what was done about it", a.SVC_SURVEY, family="客户意见调查"),
    # --- workshop items
    Rule("ITM001", E, "约定完成日期早于带回日期", "the agreed completion date is before the intake date", a.SVC_OVERDUE, family="商品进出"),
    Rule("ITM002", E, "修妥日期早于带回日期", "repaired before being brought in", a.SVC_REPAIR, family="商品进出"),
    Rule("ITM003", E, "已修妥，须填写维修工时", "repaired: the repair hours are required", a.SVC_REPAIR, family="商品进出"),
    Rule("ITM004", E, "归还日期早于修妥日期", "returned before being repaired", a.SVC_REPAIR, family="商品进出"),
    Rule("ITM005", E, "归还前须完成：{missing}", "before returning the item: {missing_en}", a.SVC_REPAIR, family="商品进出"),
    Rule("ITM006", E, "A 类商品归还时须填写发票号", "a paid (A) item needs an invoice number when returned", a.SVC_WORKSHOP_INVOICE, family="商品进出"),
    Rule("ITM007", W, "开票日期 {value} 与归还日期 {returned} 不同", "invoiced on {value}, not on the return date {returned}", a.SVC_WORKSHOP_INVOICE, family="商品进出"),
    # --- technician daily reports
    Rule("WRK001", E, "结束时间须晚于开始时间", "the end time must be after the start time", a.SVC_DAILY_REPORT, family="工作日报"),
    Rule("WRK002", W, "工时 {value} 与结束−开始（{span} 小时）不符", "hours {value} differ from end − start ({span} h)", a.SVC_DAILY_REPORT, family="工作日报"),
    Rule("WRK003", E, "{who} 在 {day} 的工时合计 {total} 小时，超过 24 小时", "{who} has {total} h on {day}, more than 24 h", a.SVC_DAILY_REPORT, family="工作日报"),
    Rule("WRK004", W, "{who} 在 {day} 的工时合计 {total} 小时，超过 {limit} 小时", "{who} has {total} h on {day}, more than {limit} h", a.SVC_DAILY_REPORT, family="工作日报"),
    Rule("WRK005", E, "经理已核阅，须填写核阅日期", "reviewed by the manager: the review date is required", a.SVC_REVIEW, family="工作日报"),
    Rule("WRK006", E, "核阅日期早于日报日期", "reviewed before the report's date", a.SVC_REVIEW, family="工作日报"),
    Rule("WRK007", E, "经理未核阅，不应填写核阅日期", "not reviewed by the manager: no review date", a.SVC_REVIEW, family="工作日报"),
    Rule("WRK008", E, "转送服务部日期 {value} 早于经理核阅日期 {review}", "sent to the service department on {value}, before the manager's review on {review}", a.SVC_REVIEW, family="工作日报"),
    Rule("WRK009", E, "经理未核阅签章，不能转送服务部", "not signed by the manager: it cannot have been sent to the service department", a.SVC_REVIEW, family="工作日报"),
    # --- working calendar
    Rule("CLD001", W, "{year} 年的节假日安排未知，暂按周一至周五计算；请在 基础资料/节假日调整 录入该年安排，录完后加一行 类型「全年已录入」（或设置 calendar.complete_years）", "holidays of {year} are unknown; Monday–Friday assumed; enter that year's 节假日调整 in 基础资料, then add a row of type whole-year-entered (全年已录入) or set calendar.complete_years", a.SVC_DEADLINE, family="工作日历"),
    # --- the product itself
    Rule("SYS001", E, "检查规则 {rule} 运行出错：{error}", "rule {rule} failed: {error}", family="系统"),
)

RULES: dict[str, Rule] = {r.code: r for r in _RULES}


def problem(
    code: str,
    *,
    workbook: str,
    sheet: str | None = None,
    cell: str | None = None,
    row: int | None = None,
    column: str | None = None,
    value: object = None,
    article: str = "",
    **params: object,
) -> Problem:
    """A problem of catalogue rule ``code``; ``params`` fill the message templates. ``article`` is used when the
    rule itself names none (a generic rule such as "required" enforces the article of the column it checks)."""
    from .problems import display_value

    rule = RULES[code]
    fields = {"column": column or "", "value": display_value(value), "sheet": sheet or ""}
    fields.update({k: display_value(v) if not isinstance(v, str) else v for k, v in params.items()})
    fields.setdefault("column_en", fields["column"])
    return Problem(
        code=code,
        severity=rule.severity,
        workbook=workbook,
        sheet=sheet,
        cell=cell,
        row=row,
        column=column,
        value=value,
        message_zh=rule.zh.format_map(_Defaulting(fields)),
        message_en=rule.en.format_map(_Defaulting(fields)),
        article=rule.article or article,
    )


class _Defaulting(dict[str, object]):
    """``format_map`` mapping that falls back from ``x_en`` to ``x`` and leaves unknown fields visible."""

    def __missing__(self, key: str) -> object:
        if key.endswith("_en") and key[:-3] in self:
            return self[key[:-3]]
        return "{" + key + "}"


def rules_markdown() -> str:
    """docs/rules.md: every code, its severity, both messages and its article."""
    lines = [
        "# 校验规则目录 · Rule catalogue",
        "",
        "Generated from `automation/catalogue.py` by `python -m automation.catalogue`; a test keeps it in step.",
        "严重程度 error = 错误（须改正）, warning = 警告（请核实）.",
        "依据条款 cites the company's citation table (docs/regulations/ARTICLES.md). Rules marked — name no article of",
        "their own (generic checks such as required, unique, type, range, and checks no article requires): a problem",
        "of theirs carries the article of the column it checks, as listed in each template's 填写说明 sheet, if any.",
        "",
    ]
    family = None
    for rule in _RULES:
        if rule.family != family:
            family = rule.family
            lines += ["", f"## {family}", "", "| 代码 | 级别 | 中文 | English | 依据条款 |", "|---|---|---|---|---|"]
        lines.append(
            f"| {rule.code} | {rule.severity} | {_cell(rule.zh)} | {_cell(rule.en)} | {rule.article or '—'} |"
        )
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


if __name__ == "__main__":
    print(rules_markdown(), end="")
