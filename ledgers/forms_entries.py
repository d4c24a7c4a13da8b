"""Forms of the ledger entries other than the demand workflow, and the filters of their lists.

Every choice of an area or a household is limited to what the signed-in user
may see; the views pass `user` in. An entry about a household belongs to the
household's village, whatever village is chosen: the cadre picks one or the
other, as VisitForm does.
"""

from datetime import date, timedelta

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from contact.forms_help import MonthField
from households.models import Area, Household, HouseholdCategory, Member
from households.validators import validate_phone
from ledgers.models import (
    Demand,
    DifficultyRecord,
    OpinionRecord,
    PartySituation,
    ReviewState,
    StabilityCase,
    VillageSituation,
)


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# The years a ledger's period can mean. Far outside them a period's end (the day
# or month after) or its midnight in UTC falls outside Python's years 1 to 9999.
FIRST_YEAR, LAST_YEAR = 1900, 2100


def in_ledger_years(day: date | None) -> bool:
    return day is None or FIRST_YEAR <= day.year <= LAST_YEAR


class PeriodDateField(forms.DateField):
    """A filter's from/to date: a year no ledger holds is an invalid value, not a crash."""

    def to_python(self, value):
        day = super().to_python(value)
        if not in_ledger_years(day):
            raise forms.ValidationError(
                _("Enter a date between %(first)d and %(last)d.")
                % {"first": FIRST_YEAR, "last": LAST_YEAR}
            )
        return day


class PeriodMonthField(MonthField):
    """A ledger's month, YYYY-MM, within the years a ledger can mean."""

    def to_python(self, value):
        month = super().to_python(value)
        if not in_ledger_years(month):
            raise forms.ValidationError(
                _("Enter a month between %(first)d and %(last)d.")
                % {"first": FIRST_YEAR, "last": LAST_YEAR}
            )
        return month


def villages_for(user):
    """The villages a user may record entries for and print ledgers of: those in their scope."""
    return Area.objects.visible_to(user).filter(level=Area.Level.VILLAGE)


def registry_figures(village: Area) -> dict[str, int]:
    """What the household registry says of a village: people, households, party members."""
    households = Household.objects.filter(area__code__startswith=village.code)
    members = Member.objects.filter(household__in=households)
    return {
        "population": members.count(),
        "households_count": households.count(),
        "party_members": members.filter(is_party_member=True).count(),
    }


