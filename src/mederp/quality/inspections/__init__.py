"""Inspection plans (incoming, in-process, final), inspections created from receipts, work orders
and outputs, results by hand or from a LIMS, deviations, and the inspection gate on lot release
(ISO 13485 §7.4.3, §8.2.6).
"""
