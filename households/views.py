import tempfile

import xlsxwriter
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from households.forms import HouseholdFilterForm, HouseholdForm, IdNumberLookupForm, MemberForm
from households.models import AREA_CHAIN, ExportLog, Household, HouseholdCategory, Member
from households.panels import render_detail_panels
from households.resources import HouseholdResource

PAGE_SIZE = 20


def get_household_for_user(user, pk) -> Household:
    """The household if the user may see it; a 404 otherwise, never a 403 that confirms it exists."""
    return get_object_or_404(Household.objects.visible_to(user), pk=pk)


def _filtered_households(request):
    form = HouseholdFilterForm(request.GET or None, user=request.user)
    households = form.apply(Household.objects.visible_to(request.user))
    if not form.is_bound:
        households = households.order_by(*HouseholdFilterForm.SORTS["area"])
    return form, households


@sensitive_post_parameters("id_number")
@login_required
def household_list(request):
    if request.method == "POST":
        return _household_id_lookup(request)
    form, households = _filtered_households(request)
    households = households.with_area_names().prefetch_related(
        Prefetch("categories", queryset=HouseholdCategory.objects.all())
    )
    page = Paginator(households, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = (
        "households/_household_rows.html" if request.htmx else "households/household_list.html"
    )
    return render(
        request,
        template,
        {
            "form": form,
            "lookup": IdNumberLookupForm(),
            "page": page,
            "query": query.urlencode(),
            "total": page.paginator.count,
        },
    )


def _household_id_lookup(request):
    lookup = IdNumberLookupForm(request.POST)
    households = Household.objects.none()
    if lookup.is_valid():
        households = (
            Household.objects.visible_to(request.user)
            .with_id_number(lookup.cleaned_data["id_number"])
            .with_area_names()
            .prefetch_related("categories")
        )
    page = Paginator(households, PAGE_SIZE).get_page(1)
    return render(
        request,
        "households/household_list.html",
        {
            "form": HouseholdFilterForm(user=request.user),
            "lookup": lookup,
            "page": page,
            "query": "",
            "total": page.paginator.count,
        },
        status=200 if lookup.is_valid() else 400,
    )


@login_required
def household_detail(request, pk):
    household = get_object_or_404(
        Household.objects.visible_to(request.user).with_area_names(), pk=pk
    )
    members = household.members.all()
    for member in members:
        member.shown_id_number = member.id_number_for(request.user)
    return render(
        request,
        "households/household_detail.html",
        {
            "household": household,
            "members": members,
            "categories": household.categories.all(),
            "panels": render_detail_panels(request, household),
        },
    )


@login_required
@permission_required("households.add_household", raise_exception=True)
def household_create(request):
    return _household_form(request, Household())


@login_required
@permission_required("households.change_household", raise_exception=True)
def household_edit(request, pk):
    return _household_form(request, get_household_for_user(request.user, pk))


def _household_form(request, household):
    form = HouseholdForm(request.POST or None, instance=household, user=request.user)
    if request.method == "POST" and form.is_valid():
        household = form.save()
        messages.success(request, _("Household %(name)s saved.") % {"name": household.head_name})
        return redirect(household)
    return render(request, "households/household_form.html", {"form": form, "household": household})


@sensitive_post_parameters("id_number")
@login_required
@permission_required("households.change_member", raise_exception=True)
def member_edit(request, pk, member_pk=None):
    household = get_household_for_user(request.user, pk)
    if member_pk is None and not request.user.has_perm("households.add_member"):
        raise PermissionDenied
    member = (
        get_object_or_404(household.members, pk=member_pk)
        if member_pk
        else Member(household=household)
    )
    form = MemberForm(request.POST or None, instance=member)
    if member.pk:
        form.fields["id_number"].help_text = _(
            "On record: %(masked)s. Type a new number to replace it."
        ) % {"masked": member.masked_id_number or _("none")}
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Member %(name)s saved.") % {"name": member.name})
        return redirect(household)
    return render(
        request,
        "households/member_form.html",
        {"form": form, "household": household, "member": member},
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEMBER_HEADERS = [
    "村(组)",
    "门牌号",
    "户主",
    "姓名",
    "与户主关系",
    "性别",
    "出生日期",
    "身份证号",
    "电话",
    "党员",
]


@login_required
def household_export(request):
    """The filtered list as a spreadsheet; full ID numbers only for those allowed, and logged."""
    form, households = _filtered_households(request)
    if request.GET.get("what") == "members":
        with_ids = request.user.has_perm("households.export_id_number")
        content, rows = member_roster(households, with_id_numbers=with_ids)
        what = "members"
    else:
        households = households.with_area_names().prefetch_related("categories")
        dataset = HouseholdResource().export(queryset=households)
        content, rows = dataset.export("xlsx"), len(dataset)
        with_ids, what = False, "households"
    ExportLog.objects.create(
        user=request.user,
        what=what,
        row_count=rows,
        filters=form.describe()[:500],
        with_id_numbers=with_ids,
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if hasattr(content, "read"):
        return FileResponse(
            content, as_attachment=True, filename=f"{what}-{stamp}.xlsx", content_type=XLSX
        )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{what}-{stamp}.xlsx"'
    return response


def member_roster(households, *, with_id_numbers: bool):
    """家庭成员花名册: one row a member; ID numbers in full only when allowed, masked otherwise.

    Written row by row with XlsxWriter's constant-memory mode into a temporary
    file, so a whole county's roster never sits in memory. Returns the open
    file and the number of rows.
    """
    out = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True})
    sheet = workbook.add_worksheet(str(_("Members")))
    sheet.write_row(0, 0, MEMBER_HEADERS)
    members = (
        Member.objects.filter(household__in=households)
        .select_related("household__" + AREA_CHAIN)
        .order_by("household__area__code", "household__house_number", "household_id", "pk")
    )
    rows = 0
    for rows, m in enumerate(members.iterator(chunk_size=1000), start=1):
        sheet.write_row(
            rows,
            0,
            [
                m.household.area.full_name,
                m.household.house_number,
                m.household.head_name,
                m.name,
                m.get_relation_display(),
                m.get_sex_display(),
                m.birth_date.isoformat() if m.birth_date else "",
                m.id_number if with_id_numbers else m.masked_id_number,
                m.phone,
                _("yes") if m.is_party_member else "",
            ],
        )
    workbook.close()
    out.seek(0)
    return out, rows
