"""Seed 004's figures, counted from the records: "received 200, handled 30, return-visited 35, implemented 28".

Each figure is a queryset of demands, so that the number on the dashboard
and the list it links to are the same query. Figures count events in the
period, as the paper tally did: a demand received in March and resolved in
April is "received" in March and "handled" in April, which is how seed 004
can show more return visits (35) than demands handled (30).
"""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
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


def _moment(day: date) -> datetime:
    """Midnight at the start of `day`, local time: periods are local days (Asia/Shanghai)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _in_period(qs: QuerySet, field: str, start: date | None, end: date | None) -> QuerySet:
    # A range on the timestamp itself, not on its date: the index on it is used,
    # and no per-row time-zone conversion is needed.
    if start:
        qs = qs.filter(**{f"{field}__gte": _moment(start)})
    if end:
        qs = qs.filter(**{f"{field}__lt": _moment(end)})
    return qs


def _events(start: date | None, end: date | None, actions) -> QuerySet:
    return _in_period(DemandEvent.objects.filter(action__in=actions), "at", start, end)


def figure_q(name: str, start: date | None, end: date | None) -> Q:
    """The condition a demand meets to count in one figure.

    One condition serves both the count (`demand_figures`, all figures in one
    query) and the list it links to (`figure_queryset`), so they cannot differ.
    """
    if name == "received":
        q = Q()
        if start:
            q &= Q(occurred_on__gte=start)
        if end:
            q &= Q(occurred_on__lt=end)
        return q
    if name == "assigned":
        return Q(pk__in=_events(start, end, [Action.ASSIGN]).values("demand"))
    if name == "handled":
        return Q(pk__in=_events(start, end, _HANDLED).values("demand"))
    if name == "on_time":
        on_time = _events(start, end, _HANDLED).filter(at__date__lte=F("demand__deadline"))
        return Q(pk__in=on_time.values("demand"))
    if name == "overdue":
        q = Q(deadline__lt=timezone.localdate())
        if start:
            q &= Q(deadline__gte=start)
        if end:
            q &= Q(deadline__lt=end)
        # Per missed demand, through the index on the event's demand.
        handled_in_time = DemandEvent.objects.filter(
            demand=OuterRef("pk"), action__in=_HANDLED, at__date__lte=OuterRef("deadline")
        )
        return q & ~Exists(handled_in_time)
    if name in ("return_visited", "satisfied"):
        visits = _in_period(ReturnVisit.objects.all(), "visited_at", start, end)
        if name == "satisfied":
            visits = visits.filter(
                satisfaction__in=[
                    ReturnVisit.Satisfaction.SATISFIED,
                    ReturnVisit.Satisfaction.FAIRLY,
                ]
            )
        return Q(pk__in=visits.values("demand"))
    if name == "implemented":
        return Q(pk__in=_events(start, end, [Action.CLOSE]).values("demand"))
    raise ValueError(name)


def figure_queryset(demands: QuerySet, name: str, start: date | None, end: date | None) -> QuerySet:
    """The demands behind one figure; `demands` is already scoped (visible_to, area)."""
    return demands.filter(figure_q(name, start, end))


def demand_figures(
    demands: QuerySet, start: date | None, end: date | None
) -> list[tuple[Figure, int]]:
    """Every figure of one area and period, counted in a single query."""
    counts = demands.aggregate(
        **{
            f.name: Count("pk", filter=figure_q(f.name, start, end) or Q(pk__isnull=False))
            for f in FIGURES
        }
    )
    return [(f, counts[f.name]) for f in FIGURES]


def scoped_demands(user) -> QuerySet:
    return Demand.objects.visible_to(user)
