"""The contact card (干群联系卡, 连心卡; seeds 000, 002, 004) and the page its QR code opens.

A paired household keeps a printed card with its cadre's name, phone and
promises; the township prints a whole village's cards at once. The QR code on
the card opens a page where a resident, without an account, leaves the cadre
a message (kept as a ResidentMessage until the demand ledger routes it).

The household detail panel is registered when this module is imported, that
is when the URLconf loads, before any household page is served.
"""

import hashlib

import segno
from axes.helpers import get_client_ip_address
from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.core.cache import cache
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from contact import captcha
from contact.models import Pairing, ReceptionSchedule, ResidentMessage
from households.models import Area
from households.panels import register_detail_panel
from households.validators import validate_phone

CARDS_PER_SHEET = 4  # A6-sized cards, two by two on an A4 sheet

# Resident messages: (what is counted, how many, per how many seconds).
RESIDENT_LIMIT_PER_ADDRESS = (5, 60 * 60)
RESIDENT_LIMIT_PER_CARD = (20, 24 * 60 * 60)


# --- Card data -----------------------------------------------------------------


def _get_pairing_for_user(user, pk) -> Pairing:
    """A pairing with a cadre the user may see; a 404 otherwise."""
    return get_object_or_404(
        Pairing.objects.visible_to(user)
        .filter(cadre__isnull=False)
        .select_related("cadre", "household__area", "area")
        .prefetch_related("promises"),
        pk=pk,
    )


def _township_code(pairing) -> str | None:
    area = pairing.household.area if pairing.household_id else pairing.area
    length = Area.CODE_LENGTHS[Area.Level.TOWNSHIP]
    return area.code[:length] if area and len(area.code) >= length else None


def reception_days(township_code: str | None) -> list[ReceptionSchedule]:
    """The township's reception days: public information, printed on every card."""
    if not township_code:
        return []
    return list(ReceptionSchedule.objects.filter(area__code=township_code).order_by("weekday"))


def resident_url(request, pairing) -> str:
    return request.build_absolute_uri(
        reverse("contact:resident_message", args=[pairing.card_token])
    )


def qr_svg(url: str) -> str:
    """The QR code as inline SVG, sized by CSS (no width/height, a viewBox instead)."""
    # Only path data: the URL is encoded in the modules, never written out as text.
    return mark_safe(segno.make(url, error="m").svg_inline(omitsize=True, dark="#000"))  # noqa: S308


def _card(request, pairing, schedules) -> dict:
    url = resident_url(request, pairing)
    return {
        "pairing": pairing,
        "cadre": pairing.cadre,
        "household": pairing.household,
        "promises": list(pairing.promises.all()),
        "schedules": schedules,
        "resident_url": url,
        "qr": qr_svg(url),
        "photo_url": reverse("contact:card_photo", args=[pairing.pk])
        if pairing.cadre.photo
        else "",
    }


def _sheets(cards: list, size: int = CARDS_PER_SHEET) -> list[list]:
    return [cards[i : i + size] for i in range(0, len(cards), size)]


# --- Cadres' pages ---------------------------------------------------------------


@login_required
@permission_required("contact.view_pairing", raise_exception=True)
def card(request, pk):
    pairing = _get_pairing_for_user(request.user, pk)
    data = _card(request, pairing, reception_days(_township_code(pairing)))
    return render(
        request, "contact/cards/card.html", {"pairing": pairing, "sheets": _sheets([data])}
    )


@login_required
@permission_required("contact.view_pairing", raise_exception=True)
def village_cards(request, area_pk):
    """Every active household pairing's card in a village, four to an A4 sheet."""
    village = get_object_or_404(Area, pk=area_pk, level=Area.Level.VILLAGE)
    pairings = list(
        Pairing.objects.visible_to(request.user)
        .active()
        .filter(
            kind=Pairing.Kind.HOUSEHOLD,
            cadre__isnull=False,
            household__area__code__startswith=village.code,
        )
        .select_related("cadre", "household__area", "area")
        .prefetch_related("promises")
        .order_by("household__area__code", "household__house_number", "household__pk")
    )
    # A village the user neither covers nor has a paired household in does not exist for them.
    if not pairings and not Area.objects.visible_to(request.user).filter(pk=village.pk).exists():
        raise Http404
    schedules = reception_days(village.code[: Area.CODE_LENGTHS[Area.Level.TOWNSHIP]])
    cards = [_card(request, p, schedules) for p in pairings]
    return render(
        request,
        "contact/cards/village_cards.html",
        {"village": village, "sheets": _sheets(cards), "count": len(cards)},
    )


