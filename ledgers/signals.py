"""Records of the contact app that become ledger entries, in the same transaction as the record.

`contact` knows nothing of the ledgers (DESIGN.md: imports point up), so the
ledgers listen: each line of a visit's "demands raised" becomes a 登记
demand, and a resident's message through a contact card's QR code becomes a
登记 demand for the card's cadre.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from contact.models import ResidentMessage, Visit
from ledgers.models import Demand, Source

SOURCE_BY_METHOD = {
    Visit.Method.RECEPTION: Source.RECEPTION,
    Visit.Method.SUGGESTION_BOX: Source.BOX,
    Visit.Method.PHONE: Source.PHONE,
}


@receiver(post_save, sender=Visit, dispatch_uid="ledgers.demands_from_visit")
def demands_from_visit(sender, instance: Visit, created, raw=False, **kwargs):
    """Each line of "demands raised" is one demand, 缓 until the cadre or a leader says otherwise."""
    if not created or raw or not instance.demands_raised.strip():
        return
    from ledgers.services import demand_record

    for line in instance.demands_raised.splitlines():
        text = line.strip(" \t-•·、")
        if not text:
            continue
        demand_record(
            by=instance.cadre.user,
            cadre=instance.cadre,
            area=instance.area,
            household=instance.household,
            visit=instance,
            source=SOURCE_BY_METHOD.get(instance.method, Source.VISIT),
            kind=Demand.Kind.OTHER,
            urgency=Demand.Urgency.MODERATE,
            description=text,
            resident_name=instance.met_whom
            or (instance.household.head_name if instance.household else ""),
            resident_phone=instance.household.phone if instance.household else "",
            occurred_on=timezone.localdate(instance.visited_at) if instance.visited_at else None,
        )


@receiver(post_save, sender=ResidentMessage, dispatch_uid="ledgers.demand_from_message")
def demand_from_message(sender, instance: ResidentMessage, created, raw=False, **kwargs):
    """The resident's message arrives as a 登记 demand of the card's cadre.

    The demand's reference is left on the message object, for the thank-you
    page to show: with it and their phone number the resident can later say
    the problem came back.
    """
    if not created or raw:
        return
    from ledgers.services import demand_record

    pairing = instance.pairing
    household = pairing.household
    area = household.village if household else pairing.area
    demand, _created = demand_record(
        by=None,
        cadre=pairing.cadre,
        area=area,
        household=household,
        source=Source.QR,
        kind=Demand.Kind.OTHER,
        urgency=Demand.Urgency.MODERATE,
        description=instance.text,
        resident_name=instance.name,
        resident_phone=instance.phone,
    )
    instance.demand_reference = demand.reference
