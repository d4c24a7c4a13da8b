"""A cadre on a phone (375 px) logs a visit with a photo, and keeps one when the signal drops."""

import time

import pytest
from django.urls import reverse

from contact.models import Visit, VisitPhoto
from tests.browser.conftest import needs_chromium
from tests.contact.visit_data import build_place

pytestmark = [
    pytest.mark.browser,
    needs_chromium,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def log_in(page, live_server, username="zhangli", password="Pass1234word"):
    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + reverse("home"))


def photo_file(tmp_path):
    from PIL import Image

    path = tmp_path / "courtyard.jpg"
    Image.new("RGB", (1600, 1200), (40, 140, 60)).save(path, "JPEG")
    return path


def page_fits(page):
    """Nothing wider than the phone: no sideways scrolling.

    Compared with the viewport's own width: on a mobile viewport the browser
    widens `window.innerWidth` to whatever overflows, so that would always fit.
    """
    width = page.viewport_size["width"]
    return page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_cadre_logs_a_visit_with_a_photo_and_sees_it_on_the_timeline(
    phone, live_server, tmp_path
):
    place = build_place()
    page = phone.new_page()
    log_in(page, live_server)
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page_fits(page)
    row = page.locator(".my-household", has_text="向朝清")
    row.locator("a.btn").click()
    page.wait_for_selector("form[data-draft-form]")
    assert page_fits(page)
    page.fill("textarea[name=situation]", "向朝清在荷花基地锄草，妻子长年有病。")
    page.fill("textarea[name=action]", "商量帮扶计划，重点放在房屋修缮。")
    page.set_input_files("input[name=photos]", str(photo_file(tmp_path)))
    started = time.monotonic()
    page.click("[data-submit]")
    page.wait_for_url("**/contact/visits/*/")
    assert time.monotonic() - started < 10
    visit = Visit.objects.get()
    assert (
        visit.household == place.household and VisitPhoto.objects.filter(visit=visit).count() == 1
    )
    page.goto(live_server.url + place.household.get_absolute_url())
    timeline = page.locator(".household-timeline")
    assert "荷花基地锄草" in timeline.inner_text()
    thumb = timeline.locator("img.timeline-thumb").first
    thumb.wait_for()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", thumb.element_handle())
    assert page_fits(page)
    page.screenshot(path=str(tmp_path / "timeline_375.png"), full_page=True)
    # The Content-Security-Policy refused nothing: no inline script or style anywhere.
    assert not [e for e in phone.console_errors if "Content Security Policy" in e]


def test_a_visit_sent_without_signal_is_kept_and_sent_once_when_it_returns(
    phone, live_server, tmp_path
):
    place = build_place()
    page = phone.new_page()
    log_in(page, live_server)
    page.goto(
        live_server.url + reverse("contact:visit_create") + f"?household={place.household.pk}"
    )
    page.fill("textarea[name=situation]", "信号不好时记下的走访。")
    page.set_input_files("input[name=photos]", str(photo_file(tmp_path)))
    phone.set_offline(True)
    page.click("[data-submit]")
    page.wait_for_selector("#draft-saved:not(.d-none)")
    assert page.locator("#draft-outbox [data-drafts-list] li").count() == 1
    assert Visit.objects.count() == 0
    phone.set_offline(False)
    deadline = time.monotonic() + 15
    while Visit.objects.count() == 0 and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    page.wait_for_selector("#draft-outbox.d-none", state="attached")
    visit = Visit.objects.get()
    assert visit.situation == "信号不好时记下的走访。"
    assert visit.photos.count() == 1
    # Pressing send again on the same form (same key) sends nothing twice: it shows the visit.
    page.click("[data-submit]")
    page.wait_for_url("**/contact/visits/*/")
    assert Visit.objects.count() == 1
