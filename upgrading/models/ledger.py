"""The social-upgrading indicators and their append-only, hash-chained ledger.

An entry is never edited: a correction is a new entry that `supersedes` the old one.
Each entry carries its co-op's sequence number, the hash of the entry before it and its
own SHA-256 over a canonical serialisation (see `upgrading.ledger_hash`). Database
triggers (migration 0002) refuse UPDATE and DELETE of entries and their evidence rows,
and TRUNCATE on PostgreSQL. `LedgerHead` is the row appends lock, one per co-op, so two
concurrent appends cannot fork the chain.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from coop.models import Association, Cooperative, CoopScopedQuerySet, Family, code_validator

GENESIS_HASH = "0" * 64


class Indicator(models.Model):
    class Category(models.TextChoices):
        INCOME = "income", _("Measurable standards: income")
        WAGES_PRICES = "wages_prices", _("Measurable standards: wages and prices")
        WORKING_CONDITIONS = "working_conditions", _("Measurable standards: working conditions and safety")
        SOCIAL_PROTECTION = "social_protection", _("Measurable standards: social protection")
        FORMALISATION = "formalisation", _("Measurable standards: formalisation")
        ASSOCIATION = "association", _("Enabling rights: freedom of association and participation")
        GENDER = "gender", _("Enabling rights: non-discrimination and gender")
        VOICE = "voice", _("Enabling rights: voice")
        ECONOMIC = "economic", _("Economic")
        ENVIRONMENTAL = "environmental", _("Environmental")

    class Scope(models.TextChoices):
        COOPERATIVE = "cooperative", _("Co-operative")
        ASSOCIATION = "association", _("Association")
        FAMILY = "family", _("Family")

    class Source(models.TextChoices):
        MANUAL = "manual", _("Recorded by staff with evidence")
        DERIVED = "derived", _("Computed from the data")

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_pt_br = models.CharField(_("name (Portuguese)"), max_length=200)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_pt_br = models.TextField(_("description (Portuguese)"), blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    unit = models.CharField(_("unit"), max_length=20, help_text=_("e.g. %, BRL, kg, ratio, count"))
    higher_is_better = models.BooleanField(_("higher is better"), default=True)
    scope = models.CharField(_("scope"), max_length=12, choices=Scope.choices, default=Scope.COOPERATIVE)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    min_value = models.DecimalField(
        _("minimum value"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("maximum value"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["category", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(max_value__gte=F("min_value")),
                name="indicator_range_ordered",
            ),
        ]

    def __str__(self):
        return self.code


class LedgerHead(models.Model):
    """The last entry of a co-op's chain; appends lock this row first."""

    cooperative = models.OneToOneField(Cooperative, on_delete=models.PROTECT, related_name="ledger_head")
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    objects = CoopScopedQuerySet.as_manager()

    def __str__(self):
        return f"{self.sequence}:{self.hash}"


class LedgerEntry(models.Model):
    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="ledger_entries")
    sequence = models.PositiveBigIntegerField(_("sequence number"))
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="entries", verbose_name=_("indicator")
    )
    scope = models.CharField(_("scope"), max_length=12, choices=Indicator.Scope.choices)
    association = models.ForeignKey(
        Association,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("association"),
    )
    family = models.ForeignKey(
        Family, on_delete=models.PROTECT, related_name="+", null=True, blank=True, verbose_name=_("family")
    )
    period_from = models.DateField(_("period from"))
    period_to = models.DateField(_("period to"))
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)
    unit = models.CharField(_("unit"), max_length=20)
    source = models.CharField(_("source"), max_length=10, choices=Indicator.Source.choices)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"))
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        related_name="superseded_by",
        null=True,
        blank=True,
        verbose_name=_("supersedes"),
    )
    previous_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    objects = CoopScopedQuerySet.as_manager()

    class Meta:
        ordering = ["cooperative", "sequence"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [models.Index(fields=["cooperative", "indicator", "period_from"])]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "sequence"], name="ledger_sequence_unique_in_coop"
            ),
            models.CheckConstraint(
                condition=Q(period_to__gte=F("period_from")), name="ledger_period_ordered"
            ),
        ]

    def __str__(self):
        return f"#{self.sequence} {self.indicator_id} {self.value}"


def ledger_evidence_path(instance, filename):
    return f"ledger/{instance.cooperative_id}/{instance.sha256[:2]}/{instance.sha256}-{filename}"


class LedgerEvidence(models.Model):
    """A file attached to an entry when it was appended; its SHA-256 is part of the entry's hash."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="+")
    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(_("file"), upload_to=ledger_evidence_path)
    name = models.CharField(_("name"), max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(_("content type"), max_length=100)

    class Meta:
        ordering = ["entry", "sha256"]
        verbose_name = _("ledger evidence")
        verbose_name_plural = _("ledger evidence")

    def __str__(self):
        return self.name
