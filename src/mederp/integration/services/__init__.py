"""Integration use cases: inbound events handed to the owning app's services. Import from
here."""

from mederp.integration.services.inbound import Received
from mederp.integration.services.lims import receive_lims_result
from mederp.integration.services.mes import receive_mes_event

__all__ = ["Received", "receive_lims_result", "receive_mes_event"]
