"""Fixtures of the lot disposition tests: the production plant (tests/production/conftest.py:
people who sign, a lot-tracked device with an approved BOM, component stock helpers), with a
final inspection plan for the device, and helpers that make a finished lot through the real
services (ISO 13485 §8.2.6, §7.5.1; 21 CFR 820.80(d), 820.184)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from mederp.core.actors import Actor
from mederp.core.models import Signature
from mederp.inventory import services as inventory
from mederp.inventory.models import Lot, Move, Serial
from mederp.production.models import WorkOrder
from mederp.quality.disposition import services
from mederp.quality.disposition.models import Deviation
from mederp.quality.inspections import services as inspections
from mederp.quality.inspections.models import Inspection, InspectionPlan
from mederp.quality.nonconformance import services as ncrs
from mederp.quality.nonconformance.models import Nonconformance
from tests.production.conftest import ProductionPlant, production_clock, production_plant, sign
from tests.quality.inspections.support import make_plan, results_for

__all__ = ["production_clock", "production_plant"]

#: What a refused release, rejection or deviation request must leave alone (with the kernel
#: tables ``unchanged`` checks): lots, serials, moves, signatures, deviations, inspections.
TABLES = (Lot, Serial, Move, Signature, Deviation, Inspection, Nonconformance)


@dataclass
class Made:
    plant: ProductionPlant
    plan: InspectionPlan
    order: WorkOrder
    lot: Lot

    @property
    def final(self) -> Inspection:
        return Inspection.objects.get(lot=self.lot, stage="final")

    def record(self, *, passed: bool = True) -> Inspection:
        """QC records the final inspection's results (a diameter out of limits fails it and
        opens an NCR that holds the lot)."""
        return inspections.record_results(
            Actor.for_user(self.plant.operator2),
            self.final.pk,
            results_for(self.final, diameter="5.0" if passed else "5.6"),
        )

    def release(self, by: Any = None) -> Lot:
        signer = by or self.plant.qa2
        return inventory.release_lot(Actor.for_user(signer), self.lot.pk, **sign(signer))

    def reject(self, by: Any = None) -> Lot:
        signer = by or self.plant.qa2
        return inventory.reject_lot(
            Actor.for_user(signer), self.lot.pk, reason="failed", **sign(signer)
        )

    def deviation(self, *, approve: bool = True, **kw: Any) -> Deviation:
        """A deviation requested by qa that waives the open final inspection, approved by qa2."""
        kw.setdefault("inspection_id", self.final.pk)
        d = services.request_deviation(
            Actor.for_user(self.plant.qa),
            lot_id=self.lot.pk,
            reason=kw.pop("reason", "Sterility result pending; ship to the DC only"),
            justification="Validated process, 40 lots without failure",
            risk_assessment="Low: the lot stays in the company's DC until the result",
            **kw,
        )
        if approve:
            services.approve_deviation(Actor.for_user(self.plant.qa2), d.pk, **sign(self.plant.qa2))
        return Deviation.objects.get(pk=d.pk)

    def concede(self) -> Nonconformance:
        """The NCR the failure opened: investigated, then dispositioned "use as is" by qa's
        signature (the concession, QE-01)."""
        ncr = Nonconformance.objects.get(pk=self.final.ncr_id)
        ncrs.investigate_ncr(
            Actor.for_user(self.plant.qa), ncr.pk, investigation="Diameter 5.6: cosmetic"
        )
        ncrs.disposition_ncr(
            Actor.for_user(self.plant.qa),
            ncr.pk,
            disposition="use_as_is",
            reason="Functional test passed; customer agreed",
            **sign(self.plant.qa),
        )
        return Nonconformance.objects.get(pk=ncr.pk)


def make_finished(p: ProductionPlant, *, complete: bool = True, lot: str = "FG-001") -> Made:
    """A final plan for the device (approved by qa); a work order for 5 units: every component
    issued, 5 good reported into ``lot`` (which opens its final inspection), completed."""
    plan = make_plan(p.qa, p.device, "final")
    p.stock_all()
    order = p.work_order(quantity="5", lot=lot)
    p.issue(order)
    p.output(order, "5")
    if complete:
        p.complete(order)
    return Made(p, plan, WorkOrder.objects.get(pk=order.pk), Lot.objects.get(number=lot))


@pytest.fixture
def made(production_plant: ProductionPlant) -> Made:
    return make_finished(production_plant)