@login_required
@permission_required("contact.view_pairing", raise_exception=True)
def card_photo(request, pk):
    """The cadre's photo for the card, to those who may see the pairing (media have no URL)."""
    pairing = _get_pairing_for_user(request.user, pk)
    if not pairing.cadre.photo:
        raise Http404
    try:
        handle = pairing.cadre.photo.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@register_detail_panel
def household_card_panel(request, household) -> str:
    """The household page shows its current contact card, or that no cadre is paired."""
    pairing = (
        Pairing.objects.current_for(household)
        .filter(cadre__isnull=False)
        .select_related("cadre", "household__area")
        .prefetch_related("promises")
        .first()
    )
    context = {"household": household, "pairing": pairing}
    if pairing is not None:
        context["card"] = _card(request, pairing, reception_days(_township_code(pairing)))
    return render_to_string("contact/cards/_household_card_panel.html", context, request=request)


# --- The resident's page ----------------------------------------------------------


class ResidentMessageForm(captcha.CaptchaForm):
    name = forms.CharField(
        label=_("Your name (optional)"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("Your phone (optional, if you would like a call back)"),
        max_length=20,
        required=False,
        validators=[validate_phone],
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    text = forms.CharField(
        label=_("Your message"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": 1000}),
        error_messages={"required": _("Please write your message.")},
    )

    field_order = ["name", "phone", "text", "captcha_answer", "captcha_token"]


def _limit_keys(request, pairing) -> list[tuple[str, int, int]]:
    address = get_client_ip_address(request) or "unknown"
    digest = hashlib.sha256(address.encode()).hexdigest()[:32]
    return [
        (f"resident-message:address:{digest}", *RESIDENT_LIMIT_PER_ADDRESS),
        (f"resident-message:card:{pairing.pk}", *RESIDENT_LIMIT_PER_CARD),
    ]


def _over_limit(keys) -> bool:
    return any((cache.get(key) or 0) >= limit for key, limit, _seconds in keys)


def _count(keys) -> None:
    for key, _limit, seconds in keys:
        # The window starts with the first message; add() keeps it from being reset.
        cache.add(key, 0, seconds)
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, seconds)


def _resident_page(request, template, pairing, status=200, **context):
    return render(
        request,
        f"contact/cards/{template}",
        {"cadre": pairing.cadre, **context},
        status=status,
    )


@never_cache
def resident_message(request, token):
    """What the card's QR code opens: the cadre's name, post and phone, and a message form.

    Nothing else about the pairing or the household is shown: whoever holds
    the card (or a photo of it) sees only what is printed on it.
    """
    pairing = (
        Pairing.objects.select_related("cadre", "household__area", "area")
        .filter(card_token=token, cadre__isnull=False)
        .first()
    )
    if pairing is None:
        raise Http404
    if pairing.end_date is not None and pairing.end_date <= timezone.localdate():
        return render(
            request,
            "contact/cards/resident_ended.html",
            {"schedules": reception_days(_township_code(pairing))},
            status=410,
        )

    if request.method == "POST":
        posted_token = request.POST.get("captcha_token", "")
        if captcha.used_state(posted_token) == captcha.ACCEPTED:
            # A retry of a message already received: answer as the first time did.
            return _resident_page(request, "resident_thanks.html", pairing)
        form = ResidentMessageForm(request.POST, purpose=token)
        if form.is_valid():
            keys = _limit_keys(request, pairing)
            if _over_limit(keys):
                return _resident_page(
                    request,
                    "resident_limited.html",
                    pairing,
                    status=429,
                    schedules=reception_days(_township_code(pairing)),
                )
            token = form.cleaned_data["captcha_token"]
            message = None
            if captcha.claim(token):
                try:
                    message = ResidentMessage.objects.create(
                        pairing=pairing,
                        name=form.cleaned_data["name"],
                        phone=form.cleaned_data["phone"],
                        text=form.cleaned_data["text"],
                    )
                except Exception:
                    captcha.release(token)  # not received: a retry must be able to send it
                    raise
                _count(keys)
            # The demand ledger, listening, leaves the demand's reference on the message.
            return _resident_page(
                request,
                "resident_thanks.html",
                pairing,
                reference=getattr(message, "demand_reference", ""),
                phone_given=bool(message and message.phone),
            )
    else:
        form = ResidentMessageForm(purpose=token)
    return _resident_page(
        request, "resident_message.html", pairing, form=form, card_token=pairing.card_token
    )


urlpatterns = [
    path("cards/<int:pk>/", card, name="card"),
    path("cards/<int:pk>/photo/", card_photo, name="card_photo"),
    path("cards/village/<int:area_pk>/", village_cards, name="village_cards"),
    path("c/<str:token>/", resident_message, name="resident_message"),
]
