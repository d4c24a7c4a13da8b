"""张丽 on her phone (375 px): first sign-in to the demo county, own password, her village only.

The demo is loaded as `make run` loads it. 张丽 answers for 群安村 in
桤泉镇; the households of 羊马街道 must not exist for her, not in the list,
not in a search, not at a guessed URL.
"""

import io
import re
import tempfile
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse

from contact.models import Cadre
from households.models import Household, Member
from tests.browser.conftest import needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium]

DEMO_PASSWORD = "Chongzhou2012"
OWN_PASSWORD = "Qunan2026hehua"
QUNAN = "510184104201"  # 群安村
YANGMA = "510184002"  # 羊马街道
# Kept after the run, for a person to look at: /tmp/foundation_375.png.
SCREENSHOT = Path(tempfile.gettempdir()) / "foundation_375.png"


def fits_the_phone(page) -> bool:
    """Nothing wider than the screen: no sideways scrolling."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def listed_total(page) -> int:
    """The number of households the list says it found ("共 124 户")."""
    text = page.locator("#household-rows p").first.inner_text()
    return int(re.search(r"\d+", text)[0])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_demo_cadre_signs_in_changes_her_password_and_sees_only_her_village(phone, live_server):
    call_command("load_demo", password=DEMO_PASSWORD, stdout=io.StringIO())
    zhangli = User.objects.get(username="zhangli")
    mine = Household.objects.filter(area__code__startswith=QUNAN)
    assert Household.objects.visible_to(zhangli).count() == mine.count() > 20
    # An outsider whose name no one in 群安村 bears, not even as part of theirs.
    mine_names = list(Member.objects.filter(household__in=mine).values_list("name", flat=True))
    away = next(
        h
        for h in Household.objects.filter(area__code__startswith=YANGMA).order_by("pk")
        if not any(h.head_name in name for name in mine_names)
    )
    page = phone.new_page()

    # First sign-in with the password the demo printed: straight to choosing her own.
    page.goto(live_server.url + reverse("login"))
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "民情通" in page.locator("h1").first.inner_text()
    page.fill("input[name=username]", "zhangli")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_url(live_server.url + reverse("password_change"))
    assert "密码" in page.locator("h1").first.inner_text()  # 修改密码
    assert fits_the_phone(page)
    page.fill("input[name=old_password]", DEMO_PASSWORD)
    page.fill("input[name=new_password1]", OWN_PASSWORD)
    page.fill("input[name=new_password2]", OWN_PASSWORD)
    page.click("form:has(input[name=old_password]) button[type=submit]")
    page.wait_for_url(live_server.url + reverse("home"))
    cadre = Cadre.objects.select_related("user").get(user__username="zhangli")
    assert not cadre.must_change_password
    assert cadre.user.check_password(OWN_PASSWORD)

    # The household list, through the phone's menu.
    page.click(".navbar-toggler")
    page.click(f"#mainnav a[href='{reverse('households:list')}']")
    page.wait_for_url(live_server.url + reverse("households:list"))
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "户" in page.locator("h1").first.inner_text()  # 农户
    assert "户" in page.locator("#household-rows p").first.inner_text()  # 共 124 户
    assert listed_total(page) == mine.count()
    assert fits_the_phone(page)
    page.screenshot(path=str(SCREENSHOT))

    # Every page of the list is 群安村, and 张丽 sees every one of her village's households.
    seen = 0
    pages = (mine.count() + 19) // 20
    for number in range(1, pages + 1):
        page.goto(live_server.url + reverse("households:list") + f"?page={number}")
        rows = page.locator(".household-row")
        for i in range(rows.count()):
            assert "群安村" in rows.nth(i).inner_text()
        seen += rows.count()
    assert seen == mine.count()

    # A household of 羊马街道: not listed, not found by name, not at its URL.
    page.goto(live_server.url + reverse("households:list"))
    assert away.head_name not in page.locator("#household-rows").inner_text()
    page.goto(live_server.url + reverse("households:list") + f"?q={away.head_name}")
    assert page.locator(".household-row").count() == 0
    assert listed_total(page) == 0
    response = page.goto(live_server.url + reverse("households:detail", args=[away.pk]))
    assert response.status == 404
    assert away.head_name not in page.content()
