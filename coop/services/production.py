"""Writes for production: recording lots, batches, and the code sequence.

Lots only ever lose kilograms through `batch_create` (and, later, shipment
allocations), each under a row lock on the lots taken from, ordered by pk so two
concurrent writers always lock in the same order and cannot deadlock.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from coop.models import Association, Cooperative, Family, Lot, LotCodeSequence, LotInput, Product, Scheme
from coop.plausibility import unusual_values
from coop.selectors.production import current_purchase_price, family_certified_on, kinds_handled
from coop.services.base import (
    apply_changes,
    history_copy,
    locked,
    query_chunks,
    reject_nul_bytes,
    require_unique_code,
    save_validated,
)
from coop.signals import lots_accepted, lots_rejected
from coop.tenancy import MANAGE, RECORD, require
from coop.units import quantize_kg, quantize_money

CODE_PREFIX = {
    Lot.Kind.BARREL: "BR",
    Lot.Kind.NUT_PURCHASE: "NP",
    Lot.Kind.BATCH: "BT",
    Lot.Kind.DELIVERY: "DL",
}
# Plausibility ceilings: a typo like 2000 for a 20 kg barrel must not pass.
MAX_NET_KG = {
    Lot.Kind.BARREL: Decimal("400"),
    Lot.Kind.NUT_PURCHASE: Decimal("10000"),
    Lot.Kind.DELIVERY: Decimal("10000"),
    Lot.Kind.BATCH: Decimal("1000000"),
}
COLLECTION_POINTS = {
    Lot.Kind.BARREL: {Association.Kind.HONEY_ROOM, Association.Kind.ASSOCIATION},
    Lot.Kind.NUT_PURCHASE: {Association.Kind.CANTINA, Association.Kind.PRODUCTION_CENTRE},
}


PRODUCT_FIELDS = (
    "code",
    "name",
    "unit",
    "made_from",
    "expected_yield",
    "yield_tolerance_pct",
    "mass_balance_allowed",
    "delivered_as",
    "usual_net_kg_min",
    "usual_net_kg_max",
    "usual_moisture_min_pct",
    "usual_moisture_max_pct",
    "reference_price_per_kg",
    "price_tolerance_pct",
)
# Each usual range is (from, to); `to` is checked against `from` here, with a message.
USUAL_RANGE_FIELDS = (
    ("usual_net_kg_min", "usual_net_kg_max"),
    ("usual_moisture_min_pct", "usual_moisture_max_pct"),
)


def _validate_usual_ranges(product: Product) -> None:
    errors = {}
    for name in PRODUCT_FIELDS[PRODUCT_FIELDS.index("usual_net_kg_min") :]:
        try:  # strings (a form, the admin, a test) become Decimals before comparing
            setattr(product, name, Product._meta.get_field(name).to_python(getattr(product, name)))
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)
    for low_field, high_field in USUAL_RANGE_FIELDS:
        low, high = getattr(product, low_field), getattr(product, high_field)
        if low is not None and low < 0:
            errors[low_field] = _("Enter zero or more.")
        if low is not None and high is not None and high < low:
            errors[high_field] = _("The end of the range cannot be below its start.")
    for moisture_field in ("usual_moisture_min_pct", "usual_moisture_max_pct"):
        value = getattr(product, moisture_field)
        if value is not None and not (0 <= value <= 100):
            errors[moisture_field] = _("Moisture is a percentage between 0 and 100.")
    if product.reference_price_per_kg is not None and product.reference_price_per_kg < 0:
        errors["reference_price_per_kg"] = _("Enter zero or more.")
    if errors:
        raise ValidationError(errors)


def _validate_recipe(product: Product) -> None:
    """The input product is of the same co-op and the chain of inputs never loops back."""
    if product.made_from_id is not None and product.delivered_as:
        raise ValidationError(
            {"delivered_as": _("A product made from another one is not delivered by families.")}
        )
    if product.made_from_id is None:
        if product.expected_yield is not None:
            raise ValidationError(
                {"expected_yield": _("Only a product made from another one has an expected yield.")}
            )
        return
    if product.made_from.cooperative_id != product.cooperative_id:
        raise ValidationError({"made_from": _("This belongs to another co-operative.")})
    seen, current = {product.pk}, product.made_from
    while current is not None:  # recipes are a few levels deep: one query per level
        if current.pk in seen:
            raise ValidationError({"made_from": _("A product cannot be made from itself, directly or not.")})
        seen.add(current.pk)
        current = current.made_from


@transaction.atomic
def product_create(*, actor, cooperative: Cooperative, **data) -> Product:
    require(actor, cooperative, MANAGE)
    product = Product(cooperative=cooperative)
    apply_changes(product, data, PRODUCT_FIELDS)
    _validate_recipe(product)
    _validate_usual_ranges(product)
    save_validated(product, actor=actor)
    return product


@transaction.atomic
def product_update(*, actor, product: Product, **data) -> Product:
    require(actor, product.cooperative, MANAGE)
    product = locked(product)
    changed = apply_changes(product, data, PRODUCT_FIELDS)
    if changed:
        _validate_recipe(product)
        _validate_usual_ranges(product)
        save_validated(product, actor=actor, update_fields=changed)
    return product


def lots_for_update(ids) -> dict[int, Lot]:
    """Lock the lots with these ids, in pk order (see the module docstring)."""
    return {lot.pk: lot for lot in Lot.objects.select_for_update().filter(pk__in=ids).order_by("pk")}


def lot_code_format(prefix: str, year: int, number: int) -> str:
    """The readable code of a lot, e.g. BR26-00042."""
    return f"{prefix}{year % 100:02d}-{number:05d}"


def _codes_in_use(cooperative: Cooperative, prefix: str, year: int, first: int, last: int) -> set[str]:
    """Codes already saved between the codes of `first` and `last`: a range on the unique
    index, one query per printed width (BR26-99999, then BR26-100000), not a list of codes.
    The range may hold other codes too (BR26-00042A); the caller only asks about its own."""
    used: set[str] = set()
    number = first
    while number <= last:
        end = min(last, max(99_999, 10 ** len(str(number)) - 1))
        low, high = lot_code_format(prefix, year, number), lot_code_format(prefix, year, end)
        found = Lot.objects.filter(cooperative=cooperative, code__gte=low, code__lte=high)
        used.update(found.values_list("code", flat=True))
        number = end + 1
    return used


def lot_codes_reserve(
    *, cooperative: Cooperative, kind: str, year: int, count: int, taken=frozenset()
) -> list[str]:
    """`count` new readable codes for lots of `kind` collected in `year`.

    The per-co-op counter is read under its row lock and moved by the whole block in one
    UPDATE, so a 100,000-row import costs one UPDATE, not 100,000. A typed or imported
    code (already saved, or in `taken`) may hold a number of the block: it is skipped and
    the block is topped up.
    """
    prefix = CODE_PREFIX[kind]
    try:
        with transaction.atomic():
            LotCodeSequence.objects.get_or_create(cooperative=cooperative, prefix=prefix, year=year)
    except IntegrityError:
        pass  # another transaction created the counter first; it exists now
    # The lock is held to the end of the caller's transaction: two recorders never get
    # the same number, and a rolled-back import gives its numbers back.
    sequence = LotCodeSequence.objects.select_for_update().get(
        cooperative=cooperative, prefix=prefix, year=year
    )
    codes: list[str] = []
    while len(codes) < count:
        first, wanted = sequence.last + 1, count - len(codes)
        sequence.last += wanted
        LotCodeSequence.objects.filter(pk=sequence.pk).update(last=F("last") + wanted)
        candidates = [lot_code_format(prefix, year, number) for number in range(first, first + wanted)]
        used = _codes_in_use(cooperative, prefix, year, first, first + wanted - 1)
        codes.extend(code for code in candidates if code not in used and code not in taken)
    return codes


def lot_code_next(*, cooperative: Cooperative, kind: str, on: date) -> str:
    """The next free readable code, e.g. BR26-00042, from a per-co-op counter."""
    return lot_codes_reserve(cooperative=cooperative, kind=kind, year=on.year, count=1)[0]


def _as_decimal(value, field: str, message) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: message}) from None
    if not number.is_finite():
        raise ValidationError({field: message})
    return number


def _as_kg(value, field: str) -> Decimal:
    return _as_decimal(value, field, _("Enter a number of kilograms."))


def _optional_decimal(value, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    return _as_decimal(value, field, _("Enter a number."))


def _check_same_coop(cooperative: Cooperative, **objects) -> None:
    for field, obj in objects.items():
        if obj is not None and obj.cooperative_id != cooperative.pk:
            raise ValidationError({field: _("This belongs to another co-operative.")})


# The rules of a delivery, as pure functions of its values: lot_record raises their
# errors for one lot, the import (coop.imports) collects them for every row of a file.


def kind_errors(*, kind: str, product, handled: frozenset[str]) -> dict[str, str]:
    """A co-op records only the kinds of delivery its products are delivered as
    (`selectors.kinds_handled`): no nut purchase in a honey co-op, no barrel in a babassu one."""
    if kind not in handled:
        return {
            "kind": _(
                "This co-operative does not record %(kind)s: none of its products is delivered that way."
            )
            % {"kind": Lot.Kind(kind).label.lower()}
        }
    if product is not None and product.delivered_as and product.delivered_as != kind:
        return {
            "product": _("%(product)s is recorded as %(as)s, not as %(kind)s.")
            % {
                "product": product.name,
                "as": Lot.Kind(product.delivered_as).label.lower(),
                "kind": Lot.Kind(kind).label.lower(),
            }
        }
    return {}


def delivery_errors(*, kind: str, family, association, moisture_pct, price_per_kg) -> dict[str, str]:
    """Who delivered where, and what a barrel or a purchase must state."""
    errors = {}
    if family is None:
        errors["family"] = _("Choose the family that delivered.")
    elif family.status != Family.Status.ACTIVE:
        errors["family"] = _("Family %(code)s is %(status)s and cannot deliver.") % {
            "code": family.code,
            "status": family.get_status_display().lower(),
        }
    allowed_points = COLLECTION_POINTS.get(kind)
    if association is not None and allowed_points and association.kind not in allowed_points:
        errors["association"] = _("%(name)s is not a collection point for this kind of lot.") % {
            "name": association.name
        }
    if kind == Lot.Kind.BARREL and moisture_pct is None:
        errors["moisture_pct"] = _("Measure the honey's moisture before recording the barrel.")
    if kind == Lot.Kind.NUT_PURCHASE:
        if price_per_kg is None or price_per_kg <= 0:
            errors["price_per_kg"] = _("Enter the price paid per kilogram.")
    return errors


def weights_and_dates_errors(
    *, kind: str, net_kg, gross_kg, moisture_pct, harvested_on, collected_on, today: date
) -> dict[str, str]:
    """Plausible kilograms and moisture, dates in order and not in the future."""
    errors = {}
    if net_kg <= 0:
        errors["net_kg"] = _("Net weight must be more than zero.")
    elif net_kg > MAX_NET_KG[kind]:
        errors["net_kg"] = _("%(kg)s kg is not plausible for this kind of lot (at most %(max)s kg).") % {
            "kg": net_kg,
            "max": MAX_NET_KG[kind],
        }
    if gross_kg is not None and gross_kg < net_kg:
        errors["gross_kg"] = _("Gross weight cannot be less than net weight.")
    if moisture_pct is not None and not (0 <= moisture_pct <= 100):
        errors["moisture_pct"] = _("Moisture is a percentage between 0 and 100.")
    if isinstance(collected_on, date) and collected_on > today:
        errors["collected_on"] = _("The date cannot be in the future.")
    if isinstance(harvested_on, date) and isinstance(collected_on, date) and collected_on < harvested_on:
        errors["collected_on"] = _("Delivery cannot come before the harvest.")
    return errors


def moisture_rejection(moisture_pct, limit: Decimal) -> str:
    """Why a lot this wet is rejected ("" when it is not): it is kept, as rejected, not lost."""
    if moisture_pct is None or Decimal(moisture_pct) <= limit:
        return ""
    return _("Moisture %(value)s%% is above the co-op's limit of %(limit)s%%.") % {
        "value": moisture_pct,
        "limit": limit,
    }


def unusual_confirmation_error(unusual: dict[str, str]) -> ValidationError:
    """Each unusual value on its field, and on `confirm_unusual` what to do about them."""
    errors = {field: ValidationError(message, code="unusual") for field, message in unusual.items()}
    errors["confirm_unusual"] = ValidationError(
        _("Check the values marked, or confirm that they are correct."), code="unusual"
    )
    return ValidationError(errors)


def _check_plausible(lot: Lot, *, confirmed: bool, actor) -> None:
    current = None
    if lot.kind == Lot.Kind.NUT_PURCHASE and lot.price_per_kg is not None:
        current = current_purchase_price(
            cooperative=lot.cooperative,
            product=lot.product,
            association=lot.association,
            day=lot.collected_on,
        )
    unusual = unusual_values(
        kind=lot.kind,
        product=lot.product,
        net_kg=lot.net_kg,
        moisture_pct=lot.moisture_pct,
        price_per_kg=lot.price_per_kg,
        current_price=current,
        currency=lot.cooperative.base_currency,
    )
    if not unusual:
        return
    if not confirmed:
        raise unusual_confirmation_error(unusual)
    lot.unusual_values = " ".join(unusual.values())[: Lot._meta.get_field("unusual_values").max_length]
    lot.unusual_confirmed_by = actor


def _validate_delivery(lot: Lot) -> None:
    errors = delivery_errors(
        kind=lot.kind,
        family=lot.family,
        association=lot.association,
        moisture_pct=lot.moisture_pct,
        price_per_kg=lot.price_per_kg,
    )
    if errors:
        raise ValidationError(errors)


def _validate_weights_and_dates(lot: Lot) -> None:
    errors = weights_and_dates_errors(
        kind=lot.kind,
        net_kg=lot.net_kg,
        gross_kg=lot.gross_kg,
        moisture_pct=lot.moisture_pct,
        harvested_on=lot.harvested_on,
        collected_on=lot.collected_on,
        today=timezone.localdate(),
    )
    if errors:
        raise ValidationError(errors)


def _save_lot(lot: Lot, *, actor) -> None:
    reject_nul_bytes(lot)
    if lot.code:
        require_unique_code(lot)
    else:
        lot.code = lot_code_next(cooperative=lot.cooperative, kind=lot.kind, on=lot.collected_on)
    lot.full_clean(validate_unique=False)
    lot._history_user = actor
    try:
        with transaction.atomic():
            lot.save()
    except IntegrityError as error:
        raise ValidationError({"code": _("This code is already used in this co-operative.")}) from error


@transaction.atomic
def lot_record(
    *,
    actor,
    cooperative: Cooperative,
    kind: str,
    product: Product,
    family: Family | None = None,
    association: Association | None = None,
    collected_on: date,
    net_kg,
    code: str = "",
    harvested_on: date | None = None,
    gross_kg=None,
    moisture_pct=None,
    organic: bool | None = None,
    price_per_kg=None,
    notes: str = "",
    accept: bool = True,
    confirm_unusual: bool = False,
) -> Lot:
    """Record a delivery: a honey barrel, a nut purchase or another delivery by a family.

    A value outside the product's usual range (coop.plausibility) is refused unless
    `confirm_unusual`; then the lot keeps the unusual values and who confirmed them.
    A barrel wetter than the co-op's moisture limit is kept, as rejected with the reason.
    `organic=None` takes the family's organic certification on the collection date;
    `organic=True` is refused when the family is not certified on that date.
    """
    require(actor, cooperative, RECORD)
    if kind not in CODE_PREFIX or kind == Lot.Kind.BATCH:
        raise ValidationError({"kind": _("Record batches with the batch form.")})
    _check_same_coop(cooperative, product=product, family=family, association=association)
    refused = kind_errors(kind=kind, product=product, handled=kinds_handled(cooperative=cooperative))
    if refused:
        raise ValidationError(refused)
    lot = Lot(
        cooperative=cooperative,
        kind=kind,
        product=product,
        family=family,
        association=association,
        code=(code or "").strip(),
        collected_on=collected_on,
        harvested_on=harvested_on,
        net_kg=_as_kg(net_kg, "net_kg"),
        gross_kg=None if gross_kg in (None, "") else _as_kg(gross_kg, "gross_kg"),
        moisture_pct=_optional_decimal(moisture_pct, "moisture_pct"),
        price_per_kg=_optional_decimal(price_per_kg, "price_per_kg"),
        notes=notes,
        recorded_by=actor,
    )
    _validate_delivery(lot)
    _validate_weights_and_dates(lot)
    _check_plausible(lot, confirmed=confirm_unusual, actor=actor)

    certified = family_certified_on(family=family, scheme=Scheme.ORGANIC, day=collected_on)
    if organic and not certified:
        raise ValidationError(
            {
                "organic": _("Family %(code)s has no valid organic certification on this date.")
                % {"code": family.code}
            }
        )
    lot.organic = certified if organic is None else bool(organic)

    if kind == Lot.Kind.NUT_PURCHASE:
        lot.currency = cooperative.base_currency
        lot.amount_paid = quantize_money(lot.net_kg * Decimal(lot.price_per_kg))
    lot.rejection_reason = moisture_rejection(lot.moisture_pct, cooperative.moisture_limit_pct)
    if lot.rejection_reason:
        lot.status = Lot.Status.REJECTED
    elif accept:
        lot.status = Lot.Status.ACCEPTED
    _save_lot(lot, actor=actor)
    if lot.status == Lot.Status.ACCEPTED:
        lots_accepted.send(Lot, cooperative=cooperative, lots=Lot.objects.filter(pk=lot.pk), actor=actor)
    return lot


@transaction.atomic
def lot_accept(*, actor, lot: Lot) -> Lot:
    require(actor, lot.cooperative, RECORD)
    lot = lots_for_update([lot.pk])[lot.pk]
    if lot.status != Lot.Status.RECEIVED:
        raise ValidationError({"status": _("Only a received lot can be accepted.")})
    if lot.moisture_pct is not None and lot.moisture_pct > lot.cooperative.moisture_limit_pct:
        raise ValidationError({"moisture_pct": _("This lot is above the moisture limit.")})
    lot.status = Lot.Status.ACCEPTED
    lot._history_user = actor
    lot.save(update_fields=["status"])
    lots_accepted.send(Lot, cooperative=lot.cooperative, lots=Lot.objects.filter(pk=lot.pk), actor=actor)
    return lot


@transaction.atomic
def lot_reject(*, actor, lot: Lot, reason: str) -> Lot:
    require(actor, lot.cooperative, RECORD)
    lot = lots_for_update([lot.pk])[lot.pk]
    if lot.status not in (Lot.Status.RECEIVED, Lot.Status.ACCEPTED) or lot.consumed_kg or lot.allocated_kg:
        raise ValidationError({"status": _("A lot already used or shipped cannot be rejected.")})
    reason = (reason or "").strip()
    if not reason or "\x00" in reason:
        raise ValidationError({"rejection_reason": _("Say why the lot is rejected.")})
    was_accepted = lot.status == Lot.Status.ACCEPTED
    lot.status, lot.rejection_reason = Lot.Status.REJECTED, reason[:300]
    lot._history_user = actor
    lot.save(update_fields=["status", "rejection_reason"])
    if was_accepted:
        lots_rejected.send(Lot, cooperative=lot.cooperative, lots=Lot.objects.filter(pk=lot.pk), actor=actor)
    return lot


def _input_product_ok(product: Product, source: Lot) -> bool:
    # An oil batch takes nuts (its `made_from`); an export batch of honey takes honey.
    return source.product_id == (product.made_from_id or product.pk)


@transaction.atomic
def batch_create(
    *,
    actor,
    cooperative: Cooperative,
    product: Product,
    inputs: list[tuple[Lot, object]],
    net_kg,
    collected_on: date,
    code: str = "",
    association: Association | None = None,
    notes: str = "",
) -> Lot:
    """Make an output lot from input lots, taking `kg` of each.

    Consumed kg never exceed what an input has left (checked under row locks, and by
    the database's check constraint). Output kg far from the product's expected yield
    are recorded with a warning rather than refused: presses and scales vary.
    """
    require(actor, cooperative, RECORD)
    _check_same_coop(cooperative, product=product, association=association)
    if not inputs:
        raise ValidationError({"inputs": _("Choose at least one input lot.")})
    wanted: dict[int, Decimal] = {}
    for index, (source, kg) in enumerate(inputs, start=1):
        kg = _as_kg(kg, "inputs")
        if kg <= 0:
            raise ValidationError(
                {"inputs": _("Input %(n)s: kilograms must be more than zero.") % {"n": index}}
            )
        if source.pk in wanted:
            raise ValidationError({"inputs": _("Lot %(code)s is listed twice.") % {"code": source.code}})
        wanted[source.pk] = quantize_kg(kg)

    locked = lots_for_update(wanted)
    errors = []
    for pk, kg in wanted.items():
        source = locked.get(pk)
        if source is None or source.cooperative_id != cooperative.pk:
            errors.append(_("Input lot %(pk)s does not exist in this co-operative.") % {"pk": pk})
        elif not _input_product_ok(product, source):
            errors.append(
                _("Lot %(code)s is %(product)s, which cannot go into %(output)s.")
                % {"code": source.code, "product": source.product.name, "output": product.name}
            )
        elif source.status not in (Lot.Status.ACCEPTED, Lot.Status.ALLOCATED):
            errors.append(
                _("Lot %(code)s is %(status)s and cannot be used.")
                % {"code": source.code, "status": source.get_status_display().lower()}
            )
        elif kg > source.remaining_kg:
            errors.append(
                _("Lot %(code)s has %(left)s kg left; %(kg)s kg asked.")
                % {"code": source.code, "left": source.remaining_kg, "kg": kg}
            )
    if errors:
        raise ValidationError({"inputs": errors})

    batch = Lot(
        cooperative=cooperative,
        kind=Lot.Kind.BATCH,
        product=product,
        association=association,
        code=(code or "").strip(),
        collected_on=collected_on,
        net_kg=_as_kg(net_kg, "net_kg"),
        organic=all(locked[pk].organic for pk in wanted),
        status=Lot.Status.ACCEPTED,
        notes=notes,
        recorded_by=actor,
    )
    _validate_weights_and_dates(batch)
    batch.yield_warning = _yield_warning(product, sum(wanted.values()), batch.net_kg)
    _save_lot(batch, actor=actor)

    _consume(wanted, locked, actor=actor)
    links = LotInput.objects.bulk_create(
        [LotInput(cooperative=cooperative, output=batch, source_id=pk, kg=kg) for pk, kg in wanted.items()]
    )
    history_copy(LotInput, [link.pk for link in links], actor=actor)
    return batch


def _consume(wanted: dict[int, Decimal], locked: dict[int, Lot], *, actor) -> None:
    """Take `wanted` kg from each locked input; an input with nothing left is consumed.

    An export batch takes a thousand barrels: the ones used up whole share one UPDATE
    (per chunk), and one INSERT … SELECT writes the history of them all, instead of
    two statements per barrel.
    """
    used_up = [pk for pk, kg in wanted.items() if kg == locked[pk].remaining_kg]
    for chunk in query_chunks(used_up):
        Lot.objects.filter(pk__in=chunk).update(
            consumed_kg=F("net_kg") - F("allocated_kg"), status=Lot.Status.CONSUMED
        )
    for pk, kg in wanted.items():
        if kg != locked[pk].remaining_kg:
            Lot.objects.filter(pk=pk).update(consumed_kg=F("consumed_kg") + kg)
    history_copy(Lot, list(wanted), actor=actor, history_type="~")


def _yield_warning(product: Product, input_kg: Decimal, output_kg: Decimal) -> str:
    expected_yield = product.expected_yield if product.made_from_id else Decimal("1")
    if not expected_yield:
        return ""
    expected = input_kg * expected_yield
    deviation = abs(output_kg - expected) / expected * 100
    if deviation <= product.yield_tolerance_pct:
        return ""
    return _("Output %(out)s kg is %(dev)s%% away from the expected %(exp)s kg.") % {
        "out": output_kg,
        "dev": deviation.quantize(Decimal("0.1")),
        "exp": quantize_kg(expected),
    }