class EntryForm(forms.ModelForm):
    """The fields every ledger entry shares: where, about whom, from which channel, when."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if "area" in self.fields:
            areas = Q(pk__in=villages_for(user).values("pk"))
            if self.instance.area_id:
                # An entry keeps its village even if the editor's scope has moved on.
                areas |= Q(pk=self.instance.area_id)
            self.fields["area"].queryset = Area.objects.filter(areas)
            self.fields["area"].label = _("Village")
        if "household" in self.fields:
            households = Q(pk__in=Household.objects.visible_to(user).values("pk"))
            if self.instance.household_id:
                households |= Q(pk=self.instance.household_id)
            self.fields["household"].queryset = Household.objects.filter(households).select_related(
                "area"
            )
            if "area" in self.fields:
                self.fields["area"].required = False
                self.fields["area"].help_text = _("Needed only when no household is chosen.")
        if "occurred_on" in self.fields:
            self.fields["occurred_on"].widget = _date_input()

    def clean(self):
        data = super().clean()
        household = data.get("household")
        if household is not None:
            data["area"] = household.village
            self.instance.area = household.village
        elif "area" in self.fields and not data.get("area") and "area" not in self.errors:
            self.add_error("area", _("Choose the village, or the household it concerns."))
        occurred_on = data.get("occurred_on")
        if occurred_on and occurred_on > timezone.localdate():
            self.add_error("occurred_on", _("The date cannot be in the future."))
        return data

    def entry_fields(self) -> dict:
        """The cleaned values by model field, the village included where a household gives it."""
        data = self.cleaned_data
        fields = {
            name: data[name]
            for name in self._meta.fields
            if name in data and name in self.instance.content_fields + ("source",)
        }
        if data.get("area") is not None:
            fields["area"] = data["area"]
        return fields

    def changed_fields(self) -> dict:
        """Only what the user changed: the correction of an approved entry lists just that."""
        fields = self.entry_fields()
        changed = set(self.changed_data)
        if "household" in changed:
            changed.add("area")
        return {name: value for name, value in fields.items() if name in changed}


class MonthlyEntryForm(EntryForm):
    """村情 and 党情: one sheet per village and month, dated the first of the month."""

    month = PeriodMonthField(label=_("Month"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].widget.attrs["max"] = f"{timezone.localdate():%Y-%m}"
        if self.instance.pk:
            self.initial.setdefault("month", f"{self.instance.occurred_on:%Y-%m}")
        else:
            self.initial.setdefault("month", f"{timezone.localdate():%Y-%m}")
        self.order_fields(["area", "month"])

    def clean(self):
        data = super().clean()
        month, area = data.get("month"), data.get("area")
        if month and month > timezone.localdate():
            self.add_error("month", _("The month cannot be in the future."))
        if month:
            data["occurred_on"] = month
            self.instance.occurred_on = month
        if month and area:
            # The constraint is checked here, not left to the database, so that
            # the cadre sees which sheet exists with what they typed still there.
            taken = (
                type(self.instance)
                .objects.filter(area=area, occurred_on=month)
                .exclude(pk=self.instance.pk)
            )
            if taken.exists():
                self.add_error(
                    "month",
                    _(
                        "%(village)s already has a sheet for %(month)s: open it and edit or correct it."
                    )
                    % {"village": area.name, "month": date_format(month, "YEAR_MONTH_FORMAT")},
                )
        return data

    def entry_fields(self) -> dict:
        fields = super().entry_fields()
        if self.cleaned_data.get("month"):
            fields["occurred_on"] = self.cleaned_data["month"]
        return fields

    def changed_fields(self) -> dict:
        fields = super().changed_fields()
        if "month" in self.changed_data and self.cleaned_data.get("month"):
            fields["occurred_on"] = self.cleaned_data["month"]
        return fields


# --- The five kinds with pages here --------------------------------------------------


class DifficultyRecordForm(EntryForm):
    """认定: why and since when a household counts as in difficulty (低保, 特困 and the rest)."""

    class Meta:
        model = DifficultyRecord
        fields = [
            "household",
            "category",
            "reason",
            "level",
            "recognised_on",
            "monthly_allowance",
            "ended_on",
            "source",
            "occurred_on",
        ]
        widgets = {"recognised_on": _date_input(), "ended_on": _date_input()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].required = True
        self.fields["category"].queryset = HouseholdCategory.objects.filter(in_difficulty=True)

    def clean(self):
        data = super().clean()
        recognised, ended = data.get("recognised_on"), data.get("ended_on")
        if recognised and ended and ended < recognised:
            self.add_error("ended_on", _("This is before the date of recognition."))
        return data


class StabilityCaseForm(EntryForm):
    class Meta:
        model = StabilityCase
        fields = [
            "household",
            "area",
            "source",
            "occurred_on",
            "kind",
            "parties",
            "summary",
            "risk",
            "measures",
            "status",
            "result",
            "resolved_on",
            "resolved_in_village",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "measures": forms.Textarea(attrs={"rows": 2}),
            "result": forms.Textarea(attrs={"rows": 2}),
            "resolved_on": _date_input(),
        }

    def clean(self):
        data = super().clean()
        if data.get("status") == StabilityCase.Status.RESOLVED and not data.get("resolved_on"):
            self.add_error("resolved_on", _("Give the date it was resolved."))
        return data


class VillageSituationForm(MonthlyEntryForm):
    class Meta:
        model = VillageSituation
        fields = [
            "area",
            "population",
            "households_count",
            "party_members",
            "collective_income",
            "industries",
            "projects",
            "problems",
        ]
        widgets = {
            "industries": forms.Textarea(attrs={"rows": 2}),
            "projects": forms.Textarea(attrs={"rows": 2}),
            "problems": forms.Textarea(attrs={"rows": 3}),
        }


class OpinionRecordForm(EntryForm):
    class Meta:
        model = OpinionRecord
        fields = [
            "household",
            "area",
            "source",
            "occurred_on",
            "topic",
            "person",
            "content",
            "response",
            "rectified",
            "rectified_on",
        ]
        widgets = {
            "content": forms.Textarea(attrs={"rows": 3}),
            "response": forms.Textarea(attrs={"rows": 2}),
            "rectified_on": _date_input(),
        }


class PartySituationForm(MonthlyEntryForm):
    class Meta:
        model = PartySituation
        fields = [
            "area",
            "branch",
            "members",
            "old_members_visited",
            "members_demands",
            "organisation_problems",
            "measures",
        ]
        widgets = {
            "members_demands": forms.Textarea(attrs={"rows": 2}),
            "organisation_problems": forms.Textarea(attrs={"rows": 2}),
            "measures": forms.Textarea(attrs={"rows": 2}),
        }


class DemandContentForm(EntryForm):
    """What a correction of an approved demand may change: what was asked, not the workflow."""

    class Meta:
        model = Demand
        fields = ["kind", "urgency", "description", "resident_name", "resident_phone"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def clean_resident_phone(self):
        # As when recording: the resident later reopens the demand with this number.
        phone = self.cleaned_data.get("resident_phone", "").strip()
        if phone:
            validate_phone(phone)
        return phone


class CorrectionMixin(forms.Form):
    reason = forms.CharField(
        label=_("Reason for correction"),
        max_length=200,
        help_text=_("The entry keeps its values until a reviewer approves the correction."),
    )


_correction_forms: dict[type, type] = {}


def correction_form_class(form_class: type) -> type:
    """The kind's form with a reason: what the correction page shows, prefilled with the entry."""
    if form_class not in _correction_forms:
        _correction_forms[form_class] = type(
            f"{form_class.__name__}Correction", (form_class, CorrectionMixin), {}
        )
    return _correction_forms[form_class]


