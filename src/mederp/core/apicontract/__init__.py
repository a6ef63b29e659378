"""The published API contract: OpenAPI snapshots, their comparison and their changelog.

``compat`` classifies the differences between two OpenAPI documents as breaking or not;
``snapshot`` generates the document of a mounted API, writes the snapshot and keeps
``docs/api-changelog.md``. ``mederp openapi check|diff|update`` is the command; STYLE rule 11
puts the check in CI.
"""
