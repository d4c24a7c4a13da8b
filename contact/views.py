import uuid
from datetime import date

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contact import services
from contact.forms import (
    AssistanceFormSet,
    BulkPairingForm,
    HandoverForm,
    LoginForm,
    OwnPasswordChangeForm,
    ReassignForm,
    VisitCorrectionForm,
    VisitEditForm,
    VisitForm,
)
from contact.forms_help import parse_month
from contact.models import (
    Cadre,
    HelpPlan,
    Pairing,
    ReceptionDuty,
    ResidentMessage,
    SuggestionBoxOpening,
    Visit,
    VisitPhoto,
)
from households.models import Area, Household
from households.panels import register_detail_panel, render_panels
from households.views import get_household_for_user

PAGE_SIZE = 20


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = OwnPasswordChangeForm
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password has been changed."))
        return response


def require_perm(user, perm: str) -> None:
    """Checked after the record is found in scope, so that outside it the answer stays a 404."""
    if not user.has_perm(perm):
        raise PermissionDenied


def int_param(request, name: str) -> int | None:
    """An optional whole-number query parameter; anything else is a 404, not a 500."""
    value = request.GET.get(name, "")
    if not value:
        return None
    if not value.isdecimal():  # isdigit() lets "²" through to int()
        raise Http404
    return int(value)


