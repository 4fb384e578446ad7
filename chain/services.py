"""Writes for the value chain: buyers, contracts, shipments and the confirmation rules.

Confirming a shipment is where fair trade is won or lost: every rule runs there, under
row locks on the allocated lots (ordered by pk, so two managers confirming at once
queue instead of deadlocking), and a refusal names the lot and the rule.
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from chain.models import Allocation, Buyer, Contract, ContractMinimum, Shipment
from chain.selectors import mass_balance, max_source_moisture, uncertified_sources
from chain.signals import shipment_paid
from coop.models import Cooperative, Lot, Scheme
from coop.services import lots_for_update
from coop.services.base import apply_changes, locked, save_validated
from coop.tenancy import MANAGE, require
from coop.units import quantize_kg

BUYER_FIELDS = ("name", "country", "kind", "contact_name", "email", "phone", "notes")
CONTRACT_FIELDS = (
    "buyer",
    "product",
    "reference",
    "starts_on",
    "ends_on",
    "price_per_kg",
    "currency",
    "premium_per_kg",
    "fair_trade",
    "organic",
    "max_moisture_pct",
    "advance_rate",
    "status",
)
SHIPMENT_FIELDS = (
    "buyer",
    "contract",
    "product",
    "reference",
    "invoice_reference",
    "shipped_on",
    "price_per_kg",
    "currency",
    "exchange_rate",
    "price_override_reason",
    "fair_trade",
    "organic",
)
CLAIMS = (("fair_trade", Scheme.FAIR_TRADE), ("organic", Scheme.ORGANIC))


def _same_coop(cooperative: Cooperative, **objects) -> None:
    errors = {
        field: _("This belongs to another co-operative.")
        for field, obj in objects.items()
        if obj is not None and obj.cooperative_id != cooperative.pk
    }
    if errors:
        raise ValidationError(errors)


def _unique_in_coop(instance, field: str, message: str) -> None:
    # save_validated's own uniqueness check knows only `code`: name the field here. The
    # unique constraint still settles a race between two concurrent saves.
    value = getattr(instance, field)
    if not isinstance(value, str) or "\x00" in value:
        return  # save_validated refuses NUL characters with its own message
    clash = type(instance).objects.filter(cooperative=instance.cooperative_id, **{field: value})
    if clash.exclude(pk=instance.pk).exists():
        raise ValidationError({field: message})


# --- Buyers and contracts -------------------------------------------------------------------


@transaction.atomic
def buyer_create(*, actor, cooperative: Cooperative, **data) -> Buyer:
    require(actor, cooperative, MANAGE)
    buyer = Buyer(cooperative=cooperative)
    apply_changes(buyer, data, BUYER_FIELDS)
    buyer.country = (buyer.country or "").upper()
    _unique_in_coop(buyer, "name", _("A buyer of this name already exists in this co-operative."))
    save_validated(buyer, actor=actor)
    return buyer


@transaction.atomic
def buyer_update(*, actor, buyer: Buyer, **data) -> Buyer:
    require(actor, buyer.cooperative, MANAGE)
    buyer = locked(buyer)
    changed = apply_changes(buyer, data, BUYER_FIELDS)
    if changed:
        _unique_in_coop(buyer, "name", _("A buyer of this name already exists in this co-operative."))
        save_validated(buyer, actor=actor, update_fields=changed)
    return buyer


def _validate_contract(contract: Contract) -> None:
    _same_coop(contract.cooperative, buyer=contract.buyer, product=contract.product)
    if isinstance(contract.starts_on, date) and isinstance(contract.ends_on, date):
        if contract.ends_on < contract.starts_on:
            raise ValidationError({"ends_on": _("The contract cannot end before it starts.")})
    _unique_in_coop(contract, "reference", _("This reference is already used in this co-operative."))


@transaction.atomic
def contract_create(*, actor, cooperative: Cooperative, minimum_kg=None, **data) -> Contract:
    """A new contract; `minimum_kg` (optional) is its minimum volume from the start date."""
    require(actor, cooperative, MANAGE)
    contract = Contract(cooperative=cooperative)
    apply_changes(contract, data, CONTRACT_FIELDS)
    _validate_contract(contract)
    save_validated(contract, actor=actor)
    if minimum_kg is not None:
        contract_minimum_set(
            actor=actor, contract=contract, effective_from=contract.starts_on, minimum_kg=minimum_kg
        )
    return contract


@transaction.atomic
def contract_update(*, actor, contract: Contract, **data) -> Contract:
    require(actor, contract.cooperative, MANAGE)
    contract = locked(contract)
    changed = apply_changes(contract, data, CONTRACT_FIELDS)
    if changed:
        _validate_contract(contract)
        save_validated(contract, actor=actor, update_fields=changed)
    return contract


@transaction.atomic
def contract_minimum_set(*, actor, contract: Contract, effective_from: date, minimum_kg) -> ContractMinimum:
    """Amend the minimum volume from a date on; earlier periods keep their minimum."""
    require(actor, contract.cooperative, MANAGE)
    if isinstance(effective_from, date) and not (contract.starts_on <= effective_from <= contract.ends_on):
        raise ValidationError({"effective_from": _("The date must fall within the contract.")})
    minimum = ContractMinimum.objects.filter(contract=contract, effective_from=effective_from).first()
    minimum = minimum or ContractMinimum(cooperative=contract.cooperative, contract=contract)
    apply_changes(
        minimum,
        {"effective_from": effective_from, "minimum_kg": minimum_kg},
        ("effective_from", "minimum_kg"),
    )
    save_validated(minimum, actor=actor)
    return minimum


# --- Shipments ------------------------------------------------------------------------------


def _price_terms(shipment: Shipment, actor) -> None:
    """Price and currency come from the contract unless overridden, with who and why."""
    contract, base = shipment.contract, shipment.cooperative.base_currency
    if contract is not None:
        if shipment.product_id != contract.product_id:
            raise ValidationError({"product": _("The contract is for %(p)s.") % {"p": contract.product}})
        if contract.buyer_id != shipment.buyer_id:
            raise ValidationError({"contract": _("This contract is with another buyer.")})
        if shipment.price_per_kg is None:
            shipment.price_per_kg = contract.price_per_kg
        if not shipment.currency:
            shipment.currency = contract.currency
        for field, required in (("fair_trade", contract.fair_trade), ("organic", contract.organic)):
            if required:
                setattr(shipment, field, True)
        if contract.premium_per_kg and shipment.currency != contract.currency:
            # The premium is paid in the contract's currency and converted at the shipment's
            # rate: a shipment in another currency would leave it without a rate.
            raise ValidationError(
                {
                    "currency": _("A contract with a premium is invoiced in its currency, %(c)s.")
                    % {"c": contract.currency}
                }
            )
        overridden = (shipment.price_per_kg, shipment.currency) != (contract.price_per_kg, contract.currency)
        if overridden and not (shipment.price_override_reason or "").strip():
            raise ValidationError(
                {"price_override_reason": _("Say why the price differs from the contract's.")}
            )
        shipment.price_overridden_by = actor if overridden else None
        if not overridden:
            shipment.price_override_reason = ""
    elif shipment.price_per_kg is None:
        raise ValidationError({"price_per_kg": _("A sale without a contract needs a price per kg.")})
    shipment.currency = shipment.currency or base
    if shipment.currency == base:
        shipment.exchange_rate = Decimal("1")
    elif shipment.exchange_rate is None or Decimal(shipment.exchange_rate) <= 0:
        raise ValidationError(
            {
                "exchange_rate": _("Give the rate from %(c)s to %(b)s on the shipping date.")
                % {"c": shipment.currency, "b": base}
            }
        )


def _validate_shipment(shipment: Shipment, actor) -> None:
    _same_coop(
        shipment.cooperative, buyer=shipment.buyer, contract=shipment.contract, product=shipment.product
    )
    _unique_in_coop(shipment, "reference", _("This reference is already used in this co-operative."))
    _price_terms(shipment, actor)


@transaction.atomic
def shipment_create(*, actor, cooperative: Cooperative, allocations=(), **data) -> Shipment:
    """A draft sale; `allocations` is a list of (lot, kg). Nothing is counted against the
    lots until the shipment is confirmed."""
    require(actor, cooperative, MANAGE)
    shipment = Shipment(cooperative=cooperative)
    apply_changes(shipment, data, SHIPMENT_FIELDS)
    _validate_shipment(shipment, actor)
    save_validated(shipment, actor=actor)
    if allocations:
        shipment_allocate(actor=actor, shipment=shipment, allocations=allocations)
    return shipment


def _editable(shipment: Shipment) -> Shipment:
    shipment = locked(shipment)
    if shipment.status != Shipment.Status.DRAFT:
        raise ValidationError(
            {
                "status": _("Shipment %(ref)s is %(status)s: it can no longer be changed.")
                % {"ref": shipment.reference, "status": shipment.get_status_display().lower()}
            }
        )
    return shipment


@transaction.atomic
def shipment_update(*, actor, shipment: Shipment, **data) -> Shipment:
    require(actor, shipment.cooperative, MANAGE)
    shipment = _editable(shipment)
    changed = apply_changes(shipment, data, SHIPMENT_FIELDS)
    if changed:
        _validate_shipment(shipment, actor)
        save_validated(shipment, actor=actor)
    return shipment


def _sellable(rows: dict[int, Decimal]) -> None:
    """Early word, from a fresh read, on what confirming would refuse anyway: a lot that
    cannot be sold, or fewer kg left than allocated. Confirming checks again, under locks."""
    errors = []
    lots = Lot.objects.in_bulk(list(rows))
    for pk, kg in rows.items():
        lot = lots[pk]
        if lot.status not in (Lot.Status.ACCEPTED, Lot.Status.ALLOCATED):
            errors.append(
                _("Lot %(code)s is %(status)s and cannot be sold.")
                % {"code": lot.code, "status": lot.get_status_display().lower()}
            )
        elif kg > lot.remaining_kg:
            errors.append(
                _("Lot %(code)s has %(left)s kg left; %(kg)s kg allocated.")
                % {"code": lot.code, "left": lot.remaining_kg, "kg": kg}
            )
    if errors:
        raise ValidationError({"allocations": errors})


@transaction.atomic
def shipment_allocate(*, actor, shipment: Shipment, allocations) -> list[Allocation]:
    """Replace the draft's allocations with `allocations`: a list of (lot, kg)."""
    require(actor, shipment.cooperative, MANAGE)
    shipment = _editable(shipment)
    rows: dict[int, Decimal] = {}
    for index, (lot, kg) in enumerate(allocations, start=1):
        if lot.cooperative_id != shipment.cooperative_id:
            raise ValidationError(
                {"allocations": _("Line %(n)s: this lot belongs to another co-operative.") % {"n": index}}
            )
        try:
            kg = quantize_kg(Decimal(str(kg)))
        except ArithmeticError:
            raise ValidationError({"allocations": _("Line %(n)s: enter kilograms.") % {"n": index}}) from None
        if not kg.is_finite() or kg <= 0:
            raise ValidationError(
                {"allocations": _("Line %(n)s: kilograms must be more than zero.") % {"n": index}}
            )
        if lot.pk in rows:
            raise ValidationError({"allocations": _("Lot %(code)s is listed twice.") % {"code": lot.code}})
        rows[lot.pk] = kg
    _sellable(rows)
    shipment.allocations.all().delete()
    return bulk_create_with_history(
        [
            Allocation(cooperative=shipment.cooperative, shipment=shipment, lot_id=pk, kg=kg)
            for pk, kg in rows.items()
        ],
        Allocation,
        default_user=actor,
    )


