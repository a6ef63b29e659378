"""Corrective and preventive actions linked to NCRs, complaints, audits and recalls: root cause,
actions with owners and due dates, effectiveness check, closure by signature (ISO 13485 §8.5.2,
§8.5.3; QE-07).
"""
