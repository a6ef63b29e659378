"""Cold-chain endpoints under /api/v1/inventory (issue 4 §6, §9): temperature ingest, readings,
excursions and stock holds with QA's signed decisions.

No ``from __future__ import annotations`` in api modules: django-ninja resolves handler
annotations through the permission wrapper, which needs real types.

Ingest is idempotent twice over: by the logger's ``reading_id`` (a resent reading is answered as
before, the same id with other values is 409 ``inventory.reading_conflict``) and, as every
creating POST, by ``Idempotency-Key``. Signed steps take the signer's credentials (``SignIn``),
never a signature id (ES-04); an API key cannot sign (403 ``identity.not_a_person``, ES-11). The
idempotency guard runs inside the re-authentication, so a refused password keeps its
security-log record.
"""

from mederp.inventory.api_coldchain import decisions, readings
from mederp.inventory.api_coldchain.common import router

__all__ = ["decisions", "readings", "router"]
