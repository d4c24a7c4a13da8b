"""What cadres do. For now: who the cadres are (干部), with their scope.

The Cadre profile replaces the township's printed list of cadres with their
posts and phone numbers, the same details a contact card (干群联系卡,
seeds 000, 002, 004) gives residents.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contact.roles import Role
from households.models import Area
from households.scope import scope_for
from households.validators import validate_phone


class CadreQuerySet(models.QuerySet):
    def visible_to(self, user):
        scope = scope_for(user)
        if scope.everything:
            return self
        return self.filter(scope.area_q("scope_area__") | Q(user=user))


class Cadre(models.Model):
    """A cadre's profile on a Django user: who they are and which area they answer for."""

    class Rank(models.TextChoices):
        CITY_LEADER = "city_leader", _("City or county leader")
        DEPARTMENT = "department", _("Department cadre")
        TOWNSHIP_LEADER = "township_leader", _("Township leader")
        MIDDLE = "middle", _("Middle-level cadre")
        TOWNSHIP = "township", _("Township cadre")
        FIRST_SECRETARY = "first_secretary", _("First secretary / resident cadre")
        VILLAGE = "village", _("Village cadre")
        POLICE = "police", _("Police officer")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="cadre",
    )
    name = models.CharField(_("name"), max_length=30)
    unit = models.CharField(_("unit"), max_length=60)
    post = models.CharField(_("post"), max_length=60, blank=True)
    rank = models.CharField(_("rank"), max_length=20, choices=Rank.choices)
    phone = models.CharField(
        _("mobile phone"),
        max_length=20,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_phone],
    )
    email = models.EmailField(_("e-mail"), blank=True)
    scope_area = models.ForeignKey(
        Area,
        verbose_name=_("scope area"),
        on_delete=models.PROTECT,
        related_name="scoped_cadres",
        help_text=_("What this cadre sees: a village, a township, or the whole county."),
    )
    must_change_password = models.BooleanField(_("must change password"), default=True)
    password_changed_at = models.DateTimeField(_("password changed"), default=timezone.now)

    objects = CadreQuerySet.as_manager()

    class Meta:
        verbose_name = _("cadre")
        verbose_name_plural = _("cadres")
        ordering = ["scope_area__code", "name"]

    def __str__(self):
        return self.name

    @property
    def roles(self) -> set[str]:
        return set(self.user.groups.values_list("name", flat=True))

    def has_role(self, role: Role) -> bool:
        return role.value in self.roles

    def password_expired(self) -> bool:
        age = timezone.now() - self.password_changed_at
        return age.days >= settings.PASSWORD_MAX_AGE_DAYS
