"""MedERP: compliance-first ERP for medical-device makers and distributors."""
