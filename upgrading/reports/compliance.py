"""The compliance checks: what an auditor would find, found first, every month.

Each check returns a `CheckResult`: pass, warning or fail, a one-line summary, and the
offending records (the first `MAX_FINDINGS`, with the total count) with a link to each
record's page. Every check is one or a few aggregate or limited queries, whatever the
number of lots, so a report costs the same for ten barrels or a million.

Checks look at the co-op as it stands when the report runs, measured from the period's
last day (`as_of`, or today when the period has not ended yet): "advances due more than
30 days before as_of and still unpaid", "families not inspected in the 12 months up to
as_of". Period-bound checks (certification claims, deliveries after expiry) look at the
period's shipments and deliveries only.
"""

import datetime
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Count, DecimalField, Exists, F, Max, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from chain.models import Allocation, Contract, Shipment
from chain.selectors import contract_fulfilment
from coop.models import Certification, Cooperative, Family, Inspection, Lot, Scheme
from coop.units import CENT, quantize_money
from upgrading.models import (
    Advance,
    LedgerEntry,
    LedgerHead,
    PremiumAllocation,
    PremiumFund,
    PremiumReceipt,
    PremiumSpending,
    Season,
    Settlement,
)
from upgrading.reports import queries
from upgrading.reports.periods import Period

PASS, WARNING, FAIL = "pass", "warning", "fail"
SEVERITY = {PASS: 0, WARNING: 1, FAIL: 2}
MAX_FINDINGS = 50

EXPIRY_WARNING_DAYS = 60
INSPECTION_INTERVAL_DAYS = 365
ADVANCE_GRACE_DAYS = 30
PREMIUM_ALLOCATION_DAYS = 365

# Titles are translated when shown, in the reader's language; summaries and findings are
# written once, when the report runs.
TITLES = {
    "contract_pace": gettext_lazy("Contract pace"),
    "certification_claims": gettext_lazy("Certification claims of shipments"),
    "mass_balance": gettext_lazy("Mass balance of certified products"),
    "certification_expiry": gettext_lazy("Certifications expiring or expired while delivering"),
    "inspections": gettext_lazy("Internal inspections in the last 12 months"),
    "open_sanctions": gettext_lazy("Open sanctions"),
    "quality": gettext_lazy("Lots over the moisture limits in stock or allocated"),
    "unusual_values": gettext_lazy("Unusual values confirmed at recording"),
    "advances_overdue": gettext_lazy("Advances due and unpaid for more than 30 days"),
    "premium_unallocated": gettext_lazy("Premium received and not allocated for more than 12 months"),
    "premium_overspent": gettext_lazy("Premium allocations overspent"),
    "settlements_unapproved": gettext_lazy("Closed seasons without an approved settlement"),
    "ledger": gettext_lazy("Indicator ledger chain"),
}


@dataclass
class Finding:
    label: str
    detail: str = ""
    url: str = ""


@dataclass
class CheckResult:
    code: str
    status: str
    summary: str
    count: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def title(self) -> str:
        return str(TITLES[self.code])

    def as_dict(self) -> dict:
        return {**asdict(self), "truncated": self.count > len(self.findings)}


def link(name: str, cooperative: Cooperative, pk: int | None = None, **extra) -> str:
    """The page of a record (a path under the co-op), or "" when there is no such page."""
    kwargs = {"slug": cooperative.slug, **extra} | ({"pk": pk} if pk is not None else {})
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


def _worst(*statuses: str) -> str:
    return max(statuses, key=SEVERITY.__getitem__, default=PASS)


def _kg(value) -> str:
    return f"{_number(value)} kg"


def _number(value) -> str:
    # In the language the report is written in (pt-BR: 1.804,932), grouped.
    return formats.number_format(value, use_l10n=True, force_grouping=True)


def _counted(singular: str, plural: str, count: int, **params) -> str:
    """A phrase about `count` things in the reader's plural form, the count grouped (1.187)."""
    return ngettext(singular, plural, count) % _fmt({**params, "count": _number(count)})


