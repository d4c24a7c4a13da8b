"""The six ledgers (六本台账, seed 002) in one registry, keyed by each model's `kind_slug`.

The paper ledgers differ in their columns, not in how they are kept: each
village wrote one page per month, with a header naming the village, the
ledger and the month, and signed it at the bottom. So the pages, the printed
sheet and the spreadsheet of every kind are one view each, and what differs
(model, labels, form, columns, filters) is written down here.

The 困难群众 ledger is derived: its rows are the households whose categories
are "in difficulty", each with its latest recognition (`DifficultyRecord`),
help plans and assistance, rather than the recognition records themselves.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contact.models import Assistance, HelpPlan, Visit
from households.models import Household, HouseholdCategory
from ledgers import forms_entries
from ledgers.models import (
    Demand,
    DifficultyRecord,
    OpinionRecord,
    PartySituation,
    StabilityCase,
    VillageSituation,
)


@dataclass(frozen=True)
class Column:
    """One column of a ledger: its heading and how to read its value off a row.

    `value` returns plain Python (text, number, date, bool or None); the
    print page formats it for reading and the spreadsheet keeps its type.
    """

    label: Any
    value: Callable[[Any], Any]
    width: int = 12  # characters, in the spreadsheet
    wide: bool = False  # free text: wrapped, and given room on the printed sheet


@dataclass(frozen=True)
class Kind:
    slug: str
    model: type
    title: Any  # the ledger's name, as its paper cover read
    icon: str
    form_class: type
    list_columns: tuple[Column, ...]
    print_columns: tuple[Column, ...]
    filters: tuple[str, ...] = ()
    search_fields: tuple[str, ...] = ()
    # Sort key → (label, ordering); the first is the default.
    sorts: dict[str, tuple[Any, tuple[str, ...]]] = field(default_factory=dict)
    # Rows to read in one query, for the list and the printed sheet.
    related: tuple[str, ...] = ("area", "household", "recorded_by__cadre")
    prefetch: tuple[str, ...] = ()
    # Kept once per village and month (村情, 党情): the form asks for a month.
    monthly: bool = False
    # Rows are households, not entries (困难群众).
    derived: bool = False
    # Whose pages (list, detail, create) another module owns (民生诉求).
    own_pages: bool = True

    @property
    def model_name(self) -> str:
        return self.model._meta.model_name

    def perm(self, action: str) -> str:
        return f"ledgers.{action}_{self.model_name}"

    @property
    def view_perm(self) -> str:
        return self.perm("view")

    @property
    def add_perm(self) -> str:
        return self.perm("add")

    @property
    def change_perm(self) -> str:
        return self.perm("change")

    @property
    def list_url(self) -> str:
        if self.own_pages:
            return reverse("ledgers:entry_list", args=[self.slug])
        return _reverse_or_blank("ledgers:demand_list")

    @property
    def create_url(self) -> str:
        if self.own_pages:
            return reverse("ledgers:entry_create", args=[self.slug])
        return _reverse_or_blank("ledgers:demand_create")


def _reverse_or_blank(name: str) -> str:
    """The demand pages belong to `views_demands`: blank until it names them, never a crash."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


# --- Reading values off a row ------------------------------------------------------


def person(user) -> str:
    """A user as the ledgers write them: the cadre's name where there is one."""
    if user is None:
        return ""
    cadre = getattr(user, "cadre", None)
    return cadre.name if cadre is not None else user.get_username()


def household_label(household) -> str:
    if household is None:
        return ""
    return f"{household.head_name} {household.house_number}".strip()


def _month(entry) -> str:
    return f"{entry.occurred_on:%Y-%m}"


def _last_return_visit(demand: Demand) -> str:
    visits = list(demand.return_visits.all())  # prefetched on the printed sheet
    if not visits:
        return ""
    last = visits[-1]
    return f"{last.get_satisfaction_display()}, {last.get_solved_display()}"


def _difficulty_categories(household) -> str:
    categories = getattr(household, "difficulty_categories", None)
    if categories is None:
        categories = household.categories.filter(in_difficulty=True)
    return "、".join(c.name for c in categories)


def difficulty_level(household) -> str:
    if not household.record_pk:
        return ""
    return str(DifficultyRecord.Level(household.record_level).label)


def _open_plan_goals(household) -> str:
    plans = getattr(household, "open_plan_list", None)
    if plans is None:
        return str(household.open_plans or "")
    return "；".join(p.goal for p in plans)


