"""Certifications of families and the internal control system's inspections."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from coop.models.people import Association, Cooperative, CoopScopedQuerySet, Family, Member


class Scheme(models.TextChoices):
    ORGANIC = "organic", _("Organic")
    FAIR_TRADE = "fair_trade", _("Fair trade")


class CertificationQuerySet(CoopScopedQuerySet):
    def valid_on(self, day):
        """Certifications in force on `day` (both ends inclusive)."""
        return self.filter(status=Certification.Status.ACTIVE, valid_from__lte=day, valid_to__gte=day)


class Certification(models.Model):
    """A family's certificate under one scheme, approved on the basis of an inspection."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="+")
    family = models.ForeignKey(
        Family, on_delete=models.PROTECT, related_name="certifications", verbose_name=_("family")
    )
    scheme = models.CharField(_("scheme"), max_length=12, choices=Scheme.choices)
    standard = models.CharField(
        _("standard"), max_length=120, help_text=_("E.g. EU 2018/848, Fairtrade SPO, SisOrg.")
    )
    reference = models.CharField(_("certificate / reference"), max_length=120)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    approved_by = models.ForeignKey(
        "Inspection",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approving inspection"),
    )
    history = HistoricalRecords()

    objects = CertificationQuerySet.as_manager()

    class Meta:
        ordering = ["family", "scheme", "-valid_from"]
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        indexes = [models.Index(fields=["family", "scheme", "valid_from", "valid_to"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__gte=F("valid_from")), name="certification_period_ordered"
            ),
        ]

    def __str__(self):
        return f"{self.family} · {self.get_scheme_display()} {self.valid_from}–{self.valid_to}"


class InspectionQuerySet(CoopScopedQuerySet):
    def open_sanctions(self):
        return self.filter(result=Inspection.Result.SANCTION, closed_on__isnull=True)


class Inspection(models.Model):
    """An internal inspection of a member family or of a collection point."""

    class Result(models.TextChoices):
        COMPLIANT = "compliant", _("Compliant")
        NON_COMPLIANT = "non_compliant", _("Non-compliant")
        SANCTION = "sanction", _("Sanction")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="+")
    family = models.ForeignKey(
        Family,
        on_delete=models.PROTECT,
        related_name="inspections",
        null=True,
        blank=True,
        verbose_name=_("family"),
    )
    association = models.ForeignKey(
        Association,
        on_delete=models.PROTECT,
        related_name="inspections",
        null=True,
        blank=True,
        verbose_name=_("collection point"),
    )
    inspected_on = models.DateField(_("inspected on"))
    inspector = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="inspections_made", verbose_name=_("inspector")
    )
    result = models.CharField(_("result"), max_length=15, choices=Result.choices)
    findings = models.TextField(_("findings"), blank=True)
    follow_up_on = models.DateField(_("follow-up date"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("recorded by"),
    )
    history = HistoricalRecords()

    objects = InspectionQuerySet.as_manager()

    class Meta:
        ordering = ["-inspected_on", "-id"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        constraints = [
            models.CheckConstraint(
                condition=Q(family__isnull=False, association__isnull=True)
                | Q(family__isnull=True, association__isnull=False),
                name="inspection_of_a_family_or_a_collection_point",
            ),
            models.CheckConstraint(
                condition=Q(follow_up_on__isnull=True) | Q(follow_up_on__gte=F("inspected_on")),
                name="inspection_follow_up_after_visit",
            ),
        ]

    def __str__(self):
        return f"{self.family or self.association} · {self.inspected_on}"
