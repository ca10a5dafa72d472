"""The three services (registry, scheduling, scoring) and the composition root that
runs them together (`services.cli`, `services.composition`). The services never import
each other; they meet in the event store and in the message contracts of `shared`."""
