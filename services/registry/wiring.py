"""The registry's wired objects, built once by `bootstrap.wire` and kept on the runtime."""

from __future__ import annotations

from dataclasses import dataclass

from shared.runtime import Runtime

from .application.campaigns import Campaigns
from .application.handlers import Registry
from .application.integrations import Integrations
from .application.pool import Pool
from .application.spreadsheets import SpreadsheetImports
from .application.visits import Visits


@dataclass(frozen=True)
class RegistryParts:
    registry: Registry
    """Commands and queries on key projects."""
    integrations: Integrations
    """Approval systems, their secrets and the event types each may send."""
    spreadsheets: SpreadsheetImports
    """The office's 台账 and 填报表 (XLSX): preview, then confirm by digest."""
    campaigns: Campaigns
    """Campaigns (项目攻坚年) and carrying projects over."""
    pool: Pool
    """The project pool (项目库): stages, 入统, entering a campaign, conversions."""
    visits: Visits
    """挂点服务: leaders' visits, and who has not visited their projects this quarter."""

    @classmethod
    def of(cls, runtime: Runtime) -> RegistryParts:
        return runtime.part(cls)
