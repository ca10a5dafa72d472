"""The tenant hierarchy from configuration, and the scope of a request."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Column, MetaData, String, Table, select

from shared.config import Settings
from shared.tenancy import (
    DEFAULT_COUNTY,
    EVERYWHERE,
    Tenancy,
    TenancyError,
    Tenant,
    admits,
    current_scope,
    scoped_to,
    where_scoped,
)

CITY = [
    {"code": "p", "name": "某省", "level": "province"},
    {"code": "c", "name": "某市", "level": "city", "parent": "p"},
    {"code": DEFAULT_COUNTY, "name": "甲县", "level": "county", "parent": "c"},
    {"code": "b", "name": "乙县", "level": "county", "parent": "c"},
    {"code": "d", "name": "丙县", "level": "county", "parent": "p"},
]


def test_unset_is_one_county_that_sees_everything():
    tenancy = Tenancy.from_config("")
    assert tenancy.counties == (DEFAULT_COUNTY,)
    scope = tenancy.scope_of(None)
    assert scope.county == DEFAULT_COUNTY and scope.everywhere
    assert Settings().tenancy.counties == (DEFAULT_COUNTY,)


def test_a_city_covers_its_counties_and_the_province_all(tmp_path):
    path = tmp_path / "tenants.json"
    path.write_text(json.dumps(CITY), encoding="utf-8")
    tenancy = Tenancy.from_config(str(path))
    assert tenancy.scope_of("c").counties == {DEFAULT_COUNTY, "b"}
    assert not tenancy.scope_of("c").everywhere and tenancy.scope_of("c").county is None
    assert tenancy.scope_of("p").everywhere
    assert tenancy.scope_of("b").counties == {"b"} and tenancy.scope_of("b").county == "b"
    assert tenancy.name("d") == "丙县"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"level": "town"}, "level 须是"),
        ({"parent": "nowhere"}, "没有上级“nowhere”"),
        ({"parent": "b"}, "上级须高一级"),
        ({"code": "b"}, "同一代码"),
    ],
)
def test_a_bad_hierarchy_is_refused(change, words):
    broken = [*CITY[:4], {**CITY[4], **change}]
    with pytest.raises(TenancyError, match=words):
        Tenancy.from_config(json.dumps(broken))


def test_a_hierarchy_needs_a_county_and_settings_check_it_at_start(monkeypatch):
    with pytest.raises(TenancyError, match="没有县"):
        Tenancy.from_config(json.dumps(CITY[:2]))
    monkeypatch.setenv("GONGJIAN_TENANTS", "[{]")
    with pytest.raises(TenancyError):
        Settings.from_env()


def test_an_unknown_tenant_is_refused():
    with pytest.raises(TenancyError, match="没有代码为“x”的行政区"):
        Tenancy.from_config(json.dumps(CITY)).scope_of("x")


def test_the_scope_holds_for_the_request_only():
    scope = Tenancy.from_config(json.dumps(CITY)).scope_of("b")
    table = Table("t", MetaData(), Column("county", String))
    assert current_scope() is not scope
    with scoped_to(scope):
        assert current_scope() is scope
        assert admits("b") and not admits(None) and not admits(DEFAULT_COUNTY)
        assert "IN" in str(where_scoped(select(table), table.c.county))
    assert admits(None) and current_scope().everywhere
    query = select(table)
    with scoped_to(EVERYWHERE):
        assert where_scoped(query, table.c.county) is query


def test_streams_kept_per_county_keep_the_default_countys_names():
    from shared.tenancy import county_stream, stream_county

    assert county_stream("dispatch-monthly-2026-05", None) == "dispatch-monthly-2026-05"
    assert county_stream("dispatch-monthly-2026-05", DEFAULT_COUNTY) == "dispatch-monthly-2026-05"
    assert county_stream("dispatch-monthly-2026-05", "b") == "b:dispatch-monthly-2026-05"
    assert stream_county("b:dispatch-monthly-2026-05") == ("b", "dispatch-monthly-2026-05")
    assert stream_county("dispatch-monthly-2026-05") == (DEFAULT_COUNTY, "dispatch-monthly-2026-05")
    with pytest.raises(TenancyError, match="代码中不能有"):
        Tenancy([*[Tenant(**t) for t in CITY[:4]], Tenant("x:y", "某县", "county", "p")])


def test_the_county_of_a_county_level_call():
    from shared.tenancy import (
        BeyondScope,
        CountyRequired,
        UnknownCounty,
        configure,
        counties_in_scope,
        county_for,
    )

    tenancy = Tenancy([Tenant(**t) for t in CITY])
    configure(tenancy)
    try:
        with pytest.raises(CountyRequired) as required:  # outside a request: every county
            county_for(None)
        assert required.value.counties == sorted(tenancy.counties)
        assert county_for("d") == "d"
        with pytest.raises(UnknownCounty):
            county_for("nowhere")
        with scoped_to(tenancy.scope_of("b")):
            assert county_for(None) == "b" and county_for("b") == "b"
            with pytest.raises(BeyondScope):
                county_for("d")
            assert counties_in_scope() == ["b"]
        with scoped_to(tenancy.scope_of("c")):
            assert county_for("b") == "b"
            with pytest.raises(CountyRequired):
                county_for(None)
            assert counties_in_scope() == [DEFAULT_COUNTY, "b"]
    finally:
        configure(Tenancy.single())
    assert county_for(None) == DEFAULT_COUNTY  # one county: that county is meant


# The two tests below run in this order on one worker: the first leaves a city's hierarchy
# configured, as a fixture that builds a many-county runtime does; the suite's own fixture
# (tests/conftest.py) gives the process its one county back before the second.
@pytest.mark.xdist_group("tenancy_kept")
def test_a_test_may_leave_a_city_configured():
    from shared.tenancy import configure, configured

    configure(Tenancy([Tenant(**t) for t in CITY]))
    assert len(configured().counties) > 1


@pytest.mark.xdist_group("tenancy_kept")
def test_the_next_test_serves_one_county_again():
    from shared.tenancy import configured, counties_in_scope

    assert configured().counties == (DEFAULT_COUNTY,)
    assert counties_in_scope() == [DEFAULT_COUNTY]
