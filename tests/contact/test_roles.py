"""The five roles are groups made by a migration; what each may do follows from them."""

import pytest
from django.contrib.auth.models import Group

from contact.roles import Role

pytestmark = pytest.mark.django_db


def test_every_role_is_a_group_created_by_migration():
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}


def test_only_the_reviewer_and_the_administrator_see_full_id_numbers():
    allowed = set(
        Group.objects.filter(permissions__codename="view_id_number").values_list("name", flat=True)
    )
    assert allowed == {Role.REVIEWER.value, Role.ADMINISTRATOR.value}


def test_the_supervisor_only_reads():
    supervisor = Group.objects.get(name=Role.SUPERVISOR.value)
    codenames = set(supervisor.permissions.values_list("codename", flat=True))
    assert codenames
    assert all(c.startswith("view_") for c in codenames)


def test_the_personas_have_their_roles(personas):
    assert personas.cadre.has_role(Role.CADRE) and not personas.cadre.user.is_staff
    assert personas.leader.has_role(Role.TOWNSHIP_LEADER) and personas.leader.user.is_staff
    assert personas.reviewer.user.has_perm("households.view_id_number")
    assert not personas.leader.user.has_perm("households.view_id_number")
    assert not personas.supervisor.user.has_perm("households.change_household")