def _local_date(moment):
    return timezone.localdate(moment) if moment else None


# --- The registry ----------------------------------------------------------------------

DATE_SORTS = {
    "-date": (_("Newest first"), ("-occurred_on", "-pk")),
    "date": (_("Oldest first"), ("occurred_on", "pk")),
    "area": (_("Village"), ("area__code", "-occurred_on", "-pk")),
    "review": (_("Review state"), ("review_state", "-occurred_on", "-pk")),
}

DEMANDS = Kind(
    slug=Demand.kind_slug,
    model=Demand,
    title=_("Livelihood demands ledger (民生诉求台账)"),
    icon="bi-chat-square-text",
    form_class=forms_entries.DemandContentForm,
    own_pages=False,
    list_columns=(
        Column(_("Reference"), lambda d: d.reference),
        Column(_("Date"), lambda d: d.occurred_on),
        Column(_("Urgency"), lambda d: d.get_urgency_display()),
        Column(_("State"), lambda d: d.get_state_display()),
    ),
    print_columns=(
        Column(_("Reference"), lambda d: d.reference, 13),
        Column(_("Date"), lambda d: d.occurred_on, 11),
        Column(_("Resident"), lambda d: d.resident_name, 10),
        Column(_("Household"), lambda d: household_label(d.household), 12),
        Column(_("What the resident asks"), lambda d: d.description, 30, wide=True),
        Column(_("Urgency"), lambda d: d.get_urgency_display(), 9),
        Column(_("Deadline"), lambda d: d.deadline, 11),
        Column(_("Handler"), lambda d: d.handler_display, 12),
        Column(_("State"), lambda d: d.get_state_display(), 10),
        Column(_("What was done"), lambda d: d.resolution, 26, wide=True),
        Column(_("Return visit"), _last_return_visit, 14),
    ),
    related=("area", "household", "handler_cadre", "escalated_to", "recorded_by__cadre"),
    prefetch=("return_visits",),
    filters=("area", "period", "review"),
    search_fields=("reference", "description", "resident_name"),
    sorts=DATE_SORTS,
)

DIFFICULTY = Kind(
    slug=DifficultyRecord.kind_slug,
    model=DifficultyRecord,
    title=_("Households in difficulty ledger (困难群众台账)"),
    icon="bi-house-heart",
    form_class=forms_entries.DifficultyRecordForm,
    derived=True,
    # On screen the derived list has a page of its own (entries/difficulty_list.html).
    list_columns=(),
    print_columns=(
        Column(_("Head of household"), lambda h: h.head_name, 10),
        Column(_("Group and house number"), lambda h: f"{h.area.name} {h.house_number}", 12),
        Column(_("Categories"), _difficulty_categories, 14),
        Column(_("Reason"), lambda h: h.record_reason or "", 24, wide=True),
        Column(_("Level"), difficulty_level, 10),
        Column(_("Recognised on"), lambda h: h.record_recognised_on, 11),
        Column(_("Monthly allowance (yuan)"), lambda h: h.record_allowance, 10),
        Column(_("Open help plans"), _open_plan_goals, 24, wide=True),
        Column(_("Assistance this month (yuan)"), lambda h: h.given_this_month, 10),
        Column(_("Assistance this year (yuan)"), lambda h: h.given_this_year, 10),
        Column(_("Last visit"), lambda h: _local_date(h.last_visit_at), 11),
    ),
    filters=("village", "category", "level"),
    sorts={
        "area": (_("Village and house number"), ("area__code", "house_number", "pk")),
        "name": (_("Name"), ("search_initials", "pk")),
        "recognised": (_("Recently recognised"), ("-record_recognised_on", "pk")),
        "visit": (_("Longest without a visit"), ("last_visit_at", "pk")),
    },
)