def query_without_page(request) -> str:
    """The list's query string for its paging links: every filter, without the page."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _cadre_or_404(user) -> Cadre:
    cadre = getattr(user, "cadre", None)
    if cadre is None:
        raise Http404(_("Only cadres keep a 民情日志."))
    return cadre


def _get_visit_for_user(user, pk) -> Visit:
    return get_object_or_404(
        Visit.objects.visible_to(user).select_related("cadre", "household", "area"), pk=pk
    )


@login_required
def home(request):
    """A cadre's phone home: "my households", most overdue first; others get their area's figures."""
    cadre = getattr(request.user, "cadre", None)
    pairings = Pairing.objects.none()
    if cadre is not None:
        pairings = (
            Pairing.objects.active()
            .filter(cadre=cadre, kind=Pairing.Kind.HOUSEHOLD)
            .select_related("household__area__parent__parent__parent")
            .prefetch_related("household__categories")
            .order_by(
                "next_visit_due", "household__head_name"
            )  # NULL sorts first on SQLite, last on PostgreSQL; every pairing has a due date
        )
        q = request.GET.get("q", "").strip()
        if q:
            pairings = pairings.filter(
                Q(household__head_name__icontains=q)
                | Q(household__search_initials__startswith=q.lower())
                | Q(household__house_number__icontains=q)
            )
    households = Household.objects.visible_to(request.user)
    context = {
        "cadre": cadre,
        "pairings": Paginator(pairings, 30).get_page(request.GET.get("page")) if cadre else None,
        "today": timezone.localdate(),
        "q": request.GET.get("q", ""),
        "household_count": households.count(),
        "village_count": Area.objects.visible_to(request.user)
        .filter(level=Area.Level.VILLAGE)
        .count(),
        "by_category": households.values("categories__pk", "categories__name")
        .annotate(n=Count("pk", distinct=True))
        .exclude(categories__pk=None)
        .order_by("-n"),
        "recent_visits": Visit.objects.filter(cadre=cadre).select_related("household")[:5]
        if cadre
        else [],
        "unread_messages": ResidentMessage.objects.filter(
            pairing__cadre=cadre, read_at__isnull=True
        ).count()
        if cadre
        else 0,
        "panels": render_panels("home", request, request.user),
    }
    return render(request, "contact/home.html", context)


# --- 民情日志 ------------------------------------------------------------------


@login_required
@permission_required("contact.add_visit", raise_exception=True)
def visit_create(request):
    """Log a visit. The form carries an idempotency key, so no send ever records it twice."""
    cadre = _cadre_or_404(request.user)
    source = request.POST if request.method == "POST" else request.GET
    if any(not (source.get(name) or "0").isdecimal() for name in ("household", "duty", "opening")):
        raise Http404  # a mangled id is a record that does not exist, not a 500
    initial = {"visited_at": timezone.localtime().replace(second=0, microsecond=0)}
    household = None
    if source.get("household"):
        household = get_household_for_user(request.user, source.get("household"))
        initial["household"] = household
    extra_fields = {}
    if source.get("duty"):
        duty = get_object_or_404(
            ReceptionDuty.objects.visible_to(request.user).select_related("schedule"),
            pk=source["duty"],
        )
        if duty.leader_id != cadre.pk and not request.user.has_perm("contact.add_receptionduty"):
            raise PermissionDenied
        extra_fields["reception_duty"] = duty
        initial.update(method=Visit.Method.RECEPTION, area=duty.schedule.area)
    if source.get("opening"):
        opening = get_object_or_404(
            SuggestionBoxOpening.objects.visible_to(request.user).select_related("box"),
            pk=source["opening"],
        )
        keyholder = (
            opening.box.keyholders.filter(pk=cadre.pk).exists()
            or opening.opened_by.filter(pk=cadre.pk).exists()
        )
        if not keyholder and not request.user.has_perm("contact.add_suggestionbox"):
            raise PermissionDenied
        extra_fields["box_opening"] = opening
        initial.update(method=Visit.Method.SUGGESTION_BOX, area=opening.box.area)

    if request.method == "POST":
        try:
            key = uuid.UUID(request.POST.get("idempotency_key", ""))
        except ValueError:
            key = None
        existing = Visit.objects.filter(idempotency_key=key, cadre=cadre).first() if key else None
        if existing is not None:
            # Sent before (double tap, retry, draft resent): show what was recorded.
            return redirect(existing)
        form = VisitForm(request.POST, request.FILES, user=request.user)
        formset = AssistanceFormSet(request.POST, prefix="assist")
        if key is None:
            form.add_error(None, _("This form has expired; please reload the page and send again."))
        elif form.is_valid() and formset.is_valid():
            assistance = [f.cleaned_data for f in formset if f.has_changed() and f.cleaned_data]
            fields = {**form.visit_fields(), **extra_fields}
            if assistance and fields.get("household") is None:
                form.add_error(None, _("Assistance can be recorded only for a household."))
            else:
                draft = services.VisitDraft(
                    fields=fields,
                    photos=form.cleaned_data.get("photos") or [],
                    signature_data_url=form.cleaned_data.get("signature", ""),
                    assistance=assistance,
                )
                try:
                    visit, created = services.visit_create(
                        cadre=cadre, idempotency_key=key, draft=draft
                    )
                except ValidationError as error:
                    form.add_error("photos", error)
                else:
                    if created:
                        messages.success(request, _("Visit recorded."))
                    return redirect(visit)
        status = 400
    else:
        key = uuid.uuid4()
        form = VisitForm(user=request.user, initial=initial)
        formset = AssistanceFormSet(prefix="assist")
        status = 200
    return render(
        request,
        "contact/visit_form.html",
        {
            "form": form,
            "formset": formset,
            "household": household,
            "idempotency_key": key or uuid.uuid4(),
            "duty": extra_fields.get("reception_duty"),
            "opening": extra_fields.get("box_opening"),
        },
        status=status,
    )


@login_required
def visit_detail(request, pk):
    visit = _get_visit_for_user(request.user, pk)
    history = None
    if request.user.has_perm("contact.view_visit") and (
        request.user.is_staff or visit.cadre.user_id == request.user.pk
    ):
        history = visit.history.select_related("history_user").order_by("-history_date")[:20]
    return render(
        request,
        "contact/visit_detail.html",
        {
            "visit": visit,
            "photos": visit.photos.all(),
            "corrections": visit.corrections.select_related("author"),
            "assistance": visit.assistance.all(),
            "editable": visit.editable_by(request.user),
            "correctable": visit.correctable_by(request.user),
            "history": history,
            "panels": render_panels("visit", request, visit),
        },
    )


@login_required
def visit_edit(request, pk):
    visit = _get_visit_for_user(request.user, pk)
    if not visit.editable_by(request.user):
        messages.warning(request, _("The edit period is over; write a correction instead."))
        return redirect("contact:visit_correct", pk=visit.pk)
    form = VisitEditForm(request.POST or None, instance=visit, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.visit_update(visit=visit, user=request.user, fields=form.visit_fields())
        messages.success(request, _("Visit updated."))
        return redirect(visit)
    return render(request, "contact/visit_edit.html", {"form": form, "visit": visit})


@login_required
def visit_correct(request, pk):
    visit = _get_visit_for_user(request.user, pk)
    if not visit.correctable_by(request.user):
        if visit.editable_by(request.user):
            return redirect("contact:visit_edit", pk=visit.pk)
        raise Http404
    current = visit.current
    form = VisitCorrectionForm(
        request.POST or None,
        initial={
            "situation": current.situation,
            "action": current.action,
            "next_step": current.next_step,
            "next_step_date": current.next_step_date,
        },
    )
    if request.method == "POST" and form.is_valid():
        services.visit_correct(visit=visit, user=request.user, **form.cleaned_data)
        messages.success(
            request, _("Correction recorded; the original stays visible to reviewers.")
        )
        return redirect(visit)
    return render(request, "contact/visit_correct.html", {"form": form, "visit": visit})


@login_required
def visit_photo(request, pk, size):
    """Photos are served only to those who may see the visit."""
    photo = get_object_or_404(
        VisitPhoto.objects.filter(visit__in=Visit.objects.visible_to(request.user)), pk=pk
    )
    field = photo.thumbnail if size == "thumb" else photo.image
    response = FileResponse(field.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=86400"
    return response


@login_required
def visit_signature(request, pk):
    visit = _get_visit_for_user(request.user, pk)
    if not visit.signature:
        raise Http404
    response = FileResponse(visit.signature.open("rb"), content_type="image/png")
    response["Cache-Control"] = "private, max-age=86400"
    return response


@login_required
def my_log(request):
    """我的民情日志: a cadre's visits of one month, printable like the notebook it replaces."""
    cadre = _cadre_or_404(request.user)
    month = parse_month(request.GET.get("month", "")) or timezone.localdate().replace(day=1)
    next_month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    previous_month = date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)
    visits = (
        Visit.objects.filter(
            cadre=cadre,
            visited_at__date__gte=month,
            visited_at__date__lt=next_month,
        )
        .select_related("household", "area")
        .prefetch_related("corrections", "photos", "assistance")
        .order_by("visited_at")
    )
    return render(
        request,
        "contact/my_log.html",
        {
            "cadre": cadre,
            "month": month,
            "previous_month": previous_month,
            "next_month": next_month if next_month <= timezone.localdate() else None,
            "visits": visits,
        },
    )


