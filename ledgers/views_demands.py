"""Pages of the demand workflow (民生诉求): the list, recording, the detail with its steps, the figures.

They replace the 民生诉求台账 a village kept on paper (seed 002: one line per
demand, ranked 轻重缓急, with who handled it and when it was 销号) and the
hand tally behind seed 004's "received 200, handled 30, return-visited 35,
implemented 28". Every page reads demands through `visible_to(user)`; the
workflow's buttons come from `services.allowed_actions` and every step goes
through its service, which checks the same table again.
"""

import uuid
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contact.models import Visit
from contact.views import require_perm
from households.models import Area
from households.scope import scope_for
from households.views import get_household_for_user
from ledgers import selectors, services
from ledgers.forms_demands import (
    STEP_FORMS,
    DemandEditForm,
    DemandFilterForm,
    DemandForm,
    FiguresForm,
    new_demand_initial,
)
from ledgers.models import Demand, DemandAttachment, DemandEvent, ReturnVisit

PAGE_SIZE = 20
Action = DemandEvent.Action


def get_demand_for_user(user, pk) -> Demand:
    """The demand if the user may see it; a 404 otherwise, never a 403 that confirms it exists."""
    return get_object_or_404(
        Demand.objects.visible_to(user).select_related(
            "area__parent",
            "household__area",
            "visit",
            "cadre",
            "handler_cadre",
            "escalated_to",
            "recorded_by__cadre",
            "reviewed_by__cadre",
        ),
        pk=pk,
    )


def _can_record(user) -> bool:
    """Recording needs the permission and someone to answer for the demand: a cadre, or the office."""
    return user.has_perm("ledgers.add_demand") and (
        hasattr(user, "cadre") or user.is_staff or user.is_superuser
    )


def _decimal_param(source, name: str) -> int | None:
    value = source.get(name, "")
    if not value:
        return None
    if not value.isdecimal():
        raise Http404  # a mangled id is a record that does not exist, not a 500
    return int(value)


# --- The list ----------------------------------------------------------------------


@login_required
@permission_required("ledgers.view_demand", raise_exception=True)
def demand_list(request):
    """The 民生诉求台账 as a list: filtered, sorted, overdue lines marked, as leaders chase them."""
    form = DemandFilterForm(request.GET or None, user=request.user)
    demands = form.apply(
        Demand.objects.visible_to(request.user), figure_queryset=selectors.figure_queryset
    ).select_related("household", "area", "handler_cadre", "escalated_to")
    page = Paginator(demands, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for demand in page.object_list:
        demand.days_overdue = (today - demand.deadline).days if demand.is_overdue else 0
    query = request.GET.copy()
    query.pop("page", None)
    start, end = form.period()
    return render(
        request,
        "ledgers/demands/demand_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "total": page.paginator.count,
            "figure": form.chosen_figure,
            "figure_start": start,
            "figure_last_day": end - timedelta(days=1) if end else None,
            "can_record": _can_record(request.user),
        },
    )


# --- Recording ---------------------------------------------------------------------