STABILITY = Kind(
    slug=StabilityCase.kind_slug,
    model=StabilityCase,
    title=_("Stability work ledger (稳定工作台账)"),
    icon="bi-shield-check",
    form_class=forms_entries.StabilityCaseForm,
    list_columns=(
        Column(_("Parties"), lambda c: c.parties),
        Column(_("Date"), lambda c: c.occurred_on),
        Column(_("Kind"), lambda c: c.get_kind_display()),
        Column(_("Risk level"), lambda c: c.get_risk_display()),
        Column(_("Status"), lambda c: c.get_status_display()),
        Column(_("Village"), lambda c: c.area.name),
    ),
    print_columns=(
        Column(_("Date"), lambda c: c.occurred_on, 11),
        Column(_("Kind"), lambda c: c.get_kind_display(), 12),
        Column(_("Parties"), lambda c: c.parties, 16),
        Column(_("What it is about"), lambda c: c.summary, 28, wide=True),
        Column(_("Risk level"), lambda c: c.get_risk_display(), 8),
        Column(_("Measures taken"), lambda c: c.measures, 24, wide=True),
        Column(_("Status"), lambda c: c.get_status_display(), 10),
        Column(_("Result"), lambda c: c.result, 20, wide=True),
        Column(_("Resolved on"), lambda c: c.resolved_on, 11),
        Column(_("Resolved in the village"), lambda c: c.resolved_in_village, 8),
        Column(_("Recorded by"), lambda c: person(c.recorded_by), 9),
    ),
    filters=("area", "period", "review", "kind", "risk", "status"),
    search_fields=("parties", "summary", "measures", "result"),
    sorts=DATE_SORTS,
)

VILLAGE = Kind(
    slug=VillageSituation.kind_slug,
    model=VillageSituation,
    title=_("Village situation ledger (村情台账)"),
    icon="bi-signpost-split",
    form_class=forms_entries.VillageSituationForm,
    monthly=True,
    list_columns=(
        Column(_("Village"), lambda v: v.area.name),
        Column(_("Month"), _month),
        Column(_("Population"), lambda v: v.population),
        Column(_("Households"), lambda v: v.households_count),
        Column(_("Party members"), lambda v: v.party_members),
        Column(_("Collective income (yuan)"), lambda v: v.collective_income),
    ),
    print_columns=(
        Column(_("Month"), _month, 9),
        Column(_("Population"), lambda v: v.population, 8),
        Column(_("Households"), lambda v: v.households_count, 8),
        Column(_("Party members"), lambda v: v.party_members, 8),
        Column(_("Collective income (yuan)"), lambda v: v.collective_income, 12),
        Column(_("Main industries"), lambda v: v.industries, 24, wide=True),
        Column(_("Projects under way"), lambda v: v.projects, 24, wide=True),
        Column(_("Main problems"), lambda v: v.problems, 28, wide=True),
        Column(_("Recorded by"), lambda v: person(v.recorded_by), 9),
    ),
    filters=("area", "period", "review"),
    search_fields=("industries", "projects", "problems", "area__name"),
    sorts=DATE_SORTS,
)

OPINIONS = Kind(
    slug=OpinionRecord.kind_slug,
    model=OpinionRecord,
    title=_("Public opinion ledger (民情台账)"),
    icon="bi-megaphone",
    form_class=forms_entries.OpinionRecordForm,
    list_columns=(
        Column(_("Opinion or suggestion"), lambda o: o.content),
        Column(_("Date"), lambda o: o.occurred_on),
        Column(_("Topic"), lambda o: o.get_topic_display()),
        Column(_("From whom"), lambda o: o.person or household_label(o.household)),
        Column(_("Source"), lambda o: o.get_source_display()),
        Column(_("Rectified (整改)"), lambda o: o.rectified),
    ),
    print_columns=(
        Column(_("Date"), lambda o: o.occurred_on, 11),
        Column(_("Source"), lambda o: o.get_source_display(), 10),
        Column(_("From whom"), lambda o: o.person or household_label(o.household), 12),
        Column(_("Topic"), lambda o: o.get_topic_display(), 12),
        Column(_("Opinion or suggestion"), lambda o: o.content, 34, wide=True),
        Column(_("Response"), lambda o: o.response, 28, wide=True),
        Column(_("Rectified (整改)"), lambda o: o.rectified, 8),
        Column(_("Rectified on"), lambda o: o.rectified_on, 11),
    ),
    filters=("area", "period", "review", "topic", "rectified"),
    search_fields=("content", "person", "response"),
    sorts=DATE_SORTS,
)

