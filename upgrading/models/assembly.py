"""The general-assembly register: meetings, attendance and the decisions they voted."""

from django.db import models
from django.db.models import F, Q
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from coop.models import Cooperative, CoopScopedQuerySet


class Assembly(models.Model):
    class Kind(models.TextChoices):
        ORDINARY = "ordinary", _("Ordinary general assembly")
        EXTRAORDINARY = "extraordinary", _("Extraordinary general assembly")
        BOARD = "board", _("Board meeting")
        FAIR_TRADE_COMMITTEE = "ft_committee", _("Fair-trade premium committee")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="assemblies")
    held_on = models.DateField(_("held on"))
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices, default=Kind.ORDINARY)
    place = models.CharField(_("place"), max_length=200, blank=True)
    members_eligible = models.PositiveIntegerField(_("members entitled to attend"), null=True, blank=True)
    members_present = models.PositiveIntegerField(_("members present"))
    women_present = models.PositiveIntegerField(_("of them women"))
    quorum_reached = models.BooleanField(_("quorum reached"))
    minutes = models.FileField(_("minutes"), upload_to="assemblies/%Y/", blank=True)
    minutes_sha256 = models.CharField(_("SHA-256 of the minutes"), max_length=64, blank=True, editable=False)
    history = HistoricalRecords()

    objects = CoopScopedQuerySet.as_manager()

    class Meta:
        ordering = ["cooperative", "-held_on", "-id"]
        verbose_name = _("general assembly")
        verbose_name_plural = _("general assemblies")
        constraints = [
            models.CheckConstraint(
                condition=Q(women_present__lte=F("members_present")), name="assembly_women_within_present"
            ),
            models.CheckConstraint(
                condition=Q(members_eligible__isnull=True) | Q(members_present__lte=F("members_eligible")),
                name="assembly_present_within_eligible",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {date_format(self.held_on, 'SHORT_DATE_FORMAT')}"


class Decision(models.Model):
    """A resolution voted in an assembly; premium allocations and settlements cite one."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="+")
    assembly = models.ForeignKey(
        Assembly, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("assembly")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("text"))
    votes_for = models.PositiveIntegerField(_("votes for"))
    votes_against = models.PositiveIntegerField(_("votes against"), default=0)
    votes_abstaining = models.PositiveIntegerField(_("abstentions"), default=0)
    minutes = models.FileField(_("minutes"), upload_to="decisions/%Y/", blank=True)
    minutes_sha256 = models.CharField(_("SHA-256 of the minutes"), max_length=64, blank=True, editable=False)
    history = HistoricalRecords()

    objects = CoopScopedQuerySet.as_manager()

    class Meta:
        ordering = ["assembly", "number"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        constraints = [
            models.UniqueConstraint(fields=["assembly", "number"], name="decision_number_unique_in_assembly"),
        ]

    def __str__(self):
        return f"{date_format(self.assembly.held_on, 'SHORT_DATE_FORMAT')} #{self.number}: {self.text[:60]}"

    @property
    def approved(self) -> bool:
        return self.votes_for > self.votes_against
