import io
import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from contact.models import Assistance, Pairing, Visit, VisitCorrection, VisitPhoto
from contact.services import pairing_assign_households
from tests.contact.visit_data import build_place, jpeg_upload

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825
MAKE = 0x010F


@pytest.fixture
def place():
    return build_place()


@pytest.fixture
def cadre_client(client, place):
    client.force_login(place.cadre.user)
    return client


def visit_post(place, key=None, **extra):
    data = {
        "idempotency_key": str(key or uuid.uuid4()),
        "household": place.household.pk,
        "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "method": "home",
        "purpose": "needy",
        "met_whom": "向朝清",
        "place": "家中",
        "situation": "在荷花基地锄草，身体还将就。妻子长年有病。",
        "action": "了解家庭收支，商量帮扶计划。",
        "assist-TOTAL_FORMS": "0",
        "assist-INITIAL_FORMS": "0",
        "assist-MIN_NUM_FORMS": "0",
        "assist-MAX_NUM_FORMS": "10",
    }
    data.update(extra)
    return data


def test_it_records_a_visit_and_moves_the_next_due_date(cadre_client, place):
    pairing = Pairing.objects.get(household=place.household)
    response = cadre_client.post(reverse("contact:visit_create"), visit_post(place))
    visit = Visit.objects.get()
    assert response.status_code == 302
    assert response.url == visit.get_absolute_url()
    assert visit.cadre == place.cadre
    assert visit.area == place.village
    pairing.refresh_from_db()
    cadence = place.household.visit_cadence_days
    assert pairing.next_visit_due == timezone.localdate(visit.visited_at) + timedelta(days=cadence)


def test_the_same_key_sent_twice_records_one_visit(cadre_client, place):
    data = visit_post(place, key=uuid.uuid4())
    first = cadre_client.post(reverse("contact:visit_create"), data)
    second = cadre_client.post(reverse("contact:visit_create"), data)
    assert Visit.objects.count() == 1
    assert first.url == second.url == Visit.objects.get().get_absolute_url()


def test_a_retry_with_photos_after_success_stores_the_photos_once(cadre_client, place):
    key = uuid.uuid4()
    for _ in range(3):
        cadre_client.post(
            reverse("contact:visit_create"), visit_post(place, key=key, photos=[jpeg_upload()])
        )
    assert Visit.objects.count() == 1
    assert VisitPhoto.objects.count() == 1


def test_a_missing_situation_keeps_what_was_typed(cadre_client, place):
    data = visit_post(place, situation="", met_whom="向朝清的妻子", action="送去药品")
    response = cadre_client.post(reverse("contact:visit_create"), data)
    assert response.status_code == 400
    assert Visit.objects.count() == 0
    html = response.content.decode()
    assert "向朝清的妻子" in html and "送去药品" in html
    assert data["idempotency_key"] in html


def test_a_photo_is_resized_oriented_and_stripped_of_metadata(cadre_client, place):
    # Orientation 6: the camera held upright; the stored picture must be turned.
    upload = jpeg_upload(size=(4000, 3000), orientation=6, exif={MAKE: "PhoneMaker"})
    cadre_client.post(reverse("contact:visit_create"), visit_post(place, photos=[upload]))
    photo = VisitPhoto.objects.get()
    with photo.image.open("rb") as f:
        stored = Image.open(io.BytesIO(f.read()))
        assert max(stored.size) == 2048
        assert stored.size == (1536, 2048)  # turned upright
        assert len(stored.getexif()) == 0
        assert "exif" not in stored.info
    with photo.thumbnail.open("rb") as f:
        assert max(Image.open(io.BytesIO(f.read())).size) == 320


def test_gps_data_never_reaches_the_disk(cadre_client, place):
    exif = Image.Exif()
    exif[MAKE] = "PhoneMaker"
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (30.0, 37.0, 12.0)
    image = Image.new("RGB", (800, 600), "green")
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    assert b"PhoneMaker" in out.getvalue()
    upload = SimpleUploadedFile("gps.jpg", out.getvalue(), content_type="image/jpeg")
    cadre_client.post(reverse("contact:visit_create"), visit_post(place, photos=[upload]))
    photo = VisitPhoto.objects.get()
    with photo.image.open("rb") as f:
        raw = f.read()
    assert b"PhoneMaker" not in raw
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(GPS_IFD) == {}


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_written(cadre_client, place):
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not a picture", content_type="image/jpeg")
    response = cadre_client.post(reverse("contact:visit_create"), visit_post(place, photos=[fake]))
    assert response.status_code == 400
    assert Visit.objects.count() == 0
    assert "在荷花基地锄草" in response.content.decode()


def test_an_oversized_photo_is_refused(cadre_client, place, settings):
    settings.PHOTO_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile(
        "big.jpg", b"\xff\xd8" + b"0" * (1024 * 1024 + 10), content_type="image/jpeg"
    )
    response = cadre_client.post(reverse("contact:visit_create"), visit_post(place, photos=[big]))
    assert response.status_code == 400
    assert Visit.objects.count() == 0