@login_required
@permission_required("ledgers.add_demand", raise_exception=True)
def demand_create(request):
    """登记: a demand raised in a courtyard, at the reception day, by phone or from a visit.

    Guards against recording it twice: the same form sent again (its
    idempotency key), and the same problem raised again (an open demand of
    the household of the same kind), which is shown with a choice to add to it.
    """
    if not _can_record(request.user):
        raise PermissionDenied(_("Only cadres and the party office record demands."))
    source = request.POST if request.method == "POST" else request.GET
    visit = household = None
    visit_pk = _decimal_param(source, "visit")
    if visit_pk is not None:
        visit = get_object_or_404(
            Visit.objects.visible_to(request.user).select_related("household__area", "area"),
            pk=visit_pk,
        )
        household = visit.household
    household_pk = _decimal_param(source, "household")
    if household is None and household_pk is not None:
        household = get_household_for_user(request.user, household_pk)

    duplicate = None
    if request.method == "POST":
        form = DemandForm(request.POST, user=request.user, extra_household=household)
        key = _uuid_or_none(request.POST.get("idempotency_key"))
        existing = (
            Demand.objects.filter(idempotency_key=key, recorded_by=request.user).first()
            if key
            else None
        )
        if existing is not None:
            # Sent before (double tap, retry): show what was recorded.
            return redirect(existing)
        if form.is_valid():
            fields = form.record_kwargs()
            add_to = _decimal_param(request.POST, "add_to")
            if add_to is not None:
                return _add_to_existing(request, form, add_to, visit=visit)
            duplicate = services.open_duplicate(household=fields["household"], kind=fields["kind"])
            if duplicate is not None and not (
                Demand.objects.visible_to(request.user).filter(pk=duplicate.pk).exists()
            ):
                duplicate = None  # never show another area's demand; record this one
            if duplicate is None or form.cleaned_data.get("confirm_new"):
                demand, created = services.demand_record(by=request.user, visit=visit, **fields)
                if created:
                    messages.success(
                        request,
                        _("Demand %(reference)s recorded. It is due by %(deadline)s.")
                        % {
                            "reference": demand.reference,
                            "deadline": date_format(demand.deadline, "DATE_FORMAT"),
                        },
                    )
                return redirect(demand)
            status = 200  # not an error: a question
        else:
            status = 400
    else:
        form = DemandForm(
            user=request.user,
            extra_household=household,
            initial=new_demand_initial(household=household, visit=visit),
        )
        status = 200
    return render(
        request,
        "ledgers/demands/demand_form.html",
        {"form": form, "household": household, "visit": visit, "duplicate": duplicate},
        status=status,
    )


