"""Loading the demo: played on a simulated clock in this process (the default, so that
record time means something), or sent over HTTP to a running server's API (``--url``),
with credentials made in its database."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from shared.runtime import Runtime

from ..registry.wiring import RegistryParts
from .campaign import generate, this_year
from .push import Api, Loaded, load
from .simulated import play

INTEGRATION = "demo-approval-system"


@dataclass
class DemoOptions:
    projects: int = 29
    year: int = field(default_factory=this_year)
    """The campaign year; by default the year of today's date in the campaign's zone."""
    seed: int = 2024


def has_projects(runtime: Runtime) -> bool:
    return bool(runtime.store.read_all(types=["ProjectRegistered"], limit=1))


def integration_secret(runtime: Runtime) -> str:
    """A secret for the demo's approval system: a new integration, or a rotated secret."""
    integrations = RegistryParts.of(runtime).integrations
    if integrations.get(INTEGRATION) is None:
        return str(integrations.create(INTEGRATION, list(integrations.known_types)))
    integrations.rotate(INTEGRATION, retire_old=True)  # at most one old secret stays active
    return str(integrations.rotate(INTEGRATION))


def load_demo(
    runtime: Runtime,
    base_url: str | None,
    options: DemoOptions,
    progress: Callable[[str], None],
) -> Loaded:
    """Without ``base_url``, play the year on the simulated clock in this process; with
    it, push the events to that server over HTTP (recorded on its clock, now)."""
    campaign = generate(projects=options.projects, year=options.year, seed=options.seed)
    if base_url is None:
        return play(runtime, campaign, progress)
    office = runtime.tokens.create(f"demo-office-{secrets.token_hex(3)}", "office")
    return load(
        Api(base_url),
        office_token=office,
        integration=INTEGRATION,
        secret=integration_secret(runtime),
        campaign=campaign,
        progress=progress,
    )


def demo_admin_token(runtime: Runtime, path: Path) -> str:
    """The embedded demo's admin token, kept in a private file so a second run reuses it."""
    if path.exists():
        return path.read_text().strip()
    token = runtime.tokens.create(f"demo-admin-{secrets.token_hex(3)}", "admin")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(token + "\n")
    return token
