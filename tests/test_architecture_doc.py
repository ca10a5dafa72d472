"""docs/architecture.md stays true: it quotes every import-linter contract as it stands in
pyproject.toml, names modules that exist, and each service's docstring points to it."""

from __future__ import annotations

import importlib
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def test_the_architecture_page_quotes_every_import_contract():
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "importlinter"
    ]["contracts"]
    assert contracts
    for contract in contracts:
        assert f'name = "{contract["name"]}"' in DOC, contract["name"]
        for key, value in contract.items():
            if isinstance(value, list):
                quoted = "[" + ", ".join(f'"{v}"' for v in value) + "]"
                assert f"{key} = {quoted}" in DOC, (contract["name"], key)


def test_every_file_the_page_names_exists():
    named = set(re.findall(r"`((?:shared|services|tests)/[\w/.]+\.(?:py|toml|md))`", DOC))
    assert len(named) > 20
    missing = sorted(path for path in named if not (ROOT / path).exists())
    assert missing == []


def test_each_service_docstring_points_to_the_architecture_page():
    for name in ("registry", "scheduling", "scoring", "console"):
        module = importlib.import_module(f"services.{name}")
        assert "docs/architecture.md" in (module.__doc__ or ""), name
