"""Forms for help plans and assistance (帮扶计划, 慰问), reception days (接待日) and suggestion boxes (意见箱).

Every choice of a cadre, household or area is limited to what the signed-in
user may see; the views pass `user` in.
"""

import re
import uuid
from datetime import date, timedelta
from decimal import Decimal

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contact.models import (
    Assistance,
    Cadre,
    HelpPlan,
    ReceptionDuty,
    ReceptionSchedule,
    SuggestionBox,
    SuggestionBoxOpening,
)
from households.models import Area, Household
from households.scope import scope_for

# The unit a cash row is counted in, as the ledgers write it.
CASH_UNIT = "元"


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _datetime_input():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


# --- Help plans ----------------------------------------------------------------


class HelpPlanForm(forms.ModelForm):
    class Meta:
        model = HelpPlan
        fields = ["goal", "measures", "responsible", "target_date", "status"]
        widgets = {
            "measures": forms.Textarea(attrs={"rows": 4}),
            "target_date": _date_input(),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        visible = Q(pk__in=Cadre.objects.visible_to(user).values("pk"))
        if self.instance.responsible_id:
            # Whoever answers for the plan now stays choosable even if the editor cannot see them.
            visible |= Q(pk=self.instance.responsible_id)
        self.fields["responsible"].queryset = Cadre.objects.filter(visible).select_related(
            "scope_area"
        )


# --- Assistance ----------------------------------------------------------------


class AssistanceHeaderForm(forms.Form):
    """What the items handed over together share: the day, and the plan they serve."""

    date = forms.DateField(label=_("Date"), initial=timezone.localdate, widget=_date_input())
    # One key per form shown: a double tap or a resend of the same form records nothing more.
    submission = forms.UUIDField(required=False, initial=uuid.uuid4, widget=forms.HiddenInput)
    help_plan = forms.ModelChoiceField(
        label=_("Help plan"),
        queryset=HelpPlan.objects.none(),
        required=False,
        empty_label=_("— none —"),
    )

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["help_plan"].queryset = household.help_plans.all()

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("Assistance cannot be recorded for a future date."))
        return day


class AssistanceItemForm(forms.ModelForm):
    """One thing handed over: "3 bags of fertiliser" is one item, "500 yuan in cash" another."""

    class Meta:
        model = Assistance
        fields = ["kind", "description", "quantity", "unit", "value_yuan"]
        widgets = {
            "quantity": forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
            "value_yuan": forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["description"].required = False
        self.fields["value_yuan"].required = False
        # Blank, not 0: a row the cadre did not touch stays unchanged and is skipped.
        self.fields["value_yuan"].initial = None
        self.fields["value_yuan"].help_text = _("For goods, what they are worth; 0 if unknown.")

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        quantity, value = data.get("quantity"), data.get("value_yuan")
        if kind == Assistance.Kind.CASH:
            # Cash is its own value: the cadre types the amount once, in either box.
            if quantity is None and value is None:
                self.add_error("value_yuan", _("Enter the amount of cash."))
                return data
            if data.get("unit") in ("", CASH_UNIT):
                if quantity is not None and value is not None and quantity != value:
                    self.add_error(
                        "value_yuan", _("For cash, the value is the amount handed over.")
                    )
                    return data
                data["quantity"] = data["value_yuan"] = value if value is not None else quantity
                data["unit"] = CASH_UNIT
            elif value is None:
                self.add_error("value_yuan", _("Enter the value of the cash in yuan."))
            if not data.get("description"):
                data["description"] = str(Assistance.Kind.CASH.label)
        else:
            if kind and not data.get("description"):
                self.add_error("description", _("Say what was given, for example the goods."))
            if value is None:
                data["value_yuan"] = Decimal(0)
        if data.get("quantity") is not None and data["quantity"] <= 0:
            self.add_error("quantity", _("The quantity must be more than zero."))
        return data


class BaseAssistanceItemFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        if not self.filled_rows():
            raise forms.ValidationError(_("Enter at least one item handed over."))

    def filled_rows(self) -> list[dict]:
        return [f.cleaned_data for f in self.forms if f.has_changed() and f.cleaned_data]


AssistanceItemFormSet = forms.formset_factory(
    AssistanceItemForm,
    formset=BaseAssistanceItemFormSet,
    extra=2,
    max_num=10,
    validate_max=True,
)


def assistance_areas(user):
    """Townships and villages to filter assistance by: those in scope, and those of visible households.

    A cadre paired with a household outside their own area (包户) sees its
    assistance, so its village must be choosable too.
    """
    households = Household.objects.visible_to(user)
    return (
        Area.objects.filter(level__in=[Area.Level.TOWNSHIP, Area.Level.VILLAGE])
        .filter(
            Q(pk__in=Area.objects.visible_to(user).values("pk"))
            | Q(households__in=households)
            | Q(children__households__in=households)
        )
        .distinct()
        .order_by("code")
    )


_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str) -> date | None:
    match = _MONTH_RE.match(value or "")
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12 or year < 1900:
        return None
    return date(year, month, 1)