def _fmt(params: dict) -> dict:
    """Message parameters as the reader writes them: dates and numbers localised."""
    shown = {}
    for name, value in params.items():
        if isinstance(value, datetime.date):
            value = formats.date_format(value, "SHORT_DATE_FORMAT")
        elif isinstance(value, Decimal):
            value = _number(value)
        shown[name] = value
    return shown


# --- Contracts --------------------------------------------------------------------------------


def check_contract_pace(cooperative: Cooperative, period: Period, as_of: datetime.date) -> CheckResult:
    """Each active contract's current year: delivered kg against the pro-rata minimum, with
    the projected shortfall; a contract year that ended in the period short of its minimum fails."""
    contracts = (
        Contract.objects.filter(cooperative=cooperative, status=Contract.Status.ACTIVE)
        .filter(starts_on__lte=as_of, ends_on__gte=period.start)
        .select_related("buyer")
        .order_by("reference")
    )
    findings, statuses = [], []
    for contract in contracts:
        for year in contract_fulfilment(contract=contract, today=as_of):
            if not year.minimum_kg or year.starts_on > as_of or year.ends_on < period.start:
                continue
            ended = year.ends_on <= as_of
            if ended and year.delivered_kg < year.minimum_kg:
                statuses.append(FAIL)
                detail = _("Contract year %(start)s–%(end)s closed with %(delivered)s of %(minimum)s.")
            elif not ended and (not year.on_pace or year.shortfall_kg > 0):
                statuses.append(WARNING)
                detail = _(
                    "%(delivered)s delivered, %(expected)s expected by %(as_of)s; "
                    "projected %(projected)s for the year, %(short)s short of %(minimum)s."
                )
            else:
                continue
            findings.append(
                Finding(
                    label=f"{contract.reference} · {contract.buyer.name}",
                    detail=detail
                    % _fmt(
                        {
                            "start": year.starts_on,
                            "end": year.ends_on,
                            "delivered": _kg(year.delivered_kg),
                            "minimum": _kg(year.minimum_kg),
                            "expected": _kg(year.expected_kg),
                            "projected": _kg(year.projected_kg),
                            "short": _kg(max(year.shortfall_kg, Decimal("0"))),
                            "as_of": as_of,
                        }
                    ),
                    url=link("contract_detail", cooperative, contract.pk),
                )
            )
    status = _worst(*statuses)
    summary = (
        _("Every active contract is on pace for its minimum.")
        if not findings
        else _counted(
            "%(count)s contract year is behind or short of the minimum.",
            "%(count)s contract years are behind or short of the minimum.",
            len(findings),
        )
    )
    return CheckResult("contract_pace", status, summary, len(findings), findings[:MAX_FINDINGS])


# --- Certification ----------------------------------------------------------------------------


def check_certification_claims(cooperative: Cooperative, period: Period, as_of) -> CheckResult:
    """Deliveries behind the period's fair-trade or organic shipments whose family was not
    certified under the claimed scheme on the collection date (physical traceability)."""
    with connection.cursor() as cursor:
        cursor.execute(
            queries.claim_violations_sql(), [cooperative.pk, period.start, period.end, MAX_FINDINGS]
        )
        rows = cursor.fetchall()
    total = rows[0][9] if rows else 0
    findings = []
    for (
        _ship,
        reference,
        lot_id,
        lot_code,
        collected_on,
        _family_id,
        family_code,
        ft_bad,
        org_bad,
        _t,
    ) in rows:
        schemes = [
            str(Scheme(scheme).label) for scheme, bad in (("fair_trade", ft_bad), ("organic", org_bad)) if bad
        ]
        findings.append(
            Finding(
                label=f"{reference} ← {lot_code}",
                detail=_("Family %(family)s was not certified %(schemes)s on %(day)s.")
                % _fmt(
                    {
                        "family": family_code or _("(no family)"),
                        "schemes": " + ".join(schemes),
                        "day": datetime.date.fromisoformat(collected_on)
                        if isinstance(collected_on, str)
                        else collected_on,
                    }
                ),
                url=link("lot_detail", cooperative, lot_id),
            )
        )
    if total:
        summary = _counted(
            "%(count)s delivery in certified shipments was not certified.",
            "%(count)s deliveries in certified shipments were not certified.",
            total,
        )
    else:
        summary = _("Every delivery behind the period's certified shipments was certified.")
    return CheckResult("certification_claims", FAIL if total else PASS, summary, total, findings)


