"""The quality dashboard: open NCRs, CAPAs by age, complaints near their deadlines, first-pass
yield per product, as charts (ISO 13485 §8.4).
"""