def test_a_decompression_bomb_is_refused(cadre_client, place, settings):
    settings.PHOTO_MAX_PIXELS = 1_000_000
    bomb = jpeg_upload(size=(2000, 2000))
    response = cadre_client.post(reverse("contact:visit_create"), visit_post(place, photos=[bomb]))
    assert response.status_code == 400
    assert Visit.objects.count() == 0


def test_assistance_handed_over_is_recorded_with_the_visit(cadre_client, place):
    data = visit_post(
        place,
        **{
            "assist-TOTAL_FORMS": "2",
            "assist-0-kind": "goods",
            "assist-0-description": "化肥",
            "assist-0-quantity": "3",
            "assist-0-unit": "袋",
            "assist-0-value_yuan": "360",
            "assist-1-kind": "cash",
            "assist-1-description": "现金",
            "assist-1-quantity": "500",
            "assist-1-unit": "元",
            "assist-1-value_yuan": "500",
        },
    )
    cadre_client.post(reverse("contact:visit_create"), data)
    visit = Visit.objects.get()
    rows = {a.description: a for a in Assistance.objects.filter(visit=visit)}
    assert rows["化肥"].quantity == 3 and rows["化肥"].unit == "袋"
    assert rows["现金"].value_yuan == 500
    assert Assistance.objects.filter(household=place.household).total_value() == 860


def test_a_cadre_cannot_log_a_visit_for_a_household_outside_scope(cadre_client, place):
    data = visit_post(place, household=place.outsider_household.pk)
    response = cadre_client.post(
        reverse("contact:visit_create") + f"?household={place.outsider_household.pk}", data
    )
    assert response.status_code == 404
    assert Visit.objects.count() == 0


def test_the_author_edits_within_the_window_and_history_is_kept(cadre_client, place):
    cadre_client.post(reverse("contact:visit_create"), visit_post(place))
    visit = Visit.objects.get()
    data = visit_post(place, situation="更正：在荷花基地务工。")
    response = cadre_client.post(reverse("contact:visit_edit", args=[visit.pk]), data)
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.situation == "更正：在荷花基地务工。"
    history = list(visit.history.order_by("history_date"))
    assert [h.history_type for h in history] == ["+", "~"]
    assert history[0].situation.startswith("在荷花基地锄草")
    assert history[1].history_user == place.cadre.user


def test_after_the_window_the_author_must_correct_and_the_original_stays(
    cadre_client, place, settings
):
    cadre_client.post(reverse("contact:visit_create"), visit_post(place))
    visit = Visit.objects.get()
    Visit.objects.filter(pk=visit.pk).update(
        created_at=timezone.now() - timedelta(hours=settings.VISIT_EDIT_WINDOW_HOURS + 1)
    )
    response = cadre_client.post(
        reverse("contact:visit_edit", args=[visit.pk]), visit_post(place, situation="悄悄改掉")
    )
    assert response.status_code == 302 and response.url == reverse(
        "contact:visit_correct", args=[visit.pk]
    )
    visit.refresh_from_db()
    assert visit.situation.startswith("在荷花基地锄草")
    cadre_client.post(
        reverse("contact:visit_correct", args=[visit.pk]),
        {
            "reason": "记错了务工地点",
            "situation": "在蔬菜基地务工。",
            "action": "",
            "next_step": "",
        },
    )
    correction = VisitCorrection.objects.get()
    assert correction.visit == visit and correction.author == place.cadre.user
    page = cadre_client.get(visit.get_absolute_url()).content.decode()
    assert "在蔬菜基地务工" in page and "在荷花基地锄草" in page and "记错了务工地点" in page


def test_another_cadre_can_neither_edit_nor_correct(client, place):
    client.force_login(place.cadre.user)
    client.post(reverse("contact:visit_create"), visit_post(place))
    visit = Visit.objects.get()
    client.force_login(place.leader.user)
    assert client.get(reverse("contact:visit_detail", args=[visit.pk])).status_code == 200
    client.post(
        reverse("contact:visit_edit", args=[visit.pk]), visit_post(place, situation="领导改的")
    )
    assert (
        client.post(
            reverse("contact:visit_correct", args=[visit.pk]), {"reason": "x", "situation": "y"}
        ).status_code
        == 404
    )
    visit.refresh_from_db()
    assert visit.situation.startswith("在荷花基地锄草")
    assert not VisitCorrection.objects.exists()


def test_visits_and_photos_are_404_outside_scope(client, place):
    client.force_login(place.cadre.user)
    client.post(reverse("contact:visit_create"), visit_post(place, photos=[jpeg_upload()]))
    visit, photo = Visit.objects.get(), VisitPhoto.objects.get()
    client.force_login(place.outsider.user)
    assert client.get(reverse("contact:visit_detail", args=[visit.pk])).status_code == 404
    assert client.get(reverse("contact:visit_photo", args=[photo.pk, "full"])).status_code == 404
    assert client.get(reverse("contact:visit_photo", args=[photo.pk, "thumb"])).status_code == 404
    assert (
        client.get(reverse("contact:household_timeline", args=[place.household.pk])).status_code
        == 404
    )