def check_mass_balance(cooperative: Cooperative, period: Period, as_of) -> CheckResult:
    """Certified kg sold ≤ certified kg produced, per product and claim (all time), as
    `chain.selectors.mass_balance` counts them (see `queries.mass_balances`)."""
    claimed = (
        Shipment.objects.filter(cooperative=cooperative)
        .exclude(status=Shipment.Status.DRAFT)
        .filter(Q(fair_trade=True) | Q(organic=True))
        .order_by()
        .values_list("product", "fair_trade", "organic")
        .distinct()
    )
    pairs = set()
    for product_id, fair_trade, organic in claimed:
        if fair_trade:
            pairs.add((product_id, Scheme.FAIR_TRADE.value))
        if organic:
            pairs.add((product_id, Scheme.ORGANIC.value))
    balances = queries.mass_balances(cooperative)
    findings, checked = [], 0
    for product_id, scheme in sorted(pairs, key=lambda pair: (balances[pair].product.code, pair[1])):
        balance = balances[(product_id, scheme)]
        checked += 1
        if balance.available_kg < 0:
            findings.append(
                Finding(
                    label=f"{balance.product.name} · {Scheme(scheme).label}",
                    detail=_("%(sold)s sold as certified, %(produced)s certified produced.")
                    % _fmt(
                        {
                            "sold": _kg(balance.certified_sold_kg),
                            "produced": _kg(balance.certified_produced_kg),
                        }
                    ),
                )
            )
    summary = (
        _counted(
            "%(count)s product/claim pair sold more certified kg than produced.",
            "%(count)s product/claim pairs sold more certified kg than produced.",
            len(findings),
        )
        if findings
        else _counted(
            "Mass balance holds for %(count)s product/claim pair.",
            "Mass balance holds for %(count)s product/claim pairs.",
            checked,
        )
    )
    return CheckResult("mass_balance", FAIL if findings else PASS, summary, len(findings), findings)


def _valid_on(day_field: str, scheme: str, family_ref: str = "family") -> Exists:
    return Exists(
        Certification.objects.filter(
            family=OuterRef(family_ref),
            scheme=scheme,
            status=Certification.Status.ACTIVE,
            valid_from__lte=OuterRef(day_field),
            valid_to__gte=OuterRef(day_field),
        )
    )


