"""Complaints and adverse events: intake, reportability assessment with deadlines per jurisdiction
held as data, links to NCR, CAPA and recall, closure by signature (820.35(a), 803; MDR Art. 87;
QE-02, QE-04..QE-06, QE-08).
"""
