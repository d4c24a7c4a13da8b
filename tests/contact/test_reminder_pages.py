"""The pages of reminders: the bell, the notification list, a due item and its trail, the
cadre's "due and overdue" card and list, and the township leader's overdue page."""

import itertools
import re
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contact.models import Cadre, DueItem, Notification
from contact.reminders import sweep
from contact.roles import Role
from tests.factories import CadreFactory

pytestmark = pytest.mark.django_db

_source_ids = itertools.count(1)


def make_due(cadre, *, days=0, kind=DueItem.Kind.NEXT_STEP, area=None, title=None, **extra):
    """An open item due `days` from today (negative: overdue), for `cadre`, in their area."""
    return DueItem.objects.create(
        kind=kind,
        due_on=timezone.localdate() + timedelta(days=days),
        cadre=cadre,
        area=area or cadre.scope_area,
        title=title or f"下一步 {next(_source_ids)}",
        source_type=ContentType.objects.get_for_model(Cadre),
        source_id=next(_source_ids),
        **extra,
    )


def make_notification(user, n=1, **extra):
    values = {"kind": Notification.Kind.REMINDER, "key": f"test:{n}", "title": f"提醒{n}"}
    values.update(extra)
    return Notification.objects.create(user=user, **values)


def bell_count(response) -> int | None:
    """The number on the navbar's bell, or None when it shows none."""
    found = re.search(r'app-bell-count" data-unread="(\d+)"', response.content.decode())
    return int(found[1]) if found else None


@pytest.fixture
def cadre_client(client, personas):
    client.force_login(personas.cadre.user)
    return client


# --- The bell ---------------------------------------------------------------------------------


def test_the_bell_counts_unread_notifications_up_and_down(cadre_client, personas):
    home = reverse("home")
    assert bell_count(cadre_client.get(home)) is None
    first = make_notification(personas.cadre.user, 1, url=reverse("contact:due_list"))
    assert bell_count(cadre_client.get(home)) == 1
    make_notification(personas.cadre.user, 2)
    assert bell_count(cadre_client.get(home)) == 2

    cadre_client.post(reverse("contact:notification_open", args=[first.pk]))
    assert bell_count(cadre_client.get(home)) == 1


def test_the_bell_counts_only_ones_own_and_is_on_every_page(cadre_client, personas):
    make_notification(personas.leader.user, 1)
    make_notification(personas.cadre.user, 1)
    response = cadre_client.get(reverse("contact:due_list"))
    assert bell_count(response) == 1
    assert reverse("contact:notifications") in response.content.decode()


def test_the_bell_is_one_query_however_many_fragments_the_page_renders(cadre_client, personas):
    make_notification(personas.cadre.user, 1)
    with CaptureQueriesContext(connection) as ctx:
        cadre_client.get(reverse("home"))
    counts = [q for q in ctx.captured_queries if "contact_notification" in q["sql"]]
    assert len(counts) == 1


def test_the_login_page_has_no_bell(client, personas):
    response = client.get(reverse("login"))
    assert "app-bell" not in response.content.decode()


# --- The notification list --------------------------------------------------------------------


def test_the_list_is_newest_first_in_pages_of_twenty(cadre_client, personas):
    now = timezone.now()
    for n in range(25):
        make_notification(personas.cadre.user, n, created_at=now - timedelta(minutes=25 - n))
    first = cadre_client.get(reverse("contact:notifications"))
    titles = [n.title for n in first.context["page"].object_list]
    assert len(titles) == 20 and titles[0] == "提醒24" and titles[-1] == "提醒5"
    second = cadre_client.get(reverse("contact:notifications") + "?page=2")
    assert [n.title for n in second.context["page"].object_list] == [
        "提醒4",
        "提醒3",
        "提醒2",
        "提醒1",
        "提醒0",
    ]


