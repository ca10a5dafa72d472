"""What the registry's rules refuse, each naming the field at fault: a stable machine
``code`` (for programs) and a Chinese ``message`` (for people: the console shows it)."""

from __future__ import annotations


class RegistryError(Exception):
    """Base of the registry's domain errors."""


class RuleViolation(RegistryError):
    """An event the project's current state does not allow."""

    def __init__(self, field: str, code: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.code = code
        self.message = message


class ProjectNotFound(RegistryError):
    code = "project_not_found"

    def __init__(self, project_id: str) -> None:
        super().__init__(f"项目“{project_id}”不存在")
        self.project_id = project_id


class AlreadyRegistered(RegistryError):
    """A project id or national project code that is taken."""

    code = "already_registered"

    def __init__(self, field: str, value: str, project_id: str) -> None:
        what = "国家项目代码" if field == "national_code" else "项目编号"
        super().__init__(f"{what}“{value}”已登记（项目 {project_id}）")
        self.field = field
        self.value = value
        self.project_id = project_id


class CampaignNotFound(RegistryError):
    def __init__(self, year: int) -> None:
        super().__init__(f"{year}年攻坚年尚未设定")
        self.year = year
