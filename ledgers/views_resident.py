"""The resident's side of the demand ledger, opened from the contact card's QR code, no account.

After a demand is closed, the resident who raised it can say the problem came
back: with the reference the thank-you page (or the cadre) gave them and the
phone number they raised it with. Before, they had to find their cadre or
queue at the township's reception day to have it written down again.

The page never says whether a reference exists: whatever was typed, the
answer is the same, so the card cannot be used to probe other residents'
demands.
"""

from django import forms
from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from contact import captcha
from contact.models import Pairing
from contact.views_cards import (
    _count,
    _over_limit,
    _township_code,
    reception_days,
)
from contact.views_cards import _limit_keys as _message_limit_keys
from households.validators import validate_phone
from ledgers import services
from ledgers.models import Demand


class CameBackForm(captcha.CaptchaForm):
    reference = forms.CharField(
        label=_("Reference of your demand"),
        max_length=20,
        help_text=_("For example 2026-123456: it was shown when you sent your message."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": _("Please write the reference.")},
    )
    phone = forms.CharField(
        label=_("The phone number you gave then"),
        max_length=20,
        validators=[validate_phone],
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
        error_messages={"required": _("Please write your phone number.")},
    )
    note = forms.CharField(
        label=_("What happened (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
    )

    field_order = ["reference", "phone", "note", "captcha_answer", "captcha_token"]


def _current_card(token) -> Pairing:
    """The card as the message page finds it: a 404 for a token no card has."""
    pairing = (
        Pairing.objects.select_related("cadre", "household__area", "area")
        .filter(card_token=token, cadre__isnull=False)
        .first()
    )
    if pairing is None:
        raise Http404
    return pairing


def _has_ended(pairing) -> bool:
    return pairing.end_date is not None and pairing.end_date <= timezone.localdate()


def _covered_demands(pairing):
    """The demands this card may reopen: its household's, or those in its village or township."""
    if pairing.household_id:
        return Demand.objects.filter(household_id=pairing.household_id)
    return Demand.objects.filter(area__code__startswith=pairing.area.code)


def _limit_keys(request, pairing):
    """The message form's limits, counted apart: a report does not use up the message budget."""
    return [
        (key.replace("resident-message:", "resident-came-back:", 1), limit, seconds)
        for key, limit, seconds in _message_limit_keys(request, pairing)
    ]


def _page(request, template, pairing, status=200, **context):
    return render(
        request,
        template,
        {"cadre": pairing.cadre, "card_token": pairing.card_token, **context},
        status=status,
    )


@never_cache
def resident_came_back(request, token):
    """Reopen a closed demand ("the problem came back") with its reference and phone number.

    Replaces going back to the cadre or the reception day to have the same
    problem written down as new, which lost its history and its reopen count.
    """
    pairing = _current_card(token)
    if _has_ended(pairing):
        return render(
            request,
            "contact/cards/resident_ended.html",
            {"schedules": reception_days(_township_code(pairing))},
            status=410,
        )

    thanks = "ledgers/resident/came_back_thanks.html"
    # Bound to this form: a question from the message page is not an answer here.
    purpose = f"came-back:{token}"
    if request.method == "POST":
        posted_token = request.POST.get("captcha_token", "")
        if captcha.used_state(posted_token) == captcha.ACCEPTED:
            return _page(request, thanks, pairing)  # a retry: answer as the first time did
        form = CameBackForm(request.POST, purpose=purpose)
        if form.is_valid():
            keys = _limit_keys(request, pairing)
            if _over_limit(keys):
                return _page(
                    request,
                    "contact/cards/resident_limited.html",
                    pairing,
                    status=429,
                    schedules=reception_days(_township_code(pairing)),
                )
            captcha_token = form.cleaned_data["captcha_token"]
            if captcha.claim(captcha_token):
                try:
                    services.demand_came_back(
                        reference=form.cleaned_data["reference"],
                        phone=form.cleaned_data["phone"],
                        note=form.cleaned_data["note"],
                        within=_covered_demands(pairing),
                    )
                except Exception:
                    captcha.release(captcha_token)
                    raise
                # Every report counts, matched or not: a limit that only matches
                # reached would tell a prober which references exist.
                _count(keys)
            return _page(request, thanks, pairing)
        status = 400
    else:
        form = CameBackForm(purpose=purpose)
        status = 200
    return _page(request, "ledgers/resident/came_back.html", pairing, status=status, form=form)


urlpatterns = [
    path("c/<str:token>/came-back/", resident_came_back, name="resident_came_back"),
]
