"""Events the integration app emits (past tense, dotted; schema version 1), and the grammar of
the event-type patterns a subscription selects events with.

Keyed by the subscription (aggregate ``integration.subscription``), so a consumer sees one
subscription's configuration history in order:

``integration.subscription.created``: id, name, kind, url, event_types, exchange, max_attempts,
start_position.
``integration.subscription.changed``: id, name, changed (field names), event_types, url,
max_attempts, exchange.
``integration.subscription.paused`` / ``.resumed``: id, name, reason.
``integration.subscription.secret_rotated``: id, name, reason (never the secret).
``integration.dead_letter.replay_requested``: subscription_id, subscription, dead_letter_ids,
event_ids, reason.

No payload ever holds a webhook secret or a broker password.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable

SUBSCRIPTION_CREATED = "integration.subscription.created"
SUBSCRIPTION_CHANGED = "integration.subscription.changed"
SUBSCRIPTION_PAUSED = "integration.subscription.paused"
SUBSCRIPTION_RESUMED = "integration.subscription.resumed"
SUBSCRIPTION_SECRET_ROTATED = "integration.subscription.secret_rotated"  # noqa: S105 (a name)
DEAD_LETTER_REPLAY_REQUESTED = "integration.dead_letter.replay_requested"

#: A pattern: dotted words of lower-case letters, digits and ``_``, where ``*`` stands for any
#: run of characters, dots included (``sales.*`` is every sales event at any depth,
#: ``*.created`` every creation, ``*`` everything). No other wildcard.
PATTERN = re.compile(r"^[a-z0-9_*]+(\.[a-z0-9_*]+)*$")
PATTERN_MAX_LENGTH = 100


def valid_pattern(pattern: str) -> bool:
    return len(pattern) <= PATTERN_MAX_LENGTH and PATTERN.fullmatch(pattern) is not None


def matches(event_type: str, patterns: Iterable[str]) -> bool:
    """Whether a subscription with ``patterns`` wants an event of ``event_type``.

    ``fnmatchcase`` gives exactly the grammar above, since a valid pattern holds no ``?`` or
    ``[``: ``*`` matches any characters, everything else itself.
    """
    return any(fnmatch.fnmatchcase(event_type, p) for p in patterns)