class ShipmentRefused(ValidationError):
    """A refused confirmation: the messages under `allocations`, and `by_lot` (lot id →
    its messages) so a page can show each reason next to its lot."""

    def __init__(self, errors: list[tuple[int | None, str]]):
        super().__init__({"allocations": [message for _pk, message in errors]})
        self.by_lot: dict[int, list[str]] = {}
        for pk, message in errors:
            if pk is not None:
                self.by_lot.setdefault(pk, []).append(message)


def _lot_errors(
    shipment: Shipment, locked_lots: dict[int, Lot], wanted: dict[int, Decimal]
) -> list[tuple[int, str]]:
    """Quantity, product and quality of each allocated lot, as (lot id, message)."""
    errors = []
    contract = shipment.contract
    moisture = (
        max_source_moisture(lot_ids=list(wanted))
        if contract and contract.max_moisture_pct is not None
        else {}
    )
    for pk, kg in wanted.items():
        lot = locked_lots[pk]
        values = {"code": lot.code}
        if lot.product_id != shipment.product_id:
            message = _("Lot %(code)s is %(product)s, not the product sold.") % {
                **values,
                "product": lot.product,
            }
            errors.append((pk, message))
        elif lot.status not in (Lot.Status.ACCEPTED, Lot.Status.ALLOCATED):
            message = _("Lot %(code)s is %(status)s and cannot be sold.") % {
                **values,
                "status": lot.get_status_display().lower(),
            }
            errors.append((pk, message))
        elif kg > lot.remaining_kg:
            message = _("Lot %(code)s has %(left)s kg left; %(kg)s kg allocated.") % {
                **values,
                "left": lot.remaining_kg,
                "kg": kg,
            }
            errors.append((pk, message))
        wettest = moisture.get(pk)
        if wettest is not None and wettest > contract.max_moisture_pct:
            message = _("Lot %(code)s has %(m)s%% moisture; the contract allows %(max)s%%.") % {
                **values,
                "m": wettest,
                "max": contract.max_moisture_pct,
            }
            errors.append((pk, message))
    return errors


