"""What a contract comparison reports: a :class:`Finding` per difference, with its severity."""

from __future__ import annotations

from dataclasses import dataclass

BREAKING, CHANGED, ADDED = "breaking", "changed", "added"
SEVERITIES = (BREAKING, CHANGED, ADDED)
REQUEST, RESPONSE = "request", "response"


@dataclass(frozen=True)
class Finding:
    """One classified difference.

    ``severity`` is ``breaking`` (a client built on the old document can fail), ``changed`` (a
    visible change no such client can trip on) or ``added``. ``location`` is a JSON pointer into
    the new document (into the old one for what was removed); ``used_by`` names the operations
    that reach a shared component; ``operation`` is the one the finding is about, if any.
    """

    severity: str
    location: str
    message: str
    used_by: tuple[str, ...] = ()
    operation: str = ""

    @property
    def breaking(self) -> bool:
        return self.severity == BREAKING

    def sentence(self) -> str:
        """The message, with the operations that reach a shared component."""
        if not self.used_by:
            return self.message
        more = f" and {len(self.used_by) - 1} more" if len(self.used_by) > 1 else ""
        return f"{self.message} (in {self.used_by[0]}{more})"

    def __str__(self) -> str:
        return f"[{self.severity}] {self.location}: {self.sentence()}"


def escape(token: str) -> str:
    """One JSON-pointer reference token (RFC 6901: ``~`` -> ``~0``, ``/`` -> ``~1``)."""
    return token.replace("~", "~0").replace("/", "~1")
