"""Scheduling: dispatch plans (调度计划), the project board, spot checks, follow-up actions.

Owns: ``dispatch-*`` and ``actions-*`` streams and its read model of every project.
Publishes: DispatchPlanned, SpotCheckScheduled, ActionAssigned, ActionClosed.
Consumes: every project event (actor ``scheduling.catch_up``).
"""