PARTY = Kind(
    slug=PartySituation.kind_slug,
    model=PartySituation,
    title=_("Party situation ledger (党情台账)"),
    icon="bi-flag",
    form_class=forms_entries.PartySituationForm,
    monthly=True,
    list_columns=(
        Column(_("Party branch"), lambda p: p.branch),
        Column(_("Month"), _month),
        Column(_("Village"), lambda p: p.area.name),
        Column(_("Party members"), lambda p: p.members),
        Column(_("老党员 visited"), lambda p: p.old_members_visited),
    ),
    print_columns=(
        Column(_("Month"), _month, 9),
        Column(_("Party branch"), lambda p: p.branch, 14),
        Column(_("Party members"), lambda p: p.members, 8),
        Column(_("老党员 visited"), lambda p: p.old_members_visited, 8),
        Column(_("Members' demands"), lambda p: p.members_demands, 28, wide=True),
        Column(_("Organisational problems"), lambda p: p.organisation_problems, 28, wide=True),
        Column(_("Measures"), lambda p: p.measures, 28, wide=True),
        Column(_("Recorded by"), lambda p: person(p.recorded_by), 9),
    ),
    filters=("area", "period", "review"),
    search_fields=("branch", "members_demands", "organisation_problems", "measures"),
    sorts=DATE_SORTS,
)

KINDS: tuple[Kind, ...] = (DEMANDS, DIFFICULTY, STABILITY, VILLAGE, OPINIONS, PARTY)
BY_SLUG: dict[str, Kind] = {k.slug: k for k in KINDS}


def get_kind(slug: str) -> Kind:
    """The kind of a URL's `<slug:kind>`; anything else is a page that does not exist."""
    try:
        return BY_SLUG[slug]
    except KeyError:
        raise Http404 from None


def kind_of(entry) -> Kind:
    return BY_SLUG[entry.kind_slug]


# --- The derived 困难群众 ledger ---------------------------------------------------

_CLOSED_PLANS = (HelpPlan.Status.DONE, HelpPlan.Status.DROPPED)


def _first(records: QuerySet, name: str) -> Subquery:
    return Subquery(records.values(name)[:1])


def difficulty_households(user, *, on: date | None = None, month: date | None = None) -> QuerySet:
    """困难群众台账: the visible households in a category marked "in difficulty".

    Each household carries, as of the day `on` (today if not given): its latest
    recognition (`record_*`, None where none is recorded), its open help plans
    (`open_plans`), the assistance handed over in `on`'s year up to that day
    (`given_this_year`), in `month` if given (`given_this_month`), and its last
    visit (`last_visit_at`). One query for the rows, whatever their number.
    """
    on = on or timezone.localdate()
    records = (
        DifficultyRecord.objects.visible_to(user)
        .filter(household=OuterRef("pk"), recognised_on__lte=on)
        .order_by("-recognised_on", "-pk")
    )
    open_plans = (
        HelpPlan.objects.filter(household=OuterRef("pk"))
        .exclude(status__in=_CLOSED_PLANS)
        .order_by()
        .values("household")
        .annotate(n=Count("pk"))
        .values("n")
    )

    def given(**period):
        total = (
            Assistance.objects.filter(household=OuterRef("pk"), **period)
            .order_by()
            .values("household")
            .annotate(total=Sum("value_yuan"))
            .values("total")
        )
        money = DecimalField(max_digits=14, decimal_places=2)
        return Coalesce(Subquery(total, output_field=money), Decimal(0), output_field=money)

    last_visit = (
        Visit.objects.filter(household=OuterRef("pk"), visited_at__date__lte=on)
        .order_by("-visited_at")
        .values("visited_at")[:1]
    )
    households = (
        Household.objects.visible_to(user)
        .filter(categories__in_difficulty=True)
        .distinct()
        .annotate(
            record_pk=_first(records, "pk"),
            record_reason=_first(records, "reason"),
            record_level=_first(records, "level"),
            record_recognised_on=_first(records, "recognised_on"),
            record_allowance=_first(records, "monthly_allowance"),
            record_ended_on=_first(records, "ended_on"),
            open_plans=Coalesce(Subquery(open_plans, output_field=IntegerField()), 0),
            given_this_year=given(date__year=on.year, date__lte=on),
            last_visit_at=Subquery(last_visit),
        )
        # The whole area chain: the list shows each household's full address
        # (group, village, township), which would otherwise cost two queries a row.
        .with_area_names()
        .prefetch_related(
            Prefetch(
                "categories",
                queryset=HouseholdCategory.objects.filter(in_difficulty=True),
                to_attr="difficulty_categories",
            )
        )
    )
    if month is not None:
        households = households.annotate(
            given_this_month=given(date__gte=month, date__lte=on)
        ).prefetch_related(
            Prefetch(
                "help_plans",
                queryset=HelpPlan.objects.exclude(status__in=_CLOSED_PLANS).order_by("pk"),
                to_attr="open_plan_list",
            )
        )
    return households
