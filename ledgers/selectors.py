"""Seed 004's figures, counted from the records: "received 200, handled 30, return-visited 35, implemented 28".

Each figure is a queryset of demands, so that the number on the dashboard
and the list it links to are the same query. Figures count events in the
period, as the paper tally did: a demand received in March and resolved in
April is "received" in March and "handled" in April, which is how seed 004
can show more return visits (35) than demands handled (30).
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ledgers.models import Demand, DemandEvent, ReturnVisit

Action = DemandEvent.Action


@dataclass(frozen=True)
class Figure:
    name: str
    label: str
    help: str


FIGURES = [
    Figure("received", _("Received"), _("Demands recorded in the period.")),
    Figure("assigned", _("Assigned"), _("Demands assigned (交办) in the period.")),
    Figure("handled", _("Handled"), _("Demands resolved or explained (办结) in the period.")),
    Figure(
        "on_time",
        _("Handled on time"),
        _("Of those handled in the period, the ones handled by their deadline."),
    ),
    Figure(
        "overdue",
        _("Overdue"),
        _("Demands whose deadline fell in the period and passed before they were handled."),
    ),
    Figure("return_visited", _("Return-visited"), _("Demands with a return visit in the period.")),
    Figure(
        "satisfied",
        _("Satisfied"),
        _("Return visits in the period where the resident was satisfied or fairly satisfied."),
    ),
    Figure("implemented", _("Implemented"), _("Demands closed (销号) in the period.")),
]
FIGURE_NAMES = [f.name for f in FIGURES]

_HANDLED = (Action.RESOLVE, Action.EXPLAIN)


def _events(start: date | None, end: date | None, actions) -> QuerySet:
    events = DemandEvent.objects.filter(action__in=actions)
    if start:
        events = events.filter(at__date__gte=start)
    if end:
        events = events.filter(at__date__lt=end)
    return events


def figure_queryset(demands: QuerySet, name: str, start: date | None, end: date | None) -> QuerySet:
    """The demands behind one figure; `demands` is already scoped (visible_to, area)."""
    if name == "received":
        return demands.in_period(start, end)
    if name == "assigned":
        return demands.filter(pk__in=_events(start, end, [Action.ASSIGN]).values("demand"))
    if name == "handled":
        return demands.filter(pk__in=_events(start, end, _HANDLED).values("demand"))
    if name == "on_time":
        on_time = _events(start, end, _HANDLED).filter(at__date__lte=F("demand__deadline"))
        return demands.filter(pk__in=on_time.values("demand"))
    if name == "overdue":
        today = timezone.localdate()
        missed = demands.filter(deadline__lt=today)
        if start:
            missed = missed.filter(deadline__gte=start)
        if end:
            missed = missed.filter(deadline__lt=end)
        in_time = DemandEvent.objects.filter(
            action__in=_HANDLED, at__date__lte=F("demand__deadline")
        )
        return missed.exclude(pk__in=in_time.values("demand"))
    if name in ("return_visited", "satisfied"):
        visits = ReturnVisit.objects.all()
        if start:
            visits = visits.filter(visited_at__date__gte=start)
        if end:
            visits = visits.filter(visited_at__date__lt=end)
        if name == "satisfied":
            visits = visits.filter(
                satisfaction__in=[
                    ReturnVisit.Satisfaction.SATISFIED,
                    ReturnVisit.Satisfaction.FAIRLY,
                ]
            )
        return demands.filter(pk__in=visits.values("demand"))
    if name == "implemented":
        return demands.filter(pk__in=_events(start, end, [Action.CLOSE]).values("demand"))
    raise ValueError(name)


def demand_figures(
    demands: QuerySet, start: date | None, end: date | None
) -> list[tuple[Figure, int]]:
    return [(f, figure_queryset(demands, f.name, start, end).count()) for f in FIGURES]


def scoped_demands(user) -> QuerySet:
    return Demand.objects.visible_to(user)
