"""Scheduling: dispatch plans (调度计划), the project board, spot checks, follow-up actions.

Owns: ``dispatch-<cadence>-<period>``, ``actions-<project_id>`` and ``spotcheck-<period>``
streams, and its read model of every project (tables ``scheduling_*``).
Publishes: DispatchPlanned, SpotCheckScheduled, ActionAssigned, ActionClosed.
Consumes: every project event (actor ``scheduling.catch_up`` on queue ``scheduling``);
plans on request of the scheduler (actor ``scheduling.plan``).

The parts, who may call whom, the vocabulary and where each rule lives: docs/architecture.md.
"""
