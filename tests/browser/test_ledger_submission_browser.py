"""报送 on a phone (375 px): 张丽 submits 群安村's six ledgers for the month with one button."""

import pytest
from django.urls import reverse
from django.utils import timezone

from contact.models import DueItem, Pairing
from contact.services import pairing_assign_area
from ledgers.models import LedgerSubmission
from ledgers.reminders import plan_ledger_submissions
from tests.browser.conftest import needs_chromium
from tests.browser.test_visit_browser import log_in, page_fits
from tests.contact.visit_data import build_place

pytestmark = [
    pytest.mark.browser,
    needs_chromium,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_cadre_submits_her_villages_ledgers_from_the_index(phone, live_server):
    place = build_place()
    pairing_assign_area(area=place.village, kind=Pairing.Kind.VILLAGE, cadre=place.cadre)
    plan_ledger_submissions(timezone.localdate())
    page = phone.new_page()
    log_in(page, live_server)

    page.goto(live_server.url + reverse("ledgers:index"))
    row = page.locator(f"#submission-{place.village.pk}")
    assert "群安村" in row.inner_text()
    assert page_fits(page)
    row.locator("button[type=submit]").click()
    page.wait_for_selector(".alert-success")

    assert page_fits(page)
    assert page.locator(f"#submission-{place.village.pk} button[type=submit]").count() == 0
    assert LedgerSubmission.objects.get().submitted_by == place.cadre.user
    assert DueItem.objects.get(kind=DueItem.Kind.LEDGER).state == DueItem.State.DONE
    assert phone.console_errors == []
