"""The events catalogue (docs/events.md): every event type MedERP emits, with its payload schema.

``declared`` reads the source (without importing the apps: the kernel may not) for the event
names of every ``events.py`` module and every constant handed to ``outbox.emit``, with the
docstring passages and functions that say when each is emitted; ``infer`` derives a JSON Schema
from real payloads; ``render`` joins both with the events a database holds (the demo plant) into
the Markdown page. ``mederp events catalogue`` is the command.
"""