def _uuid_or_none(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(value or "")
    except ValueError:
        return None


def _add_to_existing(request, form, pk, *, visit=None):
    """The duplicate guard's "Add to it": the new description becomes a note on the open demand."""
    target = get_object_or_404(Demand.objects.visible_to(request.user), pk=pk)
    claim = f"demand-add-to:{form.cleaned_data['idempotency_key']}"
    if cache.add(claim, target.pk, 24 * 3600):
        try:
            services.demand_add_to(
                demand=target, by=request.user, note=form.cleaned_data["description"]
            )
        except ValidationError as error:
            cache.delete(claim)  # not added: sending it again must work
            form.add_error(None, error)
            return render(
                request,
                "ledgers/demands/demand_form.html",
                {
                    "form": form,
                    "household": form.cleaned_data.get("household"),
                    # Sent again from this page, the demand still points back to its visit.
                    "visit": visit,
                    "duplicate": None,
                },
                status=400,
            )
        except Exception:
            cache.delete(claim)
            raise
        messages.success(
            request,
            _("Added to demand %(reference)s: the resident raised it again.")
            % {"reference": target.reference},
        )
    # A second send of the same form adds nothing more.
    return redirect(target)


# --- The demand's page -------------------------------------------------------------------


def _detail_context(request, demand: Demand) -> dict:
    user = request.user
    concerned = {
        demand.cadre.user_id if demand.cadre_id else None,
        demand.handler_cadre.user_id if demand.handler_cadre_id else None,
    }
    return {
        "demand": demand,
        "actions": services.allowed_actions(user, demand),
        "events": demand.events.select_related("by__cadre"),
        "return_visits": demand.return_visits.select_related("by__cadre", "visit"),
        "attachments": demand.attachments.all(),
        "show_phone": user.has_perm("contact.view_pairing") or user.pk in concerned,
        "editable": demand.editable_by(user) and user.has_perm("ledgers.change_demand"),
        "can_correct": demand.is_locked and user.has_perm("ledgers.add_entrycorrection"),
        "days_overdue": (timezone.localdate() - demand.deadline).days if demand.is_overdue else 0,
    }


@login_required
def demand_detail(request, pk):
    """One line of the 民生诉求台账 with everything behind it: the whole trail, the resolution, 回访."""
    demand = get_demand_for_user(request.user, pk)
    require_perm(request.user, "ledgers.view_demand")
    return render(request, "ledgers/demands/demand_detail.html", _detail_context(request, demand))


def _refuse(request, demand: Demand, message: str, status: int):
    """The demand's page with why the step was refused: it shows where the demand is now."""
    context = _detail_context(request, demand)
    context["refusal"] = message
    return render(request, "ledgers/demands/demand_detail.html", context, status=status)


_DONE = {
    Action.ASSIGN: gettext_lazy("Assigned to %(handler)s."),
    Action.ESCALATE: gettext_lazy("Escalated to %(escalated)s."),
    Action.START: gettext_lazy("Marked as in progress."),
    Action.RESOLVE: gettext_lazy("Resolved; a return visit is now due."),
    Action.EXPLAIN: gettext_lazy("Explanation recorded; a return visit is now due."),
    Action.RETURN_VISIT: gettext_lazy("Return visit recorded."),
    Action.CLOSE: gettext_lazy("Closed (销号)."),
    Action.REOPEN: gettext_lazy("Reopened; the new deadline is %(deadline)s."),
}


@login_required
def demand_action(request, pk, action):
    """One step of the workflow: its small form (GET) and the step itself (POST).

    A step the user may not take is a 403 with the reason; a step the demand
    is no longer in a state for (someone else moved it meanwhile) is refused
    on the demand's page, which shows where it stands now.
    """
    demand = get_demand_for_user(request.user, pk)
    if action not in services.TRANSITION_SERVICES:
        raise Http404
    require_perm(request.user, "ledgers.view_demand")
    transition = services.TRANSITIONS[action]
    key = _uuid_or_none(request.POST.get("idempotency_key")) if request.method == "POST" else None
    claim = f"demand-step:{demand.pk}:{key}" if key else None
    if claim and cache.get(claim):
        # Sent before (double tap, retry): the step was taken; show where the demand stands,
        # rather than refusing a second step the first one made impossible (or repeating it).
        return redirect(demand)
    if demand.state not in transition.sources:
        return _refuse(
            request,
            demand,
            _("A demand that is “%(state)s” cannot be given “%(action)s”.")
            % {"state": demand.get_state_display(), "action": transition.label},
            status=409,
        )
    if not transition.allowed(request.user, demand):
        return _refuse(request, demand, _("You may not do this with this demand."), status=403)

    form_class = STEP_FORMS[action]
    if request.method == "POST":
        form = form_class(request.POST, request.FILES, user=request.user, demand=demand)
        if form.is_valid():
            if claim and not cache.add(claim, action, 24 * 3600):
                return redirect(demand)  # the same form, sent twice at once
            service = services.TRANSITION_SERVICES[action]
            try:
                result = service(demand=demand, by=request.user, **form.service_kwargs())
            except PermissionDenied:
                _release(claim)
                return _refuse(
                    request, demand, _("You may not do this with this demand."), status=403
                )
            except ValidationError as error:
                _release(claim)  # not taken: sending it again must work
                form.add_error(None, error)
            except Exception:
                _release(claim)
                raise
            else:
                _report_done(request, demand, action, result)
                return redirect(demand)
        status = 400
    else:
        form = form_class(user=request.user, demand=demand)
        status = 200
    return render(
        request,
        "ledgers/demands/demand_action.html",
        {
            "demand": demand,
            "form": form,
            "action": action,
            "transition": transition,
            "multipart": action == Action.RESOLVE,
            "confirm": action in (Action.CLOSE, Action.REOPEN),
        },
        status=status,
    )


def _release(claim: str | None) -> None:
    if claim:
        cache.delete(claim)


def _report_done(request, demand: Demand, action: str, result) -> None:
    demand.refresh_from_db()
    if isinstance(result, ReturnVisit) and result.reopens:
        messages.warning(
            request,
            _(
                "The resident is not satisfied or the problem is not solved: "
                "the demand is reopened, due by %(deadline)s."
            )
            % {"deadline": date_format(demand.deadline, "DATE_FORMAT")},
        )
        return
    text = _DONE[action] % {
        "handler": demand.handler_display,
        "escalated": demand.escalated_to or "",
        "deadline": date_format(demand.deadline, "DATE_FORMAT"),
    }
    if action == Action.RETURN_VISIT and demand.state == Demand.State.CLOSED:
        text = f"{text} {_DONE[Action.CLOSE]}"
    messages.success(request, text)


@login_required
def demand_edit(request, pk):
    """The author corrects what was recorded, until a reviewer approves it."""
    demand = get_demand_for_user(request.user, pk)
    require_perm(request.user, "ledgers.change_demand")
    if not demand.editable_by(request.user):
        if demand.is_locked and demand.recorded_by_id == request.user.pk:
            messages.warning(request, _("This demand is approved; write a correction instead."))
            try:
                return redirect("ledgers:entry_correct", "demands", demand.pk)
            except NoReverseMatch:  # no correction page in this installation: stay here
                return redirect(demand)
        raise PermissionDenied
    # The form gets its own copy: validating it writes the new values onto its instance,
    # and the service must see the urgency as it was to move the deadline.
    form = DemandEditForm(request.POST or None, instance=Demand.objects.get(pk=demand.pk))
    if request.method == "POST":
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in form.changed_data}
            if fields:
                services.demand_update(demand=demand, by=request.user, fields=fields)
                messages.success(request, _("Demand updated."))
            return redirect(demand)
        status = 400
    else:
        status = 200
    return render(
        request,
        "ledgers/demands/demand_edit.html",
        {"form": form, "demand": demand},
        status=status,
    )


