"""Writes of the fair-trade premium fund: receipts from paid shipments, allocations to
projects of the premium plan, and spending against an allocation.

Money moves in one direction: a paid shipment's premium is *received*; an assembly
decision *allocates* part of the balance to a project; the project *spends* what it was
allocated, with evidence. The fund row (`PremiumFund`) keeps the three running totals and
is locked by every write that reads them, so two managers allocating at the same moment
queue instead of both spending the same balance. Locks are always taken allocation
first, then fund: the same order everywhere, so two writers never wait on each other in
a circle. The database's check constraints stand behind the locks.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from chain.models import Shipment
from coop.models import Cooperative
from coop.services.base import save_validated
from coop.templatetags.units import money as money_text
from coop.tenancy import MANAGE, require
from coop.units import CENT, MONEY_DIGITS, MONEY_PLACES, quantize_kg, quantize_money
from upgrading.evidence import inspect_upload
from upgrading.models import Decision, PremiumAllocation, PremiumFund, PremiumReceipt, PremiumSpending

# Amounts must fit the money columns (14 digits, 2 of them after the point).
MONEY_LIMIT = Decimal(10) ** (MONEY_DIGITS - MONEY_PLACES)
EVIDENCE_NAME_LENGTH = 60  # the stored path (premium/<co-op>/<name>) must fit 100 characters


# --- Checking input ---------------------------------------------------------------------------


def _amount(value, *, field: str) -> Decimal:
    """A positive amount in cents, or a refusal naming `field` (never a float, never rounded)."""
    if isinstance(value, bool | float) or value is None:
        raise ValidationError({field: _("Enter an amount, e.g. 1500.00.")})
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("Enter an amount, e.g. 1500.00.")}) from None
    if not amount.is_finite():
        raise ValidationError({field: _("Enter an amount, e.g. 1500.00.")})
    if amount <= 0:
        raise ValidationError({field: _("The amount must be more than zero.")})
    if amount >= MONEY_LIMIT:
        raise ValidationError({field: _("This amount is too large.")})
    if amount != amount.quantize(CENT):
        raise ValidationError({field: _("Enter the amount in cents at most (two decimal places).")})
    return amount.quantize(CENT)


def _day(value, *, field: str) -> datetime.date:
    """A date that is not in the future: money is recorded once it has moved."""
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        raise ValidationError({field: _("Enter a date.")})
    if value > timezone.localdate():
        raise ValidationError({field: _("The date cannot be in the future.")})
    return value


def _text(value, *, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError({field: _("This field is required.")})
    return value.strip()


def _money(value: Decimal, currency: str) -> str:
    # As the pages write money, in the reader's language ("R$ 1.500,00" / "R$1,500.00").
    return money_text(value, currency)


# --- Locks ------------------------------------------------------------------------------------


def premium_fund_for_update(*, cooperative: Cooperative, create: bool = False) -> PremiumFund | None:
    """The co-op's fund row, locked until the transaction ends (created first if `create`).

    Every service that reads the balance or a total before changing it goes through here:
    without the lock, two allocations could each see the same balance and both spend it.
    """
    if create:
        # get_or_create survives a concurrent first receipt: the loser's INSERT waits on the
        # unique index, fails, and reads the winner's row.
        PremiumFund.objects.get_or_create(
            cooperative=cooperative, defaults={"currency": cooperative.base_currency}
        )
    return PremiumFund.objects.select_for_update().filter(cooperative=cooperative).first()


def _save_fund(fund: PremiumFund, *fields: str) -> None:
    fund.save(update_fields=list(fields))


# --- Receipts ---------------------------------------------------------------------------------


def _premium_rate(shipment: Shipment) -> Decimal:
    """Base currency per unit of the contract's currency: the shipment's own rate.

    The premium is agreed in the contract's currency; the shipment's rate converts the
    shipment's currency. They are the same currency unless the price was overridden into
    another one, and then there is no rate for the premium: refused, not guessed.
    """
    contract, base = shipment.contract, shipment.cooperative.base_currency
    if contract.currency == base:
        return Decimal("1")
    if shipment.currency == contract.currency and shipment.exchange_rate and shipment.exchange_rate > 0:
        return shipment.exchange_rate
    raise ValidationError(
        {
            "currency": _(
                "The premium of contract %(contract)s is in %(premium)s, but shipment %(ref)s was sold in "
                "%(sold)s: there is no rate from %(premium)s to %(base)s to credit the premium fund."
            )
            % {
                "contract": contract.reference,
                "premium": contract.currency,
                "ref": shipment.reference,
                "sold": shipment.currency,
                "base": base,
            }
        }
    )


@transaction.atomic
def premium_receipt_record(*, shipment: Shipment, actor=None) -> PremiumReceipt | None:
    """Credit a paid shipment's fair-trade premium to its co-op's fund, once.

    kg is the sum of the shipment's allocations; the premium is `kg × premium per kg`
    rounded to the cent in the contract's currency, then converted at the shipment's rate
    and rounded again (the two amounts a buyer's remittance and the co-op's bank show).
    Returns None when the shipment carries no premium; a second call returns the first
    receipt and writes nothing.
    """
    contract = shipment.contract
    if contract is None or not contract.premium_per_kg or contract.premium_per_kg <= 0:
        return None
    if shipment.status != Shipment.Status.PAID or shipment.paid_on is None:
        raise ValidationError({"shipment": _("Only a paid shipment's premium is credited to the fund.")})
    existing = PremiumReceipt.objects.filter(shipment=shipment).first()
    if existing is not None:
        return existing
    # SQLite sums in floating point: back to grams before anything is computed from it.
    kg = quantize_kg(shipment.allocations.aggregate(total=Sum("kg"))["total"] or Decimal("0"))
    if kg <= 0:
        return None
    rate = _premium_rate(shipment)
    amount_foreign = quantize_money(kg * contract.premium_per_kg)
    amount = quantize_money(amount_foreign * rate)
    cooperative = shipment.cooperative
    fund = premium_fund_for_update(cooperative=cooperative, create=True)
    if fund.currency != cooperative.base_currency:
        raise ValidationError(
            {
                "currency": _("The premium fund is kept in %(fund)s, not %(base)s.")
                % {"fund": fund.currency, "base": cooperative.base_currency}
            }
        )
    receipt = PremiumReceipt(
        cooperative=cooperative,
        shipment=shipment,
        received_on=shipment.paid_on,
        kg=kg,
        premium_per_kg=contract.premium_per_kg,
        currency=contract.currency,
        exchange_rate=rate,
        amount_foreign=amount_foreign,
        amount=amount,
    )
    save_validated(receipt, actor=actor)
    fund.received += amount
    _save_fund(fund, "received")
    return receipt


def on_shipment_paid(sender, *, shipment, actor=None, **kwargs) -> None:
    """Receiver of `chain.signals.shipment_paid`, sent inside the payment's transaction:
    a refusal here (no rate for the premium) refuses the payment with it."""
    premium_receipt_record(shipment=shipment, actor=actor)


# --- Allocations ------------------------------------------------------------------------------


def _check_decision(decision, cooperative: Cooperative, allocated_on) -> None:
    """Fair trade's rule: premium money is used only as the members decided in assembly."""
    if not isinstance(decision, Decision):
        raise ValidationError({"decision": _("Choose the assembly decision that approved this use.")})
    if decision.cooperative_id != cooperative.pk:
        raise ValidationError({"decision": _("This decision belongs to another co-operative.")})
    assembly = decision.assembly
    if not assembly.quorum_reached:
        raise ValidationError(
            {
                "decision": _(
                    "The assembly of %(day)s had no quorum: its decisions cannot approve premium use."
                )
                % {"day": assembly.held_on.isoformat()}
            }
        )
    if not decision.approved:
        raise ValidationError(
            {
                "decision": _(
                    "Decision %(number)s was not approved (%(for)s for, %(against)s against): "
                    "no premium may be allocated on it."
                )
                % {"number": decision.number, "for": decision.votes_for, "against": decision.votes_against}
            }
        )
    if allocated_on < assembly.held_on:
        raise ValidationError(
            {
                "allocated_on": _(
                    "The allocation cannot come before the assembly that approved it (%(day)s)."
                )
                % {"day": assembly.held_on.isoformat()}
            }
        )


