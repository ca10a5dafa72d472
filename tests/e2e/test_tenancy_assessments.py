"""The year-end assessment per county, both ways: a county office assesses, reads, signs
off and records only its own county's; a city or the province names the county, and
reads the roll-up of its counties' assessments ranked by score. On SQLite and
PostgreSQL, over the whole app with an in-process worker."""

from __future__ import annotations

import json

import pytest

from shared.messaging import start_worker
from shared.tenancy import DEFAULT_COUNTY
from tests.e2e import test_tenancy as many

HIERARCHY, YEAR = many.HIERARCHY, many.YEAR
# The fixtures of the many-county app (hierarchy, principals, a project in each county).
runtime, client, auth, counties = many.runtime, many.client, many.auth, many.counties

AS_OF = f"{YEAR}-06-30"


@pytest.fixture
def worker(runtime):
    worker = start_worker(runtime.broker, threads=1)
    yield worker
    worker.stop()


def _assess(client, runtime, headers, **extra):
    body = {"year": YEAR, "as_of": AS_OF, **extra}
    response = client.post("/v1/assessments", json=body, headers=headers)
    if response.status_code >= 400:
        return response, None
    runtime.broker.join("scoring")
    job = client.get(f"/v1/assessments/jobs/{response.json['job_id']}", headers=headers).json
    assert job["status"] == "done", job
    return response, job


def _projects(client, headers, assessment_id):
    record = client.get(f"/v1/assessments/{assessment_id}", headers=headers).json
    return [p["project_id"] for p in record["result"]["projects"]]


def test_a_county_office_assesses_its_own_county(counties, runtime, auth, worker):
    _, mine = _assess(counties, runtime, auth["office-a"])
    _, theirs = _assess(counties, runtime, auth["office-b"])
    assert (mine["county"], mine["county_label"]) == (DEFAULT_COUNTY, "甲县")
    assert (theirs["county"], theirs["county_label"]) == ("b", "乙县")
    assert _projects(counties, auth["office-a"], mine["assessment_id"]) == ["pa"]
    assert _projects(counties, auth["office-b"], theirs["assessment_id"]) == ["pb"]
    # Another county's assessment and job do not exist for the office.
    for path in (
        f"/v1/assessments/{theirs['assessment_id']}",
        f"/v1/assessments/jobs/{theirs['job_id']}",
        f"/v1/assessments/{theirs['assessment_id']}/projects/pb",
        f"/v1/assessments/{theirs['assessment_id']}/report.md",
        f"/v1/assessments/{mine['assessment_id']}/diff/{theirs['assessment_id']}",
    ):
        response = counties.get(path, headers=auth["office-a"])
        assert response.status_code == 404, path
        assert "乙县绝密项目" not in response.get_data(as_text=True)
    listed = counties.get("/v1/assessments", headers=auth["office-a"]).json["assessments"]
    assert [(a["county"], a["county_label"]) for a in listed] == [(DEFAULT_COUNTY, "甲县")]
    # Naming another county is refused; naming its own is the same job.
    refused = counties.post(
        "/v1/assessments", json={"year": YEAR, "county": "b"}, headers=auth["office-a"]
    )
    assert refused.status_code == 403 and refused.json["code"] == "beyond_scope"
    again, _ = _assess(
        counties, runtime, auth["office-a"], county=DEFAULT_COUNTY, known_at=mine["known_at"]
    )
    assert again.json["job_id"] == mine["job_id"]


def test_each_county_keeps_its_records_on_its_own_streams(counties, runtime, auth, worker):
    _, mine = _assess(counties, runtime, auth["office-a"])
    _, theirs = _assess(counties, runtime, auth["office-b"])
    store = runtime.store
    computed = {
        e.payload["assessment_id"]: e.stream_id
        for e in store.iter_all(types=["AssessmentComputed"])
    }
    assert computed == {
        mine["assessment_id"]: f"assessment-{YEAR}",  # the default county's name as before
        theirs["assessment_id"]: f"b:assessment-{YEAR}",
    }
    # The default county's job key is the one it had before tenancy.
    from services.scoring.application.assessments import AssessmentRequest

    job = runtime_job(runtime, mine["job_id"])
    asked = AssessmentRequest.of(
        YEAR, as_of=None, known_at=None, rulebook_version=None, zone=runtime.settings.zone
    )
    from dataclasses import replace

    from shared.eventstore import parse_instant

    same = replace(
        asked, as_of=parse_instant(job["as_of"]), known_at=parse_instant(job["known_at"])
    )
    assert same.key == mine["job_id"]
    assert replace(same, county="b").key != same.key


def runtime_job(runtime, job_id):
    from services.scoring.readmodel.records import Records

    return Records(runtime.engine).job(job_id)