def check_certification_expiry(cooperative: Cooperative, period: Period, as_of) -> CheckResult:
    """Certificates ending within 60 days with no renewal on record (warning), and families
    who delivered in the period after their certificate ended (warning; a lot declared
    organic at delivery without a valid organic certificate fails)."""
    horizon = as_of + datetime.timedelta(days=EXPIRY_WARNING_DAYS)
    renewal = Certification.objects.filter(
        family=OuterRef("family"),
        scheme=OuterRef("scheme"),
        status=Certification.Status.ACTIVE,
        valid_to__gt=OuterRef("valid_to"),
        valid_from__lte=OuterRef("valid_to") + datetime.timedelta(days=1),
    )
    expiring = (
        Certification.objects.filter(
            cooperative=cooperative,
            status=Certification.Status.ACTIVE,
            valid_from__lte=as_of,
            valid_to__gte=as_of,
            valid_to__lte=horizon,
            family__status=Family.Status.ACTIVE,
        )
        .exclude(Exists(renewal))
        .select_related("family")
        .order_by("valid_to", "family__code")
    )
    expiring_count = expiring.count()
    findings = [
        Finding(
            label=f"{cert.family.code} · {cert.family.household_name}",
            detail=_("%(scheme)s certificate %(reference)s ends on %(day)s.")
            % _fmt({"scheme": cert.get_scheme_display(), "reference": cert.reference, "day": cert.valid_to}),
            url=link("family_detail", cooperative, cert.family_id),
        )
        for cert in expiring[:MAX_FINDINGS]
    ]
    statuses = [WARNING] if expiring_count else []

    # Deliveries after the end of a family's certificate (one had ended, none was valid).
    late_count = 0
    for scheme in Scheme.values:
        ended_before = Exists(
            Certification.objects.filter(
                family=OuterRef("family"), scheme=scheme, valid_to__lt=OuterRef("collected_on")
            )
        )
        late = (
            Lot.objects.filter(cooperative=cooperative, collected_on__range=(period.start, period.end))
            .filter(family__isnull=False, inputs__isnull=True)
            .exclude(status=Lot.Status.REJECTED)
            .filter(ended_before)
            .exclude(_valid_on("collected_on", scheme))
            .order_by()
            .values("family", "family__code", "family__household_name")
            .annotate(
                lots=Count("pk"),
                last=Max("collected_on"),
                declared_organic=Count("pk", filter=Q(organic=True)),
            )
            .order_by("family__code")
        )
        for row in late:
            late_count += 1
            bad = scheme == Scheme.ORGANIC and row["declared_organic"]
            statuses.append(FAIL if bad else WARNING)
            if len(findings) < MAX_FINDINGS:
                findings.append(
                    Finding(
                        label=f"{row['family__code']} · {row['family__household_name']}",
                        detail=_counted(
                            "%(count)s delivery up to %(day)s after the %(scheme)s certificate ended",
                            "%(count)s deliveries up to %(day)s after the %(scheme)s certificate ended",
                            row["lots"],
                            day=row["last"],
                            scheme=Scheme(scheme).label,
                        )
                        + (
                            _counted(
                                "; %(count)s declared organic.",
                                "; %(count)s declared organic.",
                                row["declared_organic"],
                            )
                            if bad
                            else "."
                        ),
                        url=link("family_detail", cooperative, row["family"]),
                    )
                )
    count = expiring_count + late_count
    summary = (
        _counted(
            "%(count)s certificate ends within 60 days;",
            "%(count)s certificates end within 60 days;",
            expiring_count,
        )
        + " "
        + _counted(
            "%(count)s family delivered after expiry.",
            "%(count)s families delivered after expiry.",
            late_count,
        )
        if count
        else _("No certificate ends within 60 days and nobody delivered on an expired one.")
    )
    return CheckResult("certification_expiry", _worst(*statuses), summary, count, findings)


# --- Internal control -------------------------------------------------------------------------


def check_inspections(cooperative: Cooperative, period: Period, as_of) -> CheckResult:
    """Active families with no internal inspection in the 12 months up to as_of: a warning,
    a failure for a family holding a valid certificate (the ICS inspects those yearly)."""
    since = as_of - datetime.timedelta(days=INSPECTION_INTERVAL_DAYS)
    inspected = Inspection.objects.filter(
        family=OuterRef("pk"), inspected_on__gt=since, inspected_on__lte=as_of
    )
    certified = Certification.objects.filter(
        family=OuterRef("pk"), status=Certification.Status.ACTIVE, valid_from__lte=as_of, valid_to__gte=as_of
    )
    last_inspection = (
        Inspection.objects.filter(family=OuterRef("pk"), inspected_on__lte=as_of)
        .order_by("-inspected_on")
        .values("inspected_on")[:1]
    )
    families = Family.objects.filter(
        cooperative=cooperative, status=Family.Status.ACTIVE, joined_on__lte=since
    ).exclude(Exists(inspected))
    totals = {"count": families.count(), "certified": families.filter(Exists(certified)).count()}
    families = families.annotate(
        certified=Exists(certified), last_inspected=Subquery(last_inspection)
    ).order_by("-certified", "code")
    findings = [
        Finding(
            label=f"{family.code} · {family.household_name}",
            detail=(
                _("Last inspected on %(day)s.") % _fmt({"day": family.last_inspected})
                if family.last_inspected
                else _("Never inspected.")
            )
            + (" " + _("Holds a valid certificate.") if family.certified else ""),
            url=link("family_detail", cooperative, family.pk),
        )
        for family in families[:MAX_FINDINGS]
    ]
    status = FAIL if totals["certified"] else (WARNING if totals["count"] else PASS)
    summary = (
        _counted(
            "%(count)s active family not inspected in 12 months,",
            "%(count)s active families not inspected in 12 months,",
            totals["count"],
        )
        + " "
        + _counted("%(count)s of them certified.", "%(count)s of them certified.", totals["certified"])
        if totals["count"]
        else _("Every active family was inspected in the last 12 months.")
    )
    return CheckResult("inspections", status, summary, totals["count"], findings)


