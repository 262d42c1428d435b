"""Forms generated from the step contracts (``workflows.cases.contracts.STEP_BODIES``): each field of a step's body
becomes an input with its Chinese label, and what a browser posts is turned back into that body, so the console and
the JSON API take a step through the same model, the same rules and the same refusals.

What a person types is turned into the contract's types here and nowhere else: lists one per line, choices among
the values' Chinese labels, yes/no as two radio buttons, a time as Shanghai's wall clock.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from domain.kernel.errors import ErrorKind
from domain.kernel.labels import Labelled
from domain.kernel.messages import KIND_MESSAGES, VALIDATION_MESSAGES
from domain.kernel.time import SHANGHAI

# The Chinese label of every field a step form shows (the seed's and the national system's words). A field missing
# here shows its English name: tests/api/test_console_forms.py refuses that for every step contract.
FIELD_LABELS: dict[str, str] = {
    # 农户自主申报, 部门筛查预警 and 走访 (issue 21)
    "ApplicationRequest.village_code": "申请人所在村（12位村代码）",
    "applicant_name": "申请人姓名",
    "applicant_id_number": "申请人身份证号",
    "route": "申请方式",
    "received_on": "申请日期",
    "reported_risks": "反映的困难或风险",
    "authorised": "已签署承诺授权书",
    "household_number": "户编号",
    "AnswerRequest.household_number": "户编号（申请未填户编号的，受理时填写）",
    "AnswerRequest.reason": "不予受理的理由（不予受理时必填）",
    "accept": "是否受理",
    "AlertVerifyRequest.outcome": "核实结果",
    "AlertVerifyRequest.case_id": "该户在监测的案件编号（已是监测对象时填写）",
    "AlertVerifyRequest.reason": "理由（无风险、退回部门时必填）",
    "AlertVerifyRequest.evidence": "核实依据：何时、如何核实，查看了哪些材料（无风险时必填）",
    "AlertVerifyRequest.household_number": "户编号（预警未匹配到农户时填写）",
    "AlertVerifyRequest.household_head": "户主姓名（不在农户信息库中的农户填写）",
    "AlertVerifyRequest.village_code": "所在村代码（只分派到乡镇的预警填写）",
    "visited_on": "走访日期",
    "VisitRequest.method": "走访方式",
    "VisitRequest.screener": "走访人员编号（工作人员名册）",
    "VisitRequest.visitors": "走访人员姓名（每行一人）",
    "VisitRequest.findings": "走访情况（近12个月）",
    "occurred_at": "发生时间",
    "comment": "备注",
    "visitors": "入户人员",
    "household_type": "农户类型",
    "household_size": "家庭人口数",
    # read from the registry as of the step's date; typed only for a household not yet registered (issue 19)
    "HouseholdVisitBody.household_type": "农户类型（已登记的留空，取农户信息库）",
    "HouseholdVisitBody.household_size": "家庭人口数（已登记的留空，取农户信息库）",
    "HouseholdVisitBody.labour_capable_members": "有劳动能力人数（已登记的留空，取农户信息库）",
    "EliminationProposalBody.labour_capable_members": "有劳动能力人数（已登记的留空，取农户信息库）",
    "labour_capable_members": "有劳动能力人数",
    "per_capita_net_income": "家庭人均纯收入（元/年）",
    "rigid_expenditure": "刚性支出（元/年）",
    "unmet_guarantees": "未保障事项（“三保障”和饮水安全）",
    "risks": "风险类型",
    "sudden_event": "突发情况",
    "authorisation_signed": "已签《承诺授权书》",
    "authorisation_ref": "授权书编号",
    "refusal_reason": "拒签原因",
    "departments": "比对部门",
    "consistent": "信息比对一致",
    "findings": "核查发现",
    "verified_per_capita_net_income": "核实的人均纯收入（元/年）",
    "participants": "参会人数",
    "outcome": "结果",
    "minutes_ref": "会议记录编号",
    "action": "操作",
    "start_date": "开始日期",
    "end_date": "结束日期",
    "location": "公示地点",
    "objection": "异议内容",
    "raised_by": "异议人",
    "investigation": "核实情况",
    "decision": "结论",
    "reason": "原因",
    "category": "类别",
    "name": "姓名",
    "unit": "工作单位",
    "phone": "联系电话",
    "user_id": "系统账号（如有）",
    "summary": "帮扶计划内容",
    "planned_categories": "帮扶措施类别",
    "sub_item": "具体措施",
    "responsible_unit": "责任单位",
    "funds": "资金（元）",
    "status": "状态",
    "targets": "针对的风险",
    "measure_id": "措施编号",
    "finding_id": "问题编号",
    "description": "情况说明",
    "measure_ids": "措施编号（每行一个）",
    "income_stable_months": "收入稳定月数",
    "labour_capable_members_employed": "有劳动能力成员就业人数",
    "stable": "是否稳定",
    "evidence": "佐证材料",
    "information_form_ref": "《信息采集表》编号",
    "assessment_form_ref": "《风险消除评估表》编号",
    "measures_form_ref": "《帮扶措施表》编号",
    "document_ref": "文书编号",
    "mode": "消除方式",
    "new_risks": "新出现的风险",
    "unresolved_rigid_expenditure": "仍有未解决的刚性支出",
    "verifiers": "核实人员",
    "screened_on": "排查日期",
    "method": "排查方式",
    "screener": "排查人员（工作人员编号）",
    "ScreeningRequest.findings": "排查情况",  # a field named like another is labelled by its model first
    "kind": "问题类型",
    "found_on": "发现日期",
}

# What a field of an earlier form needs said beside it (the seed's and the rules' words).
HELP: dict[str, str] = {
    "visitors": "每行一人，写明姓名",
    "departments": "每行一个部门，如 人社、医保、民政",
    "per_capita_net_income": "按年计算；低于当年监测范围（2023年为7,100元）即有返贫风险",
    "authorisation_signed": "农户签署《监测对象申请及承诺授权查询书》后方可比对信息；拒签将结束本次认定",
    "occurred_at": "留空即为现在（北京时间）",
    "refusal_reason": "农户拒签时必填：写明农户本人说的原因；拒签将结束本次认定",
    "verifiers": "每行一人，写明姓名",
    "ReviewBody.findings": "一次记录一个问题；多个问题请分次提交",
}


@dataclass
class Input:
    name: str
    label: str
    kind: str  # text, textarea, lines, number, money, date, datetime, bool, choice, choices, fixed, record
    required: bool
    options: list[tuple[str, str]] = field(default_factory=list)  # (value, Chinese label)
    value: Any = None
    help: str = ""
    error: str = ""
    parts: list[Input] = field(default_factory=list)  # a record's own inputs (named "<field>.<part>")


def _bare(annotation: Any) -> Any:
    """The type without its constraints (``Annotated[datetime, Field(...)]`` is a datetime)."""
    while get_origin(annotation) is typing.Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _plain(annotation: Any) -> tuple[Any, bool]:
    """The type without its constraints or ``| None``, and whether None was allowed."""
    annotation = _bare(annotation)
    if get_origin(annotation) in (Union, types.UnionType):
        args = [_bare(a) for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _options(enum: type[Labelled]) -> list[tuple[str, str]]:
    return [(m.value, m.label or m.value) for m in enum]


def inputs(model: type[BaseModel], last: tuple[str, ...] = ("occurred_at", "comment")) -> list[Input]:
    """The inputs of a step body, in the contract's order (when it happened and the comment last)."""
    names = [n for n in model.model_fields if n not in last] + [n for n in last if n in model.model_fields]
    out: list[Input] = []
    for name in names:
        info = model.model_fields[name]
        kind_type, optional = _plain(info.annotation)
        required = info.is_required() and not optional
        label = FIELD_LABELS.get(f"{model.__name__}.{name}") or FIELD_LABELS.get(name) or info.description or name
        item = Input(name, label, "text", required, help=HELP.get(f"{model.__name__}.{name}") or HELP.get(name, ""))
        origin = get_origin(kind_type)
        if origin is Literal:
            values = get_args(kind_type)
            if len(values) == 1:
                item.kind, item.value = "fixed", str(getattr(values[0], "value", values[0]))
            else:
                item.kind = "choice"
                item.options = [(str(v.value), v.label) for v in values]
                default = info.get_default()
                item.value = getattr(default, "value", default)
        elif origin in (list, tuple):
            element = _bare(get_args(kind_type)[0])
            if isinstance(element, type) and issubclass(element, Labelled):
                item.kind, item.options = "choices", _options(element)
            elif isinstance(element, type) and issubclass(element, BaseModel):
                item.kind = "record"  # one record per submission (a review's finding)
                item.parts = [
                    Input(f"{name}.{p.name}", p.label, p.kind, p.required, p.options, help=p.help)
                    for p in inputs(element, last=())
                ]
            else:
                item.kind = "lines"
        elif isinstance(kind_type, type) and issubclass(kind_type, BaseModel):
            item.kind = "group"  # a body inside the body (a screening's findings): its fields, named "<field>.<part>"
            item.parts = [
                Input(f"{name}.{p.name}", p.label, p.kind, p.required, p.options, help=p.help)
                for p in inputs(kind_type, last=())
            ]
        elif kind_type is bool:
            item.kind = "bool"
        elif kind_type is int:
            item.kind = "number"
        elif kind_type is Decimal:
            item.kind = "money"
        elif kind_type is date:
            item.kind = "date"
        elif kind_type is datetime:
            item.kind = "datetime"
        elif isinstance(kind_type, type) and issubclass(kind_type, Labelled):
            item.kind, item.options = "choice", _options(kind_type)
        elif name in ("comment", "summary", "description", "findings", "reason", "objection", "investigation"):
            item.kind = "textarea"
        out.append(item)
    return out