def test_sign_off_and_admonishments_are_per_county(counties, runtime, auth, worker):
    _, mine = _assess(counties, runtime, auth["office-a"])
    _, theirs = _assess(counties, runtime, auth["office-b"])
    approved = counties.post(
        f"/v1/assessments/{theirs['assessment_id']}/approve", headers=auth["province"]
    )
    assert approved.status_code == 201, approved.json
    assert approved.json["publication"]["version"] == 1
    standing = counties.get(f"/v1/assessments/{mine['assessment_id']}", headers=auth["office-a"])
    assert standing.json["publication"]["state"] == "draft"  # B's sign-off is B's alone
    approved = counties.post(
        f"/v1/assessments/{mine['assessment_id']}/approve", headers=auth["province"]
    )
    assert approved.json["publication"]["version"] == 1  # each county numbers its own
    talk = {
        "unit": "乙县发改局",
        "principal": "王某",
        "held_on": f"{YEAR}-12-01",
        "conducted_by": "乙县纪委",
        "reason": "项目推进不力",
    }
    path = f"/v1/accountability/{YEAR}/admonishments"
    assert counties.post(path, json=talk, headers=auth["office-b"]).status_code == 201
    assert counties.get(path, headers=auth["office-a"]).json["admonishments"] == []
    assert len(counties.get(path, headers=auth["office-b"]).json["admonishments"]) == 1
    report = counties.get(
        f"/v1/assessments/{theirs['assessment_id']}/report.md", headers=auth["office-b"]
    ).get_data(as_text=True)
    assert f"乙县关于{YEAR}年度" in report and "王某" in report  # its own 诫勉谈话
    city = counties.get(path, headers=auth["city-1"]).json["admonishments"]
    assert [(a["county"], a["county_label"]) for a in city] == [("b", "乙县")]
    assert (
        counties.get(f"{path}?county={DEFAULT_COUNTY}", headers=auth["city-1"]).json[
            "admonishments"
        ]
        == []
    )
    assert counties.get(f"{path}?county=d", headers=auth["province"]).json["admonishments"] == []
    beyond = counties.get(f"{path}?county=b", headers=auth["office-a"])
    assert beyond.status_code == 403 and beyond.json["code"] == "beyond_scope"


def test_a_city_names_the_county_it_assesses(counties, runtime, auth, worker):
    asked = {"year": YEAR, "as_of": AS_OF}
    response = counties.post("/v1/assessments", json=asked, headers=auth["city-1"])
    assert response.status_code == 422 and response.json["code"] == "county_required"
    response = counties.post(
        "/v1/assessments", json={**asked, "county": "nowhere"}, headers=auth["city-1"]
    )
    assert response.status_code == 422 and response.json["code"] == "unknown_county"
    response = counties.post(
        "/v1/assessments", json={**asked, "county": "d"}, headers=auth["city-1"]
    )
    assert response.status_code == 403 and response.json["code"] == "beyond_scope"
    _, job = _assess(counties, runtime, auth["city-1"], county="b")
    assert job["county"] == "b"
    assert _projects(counties, auth["office-b"], job["assessment_id"]) == ["pb"]


def test_a_countys_own_targets_count_in_its_assessment(counties, runtime, auth, worker):
    _, job = _assess(counties, runtime, auth["province"], county="d")
    record = counties.get(f"/v1/assessments/{job['assessment_id']}", headers=auth["province"]).json
    campaign = record["result"]["campaign"]
    assert campaign["investment_target"] == "1000.00"  # 丙县's configured target
    assert campaign["by_category"]["breakthrough"]["target"] == 2
    assert record["result"]["assessment"]["county"] == "d"  # sealed in the digest


