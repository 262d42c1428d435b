"""What a refusal says to a person, in Chinese: the one place that knows what each rule means at a form and what
to do next, for the API's problem details and for the console alike.

A refusal (``domain.kernel.errors.DomainError`` and the API's own problems) names the ``rule`` it breaks, with a
message that is often English and carries specifics (a date, a code, a policy key). ``RULE_MESSAGES`` says in Chinese
what each rule raised in ``domain``, ``workflows``, ``api`` and ``worker`` means, and what the person should do;
``VALIDATION_MESSAGES`` does so for the pydantic error types a request body, query or header can fail with (the API
answers them with the type as the rule); ``KIND_MESSAGES`` is the fallback for each kind of refusal. A message is
true for every place its rule is raised (tests/domain/kernel/test_messages.py finds them all), names no person's
data, and cites a figure only where the figure is fixed in code: where it depends on the policy version pinned to a
case, it says "政策规定的" with the usual value. ``message_zh`` picks the message for one refusal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from domain.kernel.errors import ErrorKind

RULE_MESSAGES: Final[Mapping[str, str]] = MappingProxyType(
    {
        # ----- general field rules, raised by several areas (the message holds for each of them) -----
        "required": "此项必填，且须符合长度要求。请填写后再提交。",
        "format": "格式不正确。请按提示的格式重新填写。",
        "length": "内容超出长度限制。请删减后再提交。",
        "text": "内容过长或含有控制字符。请删去多余内容或特殊字符后再提交。",
        "minimum": "数值小于允许的最小值：金额不能为负数，家庭人口至少1人。请更正后再提交。",
        "range": "数值超出允许的范围。请按提示的范围重新填写。",
        "value": "所填的值无法识别或不在可选项中。请按模板说明填写，或从可选项中选择。",
        "unique": "内容重复：同一项只能填写一次，已有的记录也不能再次创建。请删去重复的内容，或刷新查看已有记录。",
        "exists": "没有找到，或不在您的辖区内。请核对编号后再试。",
        "order": (
            "日期先后顺序不对。请核对日期：新的帮扶责任人不早于现任的开始日期，整改不早于发现问题，行动节点按先后排列。"
        ),
        "date_range": "日期超出允许的范围。请按提示核对日期后再提交。",
        "not_in_future": "日期不能晚于今天（北京时间）。请核对日期。",
        "after_previous_change": "生效日期不能早于该记录上一次登记或变更的生效日期。请填写当天或之后的日期。",
        "chronological_order": "日期早于前一环节。请核对日期。",
        "jurisdiction": "所涉区划不在您的辖区内。请由该区划的工作人员办理。",
        "known_area": "区划代码不在本系统的区划中，或不能这样组合。请核对区划代码。",
        "known_village": "村代码不在本系统的区划中。请核对村代码。",
        "known_format": "不支持这种格式。请选用系统提供的格式。",
        "known_action": "没有这个操作。请刷新页面后重新选择。",
        "max_size": "提交的文件或内容超过大小上限。请缩小文件或分批提交。",
        "command_reused": "这张表单已提交过其他内容。请刷新页面后重新填写（接口调用请换用新的 Idempotency-Key）。",
        "concurrent_change": "记录刚被他人更新。请刷新页面，查看最新情况后再办理。",
        "version": "案件已被他人更新，您看到的不是最新版本。请刷新页面，查看最新情况后再办理。",
        # ----- cases: opening, step order, roles and separation of duties -----
        "step_order": "案件当前阶段不能办理此环节或操作。请刷新页面，查看现在可办理的环节。",
        "step_roles": "您的角色不能办理此环节。请由负责该环节的人员办理。",
        "open_roles": "您的角色不能申报新的监测案件。请由村、乡镇或县级经办人员申报。",
        "separation_of_duties": (
            "按职责分离，此环节须由另一人办理：乡镇审核人不能再作县级审定，帮扶责任人不能审批所帮扶户的风险消除，"
            "也只能办理分配给自己的农户。请由另一名有权人员办理。"
        ),
        "one_open_case": "该户已有未结束的案件，不能重复纳入。请在该案件中办理。",
        "area_nesting": "所填的乡镇或县代码与村代码不相符。请核对区划代码。",
        "household_village": "该户登记的村与所填村代码不符。请核对村代码或户编号。",
        "after_mechanism_start": "线索发现日期不能早于2020年3月1日（防止返贫监测机制建立之日）。请核对日期。",
        "working_days_known": (
            "该政策按工作日计算期限，但所涉年份的节假日安排尚未公布。请更新节假日数据，或改按自然日计算。"
        ),
        "policy_in_force": "该日期在本地区没有适用的政策版本。请核对日期；日期无误的，请联系县级管理员。",
        "existed": "所查的时间该案件尚未建立。请选择案件建立之后的时间。",
        "version_range": "没有这个案件版本。请选择从1到当前版本之间的版本号。",
        "signed_by_the_api": "提交未通过系统的签名校验，未予办理。请刷新页面后通过系统重新提交。",
        "case_closed": "案件已结束，不能再办理任何环节。请刷新页面查看案件结果。",
        "unavailable": "系统未能确认本次提交是否已记录。请先刷新查看案件，确认未记录后再提交。",
        # ----- identification steps (入户核实 … 县级审定) -----
        "refusal_reason": "农户拒签《承诺授权书》的，须写明拒签原因。请补填原因后提交（提交后本次认定结束）。",
        "authorisation_reference": "已签授权书的，须填写《承诺授权书》编号。请补填编号。",
        "submitted_basis": "按村上报数汇总的表格不取截止位置（cutoff）：上报数以村签字为准。"
        "请去掉 cutoff，或改按事件计算（basis=events）。",
        "household_registered": "该户不在农户信息库中：干部排查的案件须是已登记的农户。请先登记该户；"
        "只有农户自主申报或部门筛查预警可以先立案、限期补登记。",
        "registry_head": "户主姓名与农户信息库不一致。请留空以采用信息库中的户主，或先办理户信息变更。",
        "registry_figure": "所填人数或户类型与农户信息库（按该环节日期）不一致。请留空以采用信息库的数据，"
        "或先办理户信息变更（写明原因和生效日期），再提交。",
        "typed_figures": "该户尚未登记，须填写户类型、家庭人口数和有劳动能力人数（登记后将以信息库为准）。",
        "within_household": "有劳动能力人数须在0到家庭人口数之间。请核对人数。",
        "risk_required": "未选择风险类型。请至少选择一项风险类型。",
        "max_risks": "风险类型最多5项。请只保留最主要的5项。",
        "minuted": "民主评议须有会议记录。请填写评议记录编号。",
        "notice_min_days": (
            "公示期未满政策规定的天数（纳入公示一般不少于5天，风险消除公示一般不少于7天）。"
            "请把结束日期往后调整，或等公示期满后再结束公示。"
        ),
        "notice_period": "异议须在公示期内提出。请核对异议提出的日期。",
        "objection": (
            "公示结果与有无异议不符：有异议的须选择重新评议或不予纳入，无异议的只能选择公示无异议。请按实际情况选择。"
        ),
        "category_criteria": "该户不符合所选监测对象类别的认定条件。请核对户类型和收入情况，选择相符的类别。",
        "category_unchanged": "风险消除不改变监测对象类别。请不选类别，或保持原类别。",
        # ----- assistance (帮扶责任人、帮扶计划、帮扶措施、核查与整改) -----
        "phone": "帮扶责任人的联系电话未填写或不是有效号码。请填写能联系到本人的电话。",
        "within_case": "日期须在认定纳入之后，且不晚于今天（或本次核查之日）。请核对日期。",
        "implemented_has_started": "已实施的措施，开始日期不能晚于今天。请核对开始日期，或把状态选为“计划”。",
        "measure_status": (
            "措施当前的状态不允许此操作：新增措施只能是“计划”或“已实施”，只有“计划”的措施可标为已实施，"
            "已结束的措施不能再修改或结束。请刷新页面核对措施状态。"
        ),
        "no_change": "没有需要修改的内容。请至少修改一项后再提交。",
        "open_finding": "没有这个待整改的问题，或它已整改。请核对问题编号。",
        "rectification_measures": "整改须对应发现问题后新增或调整的措施。请选择发现问题之后新增或调整过的措施。",
        # ----- elimination, look-back and rollback (风险消除、回头看、回退) -----
        "min_monitoring_period": "监测时间未满政策规定的期限（一般不少于半年），暂不能申请风险消除。请期满后再提出。",
        "measure_for_risk": "还没有针对本户风险且已实施的帮扶措施，暂不能申请风险消除。请先落实针对性帮扶措施。",
        "income_above_line": "帮扶消除须人均纯收入高于当年监测范围，本户尚未达到。请核实收入，或继续帮扶。",
        "three_guarantees": "“三保障”和饮水安全尚有未保障的项目，暂不能申请风险消除。请先解决后再提出。",
        "rigid_expenditure": "刚性支出较大的问题尚未稳定解决，暂不能申请风险消除。请先解决后再提出。",
        "whole_household_without_labour": "整户无劳动能力的监测对象暂不标注风险消除。请继续监测帮扶。",
        "min_verifiers": "入户核实人员少于政策规定的人数（一般不少于2人）。请补充不同的核实人员。",
        "outcome": "只有回头看结果为“出现新风险”时才填写新风险。请更改结果，或清空新风险。",
        "re_entry": "回头看发现新风险的，须同时新建案件重新认定，本次未能新建。请刷新页面后重新提交。",
        "written_request": "回退申请须写明理由、依据和文书编号。请补填后再提交。",
        # ----- registry: households, members, staff, roster import (农户名册) -----
        "id_number": "证件号码无效。请填写18位居民身份证号（或20/22位残疾人证号），并核对出生日期。",
        "unique_in_household": "同一户内证件号码重复。请核对各成员的证件号码。",
        "unique_id_number": "该证件号码已登记在另一户，同一人不能属于两户。请先从原户移出该成员。",
        "one_head": "一户须有且只有一名户主。请核对各成员与户主的关系。",
        "resettlement_site": "安置点的农户须标记为居住在集中安置点。请勾选后再提交。",
        "identity_level": "该工作人员身份不在此级区划工作。请选择与其身份相应级别的区划。",
        "registry_role": "您的角色不能修改农户名册或导入花名册。请由村、乡镇或县的经办人员办理。",
        "household_consistent": "同一户各行的户信息须一致。请把该户各行的户信息改成相同的。",
        "known_column": "表头有模板中没有的列。请使用模板中的列名。",
        "unique_column": "表头有重复的列。请删去重复的列。",
        "required_column": "表头缺少必填列。请按模板补齐。",
        "max_rows": "文件行数超出上限。请分成几个文件导入。",
        "roster_file": (
            "文件无法作为花名册读取（为空、过大、编码不对或已损坏）。请按模板另存为 CSV 或 XLSX 后重新上传。"
        ),
        "roster_format": "不支持这种文件类型。请上传 CSV 或 XLSX 格式的花名册。",
        # ----- campaigns and screenings (百日攻坚行动、排查) -----
        "campaign_role": "只有乡镇或县级人员可以发起排查行动。请由乡镇审核或县级审定人员发起。",
        "campaign_scope": "该农户不在本次行动的范围内。请选择覆盖该村的排查行动。",
        "registered_staff": "排查人员的工作人员编号不在名册中。请核对编号，或先登记该工作人员。",
        "screener_area": "该工作人员不在本户所在的村、乡镇或县工作。请核对编号，或由本地工作人员排查。",
        "remote_screening_for_migrants": "电话、微信排查只用于有外出务工成员的农户。在村常住的农户请入户排查。",
        "after_start": "全面排查节点不能早于行动开始日。请调整节点日期。",
        "not_past": "节点日期不能早于今天。请调整节点日期。",
        "no_overlap": "行动范围内的区划不能互相包含。请只保留其中一级。",
        # ----- accounts (用户账号) -----
        "admin_only": "用户账号由管理员维护。请联系本地管理员办理。",
        "known_account": "没有找到该账号，或不在您的辖区内。请核对账号。",
        "known_role": "角色不在可选范围内。请从列出的角色中选择。",
        "role_area_level": (
            "角色与区划级别不符（村级角色用12位村代码，乡镇9位，县级6位）。请选择相应级别的区划，或请管理员更正账号。"
        ),
        "department": "行业部门账号须注明所属部门，其他角色不注明部门。请选择部门，或清空部门一栏。",
        "department_scope": "行业部门账号只能推送本部门的预警信息、查看其核实结果。其他信息请联系乡镇或县级经办人员。",
        "account_disabled": "此账号已停用。请联系管理员。",
        "account_changed": "账号的角色或区划已变更。请重新登录。",
        "token_before_change": "登录凭证早于账号的变更，已失效。请重新登录。",
        # ----- reports (统计报表、村级报表的审定和上报) -----
        "report_roles": "您的角色可以查看报表，但不能编制报表。请由村、乡镇或县级经办人员编制。",
        "report_status": "只有待审定的报表可以审定，该报表已审定或已上报。请刷新页面查看报表状态。",
        "current_figures": "报表数据在您查看后已有变化。请刷新页面，核对最新数据后再审定。",
        "approved_once_per_capacity": "该身份（村党组织书记或村委会主任）已审定过此报表。请由另一身份审定。",
        "office_holder": "只有登记为本村该职务（村党组织书记或村委会主任）的村干部才能以该身份审定。"
        "请由担任该职务的人审定；职务登记有误的，请管理员在用户账号中更正。",
        "office_held": "本村的该职务已登记给另一账号。请先在该账号上取消此职务，再登记新的担任人。",
        "office_role": "只有村干部可以登记村党组织书记、村委会主任职务。",
        "known_office": "村职务须为村党组织书记（party_secretary）或村委会主任（committee_director）。",
        "approved_before_submission": "报表须经村党组织书记和村委会主任都审定后才能上报。请先完成审定。",
        "village_signs": "村级报表只能由本村的村干部审定和上报。请由本村村干部办理。",
        "cutoff_reached": "报表数据尚未统计到所选的截止点。请稍后再试，或不指定截止点。",
        "answer_roles": "农户自主申报由乡镇（或县级）账号受理或不予受理。请由乡镇审核人员办理。",
        "answered_once": "该申请已答复过，不能再次受理或不予受理。请刷新后查看答复。",
        "number_taken": "编号生成冲突（极少发生）。请换一个请求编号（Idempotency-Key）重新提交。",
        "rate": "查询过于频繁。请一分钟后再试；同一申请编号多次核对不上的，请一小时后再试，或向村委会、乡镇咨询。",
        "visit_roles": (
            "走访记录由村干部/网格员或乡镇、县级经办人员录入。驻村干部、帮扶责任人请在各项任务自己的表单中办理。"
        ),
        # ----- 部门筛查预警 -----
        "department_only": "预警信息只能由行业部门账号推送。请由本部门的行业部门账号办理。",
        "department_kind": "该预警类型不属于本部门。请按本部门的模板填写预警类型。",
        "amount_required": "医疗自付费用、灾害损失等预警须填写金额（元）。请补充金额后重新推送。",
        "recent": "预警的发生日期须在一年之内。请核对日期；更早的情况请直接联系乡镇。",
        "alert_template": "文件的表头与本部门的预警模板不符。请下载最新模板，按模板填写后重新推送。",
        "verify_roles": "预警信息由村干部/网格员、驻村干部或乡镇、县级经办人员核实。请由相应人员办理。",
        "verified_once": "该预警已核实或已处理，不能再次核实。请刷新后查看核实结果。",
        "open_case_of_household": "所填案件不是该户正在监测的案件。请核对户编号，从该户的案件中选择。",
        "registered": "该身份证号已在农户信息库中登记，不能以“不在库”退回。请入户核实后选择其他核实结果。",
        "facts_behind": "统计数据正在更新，尚未跟上最新记录，现在生成的报表数字不完整。请稍后再生成报表。",
        "cycle_start": "无法确定两周统计周期的起算日期。请直接填写起止日期，如 2023-03-01..2023-03-14。",
        "date": "统计期间中的日期无效。请按“年-月-日”填写，如 2023-03-01..2023-03-14。",
        "period_format": "统计期间的写法不对。请填写周期序号（如 1、2）或起止日期（如 2023-03-01..2023-03-14）。",
        "period_range": "统计期间须从前往后，且不超过3660天。请调整起止日期。",
        # ----- operations and audit (运维修复、核验、访问日志) -----
        "ops_role": "您的角色不能修复工作流。请由运维、乡镇或县级人员办理。",
        "repair_applies": "该案件当前不适用这项修复。请查看案件状态后选择其他修复方式。",
        "inspector_only": "访问日志仅供督导/审计人员查看。请由督导/审计人员查阅。",
        "county_or_inspector": "证件号码冲突由县级处理，仅县级和督导/审计人员可以查看。请由县级人员处理。",
        "ops_or_county": "工作流数据只能由运维或县级人员查看。请由运维或县级人员办理。",
        "county_only": "全库核验只能由县级账号发起。请改为核验本辖区或单个案件。",
        "known_checkpoints": "没有找到所指定的检查点。请核对检查点序号。",
        "known_rule": "没有这条排查规则。请核对规则编号（如 TI-01）。",
        "sealed_by_this_deployment": "这些数据不是用本系统的密钥加密的，无法打开。请确认数据来自本系统。",
        "chain_holds": "该记录已损坏，暂不提供。请联系运维人员核验，并从备份恢复。",
        # ----- API and sign-in (登录、会话、表单) -----
        "bearer": "未登录或缺少登录凭证。请先登录。",
        "token": "登录凭证无效或已过期。请重新登录。",
        "csrf": "表单已过期。请刷新页面后重试。",
        "identity_provider": "此处不能直接选择用户登录。请通过统一身份认证登录。",
        "role_scope": "您的角色不查看案件、农户或工作人员信息。请从工作台进入您可办理的功能。",
        "own_households": "帮扶责任人只能查看分配给自己的农户及其案件。请从工作台进入您负责的案件。",
        "known_step": "没有这个环节。请刷新页面后重新选择。",
        "one_of": "时间和版本号须填写其中一项，且只能填一项。请只填写其中一项。",
    }
)

VALIDATION_MESSAGES: Final[Mapping[str, str]] = MappingProxyType(
    {
        # ----- presence and shape of the request -----
        "missing": "缺少必填项。请填写后再提交。",
        "extra_forbidden": "提交了不需要的内容。请删去后再提交。",
        "json_invalid": "提交的内容不是有效的 JSON。请检查格式后重新提交。",
        "json_type": "提交的 JSON 内容类型不正确。请检查后重新提交。",
        "model_type": "内容结构不正确，应为一个对象。请按接口说明提交。",
        "model_attributes_type": "内容结构不正确，应为一个对象。请按接口说明提交。",
        "dict_type": "内容结构不正确，应为键值对。请按接口说明提交。",
        "list_type": "应填写一组值。请按接口说明提交。",
        "tuple_type": "应填写一组值。请按接口说明提交。",
        "set_type": "应填写一组不重复的值。请按接口说明提交。",
        "frozen_set_type": "应填写一组不重复的值。请按接口说明提交。",
        "too_short": "所列项目太少。请至少填写规定数量的项目。",
        "too_long": "所列项目太多。请删减到规定数量以内。",
        "union_tag_invalid": "所选的类型不在可选项中。请从可选项中选择。",
        "union_tag_not_found": "缺少类型，无法确定所填的是哪一种。请先选择类型。",
        # ----- text -----
        "string_type": "此项应填写文字。请重新填写。",
        "string_unicode": "文字编码无效。请重新输入。",
        "string_too_short": "内容过短或为空。请填写完整。",
        "string_too_long": "内容过长。请删减后再提交。",
        "string_pattern_mismatch": "格式不正确。请按规定的格式填写。",
        "enum": "所填的值不在可选项中。请从可选项中选择。",
        "literal_error": "所填的值不在可选项中。请从可选项中选择。",
        # ----- numbers and amounts -----
        "int_type": "此项应填写整数。请重新填写。",
        "int_parsing": "此项应填写整数。请重新填写。",
        "int_parsing_size": "数值过大。请核对后重新填写。",
        "int_from_float": "此项应填写整数，不能带小数。请重新填写。",
        "float_type": "此项应填写数字。请重新填写。",
        "float_parsing": "此项应填写数字。请重新填写。",
        "finite_number": "数值无效。请填写一个有限的数字。",
        "decimal_type": "此项应填写数字。请重新填写。",
        "decimal_parsing": "此项应填写数字。请重新填写。",
        "decimal_max_digits": "数字的位数过多。请核对金额或数值。",
        "decimal_max_places": "小数位数过多。请按规定保留小数（金额保留到分）。",
        "decimal_whole_digits": "整数部分的位数过多。请核对金额或数值。",
        "greater_than": "数值须大于规定的下限。请按提示重新填写。",
        "greater_than_equal": "数值不能小于规定的下限。请按提示重新填写。",
        "less_than": "数值须小于规定的上限。请按提示重新填写。",
        "less_than_equal": "数值不能大于规定的上限。请按提示重新填写。",
        "bool_type": "此项应选择“是”或“否”。请重新选择。",
        "bool_parsing": "此项应选择“是”或“否”。请重新选择。",
        # ----- dates, times and identifiers -----
        "date_type": "此项应填写日期。请按“年-月-日”填写，如 2023-03-01。",
        "date_parsing": "日期格式不正确。请按“年-月-日”填写，如 2023-03-01。",
        "date_from_datetime_parsing": "日期格式不正确。请按“年-月-日”填写，如 2023-03-01。",
        "date_from_datetime_inexact": "此项只填日期，不带时间。请只填写年-月-日。",
        "datetime_type": "此项应填写时间。请按“年-月-日 时:分”填写，并注明时区（如 +08:00）。",
        "datetime_parsing": "时间格式不正确。请按“年-月-日 时:分”填写，并注明时区（如 +08:00）。",
        "datetime_from_date_parsing": "时间格式不正确。请按“年-月-日 时:分”填写，并注明时区（如 +08:00）。",
        "datetime_object_invalid": "时间无效。请核对后重新填写。",
        "timezone_aware": "时间须注明时区。请加上时区（北京时间为 +08:00）。",
        "timezone_naive": "此项时间不带时区。请去掉时区后重新填写。",
        "uuid_type": "编号格式不正确。请核对编号。",
        "uuid_parsing": "编号格式不正确。请核对编号。",
        "uuid_version": "编号格式不正确。请核对编号。",
        # ----- checks of the request's own validators -----
        "value_error": "填写的内容不符合要求。请按提示修改后再提交。",
        "assertion_error": "填写的内容不符合要求。请按提示修改后再提交。",
    }
)

KIND_MESSAGES: Final[Mapping[ErrorKind, str]] = MappingProxyType(
    {
        ErrorKind.INVALID: "填写的内容不符合要求。请按提示修改后再提交。",
        # Said alike for what does not exist and what lies outside the caller's area: no answer tells which.
        ErrorKind.NOT_FOUND: "没有找到，或不在您的辖区内。请核对后再试。",
        ErrorKind.CONFLICT: "当前状态不能办理此操作，或记录已被他人更新。请刷新页面，查看最新情况后再办理。",
        ErrorKind.FORBIDDEN: "您无权办理此事项。请由有权限的人员办理。",
        ErrorKind.UNAUTHENTICATED: "未登录或登录已失效。请重新登录。",
        ErrorKind.UNSUPPORTED: "不支持这种内容类型。请按要求的格式提交。",
        ErrorKind.TOO_LARGE: "提交的内容超过大小上限。请缩小后再提交。",
        ErrorKind.TOO_MANY: "查询过于频繁。请稍后再试。",
        ErrorKind.UNAVAILABLE: "系统暂时不可用。请稍后重试；重要的提交请先刷新查看是否已记录。",
    }
)

GENERIC_MESSAGE: Final = "请求未能办理。请刷新页面后重试。"

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_ENGLISH_WORDS = re.compile(r"[A-Za-z]{2,}\s+[A-Za-z]{2,}")


def said_in_chinese(text: str) -> bool:
    """Whether a refusal's own message is in Chinese: it has Chinese characters and no run of English words. A code,
    a value or a list of names within a Chinese sentence keeps it Chinese ("village_cadre 不在此级区划工作"); a Chinese
    term quoted in an English sentence does not make it Chinese ("user accounts are kept by an administrator
    (管理员)")."""
    return bool(_CJK.search(text)) and not _ENGLISH_WORDS.search(text)


def message_zh(rule: str, kind: ErrorKind | None = None, original: str = "") -> str:
    """The Chinese message for a refusal of ``rule`` (of ``kind``), whose own message is ``original``: that message
    when the domain already said it in Chinese (with its specifics); else what the rule means
    (``RULE_MESSAGES``, then ``VALIDATION_MESSAGES``); else what the kind of refusal means; else a generic sentence."""
    if said_in_chinese(original):
        return original
    found = RULE_MESSAGES.get(rule) or VALIDATION_MESSAGES.get(rule)
    if found:
        return found
    if kind is not None:
        return KIND_MESSAGES[kind]
    return GENERIC_MESSAGE


__all__ = ["GENERIC_MESSAGE", "KIND_MESSAGES", "RULE_MESSAGES", "VALIDATION_MESSAGES", "message_zh", "said_in_chinese"]