def test_unread_ones_stand_out_and_can_be_listed_alone(cadre_client, personas):
    make_notification(personas.cadre.user, 1, title="已读的提醒", read_at=timezone.now())
    make_notification(personas.cadre.user, 2, title="未读的提醒")
    everything = cadre_client.get(reverse("contact:notifications")).content.decode()
    assert "已读的提醒" in everything and "未读的提醒" in everything
    assert everything.count("notification-unread") == 1

    unread = cadre_client.get(reverse("contact:notifications") + "?unread=1").content.decode()
    assert "未读的提醒" in unread and "已读的提醒" not in unread


def test_an_empty_list_says_so(cadre_client):
    response = cadre_client.get(reverse("contact:notifications"))
    assert response.status_code == 200
    assert "empty-state" in response.content.decode()
    assert reverse("contact:notifications_read_all") not in response.content.decode()


def test_a_digest_keeps_its_line_breaks(cadre_client, personas):
    make_notification(
        personas.cadre.user,
        1,
        kind=Notification.Kind.DIGEST,
        title="今日工作",
        body="今日到期（1）：\n· 走访向朝清",
    )
    html = cadre_client.get(reverse("contact:notifications")).content.decode()
    assert "今日到期（1）：<br>· 走访向朝清" in html


def test_opening_marks_read_and_goes_to_its_link(cadre_client, personas):
    item = make_due(personas.cadre)
    notification = make_notification(personas.cadre.user, url=item.get_absolute_url())
    response = cadre_client.post(reverse("contact:notification_open", args=[notification.pk]))
    assert response.status_code == 302 and response.url == item.get_absolute_url()
    notification.refresh_from_db()
    assert notification.read_at is not None


