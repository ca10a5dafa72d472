"""No input gives a 500, and nothing is silently coerced: odd paths, clocks, integers,
headers and bodies are answered 400/404/422 with a problem document, on both backends."""

from __future__ import annotations

import json

import pytest

from tests.registry.integration.conftest import post_event, register

from .conftest import bearer


@pytest.fixture
def office(runtime):
    return bearer(runtime, "office")


def a_problem(response, *statuses: int):
    assert response.status_code in statuses, (response.status_code, response.get_data())
    assert response.content_type == "application/problem+json"
    return response.json


def messages(errors) -> str:
    """Every message of a problem's ``errors``, however nested, as one text."""
    if isinstance(errors, dict):
        return " ".join(f"{key} {messages(value)}" for key, value in errors.items())
    if isinstance(errors, list):
        return " ".join(messages(value) for value in errors)
    return str(errors)


ODD_QUERIES = [
    "/v1/projects/p1?as_of=9999-12-31",
    "/v1/projects/p1?known_at=9999-12-31",
    "/v1/projects/p1?as_of=0001-01-01",
    "/v1/projects/p1?known_at=0001-01-01T00:00:00%2B08:00",
    "/v1/projects/p1?as_of=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%94-03-01",  # full-width 2024
    "/v1/projects/p1/events?after=99999999999999999999",
    "/v1/projects/p1/events?after=9223372036854775808",
    "/v1/projects/p1/events?limit=99999999999999999999999",
    "/v1/projects/p1/events?after=%EF%BC%95",  # full-width 5
    "/v1/projects/p1/events?after=2.5",
    "/v1/events?after=99999999999999999999",
    "/v1/checkpoints?after=2147483648",  # past PostgreSQL's integer column
    "/v1/documents?after=99999999999999999999",
    "/v1/campaigns?limit=99999999999999999999",
    "/v1/plans/weekly/2024-W10?version=2147483648",
    "/v1/plans/weekly/2024-W10/versions?after=2147483648",
    "/v1/events?after=-99999999999999999999",
    "/v1/projects?leader=a%00b",
    "/v1/projects/p%001",
    "/v1/projects/p%001/events",
]


class TestNoInputGivesA500:
    @pytest.mark.parametrize("path", ODD_QUERIES)
    def test_odd_paths_and_parameters_are_answered_with_a_problem(self, client, office, path):
        register(client, office)
        a_problem(client.get(path, headers=office), 400, 404, 422)

    def test_a_page_after_the_last_possible_version_is_empty(self, client, office):
        register(client, office)
        response = client.get("/v1/projects/p1/events?after=2147483647&limit=5000", headers=office)
        assert (response.status_code, response.json["events"]) == (200, [])

    def test_a_nul_in_a_header_is_a_400(self, client, office):
        headers = {**office, "X-Request-Id": "a\x00b"}
        assert a_problem(client.get("/v1/projects", headers=headers), 400)["code"] == (
            "nul_character"
        )


class TestStrictBodies:
    def test_a_utf16_body_is_refused_with_400(self, client, office):
        body = json.dumps({"year": 2024}).encode("utf-16")
        response = client.post(
            "/v1/assessments", data=body, headers={**office, "Content-Type": "application/json"}
        )
        assert a_problem(response, 400)["code"] == "body_not_utf8"

    @pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
    def test_nan_and_infinity_are_not_json(self, client, office, constant):
        register(client, office)
        body = (
            '{"type":"InvestmentReported","occurred_at":"2024-03-05T09:00:00+08:00",'
            f'"payload":{{"month":"2024-02","amount":{constant}}}}}'
        )
        response = client.post(
            "/v1/projects/p1/events",
            data=body,
            headers={**office, "Content-Type": "application/json"},
        )
        assert a_problem(response, 400)["code"] == "body_not_json"


class TestNoSilentCoercion:
    @pytest.mark.parametrize(
        "type_, payload, extra, field",
        [
            (
                "ApprovalRequested",
                {"approval_id": "a1", "kind": "eia", "allowed_days": 2.5},
                {},
                "allowed_days",
            ),
            (
                "InvestmentReported",
                {"month": "2024-02", "amount": "1.00"},
                {"expected_version": 1.0},
                "expected_version",
            ),
        ],
        ids=["allowed_days 2.5 is not rounded to 2", "expected_version 1.0"],
    )
    def test_integers_in_bodies_are_json_integers(
        self, client, office, type_, payload, extra, field
    ):
        register(client, office)
        response = post_event(client, office, "p1", type_, payload, **extra)
        assert field in messages(a_problem(response, 422)["errors"])

    @pytest.mark.parametrize(
        "amount, hint",
        [
            (6549090, '金额请用字符串，如 "6549090.00"'),
            (6549090.5, '金额请用字符串，如 "6549090.00"'),
            ("６５４９０９０.00", "半角数字"),
            ("1.005", '金额请用字符串，如 "6549090.00"'),
        ],
    )
    def test_money_is_a_decimal_string_with_two_places(self, client, office, amount, hint):
        register(client, office)
        response = post_event(
            client, office, "p1", "InvestmentReported", {"month": "2024-02", "amount": amount}
        )
        assert hint in messages(a_problem(response, 422)["errors"])

    def test_a_month_in_full_width_digits_is_refused(self, client, office):
        register(client, office)
        response = post_event(
            client, office, "p1", "InvestmentReported", {"month": "２０２４-02", "amount": "1.00"}
        )
        assert "半角数字" in messages(a_problem(response, 422)["errors"])

    @pytest.mark.parametrize("year", [2024.0, "2024", True, "２０２４"])
    def test_a_year_in_a_body_is_a_json_integer(self, client, office, year):
        a_problem(client.post("/v1/assessments", json={"year": year}, headers=office), 422)


class TestTheOpenApiDocumentDescribesEveryAnswer:
    def test_every_operation_documents_its_problem_answers(self, client):
        spec = client.get("/openapi.json").json
        for path, item in spec["paths"].items():
            for method, operation in item.items():
                if method == "parameters":
                    continue
                responses = operation["responses"]
                for status in ("400", "401", "403", "404", "409", "422", "503"):
                    content = responses[status]["content"]
                    assert list(content) == ["application/problem+json"], (path, method, status)
                assert "Retry-After" in responses["503"]["headers"]
                assert any(code.startswith("2") for code in responses), (path, method)

    def test_downloads_document_their_content_types(self, client):
        paths = client.get("/openapi.json").json["paths"]
        documents = {
            "text/csv",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        }
        export = paths["/v1/export"]["get"]["responses"]["200"]["content"]
        assert "application/x-ndjson" in export
        for path in (
            "/v1/plans/{cadence}/{period}/{kind}.{fmt}",
            "/v1/assessments/{assessment_id}/report.{fmt}",
        ):
            assert documents <= set(paths[path]["get"]["responses"]["200"]["content"]), path

    def test_a_nameless_field_error_is_answered_not_a_500(self, runtime):
        from flask import Flask

        from shared.http.problems import problem_response

        with Flask("t").test_request_context("/"):
            response = problem_response(422, "x", errors={None: ["Unknown field."], "a": []})
        assert response.get_json()["errors"] == {
            "(unnamed)": ["未知字段（不接受未列出的字段）"],
            "a": [],
        }