def check_open_sanctions(cooperative: Cooperative, period: Period, as_of) -> CheckResult:
    """Sanctions not closed yet: a warning, a failure once their follow-up date has passed."""
    sanctions = (
        Inspection.objects.open_sanctions()
        .filter(cooperative=cooperative, inspected_on__lte=as_of)
        .select_related("family", "association")
        .order_by("inspected_on", "pk")
    )
    totals = sanctions.aggregate(count=Count("pk"), overdue=Count("pk", filter=Q(follow_up_on__lt=as_of)))
    findings = [
        Finding(
            label=str(inspection.family or inspection.association),
            detail=_("Sanction of %(day)s, follow-up %(follow_up)s.")
            % _fmt({"day": inspection.inspected_on, "follow_up": inspection.follow_up_on or "—"}),
            url=link("inspection_detail", cooperative, inspection.pk),
        )
        for inspection in sanctions[:MAX_FINDINGS]
    ]
    status = FAIL if totals["overdue"] else (WARNING if totals["count"] else PASS)
    summary = (
        _counted("%(count)s open sanction,", "%(count)s open sanctions,", totals["count"])
        + " "
        + _counted(
            "%(count)s past its follow-up date.", "%(count)s past their follow-up date.", totals["overdue"]
        )
        if totals["count"]
        else _("No open sanction.")
    )
    return CheckResult("open_sanctions", status, summary, totals["count"], findings)


# --- Quality ----------------------------------------------------------------------------------


def check_quality(cooperative: Cooperative, period: Period, as_of) -> CheckResult:
    """Lots wetter than the co-op's limit still in stock or allocated, and lots in a
    shipment not yet shipped that are wetter than its contract allows."""
    in_stock = (
        Lot.objects.filter(
            cooperative=cooperative,
            status__in=[Lot.Status.ACCEPTED, Lot.Status.ALLOCATED],
            moisture_pct__gt=cooperative.moisture_limit_pct,
        )
        .filter(net_kg__gt=F("consumed_kg"))
        .order_by("collected_on", "pk")
    )
    stock_count = in_stock.count()
    findings = [
        Finding(
            label=lot.code,
            detail=_("Moisture %(moisture)s%% over the %(limit)s%% limit; %(status)s.")
            % _fmt(
                {
                    "moisture": lot.moisture_pct,
                    "limit": cooperative.moisture_limit_pct,
                    "status": lot.get_status_display(),
                }
            ),
            url=link("lot_detail", cooperative, lot.pk),
        )
        for lot in in_stock[:MAX_FINDINGS]
    ]
    contract_limit = (
        Allocation.objects.filter(
            shipment__cooperative=cooperative,
            shipment__status__in=[Shipment.Status.DRAFT, Shipment.Status.CONFIRMED],
            shipment__contract__max_moisture_pct__isnull=False,
            lot__moisture_pct__gt=F("shipment__contract__max_moisture_pct"),
        )
        .select_related("lot", "shipment", "shipment__contract")
        .order_by("shipment__reference", "lot__code")
    )
    over_contract = contract_limit.count()
    for allocation in contract_limit[: max(0, MAX_FINDINGS - len(findings))]:
        findings.append(
            Finding(
                label=f"{allocation.shipment.reference} ← {allocation.lot.code}",
                detail=_("Moisture %(moisture)s%% over the contract's %(limit)s%%.")
                % _fmt(
                    {
                        "moisture": allocation.lot.moisture_pct,
                        "limit": allocation.shipment.contract.max_moisture_pct,
                    }
                ),
                url=link("shipment_detail", cooperative, allocation.shipment_id),
            )
        )
    count = stock_count + over_contract
    summary = (
        _counted(
            "%(count)s lot over the moisture limit in stock;",
            "%(count)s lots over the moisture limit in stock;",
            stock_count,
        )
        + " "
        + _counted(
            "%(count)s allocation over a contract.", "%(count)s allocations over a contract.", over_contract
        )
        if count
        else _("No lot over a moisture limit is in stock or allocated.")
    )
    return CheckResult("quality", FAIL if count else PASS, summary, count, findings)