def _claim_errors(
    shipment: Shipment, locked_lots: dict[int, Lot], wanted: dict[int, Decimal]
) -> list[tuple[int | None, str]]:
    """Physical traceability to certified families, then mass balance, for each claim, as
    (lot id, message); a mass-balance refusal concerns the whole shipment (no lot)."""
    errors = []
    product = shipment.product
    for field, scheme in CLAIMS:
        if not getattr(shipment, field):
            continue
        label = Scheme(scheme).label
        if not product.mass_balance_allowed:
            for pk, leaves in uncertified_sources(lot_ids=list(wanted), scheme=scheme).items():
                message = _(
                    "Lot %(code)s cannot be sold as %(claim)s: it contains %(leaves)s, from families not "
                    "certified on the delivery date."
                ) % {"code": locked_lots[pk].code, "claim": label, "leaves": ", ".join(leaves[:5])}
                errors.append((pk, message))
        balance = mass_balance(product=product, scheme=scheme, exclude_shipment=shipment)
        selling = sum(wanted.values(), Decimal("0"))
        if selling > balance.available_kg:
            errors.append(
                (
                    None,
                    _(
                        "Mass balance for %(claim)s %(product)s: %(kg)s kg sold here, but only "
                        "%(left)s certified kg remain (%(produced)s produced, %(sold)s already sold)."
                    )
                    % {
                        "claim": label,
                        "product": product,
                        "kg": selling,
                        "left": balance.available_kg,
                        "produced": balance.certified_produced_kg,
                        "sold": balance.certified_sold_kg,
                    },
                )
            )
    return errors


