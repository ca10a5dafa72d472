"""What all three services use: the event store, event schemas, configuration,
messaging (dramatiq), auth, HTTP errors and logging.

`shared` never imports `services`; the services meet only here and in the event store.
The parts, who may call whom, the vocabulary and where each rule lives: docs/architecture.md.
"""