class MonthField(forms.CharField):
    """YYYY-MM, as a phone's month picker sends it; cleans to the first of the month."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        month = parse_month(value)
        if month is None:
            raise forms.ValidationError(_("Enter a month as YYYY-MM, for example 2024-03."))
        return month


class AssistanceFilterForm(forms.Form):
    """The period and area of the totals page and of the rows behind each total."""

    year = forms.IntegerField(label=_("Year"), required=False, min_value=1900, max_value=2100)
    month = MonthField(label=_("Month"), required=False)
    area = forms.ModelChoiceField(
        label=_("Area"), queryset=Area.objects.none(), required=False, empty_label=_("All")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = assistance_areas(user)

    def clean(self):
        data = super().clean()
        year, month = data.get("year"), data.get("month")
        if year and month and month.year != year:
            self.add_error("month", _("The month is not in the chosen year."))
        return data

    def apply(self, rows):
        """Filter a queryset of Assistance; an invalid form filters nothing out and shows its errors."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if data.get("month"):
            month = data["month"]
            following = (month + timedelta(days=32)).replace(day=1)
            rows = rows.filter(date__gte=month, date__lt=following)
        elif data.get("year"):
            rows = rows.filter(date__year=data["year"])
        if data.get("area"):
            rows = rows.filter(household__area__code__startswith=data["area"].code)
        return rows

    def query(self) -> dict:
        """The filters in force, to carry into links."""
        if not (self.is_bound and self.is_valid()):
            return {}
        data, query = self.cleaned_data, {}
        if data.get("month"):
            query["month"] = f"{data['month']:%Y-%m}"
        elif data.get("year"):
            query["year"] = str(data["year"])
        if data.get("area"):
            query["area"] = str(data["area"].pk)
        return query


class AssistanceTotalsForm(AssistanceFilterForm):
    BY_CHOICES = [
        ("household", _("Per household")),
        ("cadre", _("Per cadre")),
        ("village", _("Per village")),
        ("month", _("Per month")),
    ]
    SORT_CHOICES = [
        ("value", _("Highest value first")),
        ("-value", _("Lowest value first")),
        ("count", _("Most items first")),
        ("name", _("By name or month")),
    ]

    sort = forms.ChoiceField(label=_("Sort"), choices=SORT_CHOICES, required=False)

    def grouping(self) -> str:
        value = self.data.get("by", "household")
        return value if value in dict(self.BY_CHOICES) else "household"

    def sort_order(self) -> str:
        value = self.data.get("sort", "value")
        return value if value in dict(self.SORT_CHOICES) else "value"


# --- Reception days ----------------------------------------------------------------


class ReceptionScheduleForm(forms.ModelForm):
    class Meta:
        model = ReceptionSchedule
        fields = ["area", "weekday", "place", "note"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.visible_to(user).filter(
            level=Area.Level.TOWNSHIP
        )


class DutyPeriodForm(forms.Form):
    """How many weeks of duties to plan, from which day."""

    start = forms.DateField(label=_("From"), initial=timezone.localdate, widget=_date_input())
    weeks = forms.IntegerField(label=_("Weeks"), initial=4, min_value=1, max_value=26)

    def dates(self, weekday: int) -> list[date]:
        """The next `weeks` days falling on `weekday`, from `start` on."""
        start = self.cleaned_data["start"]
        first = start + timedelta(days=(weekday - start.weekday()) % 7)
        return [first + timedelta(weeks=n) for n in range(self.cleaned_data["weeks"])]


def duty_leaders(user, township):
    """Cadres the user may see whose own scope covers the township: they can then open the roster.

    A village cadre would not see the township's reception day, nor be able
    to log the residents they received.
    """
    covering = [township.pk] + [a.pk for a in township.ancestors()]
    return (
        Cadre.objects.visible_to(user)
        .filter(scope_area__in=covering)
        .order_by("rank", "name")
        .select_related("scope_area")
    )


class DutyRowForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=_date_input())
    leader = forms.ModelChoiceField(
        label=_("Leader on duty"),
        queryset=Cadre.objects.none(),
        required=False,
        empty_label=_("— nobody —"),
    )

    def __init__(self, *args, schedule, leaders, **kwargs):
        super().__init__(*args, **kwargs)
        self.schedule = schedule
        self.fields["leader"].queryset = leaders

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day.weekday() != self.schedule.weekday:
            raise forms.ValidationError(
                _("%(date)s is not a %(weekday)s, the reception day of this schedule.")
                % {"date": day.isoformat(), "weekday": self.schedule.get_weekday_display()}
            )
        return day


