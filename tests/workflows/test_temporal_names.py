"""The names Temporal stores are frozen too: workflow types, updates, queries and activities are written into every
workflow history (and a running workflow is found again by them after a deploy), search attributes into the
visibility store, patch ids into histories, the report schedule's id into the cluster. Moving a module changes none
of them, because each is given explicitly; this test fails if one is renamed."""

from __future__ import annotations

from temporalio import activity, workflow

from workflows.campaigns.activities import CampaignActivities
from workflows.campaigns.workflow import CampaignWorkflow
from workflows.cases import workflow as case_workflow
from workflows.cases.activities import CaseActivities
from workflows.cases.search_attributes import ALL
from workflows.cases.workflow import CaseWorkflow
from workflows.discovery.activities import DiscoveryActivities
from workflows.discovery.workflow import DiscoveryDeadlineWorkflow
from workflows.reports import workflow as report_workflow
from workflows.reports.activities import ReportActivities
from workflows.reports.workflow import ReportCycleWorkflow

WORKFLOWS = {
    "CaseWorkflow": ({"open", "advance"}, {"view", "awaiting_opening"}),  # awaiting_opening: added in issue 22
    "CampaignWorkflow": (set(), {"milestones_passed"}),
    "ReportCycleWorkflow": (set(), set()),
    "DiscoveryDeadlineWorkflow": (set(), set()),
}
ACTIVITIES = {
    "open_case",
    "take_step",
    "record_deadline_missed",
    "load_case",
    "sync_national",
    "schedule_look_backs",
    "pass_milestone",
    "draft_due_reports",
    "record_discovery_overdue",
}
SEARCH_ATTRIBUTES = {
    "CaseStage": "KEYWORD",
    "CaseStatus": "KEYWORD",
    "CaseCategory": "KEYWORD",
    "VillageCode": "KEYWORD",
    "TownshipCode": "KEYWORD",
    "CountyCode": "KEYWORD",
    "NextDeadline": "DATETIME",
    "NextDeadlineKind": "KEYWORD",
    "Overdue": "BOOL",
    "LastProgressAt": "DATETIME",
}


def test_workflow_update_and_query_names_are_unchanged() -> None:
    found = {}
    for cls in (CaseWorkflow, CampaignWorkflow, ReportCycleWorkflow, DiscoveryDeadlineWorkflow):
        definition = workflow._Definition.from_class(cls)
        assert definition is not None
        found[definition.name] = (set(definition.updates), set(definition.queries))
    assert found == WORKFLOWS


def test_activity_names_are_unchanged() -> None:
    methods = [
        CaseActivities.open_case,
        CaseActivities.take_step,
        CaseActivities.record_deadline_missed,
        CaseActivities.load_case,
        CaseActivities.sync_national,
        CampaignActivities.schedule_look_backs,
        CampaignActivities.pass_milestone,
        ReportActivities.draft_due,
        DiscoveryActivities.record_overdue,
    ]
    names = set()
    for method in methods:
        definition = activity._Definition.from_callable(method)
        assert definition is not None and definition.name is not None
        names.add(definition.name)
    assert names == ACTIVITIES


def test_search_attributes_patches_and_the_schedule_keep_their_names() -> None:
    assert {key.name: key.indexed_value_type.name.removeprefix("INDEXED_VALUE_TYPE_") for key in ALL} == (
        SEARCH_ATTRIBUTES
    )
    assert case_workflow.UPSERT_CHANGES_ONLY == "upsert-search-attributes-changes-only"
    assert report_workflow.SCHEDULE_ID == "dixian-report-cycle"
