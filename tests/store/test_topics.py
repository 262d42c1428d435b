"""The names Dixian stores are frozen: every event and aggregate class keeps the topic it was first stored under,
wherever its module moves (``domain/kernel/topics.py``).

A class whose name is stored and is not pinned, a pin on a base class, or a changed name fails here. Adding a new
event class means adding its name below, once; changing one that exists means old events no longer read.
"""

from __future__ import annotations

from eventsourcing.domain import CanMutateAggregate
from eventsourcing.utils import get_topic, resolve_topic

import domain
from domain.kernel.chain import ChainedAggregate, ChainedCreated, ChainedEvent
from domain.kernel.topics import STORED
from tests.classes import descendants, import_all

EVENT_TOPICS = frozenset(
    {
        "domain.access:AccessRecorded",
        "domain.accounts:AccountAdded",
        "domain.accounts:AccountChanged",
        "domain.accounts:AccountDisabled",
        "domain.accounts:AccountEnabled",
        "domain.accounts:OfficeHolderChanged",
        "domain.accounts:VillageOfficesOpened",
        "domain.discovery:AlertOverdue",
        "domain.discovery:AlertReceived",
        "domain.discovery:AlertVerified",
        "domain.discovery:ApplicationAnswered",
        "domain.discovery:ApplicationOverdue",
        "domain.discovery:ApplicationReceived",
        "domain.discovery:VisitPlanned",
        "domain.discovery:VisitRecorded",
        "domain.audit:AuditLogStarted",
        "domain.audit:CheckpointMade",
        "domain.campaign:CampaignStarted",
        "domain.campaign:LookBacksScheduled",
        "domain.campaign:MilestonePassed",
        "domain.events:AssistancePlanMade",
        "domain.events:AssistanceReviewed",
        "domain.events:CaseOpened",
        "domain.events:CountyDecided",
        "domain.events:CrossCheckRecorded",
        "domain.events:DeadlineMissed",
        "domain.events:EliminationProposed",
        "domain.events:EliminationRolledBack",
        "domain.events:EliminationVisitRecorded",
        "domain.events:FindingRectified",
        "domain.events:HouseholdVisitRecorded",
        "domain.events:LookBackRecorded",
        "domain.events:MeasureAdded",
        "domain.events:MeasureChanged",
        "domain.events:MeasureEnded",
        "domain.events:MeasureImplemented",
        "domain.events:NoticeObjectionRaised",
        "domain.events:PublicNoticeClosed",
        "domain.events:PublicNoticePosted",
        "domain.events:ResponsiblePersonAssigned",
        "domain.events:ResultAnnounced",
        "domain.events:RiskEliminated",
        "domain.events:RollbackRefused",
        "domain.events:RollbackRequested",
        "domain.events:TownshipReviewed",
        "domain.events:VillageDeliberationRecorded",
        "domain.household:HouseholdCaseEnded",
        "domain.household:HouseholdCaseOpened",
        "domain.household:HouseholdCasesStarted",
        "domain.household:HouseholdChanged",
        "domain.household:HouseholdRegistered",
        "domain.household:HouseholdScreened",
        "domain.household:IdNumberClaimed",
        "domain.household:IdNumberContested",
        "domain.household:IdNumberReclaimed",
        "domain.household:IdNumberReleased",
        "domain.household:StaffChanged",
        "domain.household:StaffRegistered",
        "domain.repairs:RepairRecorded",
        "domain.village_report:VillageReportApproved",
        "domain.village_report:VillageReportDrafted",
        "domain.village_report:VillageReportRevised",
        "domain.village_report:VillageReportSubmitted",
    }
)
AGGREGATE_TOPICS = frozenset(
    {
        "domain.access:Access",
        "domain.accounts:UserAccount",
        "domain.accounts:VillageOffices",
        "domain.discovery:DepartmentAlert",
        "domain.discovery:SelfApplication",
        "domain.discovery:VisitRecord",
        "domain.audit:AuditLog",
        "domain.campaign:Campaign",
        "domain.case:MonitoringCase",
        "domain.household:Household",
        "domain.household:HouseholdCases",
        "domain.household:IdNumberClaim",
        "domain.household:StaffMember",
        "domain.repairs:Repair",
        "domain.village_report:VillageReport",
    }
)


def stored_classes() -> set[type]:
    """Every class whose name an event or snapshot stores: concrete chained events and aggregates (the nested
    ``X.Event``/``X.Created`` classes the library defines on each aggregate are never triggered)."""
    import_all(domain)
    found = descendants(ChainedAggregate) | descendants(ChainedEvent) | descendants(ChainedCreated)
    return {c for c in found if not c.__subclasses__() and "." not in c.__qualname__}


def test_every_stored_name_is_pinned_and_none_has_changed() -> None:
    classes = stored_classes()
    assert {get_topic(c) for c in classes} == EVENT_TOPICS | AGGREGATE_TOPICS
    for cls in classes:
        assert cls.__dict__.get("TOPIC") == get_topic(cls), f"{cls.__qualname__} is not pinned"
    assert set(STORED) == EVENT_TOPICS | AGGREGATE_TOPICS


def test_each_stored_name_resolves_to_its_class() -> None:
    import_all(domain)
    for topic in EVENT_TOPICS | AGGREGATE_TOPICS:
        cls = resolve_topic(topic)
        assert get_topic(cls) == topic
        assert STORED[topic] is cls


def test_no_base_class_carries_a_stored_name() -> None:
    import_all(domain)
    bases = {c for c in descendants(CanMutateAggregate) | descendants(ChainedAggregate) if c.__subclasses__()}
    assert bases, "the event and aggregate bases are found"
    assert [c.__qualname__ for c in bases if "TOPIC" in c.__dict__] == []


def test_the_store_keeps_its_tables_name() -> None:
    """The application's name is the name of its tables (cases_events, cases_snapshots) and of its position in every
    read model's tracking: the ledger and the readers use the store's."""
    from domain.ledger import Ledger
    from domain.store import EventStore

    assert EventStore.name == Ledger.name == "Cases"
