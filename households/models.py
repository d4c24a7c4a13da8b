"""The household registry: the area tree, households, their members and categories.

Replaces the township's hand-kept household roster (户籍花名册) and the first
pages of every 民情记录簿, where a cadre wrote down each family's members,
work, income and housing (seed 000).
"""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from pypinyin import Style, lazy_pinyin

from households.crypto import (
    decrypt_id_number,
    encrypt_id_number,
    hash_id_number,
    mask_id_number,
)
from households.scope import scope_for
from households.validators import validate_id_number, validate_phone


def pinyin_initials(text: str) -> str:
    """张三 → zs, so that a cadre can search on a phone keyboard."""
    if not text:
        return ""
    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore")
    return "".join(letters).lower()


class AreaQuerySet(models.QuerySet):
    def visible_to(self, user):
        scope = scope_for(user)
        if scope.everything:
            return self
        return self.filter(scope.area_q(""))

    def within(self, area):
        """The area and everything below it."""
        return self.filter(code__startswith=area.code)


class Area(models.Model):
    """One node of 行政区划: county, township, village (community) or group.

    Codes are the national statistical division codes without their padding:
    6 digits for a county, 9 for a township, 12 for a village; a group
    (村民小组) has no national code, so it takes its village's 12 digits and
    three of its own. Every child's code starts with its parent's, which is
    what scope queries rely on (`code__startswith`).
    """

    class Level(models.IntegerChoices):
        COUNTY = 1, _("County")
        TOWNSHIP = 2, _("Township")
        VILLAGE = 3, _("Village")
        GROUP = 4, _("Group")

    CODE_LENGTHS = {Level.COUNTY: 6, Level.TOWNSHIP: 9, Level.VILLAGE: 12, Level.GROUP: 15}

    code = models.CharField(
        _("division code"),
        max_length=15,
        unique=True,
        validators=[
            RegexValidator(r"^\d{6}(\d{3}){0,3}$", _("A division code is made of digits."))
        ],
    )
    name = models.CharField(_("name"), max_length=60)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent area"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(level=1) & Q(parent__isnull=True))
                | (Q(level__gt=1) & Q(parent__isnull=False)),
                name="area_only_county_without_parent",
            ),
        ]

    def __str__(self):
        return self.name

    @classmethod
    def code_at(cls, code: str, level: int) -> str:
        """The code of the area at `level` that holds the area of `code`: its prefix."""
        return code[: cls.CODE_LENGTHS[level]]

    @property
    def national_code(self) -> str:
        """The 12-digit code as the statistics bureau prints it (groups: their own 15)."""
        return self.code.ljust(12, "0")

    @property
    def full_name(self) -> str:
        names = [a.name for a in self.ancestors()] + [self.name]
        return "".join(names[1:]) if len(names) > 1 else self.name

    def ancestors(self) -> list["Area"]:
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    def clean(self):
        code = self.code or ""
        expected = self.CODE_LENGTHS.get(self.level)
        if expected and len(code) != expected:
            raise ValidationError(
                {
                    "code": _("A %(level)s code has %(n)d digits.")
                    % {"level": self.get_level_display(), "n": expected}
                }
            )
        if self.level == self.Level.COUNTY:
            if self.parent_id:
                raise ValidationError({"parent": _("A county has no parent area.")})
            return
        if not self.parent_id:
            raise ValidationError({"parent": _("Choose the area this one belongs to.")})
        if self.parent.level != self.level - 1:
            raise ValidationError({"parent": _("The parent must be one level above.")})
        if not code.startswith(self.parent.code) or code == self.parent.code:
            raise ValidationError(
                {
                    "code": _("The code must start with the parent's code %(code)s.")
                    % {"code": self.parent.code}
                }
            )
        if code[len(self.parent.code) :] == "000":
            raise ValidationError({"code": _("The last three digits may not all be zero.")})


class HouseholdCategoryQuerySet(models.QuerySet):
    def visible_to(self, user):
        # Reference data: every signed-in user reads the whole list.
        return self if user.is_authenticated else self.none()


