"""Complaints and adverse events: the records (QE-02, QE-04..QE-06, QE-08; 21 CFR 820.35(a),
803; MDR Art. 87; 医疗器械不良事件监测和再评价管理办法).

:class:`Complaint` is the complaint record; :class:`ReportingRule` the reporting deadlines per
jurisdiction, held as data QA edits; :class:`RegulatoryReport` one report a complaint owes an
authority, its deadline computed once, at assessment, and never recomputed.
"""

from mederp.quality.complaints.models.complaints import (
    Channel,
    Complaint,
    ComplaintState,
    PatientInvolvement,
)
from mederp.quality.complaints.models.reporting import (
    DeadlineUnit,
    EventClass,
    Jurisdiction,
    RegulatoryReport,
    ReportingRule,
)

__all__ = [
    "Channel",
    "Complaint",
    "ComplaintState",
    "DeadlineUnit",
    "EventClass",
    "Jurisdiction",
    "PatientInvolvement",
    "RegulatoryReport",
    "ReportingRule",
]
