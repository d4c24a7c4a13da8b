"""Reception days (接待日) and suggestion boxes (意见箱), seed 004.

"Every Wednesday is market day, and a leader receives residents": a roster
per township of who is on duty on which date, each resident received logged
as a visit. "The party office opens the box": each opening records how many
opinions it held, and each opinion is logged as a visit against it.
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contact.forms_help import (
    BoxOpeningForm,
    DutyFormSet,
    DutyPeriodForm,
    ReceptionScheduleForm,
    SuggestionBoxForm,
    duty_leaders,
)
from contact.models import (
    Cadre,
    ReceptionDuty,
    ReceptionSchedule,
    SuggestionBox,
    SuggestionBoxOpening,
    Visit,
)
from contact.views import int_param, query_without_page, require_perm
from households.models import Area

PAGE_SIZE = 20


def _get_schedule_for_user(user, pk) -> ReceptionSchedule:
    return get_object_or_404(
        ReceptionSchedule.objects.visible_to(user).select_related("area"), pk=pk
    )


def _get_duty_for_user(user, pk) -> ReceptionDuty:
    return get_object_or_404(
        ReceptionDuty.objects.visible_to(user).select_related("schedule__area", "leader"), pk=pk
    )


def _get_box_for_user(user, pk) -> SuggestionBox:
    return get_object_or_404(SuggestionBox.objects.visible_to(user).select_related("area"), pk=pk)


def _get_opening_for_user(user, pk) -> SuggestionBoxOpening:
    return get_object_or_404(
        SuggestionBoxOpening.objects.visible_to(user).select_related("box__area"), pk=pk
    )


# --- Reception days ---------------------------------------------------------------


@login_required
def reception(request):
    """The roster: each township's reception day, today's leader, the duties ahead and behind."""
    schedules = ReceptionSchedule.objects.visible_to(request.user).select_related("area")
    townships = Area.objects.filter(pk__in=schedules.values("area")).order_by("code")
    township = None
    township_pk = int_param(request, "township")
    if township_pk is not None:
        township = get_object_or_404(townships, pk=township_pk)
        schedules = schedules.filter(area=township)
    today = timezone.localdate()
    duties = (
        ReceptionDuty.objects.visible_to(request.user)
        .filter(schedule__in=schedules)
        .select_related("schedule__area", "leader")
        .annotate(received=Count("visits"))
    )
    past = request.GET.get("when") == "past"
    listed = (
        duties.filter(date__lt=today).order_by("-date", "schedule__area__code")
        if past
        else duties.filter(date__gt=today).order_by("date", "schedule__area__code")
    )
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    when_query = request.GET.copy()
    for name in ("page", "when"):
        when_query.pop(name, None)
    return render(
        request,
        "contact/reception/roster.html",
        {
            "schedules": list(schedules),
            "townships": townships,
            "township": township,
            "today_duties": list(duties.filter(date=today)),
            "past": past,
            "page": page,
            "query": query_without_page(request),
            "when_query": when_query.urlencode(),
            "today": today,
        },
    )


@login_required
def reception_schedule_create(request):
    require_perm(request.user, "contact.add_receptionschedule")
    return _schedule_form(request, ReceptionSchedule())


@login_required
def reception_schedule_edit(request, pk):
    schedule = _get_schedule_for_user(request.user, pk)
    require_perm(request.user, "contact.change_receptionschedule")
    return _schedule_form(request, schedule)


def _schedule_form(request, schedule):
    form = ReceptionScheduleForm(request.POST or None, instance=schedule, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            schedule = form.save()
            messages.success(
                request, _("Reception day saved: %(schedule)s.") % {"schedule": schedule}
            )
            return redirect(f"{reverse('contact:reception')}?township={schedule.area_id}")
        status = 400
    return render(
        request,
        "contact/reception/schedule_form.html",
        {"form": form, "schedule": schedule},
        status=status,
    )


def reception_duties_create(*, schedule, chosen) -> list[ReceptionDuty]:
    """All the dates or none: a clash with a duty saved meanwhile undoes the whole batch."""
    with transaction.atomic():
        return [
            ReceptionDuty.objects.create(schedule=schedule, date=day, leader=leader)
            for day, leader in chosen
        ]


@login_required
def reception_duties_generate(request, pk):
    """Put a leader on each of the next N reception days; dates already covered are shown, not offered."""
    schedule = _get_schedule_for_user(request.user, pk)
    require_perm(request.user, "contact.add_receptionduty")
    leaders = duty_leaders(request.user, schedule.area)
    today = timezone.localdate()
    period = DutyPeriodForm(
        request.GET if "weeks" in request.GET else {"start": today.isoformat(), "weeks": 4}
    )
    dates = period.dates(schedule.weekday) if period.is_valid() else []
    existing = list(schedule.duties.filter(date__in=dates).select_related("leader"))
    taken = {duty.date for duty in existing}
    status = 200
    if request.method == "POST":
        formset = DutyFormSet(request.POST, prefix="duty", schedule=schedule, leaders=leaders)
        if formset.is_valid():
            try:
                created = reception_duties_create(schedule=schedule, chosen=formset.chosen())
            except IntegrityError:
                messages.error(
                    request,
                    _(
                        "Someone put a leader on one of these dates meanwhile; nothing was saved. "
                        "Check the roster and try again."
                    ),
                )
            else:
                messages.success(
                    request,
                    _("%(n)d reception duties added to %(schedule)s.")
                    % {"n": len(created), "schedule": schedule},
                )
                return redirect(f"{reverse('contact:reception')}?township={schedule.area_id}")
        status = 400
    else:
        formset = DutyFormSet(
            prefix="duty",
            schedule=schedule,
            leaders=leaders,
            initial=[{"date": day} for day in dates if day not in taken],
        )
    return render(
        request,
        "contact/reception/duties_generate.html",
        {
            "schedule": schedule,
            "period": period,
            "formset": formset,
            "existing": existing,
            "has_leaders": leaders.exists(),
        },
        status=status,
    )


@login_required
def reception_duty(request, pk):
    """One reception day: who was on duty and the residents received."""
    duty = _get_duty_for_user(request.user, pk)
    visits = (
        Visit.objects.visible_to(request.user)
        .filter(reception_duty=duty)
        .select_related("household", "cadre")
        .prefetch_related("corrections")
        .order_by("visited_at")
    )
    page = Paginator(visits, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "contact/reception/duty_detail.html",
        {
            "duty": duty,
            "page": page,
            "query": query_without_page(request),
            "received": duty.visits.count(),
            "today": timezone.localdate(),
        },
    )


@require_POST
@login_required
def reception_duty_delete(request, pk):
    duty = _get_duty_for_user(request.user, pk)
    require_perm(request.user, "contact.delete_receptionduty")
    if duty.visits.exists():
        messages.error(
            request,
            _("Residents were received on this duty; it stays on the roster as evidence."),
        )
    else:
        duty.delete()
        messages.success(
            request,
            _("Duty of %(name)s on %(date)s removed from the roster.")
            % {"name": duty.leader.name, "date": duty.date.isoformat()},
        )
    return redirect(f"{reverse('contact:reception')}?township={duty.schedule.area_id}")


# --- Suggestion boxes ---------------------------------------------------------------


def _is_keyholder(user, box) -> bool:
    return any(k.user_id == user.pk for k in box.keyholders.all())


def _may_open(user, box) -> bool:
    """Keyholders record openings; leaders who set up boxes may too."""
    if user.has_perm("contact.add_suggestionbox"):
        return True
    return user.has_perm("contact.add_suggestionboxopening") and _is_keyholder(user, box)


def _with_due_date(box, now):
    if box.last_opened is None:
        box.next_due, box.overdue = None, True
    else:
        box.next_due = box.last_opened + timedelta(days=box.opening_interval_days)
        box.overdue = box.next_due < now
    return box


@login_required
def boxes(request):
    """Each box in scope: keyholders, interval, last opening, and when the next one is due."""
    boxes = (
        SuggestionBox.objects.visible_to(request.user)
        .select_related("area__parent")
        .prefetch_related(Prefetch("keyholders", queryset=Cadre.objects.order_by("name")))
        .annotate(last_opened=Max("openings__opened_at"), opening_count=Count("openings"))
        .order_by("area__code", "place", "pk")
    )
    area_pk = int_param(request, "area")
    area = None
    if area_pk is not None:
        area = get_object_or_404(Area.objects.visible_to(request.user), pk=area_pk)
        boxes = boxes.filter(area__code__startswith=area.code)
    page = Paginator(boxes, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    for box in page.object_list:
        _with_due_date(box, now)
        box.may_open = _may_open(request.user, box)
    return render(
        request,
        "contact/reception/boxes.html",
        {
            "page": page,
            "area": area,
            "areas": Area.objects.visible_to(request.user)
            .filter(level__in=[Area.Level.TOWNSHIP, Area.Level.VILLAGE])
            .filter(suggestion_boxes__isnull=False)
            .distinct(),
            "query": query_without_page(request),
        },
    )


@login_required
def box_detail(request, pk):
    box = _get_box_for_user(request.user, pk)
    openings = (
        box.openings.annotate(logged=Count("visits"))
        .prefetch_related("opened_by")
        .order_by("-opened_at")
    )
    page = Paginator(openings, PAGE_SIZE).get_page(request.GET.get("page"))
    box.last_opened = box.openings.aggregate(last=Max("opened_at"))["last"]
    _with_due_date(box, timezone.now())
    return render(
        request,
        "contact/reception/box_detail.html",
        {
            "box": box,
            "keyholders": box.keyholders.order_by("name"),
            "page": page,
            "query": query_without_page(request),
            "may_open": _may_open(request.user, box),
        },
    )


@login_required
def box_create(request):
    require_perm(request.user, "contact.add_suggestionbox")
    return _box_form(request, SuggestionBox())


@login_required
def box_edit(request, pk):
    box = _get_box_for_user(request.user, pk)
    require_perm(request.user, "contact.change_suggestionbox")
    return _box_form(request, box)


def _box_form(request, box):
    form = SuggestionBoxForm(request.POST or None, instance=box, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            box = form.save()
            messages.success(request, _("Suggestion box saved: %(box)s.") % {"box": box})
            return redirect("contact:box_detail", pk=box.pk)
        status = 400
    return render(
        request, "contact/reception/box_form.html", {"form": form, "box": box}, status=status
    )


@login_required
def box_open(request, pk):
    """A keyholder records an opening: when, who opened it, how many opinions it held."""
    box = _get_box_for_user(request.user, pk)
    if not _may_open(request.user, box):
        raise PermissionDenied
    me = [k for k in box.keyholders.all() if k.user_id == request.user.pk]
    form = BoxOpeningForm(
        request.POST or None,
        instance=SuggestionBoxOpening(box=box),
        box=box,
        initial={
            "opened_at": timezone.localtime().replace(second=0, microsecond=0),
            "opened_by": me,
        },
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            opening = form.save()
            messages.success(
                request,
                _("Opening recorded: %(n)d opinions. Log each one now.")
                % {"n": opening.opinion_count},
            )
            return redirect("contact:box_opening", pk=opening.pk)
        status = 400
    return render(
        request, "contact/reception/box_open.html", {"form": form, "box": box}, status=status
    )


@login_required
def box_opening(request, pk):
    """The opinions of one opening logged so far, against how many the box held."""
    opening = _get_opening_for_user(request.user, pk)
    visits = (
        Visit.objects.visible_to(request.user)
        .filter(box_opening=opening)
        .select_related("household", "cadre")
        .prefetch_related("corrections")
        .order_by("created_at", "pk")
    )
    page = Paginator(visits, PAGE_SIZE).get_page(request.GET.get("page"))
    logged = opening.visits.count()
    return render(
        request,
        "contact/reception/opening_detail.html",
        {
            "opening": opening,
            "box": opening.box,
            "opened_by": opening.opened_by.order_by("name"),
            "page": page,
            "query": query_without_page(request),
            "logged": logged,
            "remaining": max(opening.opinion_count - logged, 0),
            "can_log": request.user.has_perm("contact.add_visit")
            and hasattr(request.user, "cadre"),
        },
    )


urlpatterns = [
    path("reception/", reception, name="reception"),
    path(
        "reception/schedules/new/",
        reception_schedule_create,
        name="reception_schedule_create",
    ),
    path(
        "reception/schedules/<int:pk>/edit/",
        reception_schedule_edit,
        name="reception_schedule_edit",
    ),
    path(
        "reception/schedules/<int:pk>/duties/new/",
        reception_duties_generate,
        name="reception_duties_generate",
    ),
    path("reception/duties/<int:pk>/", reception_duty, name="reception_duty"),
    path(
        "reception/duties/<int:pk>/delete/",
        reception_duty_delete,
        name="reception_duty_delete",
    ),
    path("boxes/", boxes, name="boxes"),
    path("boxes/new/", box_create, name="box_create"),
    path("boxes/<int:pk>/", box_detail, name="box_detail"),
    path("boxes/<int:pk>/edit/", box_edit, name="box_edit"),
    path("boxes/<int:pk>/open/", box_open, name="box_open"),
    path("boxes/openings/<int:pk>/", box_opening, name="box_opening"),
]