@pytest.mark.parametrize(
    "url", ["https://evil.example/", "//evil.example/contact/", "/\\evil.example", ""]
)
def test_a_link_off_the_site_leads_back_to_the_list(cadre_client, personas, url):
    notification = make_notification(personas.cadre.user, url=url)
    response = cadre_client.post(reverse("contact:notification_open", args=[notification.pk]))
    assert response.url == reverse("contact:notifications")
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_opening_is_post_only(cadre_client, personas):
    notification = make_notification(personas.cadre.user)
    response = cadre_client.get(reverse("contact:notification_open", args=[notification.pk]))
    assert response.status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_another_users_notification_is_a_404(cadre_client, personas):
    theirs = make_notification(personas.leader.user, title="王成龙的提醒")
    response = cadre_client.post(reverse("contact:notification_open", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert "王成龙的提醒" not in cadre_client.get(reverse("contact:notifications")).content.decode()


def test_mark_all_as_read_reads_only_ones_own(cadre_client, personas):
    make_notification(personas.cadre.user, 1)
    make_notification(personas.cadre.user, 2)
    theirs = make_notification(personas.leader.user, 1)
    response = cadre_client.post(reverse("contact:notifications_read_all"))
    assert response.url == reverse("contact:notifications")
    assert not Notification.objects.filter(user=personas.cadre.user, read_at=None).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert cadre_client.get(reverse("contact:notifications_read_all")).status_code == 405


def test_signed_out_users_are_sent_to_log_in(client, personas):
    response = client.get(reverse("contact:notifications"))
    assert response.status_code == 302 and reverse("login") in response.url


# --- A due item and its trail ---------------------------------------------------------------


def test_a_due_item_shows_its_trail_after_a_sweep(cadre_client, personas):
    item = make_due(personas.cadre, days=-10, title="帮向朝清申请危房改造", url="/households/")
    sweep()
    item.refresh_from_db()
    assert item.state == DueItem.State.ESCALATED
    response = cadre_client.get(item.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "帮向朝清申请危房改造" in html and 'href="/households/"' in html
    assert "due-overdue" in html
    trail = response.context["trail"]
    assert [r.kind for r in trail][:2] == ["on_day", "escalation_1"]
    assert html.count("due-trail-entry") == len(trail) >= 2
    # Whom the escalation went to: the township's party secretary, named on the trail.
    assert "王成龙" in html


def test_the_leader_sees_an_item_in_the_township(client, personas):
    item = make_due(personas.cadre, days=-1)
    client.force_login(personas.leader.user)
    response = client.get(item.get_absolute_url())
    assert response.status_code == 200
    assert reverse("contact:due_item_done", args=[item.pk]) not in response.content.decode()
    assert not response.context["closable"]


def test_an_item_out_of_scope_is_a_404(client, personas):
    item = make_due(personas.cadre, days=-1)
    client.force_login(personas.outsider.user)
    assert client.get(item.get_absolute_url()).status_code == 404
    assert client.post(reverse("contact:due_item_done", args=[item.pk])).status_code == 404


def test_the_cadre_concerned_marks_a_next_step_done(cadre_client, personas):
    item = make_due(personas.cadre, days=-2)
    page = cadre_client.get(item.get_absolute_url()).content.decode()
    assert reverse("contact:due_item_done", args=[item.pk]) in page
    response = cadre_client.post(reverse("contact:due_item_done", args=[item.pk]))
    assert response.url == item.get_absolute_url()
    item.refresh_from_db()
    assert item.state == DueItem.State.DONE and item.closed_at is not None
    # Done: no button any more, and a second press changes nothing.
    assert reverse("contact:due_item_done", args=[item.pk]) not in (
        cadre_client.get(item.get_absolute_url()).content.decode()
    )
    assert cadre_client.post(reverse("contact:due_item_done", args=[item.pk])).status_code == 302


def test_marking_done_is_post_only(cadre_client, personas):
    item = make_due(personas.cadre)
    response = cadre_client.get(reverse("contact:due_item_done", args=[item.pk]))
    assert response.status_code == 405
    item.refresh_from_db()
    assert item.is_open


def test_no_one_else_marks_it_done(client, personas):
    item = make_due(personas.cadre, days=-2)
    client.force_login(personas.leader.user)
    assert client.post(reverse("contact:due_item_done", args=[item.pk])).status_code == 403
    item.refresh_from_db()
    assert item.is_open


def test_a_visit_is_done_by_visiting_not_by_a_button(cadre_client, personas):
    item = make_due(personas.cadre, kind=DueItem.Kind.VISIT)
    assert reverse("contact:due_item_done", args=[item.pk]) not in (
        cadre_client.get(item.get_absolute_url()).content.decode()
    )
    assert cadre_client.post(reverse("contact:due_item_done", args=[item.pk])).status_code == 403
    item.refresh_from_db()
    assert item.is_open


# --- The cadre's home page and list -------------------------------------------------------


def test_home_shows_what_is_due_overdue_first(cadre_client, personas):
    make_due(personas.cadre, days=3, title="三天后的下一步")
    make_due(personas.cadre, days=-5, title="五天前就该做的")
    make_due(personas.cadre, days=12, title="两周后的下一步")
    make_due(personas.leader, days=-1, title="王成龙的事")
    make_due(personas.cadre, days=-9, title="已完成的", state=DueItem.State.DONE)
    html = cadre_client.get(reverse("home")).content.decode()
    card = html[html.index('id="due-card"') :]
    assert card.index("五天前就该做的") < card.index("三天后的下一步")
    assert "两周后的下一步" not in html and "王成龙的事" not in html and "已完成的" not in html
    assert card.count("due-row-overdue") == 1
    assert reverse("contact:due_list") in card


def test_home_shows_ten_with_the_total_in_one_query(cadre_client, personas):
    make_due(personas.cadre, days=-1)

    def due_queries():
        with CaptureQueriesContext(connection) as ctx:
            response = cadre_client.get(reverse("home"))
        return response, [q for q in ctx.captured_queries if "contact_dueitem" in q["sql"]]

    _response, few = due_queries()
    for days in range(-7, 7):
        make_due(personas.cadre, days=days)
    response, many = due_queries()
    assert len(few) == len(many) == 1
    html = response.content.decode()
    card = html[html.index('id="due-card"') :]
    assert card.count('class="list-group-item list-group-item-action due-row') == 10
    assert re.search(r'badge text-bg-secondary">15<', card)


def test_home_of_a_cadre_with_nothing_due_says_so(cadre_client):
    html = cadre_client.get(reverse("home")).content.decode()
    assert 'id="due-card"' in html and "due-row" not in html


def test_the_due_list_shows_ones_own_open_items_and_filters_overdue(cadre_client, personas):
    make_due(personas.cadre, days=-3, title="逾期的")
    make_due(personas.cadre, days=30, title="下个月的")
    make_due(personas.leader, days=-3, title="别人的")
    make_due(personas.cadre, days=-3, title="取消的", state=DueItem.State.CANCELLED)
    everything = cadre_client.get(reverse("contact:due_list")).content.decode()
    assert "逾期的" in everything and "下个月的" in everything
    assert "别人的" not in everything and "取消的" not in everything
    overdue = cadre_client.get(reverse("contact:due_list") + "?overdue=1").content.decode()
    assert "逾期的" in overdue and "下个月的" not in overdue


# --- The township leader's overdue page -----------------------------------------------------


@pytest.fixture
def township_overdue(personas):
    """张丽 has two overdue items in 群安村, a colleague one in 金桂村; the outsider one in 白头镇."""
    colleague = CadreFactory(name="刘敏", scope_area=personas.other_village, roles=[Role.CADRE])
    oldest = make_due(personas.cadre, days=-9, title="张丽最早的", escalation_level=2)
    make_due(personas.cadre, days=-2, title="张丽的", area=personas.group)
    make_due(personas.cadre, days=2, title="还没到期的")
    make_due(colleague, days=-4, title="刘敏的")
    make_due(personas.outsider, days=-4, title="白头镇的")
    return colleague, oldest


def test_the_leader_sees_overdue_items_by_cadre_and_village(client, personas, township_overdue):
    colleague, oldest = township_overdue
    client.force_login(personas.leader.user)
    response = client.get(reverse("contact:due_overdue"))
    assert response.status_code == 200
    by_cadre = {row["cadre__name"]: row for row in response.context["by_cadre"]}
    assert set(by_cadre) == {"张丽", "刘敏"}
    assert by_cadre["张丽"]["n"] == 2
    assert by_cadre["张丽"]["oldest"] == oldest.due_on
    assert by_cadre["张丽"]["level"] == 2
    by_village = {row["area"].name: row["n"] for row in response.context["by_place"]}
    assert by_village == {"群安村": 2, "金桂村": 1}
    html = response.content.decode()
    assert "白头镇的" not in html and "还没到期的" not in html
    assert f'href="?cadre={colleague.pk}"' in html
    assert f'href="?area={personas.village.pk}"' in html


def test_the_leaders_list_filters_by_cadre_and_by_village(client, personas, township_overdue):
    colleague, _oldest = township_overdue
    client.force_login(personas.leader.user)
    url = reverse("contact:due_overdue")

    def titles(query):
        page = client.get(url + query).context["page"]
        return {item.title for item in page.object_list}

    assert titles("") == {"张丽最早的", "张丽的", "刘敏的"}
    assert titles(f"?cadre={colleague.pk}") == {"刘敏的"}
    assert titles(f"?area={personas.village.pk}") == {"张丽最早的", "张丽的"}
    assert titles(f"?area={personas.other_village.pk}") == {"刘敏的"}
    assert client.get(url + f"?area={personas.outsider_village.pk}").status_code == 404
    assert client.get(url + "?cadre=abc").status_code == 404


def test_the_leaders_page_aggregates_in_a_fixed_number_of_queries(
    client, personas, township_overdue
):
    client.force_login(personas.leader.user)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("contact:due_overdue"))
    for n in range(5):
        other = CadreFactory(scope_area=personas.other_village, roles=[Role.CADRE])
        make_due(other, days=-n - 1)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("contact:due_overdue"))
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_plain_cadre_may_not_see_the_leaders_page(cadre_client, township_overdue):
    assert cadre_client.get(reverse("contact:due_overdue")).status_code == 403
    assert reverse("contact:due_overdue") not in cadre_client.get(reverse("home")).content.decode()


def test_the_leaders_home_links_to_the_overdue_page(client, personas):
    client.force_login(personas.leader.user)
    assert reverse("contact:due_overdue") in client.get(reverse("home")).content.decode()