@transaction.atomic
def premium_allocate(
    *,
    actor,
    cooperative: Cooperative,
    project: str,
    category: str,
    decision: Decision,
    allocated_on: datetime.date,
    amount,
    notes: str = "",
) -> PremiumAllocation:
    """Set part of the fund's balance aside for a project, on an approving assembly decision.

    Refused, with nothing written, unless the actor manages the co-op, the decision is the
    co-op's own, taken with quorum and approved (more votes for than against), and the
    amount fits the balance read under the fund's row lock.
    """
    require(actor, cooperative, MANAGE)
    amount = _amount(amount, field="amount")
    allocated_on = _day(allocated_on, field="allocated_on")
    project = _text(project, field="project")
    if category not in PremiumAllocation.Category.values:
        raise ValidationError({"category": _("Choose a category of the premium plan.")})
    if not isinstance(notes, str):
        raise ValidationError({"notes": _("Enter text.")})
    _check_decision(decision, cooperative, allocated_on)
    fund = premium_fund_for_update(cooperative=cooperative)
    balance = fund.balance if fund is not None else Decimal("0.00")
    if amount > balance:
        raise ValidationError(
            {
                "amount": _("The premium fund holds %(balance)s not yet allocated; %(amount)s asked.")
                % {
                    "balance": _money(balance, cooperative.base_currency),
                    "amount": _money(amount, cooperative.base_currency),
                }
            }
        )
    allocation = PremiumAllocation(
        cooperative=cooperative,
        project=project,
        category=category,
        decision=decision,
        allocated_on=allocated_on,
        amount=amount,
        notes=notes.strip(),
        created_by=actor,
    )
    save_validated(allocation, actor=actor)
    fund.allocated += amount
    _save_fund(fund, "allocated")
    return allocation


