"""/api/v1/quality/complaints and /api/v1/quality/reporting-rules (QE-02, QE-04..QE-06)."""

from mederp.quality.complaints.api import complaints, reporting_rules
from mederp.quality.complaints.api.common import router

__all__ = ["complaints", "reporting_rules", "router"]
