"""The contact app's admin pages: a cadre of another township is no choice, whatever id is posted.

王成龙 leads 桤泉镇 and works in the admin; 赵志刚 is a cadre of 白头镇. A form
field's choices are the visible records only, so that an id typed into a
POST by hand is refused like one picked from a list.
"""

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from django.utils import timezone

from contact.models import ReceptionDuty, ReceptionSchedule, SuggestionBox, SuggestionBoxOpening
from contact.roles import Role
from tests.factories import CadreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader(client, personas):
    client.force_login(personas.leader.user)
    return client


def _next_wednesday():
    today = timezone.localdate()
    return today + timezone.timedelta(days=(2 - today.weekday()) % 7 or 7)


def _schedule_post(personas, leader_pk):
    return {
        "area": personas.township.pk,
        "weekday": 2,
        "place": "镇便民服务中心",
        "note": "",
        "duties-TOTAL_FORMS": "1",
        "duties-INITIAL_FORMS": "0",
        "duties-MIN_NUM_FORMS": "0",
        "duties-MAX_NUM_FORMS": "1000",
        "duties-0-date": _next_wednesday().isoformat(),
        "duties-0-leader": leader_pk,
    }


def test_a_reception_duty_in_the_admin_takes_only_a_leader_in_scope(leader, personas):
    url = reverse("admin:contact_receptionschedule_add")
    response = leader.post(url, _schedule_post(personas, personas.outsider.pk))
    assert response.status_code == 200  # the form again, with the error
    assert not ReceptionDuty.objects.filter(leader=personas.outsider).exists()
    assert not ReceptionSchedule.objects.exists()

    response = leader.post(url, _schedule_post(personas, personas.leader.pk))
    assert response.status_code == 302
    assert ReceptionDuty.objects.get().leader == personas.leader


def test_a_suggestion_box_in_the_admin_takes_only_keyholders_in_scope(leader, personas):
    url = reverse("admin:contact_suggestionbox_add")
    post = {"area": personas.village.pk, "place": "村委会门口", "opening_interval_days": 7}
    response = leader.post(url, {**post, "keyholders": [personas.outsider.pk]})
    assert response.status_code == 200
    assert not SuggestionBox.objects.exists()

    response = leader.post(url, {**post, "keyholders": [personas.cadre.pk]})
    assert response.status_code == 302
    assert list(SuggestionBox.objects.get().keyholders.all()) == [personas.cadre]


def test_a_box_opening_in_the_admin_takes_only_openers_in_scope(client, personas):
    administrator = CadreFactory(scope_area=personas.township, roles=[Role.ADMINISTRATOR])
    administrator.user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="contact", codename="add_suggestionboxopening"
        )
    )
    client.force_login(User.objects.get(pk=administrator.user.pk))
    box = SuggestionBox.objects.create(area=personas.village, place="村委会门口")
    box.keyholders.add(personas.cadre)
    url = reverse("admin:contact_suggestionboxopening_add")
    post = {
        "box": box.pk,
        "opened_at_0": timezone.localdate().isoformat(),
        "opened_at_1": "09:00:00",
        "opinion_count": 3,
    }
    response = client.post(url, {**post, "opened_by": [personas.outsider.pk]})
    assert response.status_code == 200
    assert not SuggestionBoxOpening.objects.exists()

    response = client.post(url, {**post, "opened_by": [personas.cadre.pk]})
    assert response.status_code == 302
    assert list(SuggestionBoxOpening.objects.get().opened_by.all()) == [personas.cadre]


def test_a_cadre_profile_in_the_admin_takes_only_an_account_in_scope(client, personas):
    administrator = CadreFactory(scope_area=personas.township, roles=[Role.ADMINISTRATOR])
    client.force_login(administrator.user)
    # An account with no profile yet: another county's, or the county's superuser.
    stray = User.objects.create_user("stray", password="Pass1234word")
    url = reverse("admin:contact_cadre_change", args=[personas.cadre.pk])
    post = {
        "name": "张丽",
        "unit": "桤泉镇人民政府",
        "post": "",
        "rank": "township",
        "phone": "13908180001",
        "email": "",
        "scope_area": personas.village.pk,
        "must_change_password": "",
    }
    response = client.post(url, {**post, "user": stray.pk})
    assert response.status_code == 200
    personas.cadre.refresh_from_db()
    assert personas.cadre.user.username == "zhangli"

    response = client.post(url, {**post, "user": personas.cadre.user.pk})
    assert response.status_code == 302


def test_a_reviewer_sees_the_photos_of_a_visit_in_the_admin(client, db):
    from django.urls import reverse

    from contact.models import Visit, VisitPhoto
    from contact.roles import Role
    from tests.contact.test_visit_logging import visit_post
    from tests.contact.visit_data import build_place, jpeg_upload, make_cadre

    place = build_place()
    client.force_login(place.cadre.user)
    client.post(reverse("contact:visit_create"), visit_post(place, photos=[jpeg_upload()]))
    visit, photo = Visit.objects.get(), VisitPhoto.objects.get()
    reviewer = make_cadre("qq_dzb", "李秀英", place.township, Role.REVIEWER)
    client.force_login(reviewer.user)
    page = client.get(reverse("admin:contact_visit_change", args=[visit.pk])).content.decode()
    assert reverse("contact:visit_photo", args=[photo.pk, "thumb"]) in page
    assert client.get(reverse("contact:visit_photo", args=[photo.pk, "thumb"])).status_code == 200


def test_a_mangled_id_in_a_visits_admin_history_is_a_404(client, db):
    from tests.contact.visit_data import build_place, make_cadre

    place = build_place()
    reviewer = make_cadre("qq_dzb", "李秀英", place.township, Role.REVIEWER)
    client.force_login(reviewer.user)
    assert client.get("/admin/contact/visit/abc/history/").status_code == 404
    assert client.get("/admin/contact/helpplan/1x/history/2/").status_code == 404