def check_unusual_values(cooperative: Cooperative, period: Period, as_of) -> CheckResult:
    """Deliveries of the period recorded with a value outside its usual range (coop.plausibility)
    after someone confirmed it: right or a slip, an auditor compares them with the receipts."""
    confirmed = (
        Lot.objects.filter(
            cooperative=cooperative,
            collected_on__gte=period.start,
            collected_on__lte=period.end,
            unusual_confirmed_by__isnull=False,
        )
        .select_related("unusual_confirmed_by")
        .order_by("collected_on", "pk")
    )
    count = confirmed.count()
    findings = [
        Finding(
            label=lot.code,
            detail=_("%(values)s Confirmed by %(user)s.")
            % {"values": lot.unusual_values, "user": lot.unusual_confirmed_by.get_username()},
            url=link("lot_detail", cooperative, lot.pk),
        )
        for lot in (confirmed[:MAX_FINDINGS] if count else [])
    ]
    summary = (
        ngettext(
            "%(count)s lot recorded with an unusual value, confirmed by who recorded it.",
            "%(count)s lots recorded with an unusual value, confirmed by who recorded them.",
            count,
        )
        % _fmt({"count": count})
        if count
        else _("No lot of the period was recorded with an unusual value.")
    )
    return CheckResult("unusual_values", WARNING if count else PASS, summary, count, findings)


# --- Money ------------------------------------------------------------------------------------


def check_advances_overdue(cooperative: Cooperative, period: Period, as_of) -> CheckResult:
    cutoff = as_of - datetime.timedelta(days=ADVANCE_GRACE_DAYS)
    overdue = (
        Advance.objects.due()
        .filter(cooperative=cooperative, due_on__lt=cutoff)
        .select_related("family", "lot")
        .order_by("due_on", "pk")
    )
    totals = overdue.aggregate(count=Count("pk"), amount=Sum("amount"))
    totals["amount"] = quantize_money(totals["amount"] or 0)
    findings = [
        Finding(
            label=f"{advance.family.code} · {advance.lot.code}",
            detail=_("%(amount)s %(currency)s due since %(day)s.")
            % _fmt({"amount": advance.amount, "currency": advance.currency, "day": advance.due_on}),
            url=link("advance_detail", cooperative, advance.pk)
            or link("lot_detail", cooperative, advance.lot_id),
        )
        for advance in overdue[:MAX_FINDINGS]
    ]
    summary = (
        _counted(
            "%(count)s advance, %(amount)s %(currency)s, due for more than 30 days and unpaid.",
            "%(count)s advances, %(amount)s %(currency)s, due for more than 30 days and unpaid.",
            totals["count"],
            amount=totals["amount"],
            currency=cooperative.base_currency,
        )
        if totals["count"]
        else _("No advance is unpaid 30 days after its due date.")
    )
    return CheckResult(
        "advances_overdue", FAIL if totals["count"] else PASS, summary, totals["count"], findings
    )


def _money_sum(queryset, field: str = "amount") -> Decimal:
    """A sum of money back to cents (SQLite adds decimals as floats)."""
    return quantize_money(queryset.aggregate(total=Sum(field))["total"] or 0)


def check_premium_unallocated(cooperative: Cooperative, period: Period, as_of) -> CheckResult:
    """Premium received more than 12 months ago and still not allocated to a project.
    Allocations use the oldest receipts first (first in, first out)."""
    cutoff = as_of - datetime.timedelta(days=PREMIUM_ALLOCATION_DAYS)
    allocated = _money_sum(PremiumAllocation.objects.filter(cooperative=cooperative, allocated_on__lte=as_of))
    old = PremiumReceipt.objects.filter(cooperative=cooperative, received_on__lte=cutoff)
    old_total = _money_sum(old)
    unallocated = old_total - allocated
    if unallocated <= 0:
        return CheckResult(
            "premium_unallocated", PASS, _("All premium older than 12 months has been allocated."), 0, []
        )
    # Walk the old receipts, oldest first, until the allocations are used up: the rest is waiting.
    findings, covered, count = [], allocated, 0
    for receipt in old.select_related("shipment").order_by("received_on", "pk").iterator(chunk_size=500):
        if covered >= receipt.amount:
            covered -= receipt.amount
            continue
        waiting, covered = receipt.amount - covered, Decimal("0")
        count += 1
        if len(findings) < MAX_FINDINGS:
            findings.append(
                Finding(
                    label=receipt.shipment.reference,
                    detail=_("%(amount)s %(currency)s of the premium received on %(day)s not allocated.")
                    % _fmt(
                        {"amount": waiting, "currency": cooperative.base_currency, "day": receipt.received_on}
                    ),
                    url=link("shipment_detail", cooperative, receipt.shipment_id),
                )
            )
    summary = _("%(amount)s %(currency)s of premium received before %(day)s is not allocated.") % _fmt(
        {
            "amount": unallocated,
            "currency": cooperative.base_currency,
            "day": cutoff,
        }
    )
    return CheckResult("premium_unallocated", FAIL, summary, count, findings)


