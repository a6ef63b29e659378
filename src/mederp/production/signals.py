"""Signals production sends from inside its services, for apps above it that react in the same
transaction without production importing them (import layers: quality sits above production).

Sent with ``send`` (not ``send_robust``): a receiver's refusal rolls the service back.

``work_order_released`` (sender: :class:`~mederp.production.models.WorkOrder`; kwargs ``actor``,
``order``): a planned work order was released to the shop floor.
``good_output_reported`` (sender: :class:`~mederp.production.models.ProductionOutput`; kwargs
``actor``, ``output``): good output entered quarantine as a lot or serial (one send per
output record). Quality's inspections create in-process and final inspections
(ISO 13485 §8.2.6).
"""

from __future__ import annotations

from django.dispatch import Signal

work_order_released = Signal()
good_output_reported = Signal()
