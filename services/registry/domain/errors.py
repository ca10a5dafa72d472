"""What the registry's rules refuse, each naming the field at fault."""

from __future__ import annotations


class RegistryError(Exception):
    """Base of the registry's domain errors."""


class RuleViolation(RegistryError):
    """An event the project's current state does not allow."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class ProjectNotFound(RegistryError):
    def __init__(self, project_id: str) -> None:
        super().__init__(f"no project {project_id!r}")
        self.project_id = project_id


class AlreadyRegistered(RegistryError):
    """A project id or national project code that is taken."""

    def __init__(self, field: str, value: str, project_id: str) -> None:
        super().__init__(f"{field} {value!r} is already registered (project {project_id})")
        self.field = field
        self.value = value
        self.project_id = project_id


class CampaignNotFound(RegistryError):
    def __init__(self, year: int) -> None:
        super().__init__(f"{year}年攻坚年尚未设定")
        self.year = year
