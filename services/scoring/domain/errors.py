"""What scoring cannot find, in the domain's words (answered by entrypoints/errors.py)."""

from __future__ import annotations


class ScoringError(Exception):
    """Base of scoring's lookup errors."""


class AssessmentNotFound(ScoringError):
    def __init__(self, assessment_id: str) -> None:
        super().__init__(f"no assessment {assessment_id}")
        self.assessment_id = assessment_id


class AssessmentJobNotFound(ScoringError):
    def __init__(self, job_id: str) -> None:
        super().__init__(f"no assessment job {job_id}")
        self.job_id = job_id


class ProjectNotAssessed(ScoringError):
    def __init__(self, assessment_id: str, project_id: str) -> None:
        super().__init__(f"project {project_id} is not in assessment {assessment_id}")
        self.assessment_id = assessment_id
        self.project_id = project_id


class AssessmentAltered(ScoringError):
    """A stored assessment whose result no longer matches its own hashes: it was changed
    after it was computed, and is not served."""

    def __init__(self, assessment_id: str, difference: str) -> None:
        super().__init__(f"assessment {assessment_id} fails its digest check: {difference}")
        self.assessment_id = assessment_id
        self.difference = difference
