"""A cadre on a phone (375 px) sees the bell count go up after a sweep and down after reading."""

from datetime import datetime, time

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from contact.models import Cadre, DueItem, Notification
from contact.reminders import sweep
from tests.browser.conftest import needs_chromium
from tests.browser.test_visit_browser import log_in, page_fits
from tests.factories import PASSWORD, build_personas

pytestmark = [
    pytest.mark.browser,
    needs_chromium,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def bell_count(page) -> str | None:
    badge = page.locator(".app-bell .app-bell-count")
    return badge.get_attribute("data-unread") if badge.count() else None


def test_the_bell_counts_a_reminder_after_the_sweep_and_clears_once_read(phone, live_server):
    personas = build_personas()
    page = phone.new_page()
    log_in(page, live_server, username="zhangli", password=PASSWORD)
    bell = page.locator(".app-bell")
    assert bell.is_visible()  # outside the collapsed menu, on a phone
    assert bell_count(page) is None

    today = timezone.localdate()
    item = DueItem.objects.create(
        kind=DueItem.Kind.NEXT_STEP,
        due_on=today,
        cadre=personas.cadre,
        area=personas.village,
        title="帮向朝清申请危房改造",
        url=reverse("households:list"),
        source_type=ContentType.objects.get_for_model(Cadre),
        source_id=personas.cadre.pk,
    )
    # Before the county's digest time: the reminder of the day, and no digest yet.
    sweep(now=timezone.make_aware(datetime.combine(today, time(6, 0))))
    assert Notification.objects.filter(user=personas.cadre.user).count() == 1

    page.reload()
    assert bell_count(page) == "1"
    assert page.locator(".app-bell-count").is_visible()
    assert page_fits(page)

    bell.click()
    page.wait_for_url(live_server.url + reverse("contact:notifications"))
    row = page.locator(".notification-unread", has_text="帮向朝清申请危房改造")
    assert row.count() == 1
    assert page_fits(page)
    row.locator("button[type=submit]").click()
    page.wait_for_url(live_server.url + item.get_absolute_url())
    assert "帮向朝清申请危房改造" in page.locator("h1").inner_text()
    assert bell_count(page) is None
    assert page.locator(".due-trail-entry").count() == 1
    assert page_fits(page)
    # Mark the next step done from the phone.
    page.locator("form[action$='/done/'] button").click()
    page.wait_for_url(live_server.url + item.get_absolute_url())
    item.refresh_from_db()
    assert item.state == DueItem.State.DONE
    assert not [e for e in phone.console_errors if "Content Security Policy" in e]
