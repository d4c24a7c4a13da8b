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