def check_premium_overspent(cooperative: Cooperative, period: Period, as_of) -> CheckResult:
    """Must be impossible (services lock, the database checks), so it is checked anyway:
    an allocation spent beyond its amount, recorded spending that disagrees with it, a fund
    whose running totals disagree with its rows or allocate more than it received."""
    spending = PremiumSpending.objects.filter(allocation=OuterRef("pk")).order_by().values("allocation")
    spent_rows = Coalesce(
        Subquery(spending.annotate(total=Sum("amount")).values("total")),
        Value(Decimal("0")),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )
    # Compared to half a cent, not exactly: SQLite adds decimals as floats (0.1 + 0.2).
    half_cent = Value(CENT / 2)
    bad = (
        PremiumAllocation.objects.filter(cooperative=cooperative)
        .annotate(spent_rows=spent_rows)
        .filter(
            Q(spent__gt=F("amount"))
            | Q(spent_rows__gt=F("amount") + half_cent)
            | Q(spent_rows__gt=F("spent") + half_cent)
            | Q(spent_rows__lt=F("spent") - half_cent)
        )
        .order_by("allocated_on", "pk")
    )
    count = bad.count()
    findings = [
        Finding(
            label=allocation.project,
            detail=_("Amount %(amount)s, spent %(spent)s, spending recorded %(rows)s.")
            % _fmt(
                {
                    "amount": allocation.amount,
                    "spent": allocation.spent,
                    "rows": quantize_money(allocation.spent_rows),
                }
            ),
            url=link("premium_allocation_detail", cooperative, allocation.pk),
        )
        for allocation in bad[:MAX_FINDINGS]
    ]
    fund = PremiumFund.objects.filter(cooperative=cooperative).first()
    if fund is not None:
        allocations = PremiumAllocation.objects.filter(cooperative=cooperative)
        expected = {
            "received": _money_sum(PremiumReceipt.objects.filter(cooperative=cooperative)),
            "allocated": _money_sum(allocations),
            "spent": _money_sum(allocations, "spent"),
        }
        actual = {"received": fund.received, "allocated": fund.allocated, "spent": fund.spent}
        if actual != expected or fund.allocated > fund.received or fund.spent > fund.allocated:
            count += 1
            findings.append(
                Finding(
                    label=_("Premium fund totals"),
                    detail=_(
                        "Fund: received %(received)s, allocated %(allocated)s, spent %(spent)s; "
                        "rows: received %(r_received)s, allocated %(r_allocated)s, spent %(r_spent)s."
                    )
                    % _fmt({**actual, **{f"r_{k}": v for k, v in expected.items()}}),
                    url=link("premium_fund", cooperative),
                )
            )
    summary = (
        _counted(
            "%(count)s allocation or total overspent or disagreeing with the records.",
            "%(count)s allocations or totals overspent or disagreeing with the records.",
            count,
        )
        if count
        else _("No allocation is overspent and the fund's totals agree with its records.")
    )
    return CheckResult("premium_overspent", FAIL if count else PASS, summary, count, findings)