class BaseDutyFormSet(forms.BaseFormSet):
    def __init__(self, *args, schedule, leaders, **kwargs):
        self.schedule = schedule
        super().__init__(*args, form_kwargs={"schedule": schedule, "leaders": leaders}, **kwargs)

    def chosen(self) -> list[tuple[date, Cadre]]:
        return [
            (f.cleaned_data["date"], f.cleaned_data["leader"])
            for f in self.forms
            if f.cleaned_data.get("date") and f.cleaned_data.get("leader")
        ]

    def clean(self):
        if any(self.errors):
            return
        chosen = self.chosen()
        if not chosen:
            raise forms.ValidationError(_("Choose a leader for at least one date."))
        seen = set()
        for form in self.forms:
            day = form.cleaned_data.get("date")
            if not form.cleaned_data.get("leader"):
                continue
            if day in seen:
                form.add_error("date", _("This date appears twice."))
            seen.add(day)
        taken = {
            duty.date: duty
            for duty in ReceptionDuty.objects.filter(
                schedule=self.schedule, date__in=[d for d, _leader in chosen]
            ).select_related("leader")
        }
        for form in self.forms:
            duty = taken.get(form.cleaned_data.get("date"))
            if duty and form.cleaned_data.get("leader"):
                form.add_error(
                    "date",
                    _(
                        "%(name)s is already on duty on %(date)s: one leader per reception day. "
                        "Delete that duty first to change it."
                    )
                    % {"name": duty.leader.name, "date": duty.date.isoformat()},
                )


DutyFormSet = forms.formset_factory(
    DutyRowForm, formset=BaseDutyFormSet, extra=0, max_num=26, validate_max=True
)


# --- Suggestion boxes ----------------------------------------------------------------


def can_see_area(cadre: Cadre, area: Area) -> bool:
    scope = scope_for(cadre.user)
    return scope.everything or any(area.code.startswith(code) for code in scope.area_codes)


class SuggestionBoxForm(forms.ModelForm):
    class Meta:
        model = SuggestionBox
        fields = ["area", "place", "opening_interval_days", "keyholders"]
        widgets = {"keyholders": forms.SelectMultiple(attrs={"size": 6})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.visible_to(user).filter(
            level__in=[Area.Level.TOWNSHIP, Area.Level.VILLAGE]
        )
        self.fields["keyholders"].queryset = Cadre.objects.visible_to(user).select_related(
            "scope_area", "user"
        )
        self.fields["opening_interval_days"].min_value = 1
        self.fields["opening_interval_days"].widget.attrs["min"] = 1

    def clean_opening_interval_days(self):
        days = self.cleaned_data["opening_interval_days"]
        if days < 1:
            raise forms.ValidationError(_("A box is opened at least every day."))
        return days

    def clean(self):
        data = super().clean()
        area, keyholders = data.get("area"), data.get("keyholders")
        if area and keyholders:
            blind = [k.name for k in keyholders if not can_see_area(k, area)]
            if blind:
                self.add_error(
                    "keyholders",
                    _("%(names)s cannot see %(area)s, so could not record its openings.")
                    % {"names": "、".join(blind), "area": area.name},
                )
        return data


class BoxOpeningForm(forms.ModelForm):
    class Meta:
        model = SuggestionBoxOpening
        fields = ["opened_at", "opened_by", "opinion_count"]
        widgets = {
            "opened_at": _datetime_input(),
            "opened_by": forms.CheckboxSelectMultiple,
            "opinion_count": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
        }
        error_messages = {
            "opened_by": {"required": _("Tick at least one keyholder who opened the box.")}
        }

    def __init__(self, *args, box, **kwargs):
        super().__init__(*args, **kwargs)
        self.box = box
        self.fields["opened_by"].queryset = box.keyholders.all()
        self.fields["opinion_count"].help_text = _(
            "How many opinions the box held; each is then logged one by one."
        )

    def clean_opened_at(self):
        opened_at = self.cleaned_data["opened_at"]
        if opened_at > timezone.now() + timedelta(minutes=10):
            raise forms.ValidationError(_("An opening cannot be in the future."))
        # A second send of the same form (double tap, back button) would count the box twice.
        minute = opened_at.replace(second=0, microsecond=0)
        if self.box.openings.filter(
            opened_at__gte=minute, opened_at__lt=minute + timedelta(minutes=1)
        ).exists():
            raise forms.ValidationError(_("This opening has already been recorded."))
        return opened_at
