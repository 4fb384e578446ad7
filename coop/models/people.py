"""The co-operative, its people and who may do what in it.

Every business row carries `cooperative`: tenancy is enforced by filtering on it
(see `coop.tenancy`), and it is the key a sharded PostgreSQL would distribute on.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from coop.units import CURRENCY_CHOICES, validate_cpf

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
    _("Use letters, digits, dots, dashes or underscores, starting with a letter or digit."),
)

BRAZILIAN_STATES = [
    (uf, uf)
    for uf in "AC AL AP AM BA CE DF ES GO MA MT MS MG PA PB PR PE PI RJ RN RS RO RR SC SP SE TO".split()
]


class Role(models.TextChoices):
    STAFF = "staff", _("Staff")
    MANAGER = "manager", _("Manager")
    AUDITOR = "auditor", _("Auditor")
    ADMIN = "admin", _("Administrator")


class Cooperative(models.Model):
    name = models.CharField(_("name"), max_length=200)
    # The legal name takes four lines on a phone; the header shows this instead.
    short_name = models.CharField(
        _("short name"),
        max_length=20,
        blank=True,
        help_text=_("The name the co-op goes by, e.g. COMAPI: shown in the header on phones."),
    )
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    country = models.CharField(_("country"), max_length=2, default="BR", help_text=_("ISO 3166 code"))
    state = models.CharField(_("state"), max_length=2, choices=BRAZILIAN_STATES, blank=True)
    municipality = models.CharField(_("municipality"), max_length=120)
    base_currency = models.CharField(
        _("base currency"), max_length=3, choices=CURRENCY_CHOICES, default="BRL"
    )
    moisture_limit_pct = models.DecimalField(
        _("honey moisture limit (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("20.00"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Barrels above it are rejected (Codex honey standard: 20%)."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("co-operative")
        verbose_name_plural = _("co-operatives")

    def __str__(self):
        return self.name

    @property
    def display_short_name(self) -> str:
        return self.short_name or self.name


class MembershipQuerySet(models.QuerySet):
    def active(self, on=None):
        """Memberships in force on `on` (today by default): an end date is inclusive."""
        on = on or timezone.localdate()
        return self.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on), user__is_active=True)


class Membership(models.Model):
    """A user's role in one co-operative. An expired membership grants nothing."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    ends_on = models.DateField(
        _("ends on"), null=True, blank=True, help_text=_("Last day the membership is valid.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["cooperative__name", "user__username"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "cooperative"], name="membership_one_role_per_user_and_coop"
            ),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_is_known"),
        ]

    def __str__(self):
        return f"{self.user} · {self.cooperative} · {self.get_role_display()}"


class CoopScopedQuerySet(models.QuerySet):
    def for_user(self, user, *, roles=None):
        from coop.tenancy import READ, scope

        return scope(self, user, roles=roles or READ)


class Association(models.Model):
    """A place or group within the co-op: a local association, a cantina, a honey room."""

    class Kind(models.TextChoices):
        ASSOCIATION = "association", _("Association")
        CANTINA = "cantina", _("Cantina / purchasing centre")
        HONEY_ROOM = "honey_room", _("Honey room")
        PRODUCTION_CENTRE = "production_centre", _("Production centre")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="associations")
    code = models.CharField(_("code"), max_length=30, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    municipality = models.CharField(_("municipality"), max_length=120)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    history = HistoricalRecords()

    objects = CoopScopedQuerySet.as_manager()

    class Meta:
        ordering = ["cooperative", "code"]
        verbose_name = _("association")
        verbose_name_plural = _("associations")
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "code"], name="association_code_unique_in_coop"),
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90) | Q(latitude__isnull=True),
                name="association_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180, longitude__lte=180) | Q(longitude__isnull=True),
                name="association_longitude_range",
            ),
        ]

    def __str__(self):
        return f"{self.code} · {self.name}"