class HouseholdCategory(models.Model):
    """Why a household is visited and how often (户类).

    Seed 001's 五必访 (must-visit) and seed 003's 访三老·走三户 are categories
    with short cadences; seed 002's 困难群众 ledger is the categories marked
    as in difficulty.
    """

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=30, unique=True)
    visit_cadence_days = models.PositiveSmallIntegerField(
        _("visit every (days)"), default=90, validators=[MinValueValidator(1)]
    )
    must_visit = models.BooleanField(
        _("must visit (五必访)"),
        default=False,
        help_text=_("Households in this category are always visited, on the shorter cadence."),
    )
    in_difficulty = models.BooleanField(
        _("in difficulty"),
        default=False,
        help_text=_("Counted in the ledger of households in difficulty and in 一帮一 coverage."),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)

    objects = HouseholdCategoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("household category")
        verbose_name_plural = _("household categories")
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


# A group's chain up to the county: what Area.full_name reads, joined in one query.
AREA_CHAIN = "area__parent__parent__parent"


class HouseholdQuerySet(models.QuerySet):
    def visible_to(self, user):
        scope = scope_for(user)
        if scope.everything:
            return self
        q = scope.area_q("area__")
        if scope.extra_household_ids is not None:
            q |= Q(pk__in=scope.extra_household_ids)
        return self.filter(q)

    def with_area_names(self):
        """Join the area chain, so that showing `area.full_name` costs no query per row."""
        return self.select_related(AREA_CHAIN)

    def search(self, text: str):
        """Name, its pinyin initials, phone, house number.

        ID numbers are looked up by `with_id_number`, from a POSTed form, so
        that a full number never travels in a URL into access logs.
        """
        text = (text or "").strip()
        if not text:
            return self
        q = (
            Q(head_name__icontains=text)
            | Q(members__name__icontains=text)
            | Q(phone__contains=text)
            | Q(house_number__icontains=text)
            | Q(address__icontains=text)
        )
        if text.isascii() and text.isalpha():
            q |= Q(search_initials__startswith=text.lower())
        return self.filter(q).distinct()

    def with_id_number(self, number: str):
        """Households with a member of exactly this (validated) ID number."""
        return self.filter(members__id_number_hash=hash_id_number(number)).distinct()


