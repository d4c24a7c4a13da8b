from datetime import timedelta

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contact.models import Assistance, Cadre, Visit, VisitCorrection
from households.models import Area, Household, HouseholdCategory


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("User name or mobile number"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}
        ),
    )


class OwnPasswordChangeForm(PasswordChangeForm):
    def save(self, commit=True):
        # The signal that stamps password changes treats this one as the user's own.
        self.user._password_set_by_self = True
        return super().save(commit=commit)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos from the phone camera; checked one by one in contact.photos."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class VisitForm(forms.ModelForm):
    """民情日志 entry: the fields a cadre fills in a courtyard, in the order they come."""

    photos = PhotosField(
        label=_("Photos"),
        required=False,
        widget=MultipleFileInput(
            attrs={"accept": "image/*", "capture": "environment", "multiple": True}
        ),
    )
    signature = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Visit
        fields = [
            "household",
            "area",
            "visited_at",
            "method",
            "purpose",
            "met_whom",
            "place",
            "situation",
            "action",
            "demands_raised",
            "next_step",
            "next_step_date",
        ]
        widgets = {
            "visited_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "next_step_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "situation": forms.Textarea(attrs={"rows": 3}),
            "action": forms.Textarea(attrs={"rows": 2}),
            "demands_raised": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = Household.objects.visible_to(user).select_related(
            "area"
        )
        self.fields["household"].required = False
        self.fields["area"].queryset = Area.objects.visible_to(user).filter(
            level__in=[Area.Level.TOWNSHIP, Area.Level.VILLAGE]
        )
        self.fields["area"].required = False
        self.fields["area"].help_text = _("Needed only when no household is chosen.")

    def clean(self):
        data = super().clean()
        if not data.get("household") and not data.get("area"):
            self.add_error(
                "area",
                _("Choose the household visited, or the village where the visit took place."),
            )
        visited_at = data.get("visited_at")
        if visited_at and visited_at > timezone.now() + timedelta(minutes=10):
            self.add_error("visited_at", _("A visit cannot be in the future."))
        return data

    def visit_fields(self) -> dict:
        data = self.cleaned_data
        fields = {name: data[name] for name in self.Meta.fields if name in data}
        if fields.get("household") is not None:
            fields["area"] = fields["household"].village
        return fields


class AssistanceForm(forms.ModelForm):
    class Meta:
        model = Assistance
        fields = ["kind", "description", "quantity", "unit", "value_yuan"]


AssistanceFormSet = forms.formset_factory(AssistanceForm, extra=1, max_num=10, can_delete=False)


class VisitEditForm(VisitForm):
    """Editing within the grace period: the narrative and the when, not the photos."""

    class Meta(VisitForm.Meta):
        pass

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["photos"]
        del self.fields["signature"]


class VisitCorrectionForm(forms.ModelForm):
    class Meta:
        model = VisitCorrection
        fields = ["reason", "situation", "action", "next_step", "next_step_date"]
        widgets = {
            "situation": forms.Textarea(attrs={"rows": 3}),
            "action": forms.Textarea(attrs={"rows": 2}),
            "next_step_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }


class BulkPairingForm(forms.Form):
    """A leader pairs a cadre with households chosen by village and category."""

    cadre = forms.ModelChoiceField(label=_("Cadre"), queryset=Cadre.objects.none())
    area = forms.ModelChoiceField(label=_("Village"), queryset=Area.objects.none(), required=False)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=HouseholdCategory.objects.none(), required=False
    )
    only_unpaired = forms.BooleanField(
        label=_("Only households without a cadre"), required=False, initial=True
    )
    start_date = forms.DateField(
        label=_("Start date"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    promises = forms.CharField(
        label=_("Promised help (one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].queryset = Cadre.objects.visible_to(user).select_related("scope_area")
        self.fields["area"].queryset = Area.objects.visible_to(user).filter(
            level=Area.Level.VILLAGE
        )
        self.fields["category"].queryset = HouseholdCategory.objects.visible_to(user)

    def promise_lines(self) -> list[str]:
        return [
            line.strip()[:200]
            for line in self.cleaned_data.get("promises", "").splitlines()
            if line.strip()
        ]


class ReassignForm(forms.Form):
    cadre = forms.ModelChoiceField(label=_("New cadre"), queryset=Cadre.objects.none())
    start_date = forms.DateField(
        label=_("From"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].queryset = Cadre.objects.visible_to(user).select_related("scope_area")


class HandoverForm(forms.Form):
    from_cadre = forms.ModelChoiceField(label=_("Cadre transferred"), queryset=Cadre.objects.none())
    to_cadre = forms.ModelChoiceField(label=_("Successor"), queryset=Cadre.objects.none())
    on = forms.DateField(
        label=_("Handover date"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        cadres = Cadre.objects.visible_to(user).select_related("scope_area")
        self.fields["from_cadre"].queryset = cadres
        self.fields["to_cadre"].queryset = cadres

    def clean(self):
        data = super().clean()
        if data.get("from_cadre") and data.get("from_cadre") == data.get("to_cadre"):
            self.add_error("to_cadre", _("Choose a different cadre to hand over to."))
        return data
