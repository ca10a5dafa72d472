"""Registry: owns key projects.

Owns: ``project-<id>`` streams; integrations and their secrets; the global feed, the
log export and chain verification over HTTP.
Publishes: the project events of `shared.events` (ProjectRegistered … EventRetracted,
ProjectResumed).
Consumes: nothing (it is the source of truth for projects).

The parts, who may call whom, the vocabulary and where each rule lives: docs/architecture.md.
"""
