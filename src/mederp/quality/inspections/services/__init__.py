"""Inspection services: the only code that writes inspection records (DESIGN: one way in)."""

from mederp.quality.inspections.services.creation import create_inspection
from mederp.quality.inspections.services.plans import (
    CharacteristicInput,
    SamplingInput,
    approve_plan,
    create_plan,
    revise_plan,
    save_plan,
)
from mederp.quality.inspections.services.results import ResultInput, record_results

__all__ = [
    "CharacteristicInput",
    "ResultInput",
    "SamplingInput",
    "approve_plan",
    "create_inspection",
    "create_plan",
    "record_results",
    "revise_plan",
    "save_plan",
]
