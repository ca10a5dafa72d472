"""The quarterly plan's review of the quarter before its meeting (issue 17): each leader's
挂点服务 (from ``LeaderVisited`` on the project streams) and the project pool's movement
(入库, 入统, 签约→开工, 开工→投产, by the rule the registry's ``/v1/pool/conversions`` uses),
in the plan with its labels, in the notice, on both backends."""

from __future__ import annotations

import pytest

from services.registry.domain.pool import conversions
from services.registry.wiring import RegistryParts
from services.scheduling.application import service as module
from services.scheduling.readmodel import queries
from shared.eventstore import Cutoff

from ..helpers import ZONE, Project, registration


def _county(store, clock):
    """2024, reviewed at the Q4 meeting (Q3): ``a`` (王县长) registered directly, visited
    by its leader and started in Q3; ``b`` (王县长) pooled, signed, registered and started
    in Q3, visited only by another leader; ``c`` (李副县长) started in Q1, 入统 and
    commissioned in Q3, last visited in Q2; ``d`` only in the pool, signed in Q3."""
    clock.set("2024-01-02")
    a, b, c = (Project(store, pid) for pid in "abc")
    a.register(leader="王县长")
    c.register(leader="李副县长")
    c.start("2024-03-01")
    _visit(c, "v-c", "李副县长", "2024-04-10", ["用电"])
    clock.set("2024-07-03")
    b.event("ProjectPooled", "2024-07-03", **_pooled("b"))
    b.event("ProjectStageChanged", "2024-07-04", stage="signed")
    b.register("2024-07-05", leader="王县长")
    c.event("ProjectStatisticsEntered", "2024-07-20", statistics_code="S-1")
    _visit(a, "v-a", "王县长", "2024-08-05", ["临时用电", "进场道路"])
    Project(store, "d").event("ProjectPooled", "2024-08-01", **{**_pooled("d"), "stage": "signed"})
    _visit(b, "v-b", "李副县长", "2024-08-01", [])
    a.start("2024-08-10")
    b.start("2024-09-02")
    c.event("ProjectCommissioned", "2024-09-15")


def _pooled(pid):
    keep = ("project_id", "name", "sector", "town", "total_investment")
    return {**{k: registration(pid)[k] for k in keep}, "stage": "reserve"}


def _visit(project, visit_id, leader, on, solved):
    return project.event(
        "LeaderVisited",
        on,
        visit_id=visit_id,
        leader=leader,
        services="到项目现场协调",
        problems_solved=solved,
    )


@pytest.fixture
def county(runtime, clock):
    _county(runtime.store, clock)
    clock.set("2024-10-08", hour=8)


def _plan(client, tokens):
    made = client.post(
        "/v1/plans", json={"cadence": "quarterly", "period": "2024-Q4"}, headers=tokens["office"]
    )
    assert made.status_code == 201, made.json
    return made.json["plan"]


def test_the_quarterly_plan_lists_each_leaders_visits_by_rank(client, role_headers, county):
    visits = _plan(client, role_headers)["leader_visits"]
    assert (visits["quarter"], visits["starts_on"]) == ("2024-Q3", "2024-07-01")
    # By rank (县长 before 副县长), not by character order.
    assert [row["leader"] for row in visits["leaders"]] == ["王县长", "李副县长"]
    wang, li = visits["leaders"]
    assert (wang["visited"], wang["not_visited"]) == (["a"], ["b"])  # b: someone else's visit
    assert wang["projects"][0]["problems_solved"] == 2
    assert wang["projects"][0]["last_visit_on"] == "2024-08-05"
    # c was commissioned in the quarter: still counts; its Q2 visit does not.
    assert li["not_visited"] == ["c"] and li["projects"][0]["last_visit_on"] == "2024-04-10"
    assert visits["not_visited"] == ["王县长", "李副县长"]


def test_the_quarterly_plan_has_the_pools_movement_as_the_registry_computes_it(
    client, role_headers, county, runtime
):
    pool = _plan(client, role_headers)["pool"]
    assert pool["quarter"] == "2024-Q3"
    assert pool["entered_pool"] == ["b", "d"] and pool["statistics"] == ["c"]
    assert pool["entered"] == {
        "signed": ["b", "d"],
        "started": ["a", "b"],
        "commissioned": ["c"],
    }
    assert pool["entered_labels"] == {"signed": "签约", "started": "开工", "commissioned": "投产"}
    signed, started = pool["conversions"]
    assert (signed["could"], signed["converted"], signed["rate"]) == (2, 1, "0.50")
    assert (started["could"], started["converted"], started["projects"]) == (3, 1, ["c"])
    assert (started["source_label"], started["target_label"]) == ("开工", "投产")
    assert (pool["names"]["c"], pool["names"]["d"]) == ("项目 c", "项目 d")
    # The registry's rule over its own fold of the same streams says the same.
    registry = RegistryParts.of(runtime).registry
    states = [registry.state(pid) for pid in "abcd"]
    q3 = conversions(states, 2024, ZONE)[2]
    assert q3["conversions"] == [
        {k: v for k, v in c.items() if not k.endswith("_label")} for c in pool["conversions"]
    ]
    assert q3["entered"] == pool["entered"]


