"""Scheduling's read model: project states, follow-up actions and the plan index, kept
by following the global log from the ``scheduling`` checkpoint."""
