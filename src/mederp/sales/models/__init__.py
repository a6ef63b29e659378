"""Sales models, one module per part of the domain; import them from here."""

from mederp.sales.models.fulfilment import Allocation, Pick, Shipment
from mederp.sales.models.orders import (
    AMOUNT_PLACES,
    PRICE_PLACES,
    OrderStatus,
    SalesOrder,
    SalesOrderLine,
)
from mederp.sales.models.records import DistributionRecord, SalesReturn

__all__ = [
    "AMOUNT_PLACES",
    "PRICE_PLACES",
    "Allocation",
    "DistributionRecord",
    "OrderStatus",
    "Pick",
    "SalesOrder",
    "SalesOrderLine",
    "SalesReturn",
    "Shipment",
]
