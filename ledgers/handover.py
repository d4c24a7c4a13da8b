"""The handover sheet's "open demands" section: what a successor takes on besides the visits."""

from django.template.loader import render_to_string

from households.panels import register_panel
from ledgers.models import Demand


@register_panel("handover")
def open_demands_panel(request, households) -> str:
    if not households:
        return ""
    demands = (
        Demand.objects.visible_to(request.user)
        .open()
        .filter(household__in=[h.pk for h in households])
        .select_related("household", "handler_cadre")
        .order_by("deadline", "pk")
    )
    return render_to_string("ledgers/_handover_demands.html", {"demands": demands}, request=request)