def test_the_quarterly_notice_prints_the_review(client, role_headers, county):
    _plan(client, role_headers)
    for fmt in ("md", "html", "docx"):
        got = client.get(
            f"/v1/plans/quarterly/2024-Q4/agenda.{fmt}", headers=role_headers["viewer"]
        )
        assert got.status_code == 200, fmt
    notice = client.get("/v1/plans/quarterly/2024-Q4/agenda.md", headers=role_headers["viewer"])
    text = notice.text
    assert "挂点服务情况" in text and "项目库转化情况" in text
    assert "2024年第三季度未到挂点项目服务的领导：王县长、李副县长。" in text
    assert "王县长：挂点项目2个，已服务1个（服务1次，现场解决问题2个），未服务：项目 b。" in text
    assert "签约→开工：可转化2个，已转化1个，转化率50%（项目 b）。" in text
    assert "开工→投产：可转化3个，已转化1个，转化率33%（项目 c）。" in text
    assert "新入库项目2个（项目 b、项目 d），入统1个（项目 c）；签约2个，开工2个，投产1个。" in text


def test_a_quarter_with_nothing_to_review_states_no_review(client, role_headers, runtime, clock):
    clock.set("2024-01-02")
    Project(runtime.store, "a").register()
    clock.set("2024-01-02", hour=8)
    plan = _plan_of(client, role_headers, "2024-Q1")
    assert "leader_visits" not in plan and "pool" not in plan


def _plan_of(client, tokens, period):
    made = client.post(
        "/v1/plans", json={"cadence": "quarterly", "period": period}, headers=tokens["office"]
    )
    assert made.status_code == 201, made.json
    return made.json["plan"]


def test_a_plan_stored_before_the_review_keeps_its_version(
    service, clocked_store, clock, monkeypatch
):
    _county(clocked_store, clock)
    clock.set("2024-10-08", hour=8)
    built = module.build_plan

    def old_code(inputs):
        plan = built(inputs)
        for key in ("leader_visits", "pool"):
            plan.pop(key, None)
        return plan

    with monkeypatch.context() as old:
        old.setattr(module, "build_plan", old_code)
        before, _ = service.plan("quarterly", "2024-Q4")
    assert "pool" not in before.plan
    clock.advance(hours=1)
    again, created = service.plan("quarterly", "2024-Q4", replan=True)
    assert not created and again.version == 1
    # A visit alone restates the review a plan without one did not state: no version.
    _visit(Project(clocked_store, "b"), "v-b2", "王县长", "2024-09-20", [])
    clock.advance(hours=1)
    same, created = service.plan("quarterly", "2024-Q4", replan=True)
    assert not created and same.version == 1
    Project(clocked_store, "a").issue("i1", "2024-08-01")  # overdue: on the agenda
    clock.advance(hours=1)
    changed, created = service.plan("quarterly", "2024-Q4", replan=True)
    assert created and changed.version == 2
    assert changed.plan["leader_visits"]["leaders"][0]["not_visited"] == []
    # Once the stored plan states the review, a visit is news.
    _visit(Project(clocked_store, "c"), "v-c2", "李副县长", "2024-09-25", ["图审"])
    clock.advance(hours=1)
    latest, created = service.plan("quarterly", "2024-Q4", replan=True)
    assert created and latest.version == 3
    assert latest.plan["leader_visits"]["not_visited"] == []


def test_the_read_model_and_a_replay_fold_the_pool_and_the_visits_alike(
    service, clocked_store, clock
):
    """Pool facts before the registration are held until it, on both paths."""
    _county(clocked_store, clock)
    service.catch_up()
    kept = {s.project_id: s for s in queries.current_states(clocked_store.engine)}
    replayed = queries.replayed_states(clocked_store, Cutoff(known_at=clock()), ZONE)
    assert {s.project_id: s.to_dict() for s in replayed} == {
        pid: s.to_dict() for pid, s in kept.items()
    }
    b, c = kept["b"], kept["c"]
    assert {k: v.isoformat() for k, v in b.pool_stages.items()} == {
        "reserve": "2024-07-03",
        "signed": "2024-07-04",
    }
    assert c.commissioned_on.isoformat() == "2024-09-15" and c.phase == "commissioned"
    assert [(v.leader, v.problems_solved) for v in c.visits.values()] == [("李副县长", 1)]
    service.rebuild()
    again = {s.project_id: s.to_dict() for s in queries.current_states(clocked_store.engine)}
    assert again == {pid: s.to_dict() for pid, s in kept.items()}