# --- Filters of the lists --------------------------------------------------------------


class EntryFilterForm(forms.Form):
    """A ledger list's search box and filters; never rejects, only narrows (a bad value is ignored)."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Words in the entry")}),
    )

    def __init__(self, *args, kind, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        model, fields, wanted = kind.model, self.fields, kind.filters
        # The household page links here with ?household=: its entries only.
        fields["household"] = forms.ModelChoiceField(
            queryset=Household.objects.visible_to(user),
            required=False,
            widget=forms.HiddenInput,
        )
        if "area" in wanted:
            fields["area"] = forms.ModelChoiceField(
                label=_("Area"),
                queryset=Area.objects.visible_to(user).filter(
                    level__in=[Area.Level.TOWNSHIP, Area.Level.VILLAGE]
                ),
                required=False,
                empty_label=_("All areas"),
            )
        if "village" in wanted:
            fields["village"] = forms.ModelChoiceField(
                label=_("Village"),
                queryset=villages_for(user),
                required=False,
                empty_label=_("All villages"),
            )
        if "period" in wanted:
            fields["month"] = PeriodMonthField(label=_("Month"), required=False)
            fields["start"] = PeriodDateField(label=_("From"), required=False, widget=_date_input())
            fields["end"] = PeriodDateField(label=_("To"), required=False, widget=_date_input())
        if "review" in wanted:
            fields["review"] = self._choice(_("Review"), ReviewState.choices, _("Any review state"))
        if "kind" in wanted:
            fields["kind"] = self._choice(_("Kind"), model.Kind.choices, _("All kinds"))
        if "risk" in wanted:
            fields["risk"] = self._choice(_("Risk level"), model.Risk.choices, _("Any risk"))
        if "status" in wanted:
            fields["status"] = self._choice(_("Status"), model.Status.choices, _("Any status"))
        if "topic" in wanted:
            fields["topic"] = self._choice(_("Topic"), model.Topic.choices, _("All topics"))
        if "rectified" in wanted:
            fields["rectified"] = self._choice(
                _("Rectified (整改)"),
                [("yes", _("Rectified")), ("no", _("Not rectified"))],
                _("Rectified or not"),
            )
        if "category" in wanted:
            fields["category"] = forms.ModelChoiceField(
                label=_("Category"),
                queryset=HouseholdCategory.objects.visible_to(user).filter(in_difficulty=True),
                required=False,
                empty_label=_("All categories"),
            )
        if "level" in wanted:
            fields["level"] = self._choice(
                _("Level"),
                [*DifficultyRecord.Level.choices, ("missing", _("Recognition not recorded"))],
                _("All levels"),
            )
        fields["sort"] = forms.ChoiceField(
            label=_("Sort by"),
            required=False,
            choices=[(key, label) for key, (label, _ordering) in kind.sorts.items()],
        )

    @staticmethod
    def _choice(label, choices, everything):
        return forms.ChoiceField(label=label, required=False, choices=[("", everything), *choices])

    @property
    def data_in_force(self) -> dict:
        """The valid filters; a bad value in one leaves the others working."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}

    def _ordering(self) -> tuple[str, ...]:
        sorts = self.kind.sorts
        key = self.data_in_force.get("sort")
        return sorts[key][1] if key in sorts else next(iter(sorts.values()))[1]

    def apply(self, entries):
        """Filter a queryset of the kind's entries."""
        data = self.data_in_force
        if data.get("household"):
            entries = entries.filter(household=data["household"])
        if data.get("area"):
            entries = entries.in_area(data["area"])
        if data.get("month"):
            month = data["month"]
            entries = entries.in_period(month, (month + timedelta(days=32)).replace(day=1))
        else:
            end = data.get("end")
            entries = entries.in_period(data.get("start"), end + timedelta(days=1) if end else None)
        for name in ("review", "kind", "risk", "status", "topic"):
            if data.get(name):
                model_field = "review_state" if name == "review" else name
                entries = entries.filter(**{model_field: data[name]})
        if data.get("rectified"):
            entries = entries.filter(rectified=data["rectified"] == "yes")
        if data.get("q") and self.kind.search_fields:
            q = Q()
            for name in self.kind.search_fields:
                q |= Q(**{f"{name}__icontains": data["q"]})
            entries = entries.filter(q)
        return entries.order_by(*self._ordering())

    def apply_households(self, households):
        """Filter the derived 困难群众 ledger's households."""
        data = self.data_in_force
        if data.get("household"):
            households = households.filter(pk=data["household"].pk)
        if data.get("village"):
            households = households.filter(area__code__startswith=data["village"].code)
        if data.get("category"):
            households = households.filter(categories=data["category"])
        if data.get("level") == "missing":
            households = households.filter(record_pk__isnull=True)
        elif data.get("level"):
            households = households.filter(record_level=data["level"])
        if data.get("q"):
            households = households.search(data["q"])
        return households.order_by(*self._ordering())

    @property
    def is_filtered(self) -> bool:
        return any(k != "sort" for k in self.data_in_force)


class LedgerSheetForm(forms.Form):
    """Which village and month to print or export: the paper ledger's page."""

    village = forms.ModelChoiceField(label=_("Village"), queryset=Area.objects.none())
    month = PeriodMonthField(label=_("Month"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages_for(user)
        first = self.fields["village"].queryset.first()
        if first is not None:
            self.fields["village"].initial = first.pk
        self.fields["month"].initial = f"{timezone.localdate():%Y-%m}"


def month_after(day: date) -> date:
    """The first day of the month after the one `day` is in."""
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)
