"""Policy *values* (monitoring line, deadlines, notice periods) as versioned configuration per jurisdiction and year
(domain.md §0 and §3: "treat thresholds, time limits and notice periods as configuration per jurisdiction and year").
A case is pinned to the version in force for its village on its clue date; that version is recorded in its first
event and every later check uses it, so a new policy never changes an old case."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Any

from domain.kernel.areas import contains
from domain.kernel.errors import RuleViolationError
from domain.kernel.steps import Procedure


@dataclass(frozen=True)
class Policy:
    """One version of the policy values in force in a jurisdiction from a date.

    Fields with defaults were added after the first version; a case pinned to a version recorded without them reads
    the default, which is the value every version had when the field was introduced.
    """

    policy_id: str
    version: int
    jurisdiction: str  # area-code prefix it applies to; "" = everywhere
    year: int  # the year whose monitoring line this is
    effective_from: date
    monitoring_line: Decimal  # 监测范围指导线, yuan per person per year (人均纯收入)
    identification_days: int  # clue → county decision, calendar days
    notice_min_days: int  # village public notice, calendar days counted inclusively
    source: str
    # 10天内制定帮扶计划, 15天内采取针对性帮扶措施 (seed plan §二(二)); 25天内落实针对性帮扶措施 from the clue
    # (seed plan §三(二)). Plan-only, unconfirmed nationally (domain.md §6 "Timing").
    plan_days: int = 10
    measures_days: int = 15
    measures_from_clue_days: int = 25
    # Monitored at least half a year before elimination may start (yjq.gov.cn, domain.md §7 "Minimum time").
    min_monitoring_months: int = 6
    # Elimination notice: 7 days in Pingjiang, the only figure found (domain.md §7 "Procedure").
    elimination_notice_min_days: int = 7
    # Verification visit by a team of at least 2 (Pingjiang, domain.md §7 step 2).
    min_elimination_verifiers: int = 2
    # No source gives a time limit for the elimination procedure; Dixian's default is 30 days from the proposal,
    # long enough for the visit, the 7-day notice, township review and county approval. Configure it.
    elimination_days: int = 30
    # 回头看: whether the household is 稳定半年以上 (seed plan §二(三)) is checked six months after elimination.
    look_back_months: int = 6
    # 因病、因残、因学等刚性支出较大的农户 are a key group of the screening (seed plan §二(一)); no source found gives
    # the amount, so Dixian flags household rigid expenditure (medical + schooling, out of pocket) above this many
    # yuan a year as at risk. Inner Mongolia uses "an early-warning standard" (domain.md §2). Configure it.
    rigid_expenditure_alert: Decimal = Decimal("20000")
    # How the time limits above (identification, plan, measures, elimination) count days: calendar days, the national
    # rule and the seed's; or working days with China's holidays and 调休 (Hainan's older rule: 20 working days,
    # domain.md §4.2). Notice periods and months stay calendar (domain.kernel.calendars.DayCount).
    day_count: str = "calendar"
    # A household not in the registry may open a case only through a self-application or a department alert (issue
    # 19); it is to be registered within this many days of the case being opened, or the case becomes a finding
    # (RG-01). No source names the limit: Dixian's default is the identification's 15 days, since the county cannot
    # approve a household it cannot see. Configure it.
    registration_days: int = 15
    # 缺劳动力 is implausible if every member can work (fuping 4_11_009), or, in a stricter check, if more than this
    # share of the members are 普通/技能劳动力 (fuping 5_18_008, domain.md §5). The sources disagree: the share is a
    # policy value, 1/4 as in 5_18_008; set it to 1 for the lenient check.
    lack_of_labour_full_share: Decimal = Decimal("0.25")
    # A household's self-application (农户自主申报) is accepted or refused by the township within this many days
    # (domain.md §4.1: applications pushed to the township account must be accepted within 2 days; Anhui zongyang.gov.cn
    # and Hainan hainan.gov.cn, both G). Counted as the other limits are (day_count).
    application_answer_days: int = 2
    # A department's alert (部门筛查预警) is verified by the household's township and village within this many days of
    # reaching them. No source names the limit for alerts (domain.md §4.1 says only that township and village check
    # them); Dixian's default is the 3 days an L source gives the household visit (入户核实, domain.md §4.2), the step a
    # verification is. Counted as the other limits are (day_count). Configure it.
    alert_verify_days: int = 3

    @property
    def key(self) -> str:
        return f"{self.policy_id}@{self.version}"

    def notice_days_for(self, procedure: Procedure) -> int:
        return self.notice_min_days if procedure is Procedure.IDENTIFICATION else self.elimination_notice_min_days

    def as_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["key"] = self.key
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Policy:
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in data:
                continue  # a field added later: its default applies
            value = data[f.name]
            if f.type in ("int", int):
                value = int(value)
            elif f.type in ("Decimal", Decimal):
                value = Decimal(value)
            elif f.type in ("str", str):
                value = str(value)
            kwargs[f.name] = value
        return cls(**kwargs)


# The registry is append-only: a published version is never edited, a change is a new version.
DEFAULT_POLICIES: tuple[Policy, ...] = (
    Policy(
        policy_id="national-2020",
        version=1,
        jurisdiction="",
        year=2020,
        effective_from=date(2020, 3, 1),
        # The 2020 指导意见 created the mechanism with a line of about 1.5 × the ~4,000 yuan poverty standard
        # (domain.md §1, §3: chinadaily 2020-12-02). The time limits are those of §4.2, kept for continuity.
        monitoring_line=Decimal("6000"),
        identification_days=15,
        notice_min_days=5,
        source="domain.md §1, §3 (2020 guidance); §4.2 time limits",
    ),
    Policy(
        policy_id="national",
        version=1,
        jurisdiction="",
        year=2021,
        effective_from=date(2021, 5, 16),
        # National floor 1.5 × the ~4,000 yuan poverty standard (中农组发〔2021〕7号 via yyx.gov.cn; domain.md §3).
        monitoring_line=Decimal("6000"),
        # ≤ 15 days clue → identification; village notice ≥ 5 days (qinan.gov.cn, linzhou.gov.cn; domain.md §4.2).
        identification_days=15,
        notice_min_days=5,
        source="domain.md §3 national floor; §4.2 time limits",
    ),
    Policy(
        policy_id="seed-township",
        version=1,
        jurisdiction="990102101",
        year=2023,
        effective_from=date(2023, 1, 1),
        # 以2023年监测范围指导线7100元为参考 (seed plan §二(一)).
        monitoring_line=Decimal("7100"),
        # 确保15天内完成监测对象识别认定 (seed plan §三(二)); notice ≥ 5 days (domain.md §4.2).
        identification_days=15,
        notice_min_days=5,
        source="seeds/township-screening-plan.txt §二(一), §三(二)",
    ),
)


class PolicyVersions:
    """Looks up policy versions by key and finds the one in force for an area on a date."""

    def __init__(self, policies: tuple[Policy, ...] = DEFAULT_POLICIES) -> None:
        self._by_key = {p.key: p for p in policies}
        if len(self._by_key) != len(policies):
            raise ValueError("duplicate policy key in registry")
        self._policies = policies

    def get(self, key: str) -> Policy:
        return self._by_key[key]

    def in_force(self, area_code: str, on: date, *, field: str = "clue_date") -> Policy:
        """The most specific jurisdiction wins, then the latest effective date, then the highest version."""
        candidates = [p for p in self._policies if contains(p.jurisdiction, area_code) and p.effective_from <= on]
        if not candidates:
            raise RuleViolationError(
                f"no policy is in force for area {area_code} on {on.isoformat()}",
                field=field,
                rule="policy_in_force",
            )
        return max(candidates, key=lambda p: (len(p.jurisdiction), p.effective_from, p.version))
