"""Supplier evaluation: scorecards from acceptance results, NCRs and on-time delivery, and the
signed approved / conditional / disqualified status that feeds the purchase gate (ISO 13485
§7.4.1; CN-21).
"""
