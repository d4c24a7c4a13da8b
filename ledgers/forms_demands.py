"""Forms of the demand workflow (民生诉求): recording, editing, each step, and the filters of the list.

Every choice of an area, a household or a cadre is limited to what the
signed-in user may see; the views pass `user` in. The step forms only
gather what their service needs (`service_kwargs`); the services decide
whether the step may be taken.
"""

import uuid
from datetime import date, timedelta

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contact.forms import MultipleFileInput
from contact.models import Cadre
from households.models import Area, Household
from households.validators import validate_phone
from ledgers.forms_entries import PeriodDateField, PeriodMonthField, month_after
from ledgers.models import Demand, DemandEvent, ReturnVisit, Source
from ledgers.selectors import FIGURES

Action = DemandEvent.Action


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def demand_areas(user):
    """Areas to narrow demands and figures by: the county, townships and villages in scope.

    The county is among them so that a figure's link for a whole county
    reaches the list with the same filter.
    """
    return (
        Area.objects.visible_to(user)
        .filter(level__in=[Area.Level.COUNTY, Area.Level.TOWNSHIP, Area.Level.VILLAGE])
        .order_by("code")
    )


# --- Recording and editing ------------------------------------------------------------


class DemandForm(forms.ModelForm):
    """登记: what the resident asks, about which household or village, through which channel."""

    # One key per form shown: a double tap or a resend records the demand once.
    idempotency_key = forms.UUIDField(required=False, widget=forms.HiddenInput)
    # Ticked through the duplicate guard's "Record as new anyway" button.
    confirm_new = forms.BooleanField(
        label=_("Record as a new demand anyway"), required=False, widget=forms.HiddenInput
    )

    class Meta:
        model = Demand
        fields = [
            "household",
            "area",
            "source",
            "kind",
            "urgency",
            "description",
            "resident_name",
            "resident_phone",
            "occurred_on",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "occurred_on": _date_input(),
            "resident_phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        }

    def __init__(self, *args, user, extra_household: Household | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        households = Q(pk__in=Household.objects.visible_to(user).values("pk"))
        if extra_household is not None:
            # The household of the visit the demand comes from, even if no longer paired.
            households |= Q(pk=extra_household.pk)
        self.fields["household"].queryset = Household.objects.filter(households).select_related(
            "area"
        )
        self.fields["household"].required = False
        self.fields["area"].queryset = Area.objects.visible_to(user).filter(
            level=Area.Level.VILLAGE
        )
        self.fields["area"].label = _("Village")
        self.fields["area"].required = False
        self.fields["area"].help_text = _("Needed only when no household is chosen.")
        self.fields["resident_name"].help_text = _("Left empty: the head of the household.")
        self.fields["resident_phone"].help_text = _(
            "Left empty: the household's. With it the resident can later report a relapse."
        )
        self.fields["occurred_on"].label = _("Raised on")

    def clean_resident_phone(self):
        phone = self.cleaned_data.get("resident_phone", "").strip()
        if phone:
            validate_phone(phone)
        return phone

    def clean_occurred_on(self):
        day = self.cleaned_data.get("occurred_on")
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day

    def clean(self):
        data = super().clean()
        if data.get("idempotency_key") is None:
            self.add_error(
                None, _("This form has expired; please reload the page and send it again.")
            )
        household = data.get("household")
        if household is not None:
            # A demand about a household belongs to its village, whatever was chosen.
            data["area"] = household.village
            if not data.get("resident_name"):
                data["resident_name"] = household.head_name
            if not data.get("resident_phone"):
                data["resident_phone"] = household.phone
        elif not data.get("area") and "area" not in self.errors:
            self.add_error("area", _("Choose the household, or the village the demand is from."))
        return data

    def record_kwargs(self) -> dict:
        """The arguments of services.demand_record, apart from who and from which visit."""
        data = self.cleaned_data
        return {
            "household": data.get("household"),
            "area": data["area"],
            "source": data["source"],
            "kind": data["kind"],
            "urgency": data["urgency"],
            "description": data["description"],
            "resident_name": data.get("resident_name", ""),
            "resident_phone": data.get("resident_phone", ""),
            "occurred_on": data.get("occurred_on"),
            "idempotency_key": data["idempotency_key"],
        }


def new_demand_initial(*, household=None, visit=None) -> dict:
    """What the form starts with: the household's head and phone, or the visit's day and channel."""
    from ledgers.signals import SOURCE_BY_METHOD

    initial = {
        "idempotency_key": uuid.uuid4(),
        "occurred_on": timezone.localdate(),
        "source": Source.DIRECT,
    }
    if visit is not None:
        household = household or visit.household
        initial.update(
            source=SOURCE_BY_METHOD.get(visit.method, Source.VISIT),
            occurred_on=timezone.localdate(visit.visited_at),
            resident_name=visit.met_whom,
        )
        if visit.area.level == Area.Level.VILLAGE:
            initial["area"] = visit.area
    if household is not None:
        initial["household"] = household
        initial["area"] = household.village
        initial["resident_name"] = initial.get("resident_name") or household.head_name
        initial["resident_phone"] = household.phone
    return initial


class DemandEditForm(forms.ModelForm):
    """The author's own corrections before review; a changed urgency moves the deadline."""

    class Meta:
        model = Demand
        fields = ["kind", "urgency", "description", "resident_name", "resident_phone"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "resident_phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        }

    def clean_resident_phone(self):
        phone = self.cleaned_data.get("resident_phone", "").strip()
        if phone:
            validate_phone(phone)
        return phone


# --- The workflow's steps ---------------------------------------------------------------


class StepForm(forms.Form):
    """A step of the workflow; `service_kwargs` are what its service takes besides demand and by."""

    # One key per form shown: a double tap or a resend takes the step once (the view checks it).
    idempotency_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, demand: Demand, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.demand = demand
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4())

    def service_kwargs(self) -> dict:
        return {}


class AssignForm(StepForm):
    handler_cadre = forms.ModelChoiceField(
        label=_("Handler (a cadre)"),
        queryset=Cadre.objects.none(),
        required=False,
        empty_label=_("— a unit instead —"),
    )
    handler_unit = forms.CharField(
        label=_("Or a unit"),
        max_length=60,
        required=False,
        help_text=_("For example 镇农业服务中心, when no single cadre handles it."),
    )
    instructions = forms.CharField(
        label=_("Instructions"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler_cadre"].queryset = (
            Cadre.objects.visible_to(self.user).select_related("scope_area").order_by("name")
        )
        self.fields["handler_cadre"].label_from_instance = lambda c: f"{c.name} · {c.unit}"
        if not self.is_bound:
            self.initial.setdefault(
                "handler_cadre", self.demand.handler_cadre_id or self.demand.cadre_id
            )
            self.initial.setdefault("handler_unit", self.demand.handler_unit)
            self.initial.setdefault("instructions", self.demand.instructions)

    def clean(self):
        data = super().clean()
        if (
            data.get("handler_cadre") is None
            and not data.get("handler_unit", "").strip()
            and "handler_cadre" not in self.errors
        ):
            self.add_error("handler_cadre", _("Choose a cadre or name a unit to handle it."))
        return data

    def service_kwargs(self):
        data = self.cleaned_data
        return {
            "handler_cadre": data.get("handler_cadre"),
            "handler_unit": data.get("handler_unit", ""),
            "instructions": data.get("instructions", ""),
        }


class EscalateForm(StepForm):
    level = forms.ChoiceField(
        label=_("Escalate to"),
        choices=[
            (Demand.HandlerLevel.TOWNSHIP, Demand.HandlerLevel.TOWNSHIP.label),
            (Demand.HandlerLevel.COUNTY, Demand.HandlerLevel.COUNTY.label),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Why it cannot be solved here"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            already = self.demand.escalated_to_id is not None
            self.initial.setdefault(
                "level", Demand.HandlerLevel.COUNTY if already else Demand.HandlerLevel.TOWNSHIP
            )

    def service_kwargs(self):
        return {"level": self.cleaned_data["level"], "note": self.cleaned_data["note"]}


class NoteForm(StepForm):
    """Start, close: a note, if there is something to say."""

    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def service_kwargs(self):
        return {"note": self.cleaned_data.get("note", "")}


class ReopenForm(NoteForm):
    note = forms.CharField(label=_("Why it is reopened"), widget=forms.Textarea(attrs={"rows": 2}))


class PhotosOrDocumentsField(forms.FileField):
    """Several photos or PDFs; each is checked (and photos cleaned of metadata) by the service."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class ResolveForm(StepForm):
    resolution = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 4}))
    files = PhotosOrDocumentsField(
        label=_("Photos or documents"),
        required=False,
        help_text=_("Photos (their location data is removed) or PDF documents, several at once."),
        widget=MultipleFileInput(attrs={"accept": "image/*,application/pdf", "multiple": True}),
    )

    def clean_files(self):
        files = self.cleaned_data.get("files") or []
        if len(files) > 10:
            raise forms.ValidationError(_("Ten files at most."))
        return files

    def service_kwargs(self):
        return {
            "resolution": self.cleaned_data["resolution"],
            "files": self.cleaned_data.get("files") or [],
            "explained": False,
        }


class ExplainForm(StepForm):
    explanation = forms.CharField(
        label=_("Explanation given to the resident (答复说明)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Why it is outside policy, and what the resident was told. A return visit follows."
        ),
    )

    def service_kwargs(self):
        return {"resolution": self.cleaned_data["explanation"], "explained": True}


class ReturnVisitForm(StepForm):
    satisfaction = forms.ChoiceField(
        label=_("Is the resident satisfied?"),
        choices=ReturnVisit.Satisfaction.choices,
        widget=forms.RadioSelect,
    )
    solved = forms.ChoiceField(
        label=_("Is the problem solved?"),
        choices=ReturnVisit.Solved.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    close = forms.BooleanField(
        label=_("Close it now (销号)"),
        required=False,
        initial=True,
        help_text=_("Only if the resident is satisfied and the problem solved or partly solved."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.user.has_perm("ledgers.close_demand"):
            del self.fields["close"]

    def service_kwargs(self):
        data = self.cleaned_data
        return {
            "satisfaction": data["satisfaction"],
            "solved": data["solved"],
            "comment": data.get("comment", ""),
            "close": bool(data.get("close")),
        }


STEP_FORMS: dict[str, type[StepForm]] = {
    Action.ASSIGN: AssignForm,
    Action.ESCALATE: EscalateForm,
    Action.START: NoteForm,
    Action.RESOLVE: ResolveForm,
    Action.EXPLAIN: ExplainForm,
    Action.RETURN_VISIT: ReturnVisitForm,
    Action.CLOSE: NoteForm,
    Action.REOPEN: ReopenForm,
}


# --- The list's filters ------------------------------------------------------------------


class DemandFilterForm(forms.Form):
    """The list's search box and filters; never rejects, only narrows (a bad value is ignored).

    `figure` with `from`, `to` and `area` gives exactly the demands a figure of
    the figures page counts: the figure's own query, not a lookalike.
    """

    OPEN = "open"
    SORTS = {
        "newest": (_("Newest first"), ("-occurred_on", "-pk")),
        "deadline": (_("Deadline first"), ("deadline", "-urgency", "pk")),
    }

    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Reference, words, resident's name")}
        ),
    )
    area = forms.ModelChoiceField(
        label=_("Area"), queryset=Area.objects.none(), required=False, empty_label=_("All areas")
    )
    month = PeriodMonthField(label=_("Month"), required=False)
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("Any state")), (OPEN, _("Not yet closed")), *Demand.State.choices],
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        required=False,
        choices=[("", _("Any urgency")), *Demand.Urgency.choices],
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Demand.Kind.choices]
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    mine = forms.BooleanField(
        label=_("Mine"),
        required=False,
        help_text=_("Demands I handle or answer for."),
    )
    figure = forms.ChoiceField(
        required=False,
        choices=[("", "—"), *((f.name, f.label) for f in FIGURES)],
        widget=forms.HiddenInput,
    )
    household = forms.ModelChoiceField(
        queryset=Household.objects.none(), required=False, widget=forms.HiddenInput
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[(key, label) for key, (label, _ordering) in SORTS.items()],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["area"].queryset = demand_areas(user)
        self.fields["household"].queryset = Household.objects.visible_to(user)
        # "from" and "to" are what the figures page links with; neither is a Python name.
        self.fields["from"] = PeriodDateField(label=_("From"), required=False, widget=_date_input())
        self.fields["to"] = PeriodDateField(label=_("To"), required=False, widget=_date_input())

    @property
    def data_in_force(self) -> dict:
        """The valid filters; a bad value in one leaves the others working."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "", False)}

    def period(self) -> tuple[date | None, date | None]:
        """From the first day up to, not including, the end: a month, or from–to (both included)."""
        data = self.data_in_force
        if data.get("month"):
            return data["month"], month_after(data["month"])
        end = data.get("to")
        return data.get("from"), end + timedelta(days=1) if end else None

    def apply(self, demands, *, figure_queryset):
        """Filter a scoped queryset of demands; `figure_queryset` is selectors.figure_queryset."""
        data = self.data_in_force
        if data.get("area"):
            demands = demands.in_area(data["area"])
        if data.get("household"):
            demands = demands.filter(household=data["household"])
        start, end = self.period()
        if data.get("figure"):
            # The figure decides what the period means (received, resolved, closed in it...).
            demands = figure_queryset(demands, data["figure"], start, end)
        else:
            demands = demands.in_period(start, end)
        state = data.get("state")
        if state == self.OPEN:
            demands = demands.open()
        elif state:
            demands = demands.filter(state=state)
        if data.get("urgency"):
            demands = demands.filter(urgency=data["urgency"])
        if data.get("kind"):
            demands = demands.filter(kind=data["kind"])
        if data.get("overdue"):
            demands = demands.overdue()
        if data.get("mine"):
            demands = demands.filter(Q(handler_cadre__user=self.user) | Q(cadre__user=self.user))
        if data.get("q"):
            text = data["q"].strip()
            demands = demands.filter(
                Q(reference__icontains=text)
                | Q(description__icontains=text)
                | Q(resident_name__icontains=text)
                | Q(household__head_name__icontains=text)
            )
        return demands.order_by(*self.ordering())

    def ordering(self) -> tuple[str, ...]:
        key = self.data_in_force.get("sort")
        if key not in self.SORTS:
            # Chasing what is overdue, the nearest deadline is what matters.
            key = "deadline" if self.data_in_force.get("overdue") else "newest"
        return self.SORTS[key][1]

    @property
    def chosen_figure(self):
        name = self.data_in_force.get("figure")
        return next((f for f in FIGURES if f.name == name), None)

    @property
    def more_filters_used(self) -> bool:
        """Whether the folded part of the filters holds a value: then it opens."""
        folded = {"area", "month", "from", "to", "urgency", "kind", "overdue", "mine", "sort"}
        return bool(folded & set(self.data_in_force))


# --- The figures page --------------------------------------------------------------------


class FiguresForm(forms.Form):
    """Which area and period the seed 004 figures count."""

    PERIODS = [
        ("this_month", _("This month")),
        ("last_month", _("Last month")),
        ("this_year", _("This year")),
        ("custom", _("From – to")),
    ]

    area = forms.ModelChoiceField(
        label=_("Area"),
        queryset=Area.objects.none(),
        required=False,
        empty_label=_("All my areas"),
    )
    period = forms.ChoiceField(label=_("Period"), choices=PERIODS, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = demand_areas(user)
        self.fields["from"] = PeriodDateField(label=_("From"), required=False, widget=_date_input())
        self.fields["to"] = PeriodDateField(label=_("To"), required=False, widget=_date_input())

    @property
    def values(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}

    @property
    def period_name(self) -> str:
        name = self.values.get("period") or "this_month"
        if name == "this_month" and (self.values.get("from") or self.values.get("to")):
            # Dates typed without choosing "From – to": the dates are what was meant.
            name = "custom"
        return name

    def bounds(self, today: date) -> tuple[date | None, date | None]:
        """The first day and the day after the last (None: open-ended)."""
        name = self.period_name
        this_month = today.replace(day=1)
        if name == "last_month":
            start = (this_month - timedelta(days=1)).replace(day=1)
            return start, this_month
        if name == "this_year":
            return today.replace(month=1, day=1), today.replace(year=today.year + 1, month=1, day=1)
        if name == "custom":
            end = self.values.get("to")
            return self.values.get("from"), end + timedelta(days=1) if end else None
        return this_month, month_after(this_month)
