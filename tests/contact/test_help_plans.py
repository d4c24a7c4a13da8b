"""帮扶计划: "帮扶重点应放在房屋修缮、家具配置更新上" (seed 000) as a plan on the household's page."""

from datetime import date

import pytest
from django.urls import reverse

from contact.models import HelpPlan
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def household(personas):
    return HouseholdFactory(area=personas.village, head_name="刘永林")


@pytest.fixture
def outsider_household(personas):
    return HouseholdFactory(area=personas.outsider_village, head_name="王春发")


def plan_post(personas, **extra):
    data = {
        "goal": "房屋修缮、家具配置更新",
        "measures": "房屋面积较小，不适合发展养殖；帮助修缮房屋，更新家具。",
        "responsible": personas.cadre.pk,
        "target_date": "2026-12-31",
        "status": HelpPlan.Status.PLANNED,
    }
    data.update(extra)
    return data


def make_plan(household, cadre, **extra):
    return HelpPlan.objects.create(
        household=household,
        goal=extra.pop("goal", "发展蔬菜和生猪"),
        measures="帮助购买猪仔，联系蔬菜收购。",
        responsible=cadre,
        **extra,
    )


def test_a_cadre_creates_a_help_plan_for_a_household_in_scope(client, personas, household):
    client.force_login(personas.cadre.user)
    url = reverse("contact:help_plan_create", args=[household.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, plan_post(personas))
    assert response.status_code == 302
    assert response.url == household.get_absolute_url()
    plan = HelpPlan.objects.get()
    assert plan.household == household
    assert plan.responsible == personas.cadre
    assert plan.target_date == date(2026, 12, 31)
    assert plan.status == HelpPlan.Status.PLANNED


def test_the_household_page_shows_its_plans_with_status(client, personas, household):
    make_plan(household, personas.cadre, goal="房屋修缮、家具配置更新")
    client.force_login(personas.cadre.user)
    page = client.get(household.get_absolute_url()).content.decode()
    assert "房屋修缮、家具配置更新" in page
    assert reverse("contact:help_plan_create", args=[household.pk]) in page
    assert reverse("contact:assistance_create", args=[household.pk]) in page


def test_a_help_plan_is_edited(client, personas, household):
    plan = make_plan(household, personas.cadre)
    client.force_login(personas.leader.user)
    url = reverse("contact:help_plan_edit", args=[plan.pk])
    response = client.post(
        url,
        plan_post(
            personas,
            goal="发展蔬菜和生猪",
            responsible=personas.leader.pk,
            status=HelpPlan.Status.IN_PROGRESS,
        ),
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == HelpPlan.Status.IN_PROGRESS
    assert plan.responsible == personas.leader
    assert plan.history.count() == 2


def test_the_current_responsible_stays_choosable_for_an_editor_who_cannot_see_them(
    client, personas, household
):
    # 张丽 (a village cadre) does not see the township leader among cadres.
    plan = make_plan(household, personas.leader)
    client.force_login(personas.cadre.user)
    response = client.post(
        reverse("contact:help_plan_edit", args=[plan.pk]),
        plan_post(personas, responsible=personas.leader.pk, status=HelpPlan.Status.DONE),
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == HelpPlan.Status.DONE


def test_the_responsible_cadre_must_be_in_scope(client, personas, household):
    client.force_login(personas.cadre.user)
    response = client.post(
        reverse("contact:help_plan_create", args=[household.pk]),
        plan_post(personas, responsible=personas.outsider.pk),
    )
    assert response.status_code == 400
    assert "responsible" in response.context["form"].errors
    assert not HelpPlan.objects.exists()


def test_the_form_keeps_what_was_typed_on_errors(client, personas, household):
    client.force_login(personas.cadre.user)
    response = client.post(
        reverse("contact:help_plan_create", args=[household.pk]),
        plan_post(personas, goal="", measures="先清理屋内杂物"),
    )
    assert response.status_code == 400
    assert "goal" in response.context["form"].errors
    assert "先清理屋内杂物" in response.content.decode()


def test_a_supervisor_may_read_but_not_write_plans(client, personas, household):
    plan = make_plan(household, personas.cadre)
    client.force_login(personas.supervisor.user)
    assert client.get(household.get_absolute_url()).status_code == 200
    assert client.get(reverse("contact:help_plan_create", args=[household.pk])).status_code == 403
    assert client.get(reverse("contact:help_plan_edit", args=[plan.pk])).status_code == 403


def test_another_townships_household_is_a_404(client, personas, outsider_household):
    plan = make_plan(outsider_household, personas.outsider)
    for user in (personas.cadre.user, personas.leader.user):
        client.force_login(user)
        for url in (
            reverse("contact:help_plan_create", args=[outsider_household.pk]),
            reverse("contact:help_plan_edit", args=[plan.pk]),
        ):
            assert client.get(url).status_code == 404, url
            assert client.post(url, plan_post(personas)).status_code == 404, url
    plan.refresh_from_db()
    assert plan.goal == "发展蔬菜和生猪"
    assert HelpPlan.objects.count() == 1