def test_the_timeline_shows_visits_newest_first_with_photos(cadre_client, place):
    for day, text in [(3, "第一次走访"), (1, "第二次走访")]:
        when = timezone.localtime() - timedelta(days=day)
        cadre_client.post(
            reverse("contact:visit_create"),
            visit_post(
                place,
                visited_at=when.strftime("%Y-%m-%dT%H:%M"),
                situation=text,
                photos=[jpeg_upload()],
            ),
        )
    page = cadre_client.get(place.household.get_absolute_url()).content.decode()
    assert page.index("第二次走访") < page.index("第一次走访")
    photo = VisitPhoto.objects.first()
    assert reverse("contact:visit_photo", args=[photo.pk, "thumb"]) in page


def test_home_lists_my_households_most_overdue_first(cadre_client, place):
    from contact.services import pairing_assign_households

    pairing_assign_households(cadre=place.cadre, households=[place.neighbour])
    Pairing.objects.filter(household=place.neighbour).update(
        next_visit_due=timezone.localdate() - timedelta(days=20)
    )
    Pairing.objects.filter(household=place.household).update(
        next_visit_due=timezone.localdate() + timedelta(days=5)
    )
    html = cadre_client.get(reverse("home")).content.decode()
    assert html.index("刘永林") < html.index("向朝清")
    assert "王春发" not in html


def test_my_log_shows_the_months_visits(cadre_client, place):
    cadre_client.post(reverse("contact:visit_create"), visit_post(place))
    month = timezone.localdate().strftime("%Y-%m")
    html = cadre_client.get(reverse("contact:my_log") + f"?month={month}").content.decode()
    assert "在荷花基地锄草" in html
    last_year = (timezone.localdate() - timedelta(days=400)).strftime("%Y-%m")
    assert (
        "在荷花基地锄草"
        not in cadre_client.get(reverse("contact:my_log") + f"?month={last_year}").content.decode()
    )


def test_a_cadre_reads_the_messages_left_on_their_card_and_marks_them_read(client, place):
    from contact.models import ResidentMessage

    pairing = Pairing.objects.get(household=place.household)
    message = ResidentMessage.objects.create(pairing=pairing, name="向朝清", text="路灯坏了")
    client.force_login(place.cadre.user)
    assert "1" in client.get(reverse("home")).content.decode()
    assert "路灯坏了" in client.get(reverse("contact:resident_messages")).content.decode()
    client.post(reverse("contact:resident_message_read", args=[message.pk]))
    message.refresh_from_db()
    assert message.read_at is not None
    client.force_login(place.outsider.user)
    assert "路灯坏了" not in client.get(reverse("contact:resident_messages")).content.decode()
    assert (
        client.post(reverse("contact:resident_message_read", args=[message.pk])).status_code == 404
    )


@pytest.mark.parametrize("name", ["household", "duty", "opening"])
def test_a_mangled_id_in_the_visit_form_url_is_a_404_not_a_500(cadre_client, place, name):
    response = cadre_client.get(reverse("contact:visit_create"), {name: "12abc"})
    assert response.status_code == 404
    response = cadre_client.post(
        reverse("contact:visit_create"), visit_post(place, **{name: "12abc"})
    )
    assert response.status_code == 404
    assert Visit.objects.count() == 0


def test_a_visit_with_no_household_is_recorded_in_its_village(cadre_client, place):
    data = visit_post(place, household="", area=place.village.pk, met_whom="村民代表")
    response = cadre_client.post(reverse("contact:visit_create"), data)
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert visit.household is None and visit.area == place.village


def test_a_correction_is_named_by_its_day_in_china(place):
    from datetime import UTC, datetime

    visit = Visit.objects.create(
        cadre=place.cadre,
        household=place.household,
        area=place.village,
        visited_at=datetime(2026, 1, 1, 2, 0, tzinfo=UTC),
        situation="原记录",
        idempotency_key=uuid.uuid4(),
    )
    correction = VisitCorrection.objects.create(
        visit=visit, author=place.cadre.user, reason="笔误", situation="更正"
    )
    VisitCorrection.objects.filter(pk=correction.pk).update(
        created_at=datetime(2026, 1, 1, 17, 30, tzinfo=UTC)
    )
    correction.refresh_from_db()
    assert str(correction).endswith("(2026-01-02)")


def test_moving_a_visit_to_another_household_puts_the_first_one_back_on_its_due_date(
    cadre_client, place
):
    pairing_assign_households(cadre=place.cadre, households=[place.neighbour])
    first = Pairing.objects.get(household=place.household, end_date=None)
    due_before = first.next_visit_due
    cadre_client.post(reverse("contact:visit_create"), visit_post(place))
    first.refresh_from_db()
    assert first.last_visit_at is not None
    visit = Visit.objects.get()
    # Logged against the wrong family by mistake: the author moves it within the window.
    data = visit_post(place, household=place.neighbour.pk)
    response = cadre_client.post(reverse("contact:visit_edit", args=[visit.pk]), data)
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.last_visit_at is None and first.next_visit_due == due_before
    second = Pairing.objects.get(household=place.neighbour, end_date=None)
    assert second.last_visit_at is not None
