"""What scoring cannot find, in the domain's words (answered by entrypoints/errors.py)."""

from __future__ import annotations


class ScoringError(Exception):
    """Base of scoring's lookup errors."""


class AssessmentNotFound(ScoringError):
    def __init__(self, assessment_id: str) -> None:
        super().__init__(f"没有考核结果 {assessment_id}")
        self.assessment_id = assessment_id


class AssessmentJobNotFound(ScoringError):
    def __init__(self, job_id: str) -> None:
        super().__init__(f"没有考核任务 {job_id}")
        self.job_id = job_id


class ProjectNotAssessed(ScoringError):
    def __init__(self, assessment_id: str, project_id: str) -> None:
        super().__init__(f"项目 {project_id} 不在考核结果 {assessment_id} 之中")
        self.assessment_id = assessment_id
        self.project_id = project_id


class AssessmentAltered(ScoringError):
    """A stored assessment whose result no longer matches its own hashes: it was changed
    after it was computed, and is not served."""

    def __init__(self, assessment_id: str, difference: str) -> None:
        super().__init__(f"考核结果 {assessment_id} 未通过摘要校验：{difference}")
        self.assessment_id = assessment_id
        self.difference = difference


class AssessmentAlreadyPublished(ScoringError):
    """An assessment that was published and then superseded by a correction: it is not
    signed off again (run and approve a new version instead)."""

    def __init__(self, assessment_id: str, published_id: str) -> None:
        super().__init__(f"考核结果 {assessment_id} 已被更正版本 {published_id} 取代，不再审定")
        self.assessment_id = assessment_id
        self.published_id = published_id


class CorrectionReasonMissing(ScoringError):
    """A correction of a published year's assessment names its reason."""

    def __init__(self, assessment_id: str, published_id: str) -> None:
        super().__init__(
            f"{published_id} 已发布；审定 {assessment_id} 即为更正，须说明更正原因（--reason）"
        )
        self.assessment_id = assessment_id
        self.published_id = published_id


class AssessmentNotPublished(ScoringError):
    """A draft asked for by a reader who sees published results only."""

    def __init__(self, assessment_id: str) -> None:
        super().__init__(f"考核结果 {assessment_id} 尚为草稿，审定发布后方可发文")
        self.assessment_id = assessment_id