def check_settlements_unapproved(cooperative: Cooperative, period: Period, as_of) -> CheckResult:
    """Seasons that ended before as_of without an approved (or paid) settlement."""
    settled = Settlement.objects.filter(
        season=OuterRef("pk"), status__in=[Settlement.Status.APPROVED, Settlement.Status.PAID]
    )
    drafts = Settlement.objects.filter(season=OuterRef("pk"), status=Settlement.Status.DRAFT)
    seasons = (
        Season.objects.filter(cooperative=cooperative, ends_on__lt=as_of)
        .exclude(Exists(settled))
        .annotate(draft=Subquery(drafts.order_by("-pk").values("pk")[:1]))
        .order_by("ends_on", "pk")
    )
    count = seasons.count()
    findings = [
        Finding(
            label=str(season),
            detail=(
                _("Ended on %(day)s; its settlement is still a draft.")
                if season.draft
                else _("Ended on %(day)s; no settlement yet.")
            )
            % _fmt({"day": season.ends_on}),
            url=(link("settlement_detail", cooperative, season.draft) if season.draft else "")
            or link("season_list", cooperative),
        )
        for season in seasons[:MAX_FINDINGS]
    ]
    summary = (
        _counted(
            "%(count)s closed season without an approved settlement.",
            "%(count)s closed seasons without an approved settlement.",
            count,
        )
        if count
        else _("Every closed season has an approved settlement.")
    )
    return CheckResult("settlements_unapproved", WARNING if count else PASS, summary, count, findings)


# --- Ledger -----------------------------------------------------------------------------------


def ledger_head(cooperative: Cooperative) -> str:
    """The co-op's ledger head as SEQ:HASH (0 and 64 zeros before the first entry)."""
    head = LedgerHead.objects.filter(cooperative=cooperative).values_list("sequence", "hash").first()
    if head is None:
        from upgrading.models.ledger import GENESIS_HASH

        return f"0:{GENESIS_HASH}"
    return f"{head[0]}:{head[1]}"


def ledger_verification(cooperative: Cooperative) -> dict:
    """The chain recomputed by the ledger's own verification (`upgrading.selectors.ledger`):
    {"status": "intact" | "broken" | "unavailable", "summary", "first_break", ...}."""
    try:
        from upgrading.selectors.ledger import verify_chain
    except ImportError:
        return {
            "status": "unavailable",
            "summary": _("Ledger verification unavailable."),
            "first_break": None,
        }
    result = verify_chain(cooperative=cooperative)
    return {
        "status": "intact" if result.intact else "broken",
        "summary": result.message or (_("The chain holds.") if result.intact else _("The chain is broken.")),
        "first_break": result.broken_at,
        "reason": result.reason or None,
        "entries_checked": result.count,
        "last_sound_entry": result.head,
    }


def check_ledger(cooperative: Cooperative, period: Period, as_of) -> CheckResult:
    entries = LedgerEntry.objects.filter(cooperative=cooperative).count()
    head = ledger_head(cooperative)
    verification = ledger_verification(cooperative)
    status = {"intact": PASS, "broken": FAIL}.get(verification["status"], WARNING)
    findings = []
    if verification["status"] == "broken":
        findings.append(
            Finding(
                label=_("Entry #%(seq)s") % _fmt({"seq": verification["first_break"]}),
                detail=verification["summary"],
                url=link("ledger_entry", cooperative, sequence=verification["first_break"])
                or link("ledger_verify", cooperative),
            )
        )
    summary = _counted(
        "%(summary)s %(count)s entry; head %(head)s.",
        "%(summary)s %(count)s entries; head %(head)s.",
        entries,
        summary=verification["summary"],
        head=head,
    )
    return CheckResult("ledger", status, summary, len(findings), findings)


CHECKS = (
    check_contract_pace,
    check_certification_claims,
    check_mass_balance,
    check_certification_expiry,
    check_inspections,
    check_open_sanctions,
    check_quality,
    check_unusual_values,
    check_advances_overdue,
    check_premium_unallocated,
    check_premium_overspent,
    check_settlements_unapproved,
    check_ledger,
)


def run_checks(*, cooperative: Cooperative, period: Period, today: datetime.date) -> list[CheckResult]:
    as_of = period.as_of(today)
    return [check(cooperative, period, as_of) for check in CHECKS]


def overall(results: list[CheckResult]) -> str:
    return _worst(*(result.status for result in results))