def _timeline(household, limit=None):
    """Visits and assistance of a household, newest first."""
    visits = (
        household.visits.select_related("cadre")
        .prefetch_related("photos", "corrections", "assistance")
        .order_by("-visited_at")
    )
    assistance = household.assistance.filter(visit__isnull=True).select_related("given_by")
    if limit:
        visits, assistance = visits[:limit], assistance[:limit]
    entries = [(timezone.localdate(v.visited_at), "visit", v) for v in visits]
    entries += [(a.date, "assistance", a) for a in assistance]
    entries.sort(key=lambda entry: entry[0], reverse=True)
    return entries[:limit] if limit else entries


@login_required
def household_timeline(request, pk):
    household = get_household_for_user(request.user, pk)
    page = Paginator(_timeline(household), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "contact/household_timeline.html", {"household": household, "page": page}
    )


@register_detail_panel
def household_panel(request, household) -> str:
    """The household page's pairing, next visit due and latest entries of its timeline."""
    pairing = (
        Pairing.objects.current_for(household)
        .select_related("cadre")
        .prefetch_related("promises")
        .first()
    )
    return render_to_string(
        "contact/_household_panel.html",
        {
            "household": household,
            "pairing": pairing,
            "entries": _timeline(household, limit=10),
        },
        request=request,
    )


@login_required
def resident_messages(request):
    """Messages residents left through the QR code of a contact card, newest first."""
    messages_qs = (
        ResidentMessage.objects.visible_to(request.user)
        .select_related("pairing__cadre", "pairing__household__area")
        .order_by("read_at", "-created_at")
    )
    if request.GET.get("mine") or not request.user.has_perm("contact.view_pairing"):
        messages_qs = messages_qs.filter(pairing__cadre__user=request.user)
    page = Paginator(messages_qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "contact/resident_messages.html", {"page": page})