@login_required
def demand_attachment(request, pk):
    """Photos and documents of a resolution are served only to those who may see the demand."""
    attachment = get_object_or_404(
        DemandAttachment.objects.filter(demand__in=Demand.objects.visible_to(request.user)),
        pk=pk,
    )
    # As for the demand's page: a scope alone (a cadre's account without a role) reads nothing.
    require_perm(request.user, "ledgers.view_demand")
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        filename=attachment.name,
    )
    response["Cache-Control"] = "private, max-age=86400"
    return response


# --- Figures ---------------------------------------------------------------------


def _breakdown_areas(user, area: Area | None) -> list[Area]:
    """The rows under the figures: a county's townships, a township's villages.

    Without a chosen area, the user's own: one scope area is broken down into
    its children; several (a cadre paired with villages elsewhere) are rows.
    """
    if area is not None:
        parents = [area]
    else:
        scope = scope_for(user)
        if scope.everything:
            parents = list(Area.objects.filter(level=Area.Level.COUNTY))
        else:
            parents = list(Area.objects.filter(code__in=scope.area_codes))
    if len(parents) != 1:
        return parents
    return list(
        parents[0]
        .children.filter(level__in=[Area.Level.TOWNSHIP, Area.Level.VILLAGE])
        .order_by("code")
    )


@login_required
@permission_required("ledgers.view_demand", raise_exception=True)
def demand_figures(request):
    """Seed 004's figures per area and period, counted from the records; each links to its list.

    Replaces the monthly tally a township office added up by hand.
    """
    form = FiguresForm(request.GET or None, user=request.user)
    today = timezone.localdate()
    start, end = form.bounds(today)
    area = form.values.get("area")
    scoped = Demand.objects.visible_to(request.user)
    list_url = reverse("ledgers:demand_list")

    def link_query(row_area: Area | None) -> dict:
        query = {}
        if start:
            query["from"] = start.isoformat()
        if end:
            query["to"] = (end - timedelta(days=1)).isoformat()
        if row_area is not None:
            query["area"] = str(row_area.pk)
        return query

    def cells(demands, row_area):
        base = link_query(row_area)
        return [
            {
                "figure": figure,
                "count": count,
                "url": f"{list_url}?{urlencode({'figure': figure.name, **base})}",
            }
            for figure, count in selectors.demand_figures(demands, start, end)
        ]

    totals = cells(scoped.in_area(area), area)
    rows = [
        {"area": child, "cells": cells(scoped.in_area(child), child)}
        for child in _breakdown_areas(request.user, area)
    ]
    return render(
        request,
        "ledgers/demands/demand_figures.html",
        {
            "form": form,
            "area": area,
            "start": start,
            "last_day": end - timedelta(days=1) if end else None,
            "totals": totals,
            "rows": rows,
            "figures": selectors.FIGURES,
            "period_name": form.period_name,
        },
    )


urlpatterns = [
    path("demands/", demand_list, name="demand_list"),
    path("demands/new/", demand_create, name="demand_create"),
    path("demands/figures/", demand_figures, name="demand_figures"),
    path("demands/attachments/<int:pk>/", demand_attachment, name="demand_attachment"),
    path("demands/<int:pk>/", demand_detail, name="demand_detail"),
    path("demands/<int:pk>/edit/", demand_edit, name="demand_edit"),
    path("demands/<int:pk>/<slug:action>/", demand_action, name="demand_action"),
]
