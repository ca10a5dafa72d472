"""The rules of the KeyProject aggregate, one given/when/then each."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.registry.domain import RuleViolation, check, check_amendment

from .builders import NOW, History, candidate, judge, registration


def refused(history: History, type_: str, payload: dict, **kw) -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        judge(history, type_, payload, **kw)
    return caught.value


class TestRegistration:
    def test_a_new_project_can_be_registered(self):
        judge(History(), "ProjectRegistered", registration())

    def test_a_project_cannot_be_registered_twice(self):
        error = refused(History().registered(), "ProjectRegistered", registration())
        assert error.field == "project_id" and error.code == "already_registered"
        assert error.message == "项目 p1 已登记，不能重复登记"

    def test_nothing_but_a_registration_starts_a_stream(self):
        error = refused(History(), "ConstructionStarted", {"note": ""})
        assert error.field == "project_id" and error.code == "not_registered"
        assert "尚未登记" in error.message


class TestClock:
    def test_a_business_time_within_the_clock_skew_is_accepted(self):
        judge(
            History().registered(),
            "ConstructionStarted",
            {},
            occurred_at=NOW + timedelta(minutes=4),
        )

    def test_a_business_time_in_the_future_is_refused(self):
        error = refused(
            History().registered(), "ConstructionStarted", {}, occurred_at=NOW + timedelta(hours=1)
        )
        assert error.field == "occurred_at" and "晚于当前时间" in error.message

    def test_a_correction_cannot_move_an_event_into_the_future(self):
        history = History().registered()
        report = history.add("InvestmentReported", {"month": "2024-03", "amount": "1.00"})
        correction = {
            "corrected_event_id": report.event_id,
            "payload": report.payload,
            "reason": "wrong date",
            "occurred_at": (NOW + timedelta(days=2)).isoformat(),
        }
        error = refused(history, "EventCorrected", correction)
        assert error.field == "payload.occurred_at" and error.code == "in_future"


class TestMilestones:
    def test_a_milestone_must_be_planned_before_it_completes(self):
        error = refused(History().registered(), "MilestoneCompleted", {"milestone_id": "m1"})
        assert error.field == "milestone_id" and "尚未计划" in error.message

    def test_a_milestone_must_be_planned_before_it_slips(self):
        error = refused(
            History().registered(),
            "MilestoneSlipped",
            {"milestone_id": "m1", "new_due": "2024-09-01"},
        )
        assert error.field == "milestone_id"

    def test_a_planned_milestone_completes(self):
        history = History().registered()
        history.add("MilestonePlanned", {"milestone_id": "m1", "name": "开工", "due": "2024-05-01"})
        judge(history, "MilestoneCompleted", {"milestone_id": "m1"})

    def test_a_milestone_cannot_be_planned_twice(self):
        history = History().registered()
        history.add("MilestonePlanned", {"milestone_id": "m1", "name": "开工", "due": "2024-05-01"})
        error = refused(
            history, "MilestonePlanned", {"milestone_id": "m1", "name": "x", "due": "2024-06-01"}
        )
        assert "MilestoneSlipped" in error.message

    def test_a_slip_must_move_the_due_date_later(self):
        history = History().registered()
        history.add("MilestonePlanned", {"milestone_id": "m1", "name": "开工", "due": "2024-05-01"})
        error = refused(
            history, "MilestoneSlipped", {"milestone_id": "m1", "new_due": "2024-04-01"}
        )
        assert error.field == "new_due" and "2024-05-01" in error.message

    def test_a_completed_milestone_cannot_complete_or_slip_again(self):
        history = History().registered()
        history.add("MilestonePlanned", {"milestone_id": "m1", "name": "开工", "due": "2024-05-01"})
        history.add("MilestoneCompleted", {"milestone_id": "m1"})
        assert "已于" in refused(history, "MilestoneCompleted", {"milestone_id": "m1"}).message
        assert (
            refused(
                history, "MilestoneSlipped", {"milestone_id": "m1", "new_due": "2024-09-01"}
            ).code
            == "milestone_completed"
        )


class TestApprovals:
    def test_an_approval_id_is_requested_once(self):
        history = History().registered()
        history.add("ApprovalRequested", {"approval_id": "a1", "kind": "eia"})
        error = refused(history, "ApprovalRequested", {"approval_id": "a1", "kind": "eia"})
        assert error.field == "approval_id"

    def test_a_decision_may_arrive_without_its_request(self):
        judge(History().registered(), "ApprovalGranted", {"approval_id": "a9", "kind": "land"})

    def test_a_decided_approval_cannot_be_decided_again(self):
        history = History().registered()
        history.add("ApprovalGranted", {"approval_id": "a1", "kind": "eia"})
        error = refused(history, "ApprovalRejected", {"approval_id": "a1", "kind": "eia"})
        assert error.code == "approval_decided" and error.message.endswith("已有结果：已批复")

    def test_a_decision_must_match_the_requested_kind(self):
        history = History().registered()
        history.add("ApprovalRequested", {"approval_id": "a1", "kind": "eia"})
        error = refused(history, "ApprovalGranted", {"approval_id": "a1", "kind": "land"})
        assert error.field == "kind"


class TestLifecycle:
    def test_construction_cannot_start_twice(self):
        history = History().registered()
        history.add("ConstructionStarted", {})
        error = refused(history, "ConstructionStarted", {})
        assert error.code == "already_started" and "已于" in error.message

    def test_completion_needs_a_start(self):
        assert "尚未开工" in refused(History().registered(), "ProjectCompleted", {}).message

    def test_commissioning_needs_completion(self):
        history = History().registered()
        history.add("ConstructionStarted", {})
        assert refused(history, "ProjectCommissioned", {}).message.startswith("项目尚未竣工")

    def test_nothing_but_corrections_after_the_project_is_closed(self):
        history = History().registered()
        history.add("ConstructionStarted", {})
        history.add("ProjectCompleted", {})
        history.add("ProjectCommissioned", {})
        error = refused(history, "InvestmentReported", {"month": "2024-05", "amount": "1.00"})
        assert error.field == "type" and "投产并关闭" in error.message
        check(
            history.project(),
            candidate(
                "EventRetracted",
                {"retracted_event_id": history.events[-1].event_id, "reason": "wrong"},
            ),
            now=NOW,
        )

    def test_suspension_and_resumption_alternate(self):
        history = History().registered()
        assert refused(history, "ProjectResumed", {}).code == "not_suspended"
        history.add("ProjectSuspended", {"reason": "financing"})
        assert history.project().phase == "suspended"
        assert "已停工" in refused(history, "ProjectSuspended", {"reason": "x"}).message
        history.add("ProjectResumed", {})
        assert history.project().phase == "preliminary"


class TestInvestment:
    def test_a_month_is_reported_once(self):
        history = History().registered()
        history.add("InvestmentReported", {"month": "2024-03", "amount": "100.00"})
        error = refused(history, "InvestmentReported", {"month": "2024-03", "amount": "5.00"})
        assert error.field == "month" and "EventCorrected" in error.message

    def test_a_month_that_has_not_begun_is_refused(self):
        error = refused(
            History().registered(), "InvestmentReported", {"month": "2024-05", "amount": "5.00"}
        )
        assert (
            error.field == "month"
            and error.code == "month_not_begun"
            and "尚未开始" in error.message
        )

    def test_a_negative_amount_is_refused(self):
        error = refused(
            History().registered(), "InvestmentReported", {"month": "2024-03", "amount": "-5.00"}
        )
        assert error.field == "amount"


class TestRecords:
    @pytest.mark.parametrize(
        ("type_", "payload"),
        [
            ("InspectionCompleted", {"inspection_id": "i1", "result": "passed"}),
            ("IssueRaised", {"issue_id": "q1", "kind": "land", "description": "用地指标"}),
            ("SupervisionNoticeIssued", {"notice_id": "n1", "kind": "criticism", "title": "通报"}),
            ("SafetyIncidentReported", {"incident_id": "s1", "kind": "other"}),
        ],
    )
    def test_a_record_id_is_used_once(self, type_, payload):
        history = History().registered()
        history.add(type_, payload)
        error = refused(history, type_, payload)
        assert error.code == "duplicate_id" and "已登记" in error.message

    def test_an_issue_must_be_raised_before_it_is_resolved(self):
        error = refused(History().registered(), "IssueResolved", {"issue_id": "q1"})
        assert error.field == "issue_id" and "从未提出" in error.message

    def test_an_issue_is_resolved_once(self):
        history = History().registered()
        history.add("IssueRaised", {"issue_id": "q1", "kind": "land", "description": "x"})
        history.add("IssueResolved", {"issue_id": "q1"})
        assert "已于" in refused(history, "IssueResolved", {"issue_id": "q1"}).message

    def test_a_responsibility_change_names_someone(self):
        error = refused(History().registered(), "ResponsibilityAssigned", {"reason": "x"})
        assert error.field == "leader"


class TestAmendments:
    def amend(self, history: History, type_: str, payload: dict) -> None:
        project = history.project()
        event = candidate(type_, payload)
        target = next((e for e in history.events if e.event_id == event.target), None)
        check_amendment(project, event, target, history.events)

    def test_an_amendment_must_point_at_an_event_of_this_project(self):
        history = History().registered()
        with pytest.raises(RuleViolation) as caught:
            self.amend(
                history,
                "EventRetracted",
                {"retracted_event_id": "00000000-0000-0000-0000-000000000000", "reason": "x"},
            )
        assert caught.value.field == "retracted_event_id"

    def test_an_amendment_cannot_amend_an_amendment(self):
        history = History().registered()
        report = history.add("InvestmentReported", {"month": "2024-03", "amount": "1.00"})
        fix = history.add(
            "EventCorrected",
            {
                "corrected_event_id": report.event_id,
                "payload": {"month": "2024-03", "amount": "2.00"},
                "reason": "typo",
            },
        )
        with pytest.raises(RuleViolation) as caught:
            self.amend(
                history, "EventRetracted", {"retracted_event_id": fix.event_id, "reason": "x"}
            )
        assert "原始事件" in caught.value.message

    def test_a_registration_cannot_be_retracted(self):
        history = History().registered()
        with pytest.raises(RuleViolation):
            self.amend(
                history,
                "EventRetracted",
                {"retracted_event_id": history.events[0].event_id, "reason": "x"},
            )

    def test_an_event_is_retracted_once(self):
        history = History().registered()
        start = history.add("ConstructionStarted", {})
        history.add("EventRetracted", {"retracted_event_id": start.event_id, "reason": "x"})
        with pytest.raises(RuleViolation) as caught:
            self.amend(
                history, "EventRetracted", {"retracted_event_id": start.event_id, "reason": "y"}
            )
        assert caught.value.code == "already_retracted" and "已撤回" in caught.value.message

    def test_a_retraction_that_would_orphan_a_later_event_is_refused(self):
        history = History().registered()
        plan = history.add(
            "MilestonePlanned", {"milestone_id": "m1", "name": "开工", "due": "2024-05-01"}
        )
        history.add("MilestoneCompleted", {"milestone_id": "m1"})
        with pytest.raises(RuleViolation) as caught:
            self.amend(
                history, "EventRetracted", {"retracted_event_id": plan.event_id, "reason": "x"}
            )
        assert "MilestoneCompleted" in caught.value.message

    def test_a_correction_may_not_report_a_month_twice(self):
        history = History().registered()
        history.add("InvestmentReported", {"month": "2024-03", "amount": "1.00"})
        april = history.add("InvestmentReported", {"month": "2024-04", "amount": "1.00"})
        with pytest.raises(RuleViolation) as caught:
            self.amend(
                history,
                "EventCorrected",
                {
                    "corrected_event_id": april.event_id,
                    "payload": {"month": "2024-03", "amount": "3.00"},
                    "reason": "x",
                },
            )
        assert caught.value.field == "month"
