"""Signals procurement sends from inside its services, for apps above it that react in the same
transaction without procurement importing them (import layers: quality sits above procurement).

``receipt_line_accepted`` (sender: :class:`~mederp.procurement.models.ReceiptLine`; kwargs
``actor``, ``line``): a receipt line was written with ``quantity_accepted`` > 0, its lot or serial
in quarantine. Sent with ``send`` (not ``send_robust``): a receiver's refusal rolls the receipt
back. Quality's inspections create the incoming inspection (ISO 13485 §7.4.3).
"""

from __future__ import annotations

from django.dispatch import Signal

receipt_line_accepted = Signal()