@transaction.atomic
def shipment_confirm(*, actor, shipment: Shipment) -> Shipment:
    """Count the allocations against the lots, if every rule holds; otherwise refuse all."""
    require(actor, shipment.cooperative, MANAGE)
    shipment = _editable(shipment)
    wanted = dict(shipment.allocations.values_list("lot_id", "kg"))
    if not wanted:
        raise ValidationError({"allocations": _("Allocate at least one lot before confirming.")})
    locked_lots = lots_for_update(wanted)
    errors = _lot_errors(shipment, locked_lots, wanted) or _claim_errors(shipment, locked_lots, wanted)
    if errors:
        raise ShipmentRefused(errors)
    for pk, kg in wanted.items():
        lot = locked_lots[pk]
        lot.allocated_kg += kg
        lot.status = Lot.Status.ALLOCATED
        lot._history_user = actor
        lot.save(update_fields=["allocated_kg", "status"])
    shipment.status, shipment.confirmed_by, shipment.confirmed_at = (
        Shipment.Status.CONFIRMED,
        actor,
        timezone.now(),
    )
    shipment._history_user = actor
    shipment.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    return shipment


@transaction.atomic
def shipment_mark_shipped(*, actor, shipment: Shipment) -> Shipment:
    require(actor, shipment.cooperative, MANAGE)
    shipment = locked(shipment)
    if shipment.status != Shipment.Status.CONFIRMED:
        raise ValidationError({"status": _("Only a confirmed shipment can be shipped.")})
    lot_ids = list(shipment.allocations.values_list("lot_id", flat=True))
    for lot in lots_for_update(lot_ids).values():
        if lot.remaining_kg == 0:
            lot.status = Lot.Status.SHIPPED
            lot._history_user = actor
            lot.save(update_fields=["status"])
    shipment.status = Shipment.Status.SHIPPED
    shipment._history_user = actor
    shipment.save(update_fields=["status"])
    return shipment


@transaction.atomic
def shipment_mark_paid(*, actor, shipment: Shipment, paid_on: date) -> Shipment:
    """Record the buyer's payment; `upgrading` credits the premium fund on `shipment_paid`."""
    require(actor, shipment.cooperative, MANAGE)
    shipment = locked(shipment)
    if shipment.status != Shipment.Status.SHIPPED:
        raise ValidationError({"status": _("Only a shipped shipment can be marked paid.")})
    if isinstance(paid_on, date) and paid_on < shipment.shipped_on:
        raise ValidationError({"paid_on": _("Payment cannot come before shipping.")})
    shipment.status, shipment.paid_on = Shipment.Status.PAID, paid_on
    shipment._history_user = actor
    shipment.save(update_fields=["status", "paid_on"])
    shipment_paid.send(Shipment, shipment=shipment, actor=actor)
    return shipment