class Family(models.Model):
    """A producing household: the unit that delivers, is certified and is paid."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        LEFT = "left", _("Left")

    class LandTenure(models.TextChoices):
        OWNER = "owner", _("Owner with title")
        SETTLEMENT = "settlement", _("Agrarian-reform settlement")
        COMMUNAL = "communal", _("Communal / collective use")
        TENANT = "tenant", _("Tenant or sharecropper")
        SQUATTER = "squatter", _("Occupant without title (posseiro)")
        NONE = "none", _("No access to land")
        UNKNOWN = "unknown", _("Not recorded")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="families")
    code = models.CharField(_("code"), max_length=30, validators=[code_validator])
    household_name = models.CharField(_("household name"), max_length=200)
    association = models.ForeignKey(
        Association,
        on_delete=models.PROTECT,
        related_name="families",
        null=True,
        blank=True,
        verbose_name=_("association"),
    )
    municipality = models.CharField(_("municipality"), max_length=120)
    joined_on = models.DateField(_("joined on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    land_tenure = models.CharField(
        _("land tenure"), max_length=12, choices=LandTenure.choices, default=LandTenure.UNKNOWN
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    hives = models.PositiveIntegerField(
        _("hives"), null=True, blank=True, validators=[MaxValueValidator(100_000)]
    )
    history = HistoricalRecords()

    objects = CoopScopedQuerySet.as_manager()

    class Meta:
        ordering = ["cooperative", "code"]
        verbose_name = _("family")
        verbose_name_plural = _("families")
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "code"], name="family_code_unique_in_coop"),
            models.CheckConstraint(
                condition=Q(status__in=["active", "suspended", "left"]), name="family_status_known"
            ),
            models.CheckConstraint(
                condition=Q(hives__isnull=True) | Q(hives__gte=0), name="family_hives_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.code} · {self.household_name}"


class Member(models.Model):
    """A person in a family. The national ID (CPF) is sensitive: never exported by default."""

    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        OTHER = "other", _("Other")
        UNDISCLOSED = "undisclosed", _("Prefers not to say")

    class FamilyRole(models.TextChoices):
        HEAD = "head", _("Head of household")
        SPOUSE = "spouse", _("Spouse or partner")
        CHILD = "child", _("Son or daughter")
        ELDER = "elder", _("Parent or grandparent")
        OTHER = "other", _("Other relative")

    class Literacy(models.TextChoices):
        LITERATE = "literate", _("Reads and writes")
        BASIC = "basic", _("Reads and writes a little")
        ILLITERATE = "illiterate", _("Does not read or write")
        UNKNOWN = "unknown", _("Not recorded")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="members")
    family = models.ForeignKey(
        Family, on_delete=models.PROTECT, related_name="members", verbose_name=_("family")
    )
    name = models.CharField(_("name"), max_length=200)
    gender = models.CharField(_("gender"), max_length=12, choices=Gender.choices)
    birth_year = models.PositiveSmallIntegerField(
        _("birth year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    role_in_family = models.CharField(
        _("role in family"), max_length=10, choices=FamilyRole.choices, default=FamilyRole.OTHER
    )
    literacy = models.CharField(
        _("literacy"), max_length=12, choices=Literacy.choices, default=Literacy.UNKNOWN
    )
    national_id = models.CharField(
        _("national ID (CPF)"),
        max_length=11,
        blank=True,
        validators=[validate_cpf],
        help_text=_("11 digits. Sensitive: shown masked and never exported by default."),
    )
    # The CPF is left out of the history tables so it is stored in one place only.
    history = HistoricalRecords(excluded_fields=["national_id"])

    objects = CoopScopedQuerySet.as_manager()

    class Meta:
        ordering = ["cooperative", "family__code", "name"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True) | Q(birth_year__gte=1900, birth_year__lte=2100),
                name="member_birth_year_range",
            ),
            models.UniqueConstraint(
                fields=["cooperative", "national_id"],
                condition=~Q(national_id=""),
                name="member_national_id_unique_in_coop",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def national_id_masked(self) -> str:
        return f"•••.•••.{self.national_id[6:9]}-••" if self.national_id else ""
