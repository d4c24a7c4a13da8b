from django.contrib.auth import get_user_model
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone

User = get_user_model()


@receiver(pre_save, sender=User)
def _note_password_change(sender, instance, update_fields=None, **kwargs):
    if instance.pk is None:
        return
    if (
        update_fields is not None
        and set(update_fields) == {"password"}
        and getattr(instance, "_password", None) is None
    ):
        # check_password() re-hashing the same password after a hasher upgrade:
        # not a new password, and not one set by someone else.
        instance._password_changed = False
        return
    old = User.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    instance._password_changed = old is not None and old != instance.password


@receiver(post_save, sender=User)
def _stamp_password_change(sender, instance, created, **kwargs):
    """A password set by someone else (an administrator's reset) must be changed at next login."""
    if not getattr(instance, "_password_changed", False):
        return
    from contact.models import Cadre

    by_self = getattr(instance, "_password_set_by_self", False)
    Cadre.objects.filter(user=instance).update(
        password_changed_at=timezone.now(), must_change_password=not by_self
    )
    instance._password_changed = False


# --- Due items, in the transaction that changes their source ---------------------------------
# Signals rather than service calls alone: the admin and the roster import save models
# directly, and their changes must move due dates too.

from django.db.models.signals import m2m_changed, post_delete  # noqa: E402

from contact.models import (  # noqa: E402
    Pairing,
    ReceptionDuty,
    SuggestionBox,
    SuggestionBoxOpening,
    Visit,
    VisitCorrection,
)


@receiver(post_save, sender=Pairing, dispatch_uid="contact.due_pairing")
def _pairing_due(sender, instance, raw=False, **kwargs):
    if raw:
        return
    from contact.due import pairing_sync_due

    pairing_sync_due(instance)


@receiver(post_save, sender=Visit, dispatch_uid="contact.due_visit")
def _visit_due(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    from contact.due import visit_follows_up, visit_sync_due

    if created:
        visit_follows_up(instance)
        if instance.household_id:
            from contact.services import pairing_refresh_due

            for pairing in Pairing.objects.filter(
                kind=Pairing.Kind.HOUSEHOLD, household_id=instance.household_id, end_date=None
            ):
                pairing_refresh_due(pairing=pairing)
    visit_sync_due(instance)


@receiver(post_save, sender=VisitCorrection, dispatch_uid="contact.due_visit_correction")
def _visit_correction_due(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    from contact.due import visit_sync_due

    visit_sync_due(instance.visit)


@receiver(post_save, sender=ReceptionDuty, dispatch_uid="contact.due_duty")
def _duty_due(sender, instance, raw=False, **kwargs):
    if raw:
        return
    from contact.due import duty_sync_due

    duty_sync_due(instance)


@receiver(post_delete, sender=ReceptionDuty, dispatch_uid="contact.due_duty_deleted")
def _duty_deleted(sender, instance, **kwargs):
    from contact.due import due_cancel

    due_cancel(source=instance)


@receiver(post_save, sender=SuggestionBox, dispatch_uid="contact.due_box")
def _box_due(sender, instance, raw=False, **kwargs):
    if raw:
        return
    from contact.due import box_sync_due

    box_sync_due(instance)


@receiver(m2m_changed, sender=SuggestionBox.keyholders.through, dispatch_uid="contact.due_box_keys")
def _box_keyholders(sender, instance, action, reverse=False, **kwargs):
    if action.startswith("post_") and not reverse and isinstance(instance, SuggestionBox):
        from contact.due import box_sync_due

        box_sync_due(instance)


@receiver(post_save, sender=SuggestionBoxOpening, dispatch_uid="contact.due_box_opened")
def _box_opened(sender, instance, created, raw=False, **kwargs):
    if raw or not created:
        return
    from contact.due import box_sync_due

    box_sync_due(instance.box, opened=True)


def _household_categories_changed(sender, instance, action, reverse=False, pk_set=None, **kwargs):
    """A household's categories set its cadence: its next visit moves with them."""
    if not action.startswith("post_"):
        return
    from contact.services import pairing_refresh_due
    from households.models import Household

    # reverse: a category's households changed, rather than a household's categories.
    households = Household.objects.filter(pk__in=pk_set or ()) if reverse else [instance]
    for pairing in Pairing.objects.active().filter(
        kind=Pairing.Kind.HOUSEHOLD, household__in=households
    ):
        pairing_refresh_due(pairing=pairing)


def _category_saved(sender, instance, created, raw=False, **kwargs):
    """A category's cadence changed in the admin: its households' next visits move."""
    if raw or created:
        return
    from contact.services import pairing_refresh_due

    for pairing in Pairing.objects.active().filter(
        kind=Pairing.Kind.HOUSEHOLD, household__categories=instance
    ):
        pairing_refresh_due(pairing=pairing)


def connect_category_signal():
    from households.models import Household, HouseholdCategory

    post_save.connect(_category_saved, sender=HouseholdCategory, dispatch_uid="contact.due_cadence")
    m2m_changed.connect(
        _household_categories_changed,
        sender=Household.categories.through,
        dispatch_uid="contact.due_categories",
    )


connect_category_signal()
