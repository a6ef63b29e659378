"""Nonconformance reports (NCR): affected lots and serials held, investigation, disposition that
moves the stock through inventory, closure by signature (ISO 13485 §8.3; QE-01).
"""