def test_the_roll_up_ranks_a_citys_counties_by_score(counties, runtime, auth, worker):
    none = counties.get(f"/v1/rollup/assessments?year={YEAR}", headers=auth["city-1"]).json
    assert none["counties"] == []
    assert [c["county"] for c in none["without"]] == [DEFAULT_COUNTY, "b"]
    _assess(counties, runtime, auth["office-a"])
    _, theirs = _assess(counties, runtime, auth["office-b"])
    latest = counties.get(
        f"/v1/rollup/assessments?year={YEAR}&basis=latest", headers=auth["city-1"]
    ).json
    assert {c["county"] for c in latest["counties"]} == {DEFAULT_COUNTY, "b"}
    assert latest["without"] == [] and latest["basis_label"] == "最新一次（含草稿）"
    first = latest["counties"][0]
    assert first["rank"] == 1 and first["state"] == "draft"
    assert set(first["lines"]) == {
        "target_attainment",
        "investment",
        "milestones",
        "issues",
        "supervision",
    }
    assert first["lines_labels"]["investment"] == "年度投资计划完成"
    assert latest["totals"]["projects"] == 2
    assert [c["place"] for c in latest["counties"]] == [1, 2]
    page = counties.get(
        f"/v1/rollup/assessments?year={YEAR}&basis=latest&limit=1", headers=auth["city-1"]
    )
    assert [c["place"] for c in page.json["counties"]] == [1] and page.json["next_after"] == 1
    assert 'rel="next"' in page.headers["Link"] and page.json["totals"] == latest["totals"]
    # Published only (the default): B once signed off; A has none published.
    counties.post(f"/v1/assessments/{theirs['assessment_id']}/approve", headers=auth["province"])
    published = counties.get(f"/v1/rollup/assessments?year={YEAR}", headers=auth["city-1"]).json
    assert [c["county"] for c in published["counties"]] == ["b"]
    assert [c["county_label"] for c in published["without"]] == ["甲县"]
    # Another city sees only its own county; a county office only itself.
    other = counties.get(f"/v1/rollup/assessments?year={YEAR}", headers=auth["city-2"]).json
    assert other["counties"] == [] and [c["county"] for c in other["without"]] == ["d"]
    own = counties.get(
        f"/v1/rollup/assessments?year={YEAR}&basis=latest", headers=auth["office-a"]
    ).json
    assert [c["county"] for c in own["counties"]] == [DEFAULT_COUNTY]
    viewer = counties.get(
        f"/v1/rollup/assessments?year={YEAR}&basis=latest", headers=auth["city-2"]
    )
    assert viewer.status_code == 403  # drafts are not a viewer's


def test_the_command_line_assesses_every_county_in_one_replay(runtime, counties):
    from click.testing import CliRunner

    from services.cli import main

    env = {
        "GONGJIAN_DATABASE_URL": runtime.settings.database_url,
        "GONGJIAN_TENANTS": json.dumps(HIERARCHY),
        "GONGJIAN_DATA_DIR": str(runtime.settings.data_dir),
    }
    done = CliRunner().invoke(main, ["assess", "--year", str(YEAR), "--as-of", AS_OF], env=env)
    assert done.exit_code == 0, done.output
    for name in ("甲县 年终考核", "乙县 年终考核", "丙县 年终考核"):
        assert name in done.output
    assert done.output.count("项目1个") == 3
    one = CliRunner().invoke(
        main, ["assess", "--year", str(YEAR), "--as-of", AS_OF, "--county", "b"], env=env
    )
    assert one.exit_code == 0 and "乙县" in one.output and "甲县" not in one.output
    out = runtime.settings.data_dir / "b-report.md"
    written = CliRunner().invoke(
        main,
        ["assess", "--year", str(YEAR), "--as-of", AS_OF, "--county", "b", "--out", str(out)],
        env=env,
    )
    assert written.exit_code == 0, written.output
    report = out.read_text(encoding="utf-8")  # signed by county B's office
    assert f"乙县关于{YEAR}年度" in report and "乙县重点项目" in report and "甲县" not in report
    bad = CliRunner().invoke(main, ["assess", "--year", str(YEAR), "--county", "x"], env=env)
    assert bad.exit_code != 0


def _cells(xlsx: bytes) -> str:
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx))
    return " ".join(
        str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if c
    )


def test_each_countys_office_numbers_and_signs_its_bulletin(counties, runtime, auth, worker):
    """考核通报 numbered in the assessment's county's register, signed by its office; the
    cadre export named for the county."""
    _, mine = _assess(counties, runtime, auth["office-a"])
    _, theirs = _assess(counties, runtime, auth["office-b"])
    for job in (mine, theirs):
        path = f"/v1/assessments/{job['assessment_id']}/approve"
        assert counties.post(path, headers=auth["province"]).status_code == 201
    issued = {}
    for who, job in (("office-b", theirs), ("office-a", mine)):
        path = f"/v1/assessments/{job['assessment_id']}/bulletin/issue"
        issued[who] = counties.post(path, headers=auth[who])
        assert issued[who].status_code == 201, issued[who].json
    assert (issued["office-b"].json["county"], issued["office-b"].json["sequence"]) == ("b", 1)
    assert (issued["office-a"].json["county"], issued["office-a"].json["sequence"]) == (
        DEFAULT_COUNTY,
        1,
    )
    report = counties.get(
        f"/v1/assessments/{theirs['assessment_id']}/report.md", headers=auth["office-b"]
    ).get_data(as_text=True)
    assert issued["office-b"].json["number"] in report
    assert "乙县重点项目" in report and "甲县" not in report  # B's office signs it
    listed = counties.get("/v1/documents?kind=bulletin", headers=auth["office-a"]).json
    assert [d["county"] for d in listed["documents"]] == [DEFAULT_COUNTY]
    cadre = counties.get(
        f"/v1/assessments/{theirs['assessment_id']}/cadre.xlsx", headers=auth["office-b"]
    )
    assert cadre.status_code == 200
    text = _cells(cadre.data)
    assert f"乙县{YEAR}年度重点项目建设考核结果" in text and "甲县" not in text