@require_POST
@login_required
@permission_required("contact.change_residentmessage", raise_exception=True)
def resident_message_read(request, pk):
    message = get_object_or_404(ResidentMessage.objects.visible_to(request.user), pk=pk)
    if message.read_at is None:
        ResidentMessage.objects.filter(pk=message.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    return redirect("contact:resident_messages")


# --- Pairing -----------------------------------------------------------------


@login_required
@permission_required("contact.add_pairing", raise_exception=True)
def pairing_bulk(request):
    """Choose a cadre, pick households by village and category, confirm."""
    form = BulkPairingForm(request.POST or request.GET or None, user=request.user)
    households = Household.objects.none()
    if form.is_bound and form.is_valid():
        households = (
            Household.objects.visible_to(request.user)
            .select_related("area")
            .prefetch_related("categories")
        )
        if form.cleaned_data.get("area"):
            households = households.filter(area__code__startswith=form.cleaned_data["area"].code)
        if form.cleaned_data.get("category"):
            households = households.filter(categories=form.cleaned_data["category"])
        if form.cleaned_data.get("only_unpaired"):
            households = households.exclude(
                pk__in=Pairing.objects.active()
                .filter(kind=Pairing.Kind.HOUSEHOLD)
                .values("household")
            )
        if request.method == "POST" and "confirm" in request.POST:
            ticked = [pk for pk in request.POST.getlist("households") if pk.isdecimal()]
            chosen = households.filter(pk__in=ticked)
            if not chosen.exists():
                messages.error(request, _("Tick at least one household."))
            else:
                counts = services.pairing_assign_households(
                    cadre=form.cleaned_data["cadre"],
                    households=list(chosen),
                    start_date=form.cleaned_data["start_date"],
                    promises=form.promise_lines(),
                    by=request.user,
                )
                messages.success(
                    request,
                    _(
                        "%(created)d households paired with %(name)s (%(reassigned)d taken over from another cadre, %(unchanged)d already theirs)."
                    )
                    % {**counts, "name": form.cleaned_data["cadre"].name},
                )
                return redirect(
                    reverse("contact:pairing_bulk") + f"?cadre={form.cleaned_data['cadre'].pk}"
                )
    return render(
        request,
        "contact/pairing_bulk.html",
        {"form": form, "households": households.order_by("area__code", "house_number")[:300]},
    )


@require_POST
@login_required
@permission_required("contact.change_pairing", raise_exception=True)
def pairing_end(request, pk):
    pairing = get_object_or_404(
        Pairing.objects.visible_to(request.user), pk=pk, end_date__isnull=True
    )
    services.pairing_end(pairing=pairing, reason=request.POST.get("reason", "")[:100] or _("Ended"))
    messages.success(request, _("Pairing ended; its history is kept."))
    return redirect(pairing.household or "home")


@login_required
@permission_required("contact.add_pairing", raise_exception=True)
def household_reassign(request, pk):
    household = get_household_for_user(request.user, pk)
    form = ReassignForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.pairing_assign_households(
            cadre=form.cleaned_data["cadre"],
            households=[household],
            start_date=form.cleaned_data["start_date"],
            by=request.user,
        )
        messages.success(
            request,
            _("%(household)s is now paired with %(name)s.")
            % {"household": household, "name": form.cleaned_data["cadre"].name},
        )
        return redirect(household)
    return render(
        request, "contact/household_reassign.html", {"form": form, "household": household}
    )


@login_required
@permission_required("contact.add_pairing", raise_exception=True)
def handover(request):
    """A transferred cadre's pairings move to the successor in one step."""
    form = HandoverForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        created = services.cadre_handover(
            from_cadre=form.cleaned_data["from_cadre"],
            to_cadre=form.cleaned_data["to_cadre"],
            on=form.cleaned_data["on"],
            by=request.user,
            within=Pairing.objects.visible_to(request.user),
        )
        messages.success(request, _("%(n)d pairings handed over.") % {"n": len(created)})
        return redirect("contact:handover_sheet", cadre_pk=form.cleaned_data["to_cadre"].pk)
    return render(request, "contact/handover.html", {"form": form})


@login_required
def handover_sheet(request, cadre_pk):
    """交接单: per household, what the successor takes on."""
    cadre = get_object_or_404(Cadre.objects.visible_to(request.user), pk=cadre_pk)
    last_visits = (
        Visit.objects.order_by("-visited_at")
        .select_related("cadre")
        .prefetch_related("corrections")
    )
    pairings = (
        Pairing.objects.visible_to(request.user)
        .active()
        .filter(cadre=cadre, kind=Pairing.Kind.HOUSEHOLD)
        .select_related("household__area__parent__parent__parent")
        .prefetch_related(
            "promises",
            Prefetch("household__visits", queryset=last_visits, to_attr="visit_list"),
            Prefetch(
                "household__help_plans",
                queryset=HelpPlan.objects.exclude(
                    status__in=[HelpPlan.Status.DONE, HelpPlan.Status.DROPPED]
                ),
                to_attr="open_plans",
            ),
        )
        .order_by("household__area__code", "household__house_number")
    )
    households = [p.household for p in pairings]
    return render(
        request,
        "contact/handover_sheet.html",
        {
            "cadre": cadre,
            "pairings": pairings,
            # The ledgers add the open demands of these households.
            "panels": render_panels("handover", request, households),
        },
    )
