"""An entry's page and its edit form fit a phone (375 px) whatever was typed into them.

A cadre pastes the link of a notice or a file number into "measures"; the
page must wrap it rather than make the whole page scroll sideways.
"""

from datetime import date

import pytest
from django.urls import reverse

from ledgers.models import ReviewState, StabilityCase
from tests.browser.conftest import needs_chromium, phone  # noqa: F401 (the fixture)
from tests.browser.test_visit_browser import log_in
from tests.contact.visit_data import build_place

pytestmark = [
    pytest.mark.browser,
    needs_chromium,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LINK = "https://www.chongzhou.gov.cn/cms/article/detail?id=20260315000123456789&category=minsheng"
PHONE_WIDTH = 375


def page_width(page) -> int:
    # Not window.innerWidth: a phone's browser widens its layout viewport to what
    # overflows, so comparing with it never finds an overflow.
    return page.evaluate("document.documentElement.scrollWidth")


def test_a_long_link_in_an_entry_wraps_on_a_phone(phone, live_server):  # noqa: F811
    place = build_place()
    case = StabilityCase.objects.create(
        area=place.village,
        household=place.household,
        recorded_by=place.cadre.user,
        occurred_on=date(2026, 3, 5),
        kind=StabilityCase.Kind.LAND,
        parties="张德明 与 李春华",
        summary="宅基地边界争议",
        risk=StabilityCase.Risk.MEDIUM,
        measures=f"按镇政府通知调解，见 {LINK}",
        review_state=ReviewState.RETURNED,
        review_note=f"补充通知原文 {LINK}",
    )
    page = phone.new_page()
    log_in(page, live_server, username="zhangli")
    for url in (
        case.get_absolute_url(),
        reverse("ledgers:entry_edit", args=["stability", case.pk]),
    ):
        page.goto(live_server.url + url)
        assert page.locator("body").inner_text().count("chongzhou.gov.cn") >= 1
        assert page_width(page) <= PHONE_WIDTH, url