# --- Spending ---------------------------------------------------------------------------------


def _evidence_name(name: str) -> str:
    name = get_valid_filename(name) or "evidence"
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 8:
        stem, dot, extension = name, "", ""
    room = EVIDENCE_NAME_LENGTH - len(dot + extension)
    return f"{stem[:room] or 'evidence'}{dot}{extension}"


@transaction.atomic
def premium_spend(
    *,
    actor,
    allocation: PremiumAllocation,
    spent_on: datetime.date,
    amount,
    description: str,
    evidence=None,
) -> PremiumSpending:
    """Record money spent from an allocation, with its evidence (an invoice, a photo).

    The allocation's remainder is read under its row lock (then the fund's), so two
    spends recorded at once cannot together exceed it. The evidence is checked by content
    (PDF, image or text) and its SHA-256 kept, so an auditor can verify the file later.
    """
    require(actor, allocation.cooperative, MANAGE)
    amount = _amount(amount, field="amount")
    spent_on = _day(spent_on, field="spent_on")
    description = _text(description, field="description")
    proof = inspect_upload(evidence, field="evidence") if evidence else None
    # Allocation first, then fund: the order of every writer that takes both.
    allocation = PremiumAllocation.objects.select_for_update().get(pk=allocation.pk)
    fund = premium_fund_for_update(cooperative=allocation.cooperative)
    if spent_on < allocation.allocated_on:
        raise ValidationError(
            {
                "spent_on": _("Spending cannot come before the allocation it draws on (%(day)s).")
                % {"day": allocation.allocated_on.isoformat()}
            }
        )
    if amount > allocation.remainder:
        currency = fund.currency
        raise ValidationError(
            {
                "amount": _("Only %(left)s remain of the allocation to %(project)s; %(amount)s asked.")
                % {
                    "left": _money(allocation.remainder, currency),
                    "project": allocation.project,
                    "amount": _money(amount, currency),
                }
            }
        )
    spending = PremiumSpending(
        cooperative=allocation.cooperative,
        allocation=allocation,
        spent_on=spent_on,
        amount=amount,
        description=description,
        recorded_by=actor,
    )
    if proof is not None:
        spending.evidence = File(evidence, name=_evidence_name(proof.name))
        spending.evidence_sha256 = proof.sha256
    save_validated(spending, actor=actor)
    allocation.spent += amount
    allocation._history_user = actor
    allocation.save(update_fields=["spent"])
    fund.spent += amount
    _save_fund(fund, "spent")
    return spending