class Household(models.Model):
    """A family (户): where it lives, who heads it, how it lives, why it is visited."""

    class Housing(models.TextChoices):
        BRICK_CONCRETE = "brick_concrete", _("Brick and concrete")
        BRICK_WOOD = "brick_wood", _("Brick and wood")
        EARTH = "earth", _("Rammed earth")
        DILAPIDATED = "dilapidated", _("Dilapidated (危房)")
        APARTMENT = "apartment", _("Apartment")
        OTHER = "other", _("Other")

    area = models.ForeignKey(
        Area,
        verbose_name=_("village or group"),
        on_delete=models.PROTECT,
        related_name="households",
        limit_choices_to={"level__gte": Area.Level.VILLAGE},
    )
    house_number = models.CharField(_("house number"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=120, blank=True)
    head_name = models.CharField(_("head of household"), max_length=30)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    categories = models.ManyToManyField(
        HouseholdCategory, verbose_name=_("categories"), blank=True, related_name="households"
    )
    housing = models.CharField(_("housing"), max_length=20, choices=Housing.choices, blank=True)
    housing_area_m2 = models.DecimalField(
        _("floor area (m²)"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    annual_income = models.DecimalField(
        _("annual income (yuan)"),
        max_digits=10,
        decimal_places=0,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    income_sources = models.CharField(_("income sources"), max_length=200, blank=True)
    annual_spending = models.DecimalField(
        _("annual spending (yuan)"),
        max_digits=10,
        decimal_places=0,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    employment = models.CharField(_("employment"), max_length=200, blank=True)
    health_notes = models.CharField(_("health"), max_length=200, blank=True)
    notes = models.TextField(_("民情 notes"), blank=True)
    search_initials = models.CharField(max_length=40, blank=True, editable=False, db_index=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["area__code", "house_number", "pk"]
        indexes = [
            # The household list filters by area and sorts by head's name.
            models.Index(fields=["area", "head_name"], name="household_area_head"),
        ]

    def __str__(self):
        return self.head_name

    def save(self, *args, **kwargs):
        self.search_initials = pinyin_initials(self.head_name)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_initials"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("households:detail", args=[self.pk])

    def clean(self):
        if self.area_id and self.area.level < Area.Level.VILLAGE:
            raise ValidationError({"area": _("A household belongs to a village or a group.")})

    @property
    def village(self) -> Area | None:
        if self.area is None:
            return None
        return self.area.parent if self.area.level == Area.Level.GROUP else self.area

    @property
    def is_must_visit(self) -> bool:
        return any(c.must_visit for c in self.categories.all())

    @property
    def visit_cadence_days(self) -> int:
        """The shortest cadence among its categories; a household with none, every 180 days."""
        cadences = [c.visit_cadence_days for c in self.categories.all()]
        return min(cadences) if cadences else settings.DEFAULT_VISIT_CADENCE_DAYS


class MemberQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(household__in=Household.objects.visible_to(user))


class Member(models.Model):
    """A person in a household; the ID-card number is kept encrypted (DESIGN: personal data)."""

    class Relation(models.TextChoices):
        HEAD = "head", _("Head of household")
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Child")
        PARENT = "parent", _("Parent")
        GRANDCHILD = "grandchild", _("Grandchild")
        SIBLING = "sibling", _("Sibling")
        CHILD_IN_LAW = "child_in_law", _("Son- or daughter-in-law")
        OTHER = "other", _("Other")

    class Sex(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="members"
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=30)
    relation = models.CharField(_("relation to head"), max_length=20, choices=Relation.choices)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    id_number_encrypted = models.TextField(_("ID number (encrypted)"), blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    health = models.CharField(_("health"), max_length=100, blank=True)
    employment = models.CharField(_("employment"), max_length=100, blank=True)
    is_party_member = models.BooleanField(_("party member"), default=False)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        ordering = ["household", "pk"]
        permissions = [
            ("view_id_number", _("Can see full ID-card numbers")),
            ("export_id_number", _("Can export full ID-card numbers")),
        ]

    def __str__(self):
        return self.name

    @property
    def id_number(self) -> str:
        return decrypt_id_number(self.id_number_encrypted)

    @id_number.setter
    def id_number(self, value: str) -> None:
        if not value:
            self.id_number_encrypted = ""
            self.id_number_hash = ""
            return
        number = validate_id_number(value)
        self.id_number_encrypted = encrypt_id_number(number)
        self.id_number_hash = hash_id_number(number)
        if self.birth_date is None:
            self.birth_date = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        if not self.sex:
            self.sex = self.Sex.MALE if int(number[16]) % 2 else self.Sex.FEMALE

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number) if self.id_number_encrypted else ""

    def id_number_for(self, user) -> str:
        """The full number to those allowed to see it, the mask to everyone else."""
        if user.has_perm("households.view_id_number"):
            return self.id_number
        return self.masked_id_number

    @property
    def age(self) -> int | None:
        if not self.birth_date:
            return None
        today = timezone.localdate()
        return (
            today.year
            - self.birth_date.year
            - ((today.month, today.day) < (self.birth_date.month, self.birth_date.day))
        )


class ExportLogQuerySet(models.QuerySet):
    def visible_to(self, user):
        """One's own exports; with `view_exportlog`, those of the users within one's own area."""
        scope = scope_for(user)
        if scope.everything:
            return self
        if not user.is_authenticated:
            return self.none()
        q = Q(user=user)
        if user.has_perm("households.view_exportlog") and scope.user_ids is not None:
            q |= Q(user__in=scope.user_ids)
        return self.filter(q)


class ExportLog(models.Model):
    """Who exported what, when: personal data leaves the system only on the record."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="+"
    )
    what = models.CharField(_("what"), max_length=60)
    row_count = models.PositiveIntegerField(_("rows"))
    filters = models.CharField(_("filters"), max_length=500, blank=True)
    with_id_numbers = models.BooleanField(_("with full ID numbers"), default=False)
    created_at = models.DateTimeField(_("exported at"), auto_now_add=True)

    objects = ExportLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("export log entry")
        verbose_name_plural = _("export log")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.user} {self.what} {timezone.localtime(self.created_at):%Y-%m-%d %H:%M}"