def body_of(
    model: type[BaseModel], form: typing.Mapping[str, Any], multi: typing.Mapping[str, list[str]]
) -> dict[str, Any]:
    """What a posted form says, as the contract's JSON (fields left empty are left out, so defaults apply)."""
    data: dict[str, Any] = {}
    for item in inputs(model):
        raw = form.get(item.name)
        if item.kind == "record":
            record = {
                p.name.split(".", 1)[1]: form.get(p.name) for p in item.parts if form.get(p.name) not in (None, "")
            }
            data[item.name] = [record] if record else []
        elif item.kind == "group":
            group: dict[str, Any] = {}
            for p in item.parts:
                key = p.name.split(".", 1)[1]
                if p.kind == "choices":
                    group[key] = [str(v) for v in multi.get(p.name, [])]
                elif p.kind == "bool":
                    group[key] = form.get(p.name) == "true"  # a checkbox: ticked or not
                elif form.get(p.name) not in (None, ""):
                    group[key] = form.get(p.name)
            data[item.name] = group
        elif item.kind == "choices":
            data[item.name] = [str(v) for v in multi.get(item.name, [])]
        elif item.kind == "lines":
            lines = [line.strip() for line in str(raw or "").splitlines() if line.strip()]
            if lines or item.required:
                data[item.name] = lines
        elif item.kind == "bool":
            if raw in ("true", "false"):
                data[item.name] = raw == "true"
        elif item.kind == "datetime":
            if raw:
                try:
                    data[item.name] = datetime.fromisoformat(str(raw)).replace(tzinfo=SHANGHAI).isoformat()
                except ValueError:
                    data[item.name] = str(raw)  # refused by the contract, naming the field
        elif raw not in (None, ""):
            data[item.name] = raw
    return data


def field_errors(error: ValidationError) -> dict[str, str]:
    """Each refused field with a Chinese message: by its top-level name, and a group's part by its dotted name
    (``findings.wage_income``) too, so the message shows at the input."""
    found: dict[str, str] = {}
    for e in error.errors():
        loc = e["loc"]
        message = VALIDATION_MESSAGES.get(e["type"], KIND_MESSAGES[ErrorKind.INVALID])
        found.setdefault(str(loc[0]) if loc else "", message)
        if len(loc) >= 2 and isinstance(loc[1], str):
            found.setdefault(f"{loc[0]}.{loc[1]}", message)
    return found


def refill(items: list[Input], values: typing.Mapping[str, str], multi: typing.Mapping[str, list[str]],
           errors: typing.Mapping[str, str]) -> None:  # fmt: skip
    """Show a refused form again as it was typed, each refusal at its input (a group's parts too)."""
    for item in items:
        item.error = errors.get(item.name, "")
        if item.kind == "choices":
            item.value = list(multi.get(item.name, []))
        elif item.name in values:
            item.value = values[item.name]
        if item.parts:
            refill(item.parts, values, multi, errors)
