"""A cadre hears at once when a leader assigns them a demand: bell, e-mail, SMS."""

import pytest
from django.core import mail

from contact.models import Notification
from ledgers import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def demand(personas, household):
    demand, _created = services.demand_record(
        by=personas.cadre.user,
        area=household.village,
        household=household,
        kind="roads",
        urgency="serious",
        description="通组路垮塌一段",
    )
    return demand


def test_the_handler_is_notified_once_when_a_leader_assigns_a_demand(
    personas, demand, django_capture_on_commit_callbacks
):
    personas.cadre.email = "zhangli@example.cn"
    personas.cadre.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.demand_assign(
            demand=demand,
            by=personas.leader.user,
            handler_cadre=personas.cadre,
            instructions="三天内答复",
        )
    notification = Notification.objects.get(user=personas.cadre.user)
    assert notification.title == f"王成龙交办给您的诉求{demand.reference}"
    assert notification.body == "通组路垮塌一段\n三天内答复"
    assert notification.url == demand.get_absolute_url()
    assert (notification.email_state, notification.sms_state) == ("sent", "sent")
    assert [m.to for m in mail.outbox] == [["zhangli@example.cn"]]


def test_a_leader_who_takes_a_demand_himself_is_not_notified(personas, demand):
    services.demand_assign(demand=demand, by=personas.leader.user, handler_cadre=personas.leader)
    assert not Notification.objects.exists()
