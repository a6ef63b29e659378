"""Lot disposition: the inspection gate on QA's release and rejection of lots and serials, signed
deviations that waive an inspection, and the DHR-completeness gate on the final release of a
made lot (ISO 13485 §8.2.6, §7.5.1; 820.80, 820.184).
"""
