"""A demand on phones (375 px), from the courtyard to 销号, and seed 004's figures moving with it.

张丽 logs a visit at 向朝清's and raises a demand from it; 王成龙, the
township's party secretary, assigns it back to her; she resolves it; he
makes the return visit and closes it. The figures page counts each step.
"""

import pytest
from django.urls import reverse

from ledgers.models import Demand
from tests.browser.conftest import needs_chromium
from tests.browser.test_visit_browser import log_in, page_fits
from tests.contact.visit_data import build_place

pytestmark = [
    pytest.mark.browser,
    needs_chromium,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

FIGURES = [
    "received",
    "assigned",
    "handled",
    "on_time",
    "return_visited",
    "satisfied",
    "implemented",
]


def figures(page, live_server) -> dict[str, int]:
    page.goto(live_server.url + reverse("ledgers:demand_figures"))
    assert page_fits(page)
    cards = page.locator(".demand-figure-cards")
    return {
        name: int(cards.locator(f"[data-figure={name}] .figure-count").inner_text())
        for name in FIGURES
    }


def switch_user(context, page, live_server, username):
    context.clear_cookies()
    log_in(page, live_server, username=username)


def take_step(page, action):
    page.locator(f"a[data-action={action}]").click()
    page.wait_for_selector("form.demand-action-form")
    assert page_fits(page)


def test_a_demand_goes_from_a_visit_to_closed_and_the_figures_follow(phone, live_server):
    place = build_place()
    page = phone.new_page()

    log_in(page, live_server, username="wangchenglong")
    before = figures(page, live_server)
    assert before == dict.fromkeys(FIGURES, 0)

    # 张丽, in the courtyard: a visit, then a demand raised from it.
    switch_user(phone, page, live_server, "zhangli")
    page.goto(
        live_server.url + reverse("contact:visit_create") + f"?household={place.household.pk}"
    )
    page.fill("textarea[name=situation]", "向朝清家门前的通组路垮塌一段，三轮车过不去。")
    page.click("[data-submit]")
    page.wait_for_url("**/contact/visits/*/")
    page.locator(".visit-ledgers-panel a[href*='/ledgers/demands/new/']").click()
    page.wait_for_url("**/ledgers/demands/new/**")
    assert page_fits(page)
    page.select_option("select[name=kind]", Demand.Kind.ROADS)
    page.select_option("select[name=urgency]", Demand.Urgency.SERIOUS)
    page.fill("textarea[name=description]", "通组路垮塌约十米，请求修复。")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/ledgers/demands/*/")
    demand = Demand.objects.get()
    assert demand.visit is not None and demand.household == place.household
    assert demand.state == Demand.State.RECORDED and demand.cadre == place.cadre
    assert demand.reference in page.inner_text("body")
    # A cadre may not assign: the button is not there.
    assert page.locator("a[data-action=assign]").count() == 0
    assert page_fits(page)

    # 王成龙 assigns it to 张丽 with instructions.
    switch_user(phone, page, live_server, "wangchenglong")
    page.goto(live_server.url + demand.get_absolute_url())
    take_step(page, "assign")
    page.select_option("select[name=handler_cadre]", str(place.cadre.pk))
    page.fill("textarea[name=instructions]", "联系镇建设办，一周内修好。")
    page.locator("form.demand-action-form button[type=submit]").click()
    page.wait_for_url(live_server.url + demand.get_absolute_url())
    demand.refresh_from_db()
    assert demand.state == Demand.State.ASSIGNED and demand.handler_cadre == place.cadre

    # 张丽 resolves it.
    switch_user(phone, page, live_server, "zhangli")
    page.goto(live_server.url + demand.get_absolute_url())
    take_step(page, "resolve")
    page.fill("textarea[name=resolution]", "镇建设办派工，已用水泥硬化十米。")
    page.locator("form.demand-action-form button[type=submit]").click()
    page.wait_for_url(live_server.url + demand.get_absolute_url())
    demand.refresh_from_db()
    assert demand.state == Demand.State.RESOLVED

    # 王成龙 goes back: satisfied, solved, closed in the same step.
    switch_user(phone, page, live_server, "wangchenglong")
    page.goto(live_server.url + demand.get_absolute_url())
    take_step(page, "return_visit")
    page.check("input[name=satisfaction][value=satisfied]")
    page.check("input[name=solved][value=solved]")
    assert page.is_checked("input[name=close]")
    page.locator("form.demand-action-form button[type=submit]").click()
    page.wait_for_url(live_server.url + demand.get_absolute_url())
    demand.refresh_from_db()
    assert demand.state == Demand.State.CLOSED
    trail = page.inner_text("body")
    assert "联系镇建设办" in trail and "已用水泥硬化" in trail

    after = figures(page, live_server)
    assert after == {name: before[name] + 1 for name in FIGURES}
    assert not [e for e in phone.console_errors if "Content Security Policy" in e]
