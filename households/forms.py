from django import forms
from django.utils.translation import gettext_lazy as _

from households.crypto import mask_id_numbers_in
from households.models import Area, Household, HouseholdCategory, Member
from households.validators import validate_id_number


class HouseholdFilterForm(forms.Form):
    """The household list's search box and filters; never rejects, only narrows."""

    SORTS = {
        "area": ("area__code", "house_number", "pk"),
        "name": ("search_initials", "pk"),
        "-updated": ("-updated_at", "pk"),
    }

    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(
            attrs={
                "placeholder": _("Name, initials (zs), phone or house number"),
                "type": "search",
            }
        ),
    )
    area = forms.ModelChoiceField(
        label=_("Area"), queryset=Area.objects.none(), required=False, empty_label=_("All areas")
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=HouseholdCategory.objects.none(),
        required=False,
        empty_label=_("All categories"),
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("area", _("Area and house number")),
            ("name", _("Name")),
            ("-updated", _("Recently updated")),
        ],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.visible_to(user).filter(
            level__gte=Area.Level.TOWNSHIP, level__lte=Area.Level.VILLAGE
        )
        self.fields["category"].queryset = HouseholdCategory.objects.visible_to(user)

    def apply(self, queryset):
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        queryset = queryset.search(data.get("q"))
        if data.get("area"):
            queryset = queryset.filter(area__code__startswith=data["area"].code)
        if data.get("category"):
            queryset = queryset.filter(categories=data["category"])
        return queryset.order_by(*self.SORTS.get(data.get("sort") or "area", self.SORTS["area"]))

    def describe(self) -> str:
        """The filters in words, for the export log; an ID number searched for is masked there."""
        if not self.is_valid():
            return ""
        return "; ".join(
            f"{k}={mask_id_numbers_in(str(v))}" for k, v in self.cleaned_data.items() if v
        )


class IdNumberLookupForm(forms.Form):
    """A full ID number, sent by POST so that it stays out of URLs and access logs."""

    id_number = forms.CharField(
        label=_("ID-card number"),
        max_length=18,
        min_length=18,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "placeholder": _("All 18 characters")}
        ),
    )

    def clean_id_number(self):
        return validate_id_number(self.cleaned_data["id_number"])


class HouseholdForm(forms.ModelForm):
    class Meta:
        model = Household
        fields = [
            "area",
            "house_number",
            "address",
            "head_name",
            "phone",
            "categories",
            "housing",
            "housing_area_m2",
            "annual_income",
            "annual_spending",
            "income_sources",
            "employment",
            "health_notes",
            "notes",
        ]
        widgets = {
            "categories": forms.CheckboxSelectMultiple,
            "notes": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.visible_to(user).filter(
            level__gte=Area.Level.VILLAGE
        )
        self.fields["categories"].queryset = HouseholdCategory.objects.visible_to(user)


class MemberForm(forms.ModelForm):
    """A member, with the ID-card number typed in plain and saved encrypted."""

    id_number = forms.CharField(
        label=_("ID-card number"),
        required=False,
        max_length=18,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
        help_text=_("18 characters; leave empty to keep the number on record."),
    )

    class Meta:
        model = Member
        fields = [
            "name",
            "relation",
            "sex",
            "birth_date",
            "id_number",
            "phone",
            "health",
            "employment",
            "is_party_member",
        ]
        widgets = {"birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def clean_id_number(self):
        value = self.cleaned_data.get("id_number")
        return validate_id_number(value) if value else ""

    def save(self, commit=True):
        member = super().save(commit=False)
        if self.cleaned_data.get("id_number"):
            member.id_number = self.cleaned_data["id_number"]
        if commit:
            member.save()
        return member
