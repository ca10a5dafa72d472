"""Scoring: the year-end assessment (年终考核) by replay through a versioned rulebook.

Owns: ``assessment-*`` and ``rulebooks`` streams, assessment jobs.
Publishes: RulebookAdopted, AssessmentPublished.
Consumes: the whole log, replayed on demand up to a cut-off.

The parts, who may call whom, the vocabulary and where each rule lives: docs/architecture.md.
"""
