"""Writes for seasons and advances: what a family is advanced when it delivers, and its payment.

An advance is created when a delivery is accepted (`coop.signals.lots_accepted`, sent by
`lot_record`, `lot_accept` and the lots import inside their own transaction), so the lot
and its advance commit or roll back together. The import announces up to ~100,000 lots
at once: `advances_for_lots` reads the lots in one query, the seasons and contracts in
two more, works out the amounts in Python (Decimal: SQLite has no exact decimal type)
and writes all advances at once (COPY on PostgreSQL, one prepared INSERT run for every
row on SQLite) and their history with one INSERT … SELECT, whatever the number of lots.

The terms of a delivery (`delivery_terms`):
- rate: the season's `advance_rate`, else the active contract's `advance_rate`;
- reference price per kg: the season's `reference_price_per_kg` (base currency), else
  the active contract's price, converted with the season's `reference_exchange_rate`
  when the contract is in another currency (no rate: no price);
- amount = rate × price × net kg, rounded to the cent once (ROUND_HALF_UP); no rate or
  no price: no advance. The price is rounded to the price field's 4 places first, so
  the statement's "rate × price × kg" gives exactly the amount printed.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chain.models import PRICE_DIGITS, PRICE_PLACES, Contract
from coop.models import Cooperative, Lot
from coop.services.base import apply_changes, history_copy, locked, query_chunks, save_validated
from coop.tenancy import MANAGE, RECORD, require
from coop.units import MONEY_DIGITS, MONEY_PLACES, quantize_money
from upgrading.models import Advance, Season

SEASON_FIELDS = (
    "product",
    "code",
    "name",
    "starts_on",
    "ends_on",
    "advance_rate",
    "reference_price_per_kg",
    "reference_exchange_rate",
)
# Deliveries a family is paid for later. A nut purchase is paid in full at the cantina
# (its `amount_paid`) and a batch has no family: neither gets an advance.
ADVANCED_KINDS = (Lot.Kind.BARREL, Lot.Kind.DELIVERY)
NOT_DELIVERED = (Lot.Status.RECEIVED, Lot.Status.REJECTED)
PRICE_QUANTUM = Decimal(1).scaleb(-PRICE_PLACES)
PRICE_LIMIT = Decimal(10) ** (PRICE_DIGITS - PRICE_PLACES)
AMOUNT_LIMIT = Decimal(10) ** (MONEY_DIGITS - MONEY_PLACES)
MAX_REFERENCE_LENGTH = Advance._meta.get_field("payment_reference").max_length
MAX_REASON_LENGTH = Advance._meta.get_field("cancelled_reason").max_length


# --- Seasons ----------------------------------------------------------------------------------


def _parse_values(season: Season) -> None:
    # Dates and numbers first, so a refusal below can compare them (and names the field, not "__all__").
    errors = {}
    for name in ("starts_on", "ends_on", "advance_rate", "reference_price_per_kg", "reference_exchange_rate"):
        try:
            setattr(season, name, Season._meta.get_field(name).to_python(getattr(season, name)))
        except ValidationError as error:
            errors[name] = error.messages
    rate = season.reference_exchange_rate
    if not errors.get("reference_exchange_rate") and rate is not None and rate <= 0:
        errors["reference_exchange_rate"] = [_("An exchange rate is more than zero.")]
    if errors:
        raise ValidationError(errors)


def _validate_season(season: Season) -> None:
    _parse_values(season)
    if season.product_id is not None and season.product.cooperative_id != season.cooperative_id:
        raise ValidationError({"product": _("This belongs to another co-operative.")})
    if not (isinstance(season.starts_on, date) and isinstance(season.ends_on, date)):
        return  # full_clean names the missing date
    if season.ends_on < season.starts_on:
        raise ValidationError({"ends_on": _("The season cannot end before it starts.")})
    # Two seasons of a product may not share a day: a delivery must fall in one season only,
    # or its advance and its settlement would depend on which one the database lists first.
    overlap = (
        Season.objects.filter(cooperative=season.cooperative_id, product=season.product_id)
        .filter(starts_on__lte=season.ends_on, ends_on__gte=season.starts_on)
        .exclude(pk=season.pk)
        .first()
    )
    if overlap is not None:
        raise ValidationError(
            {
                "starts_on": _("Season %(code)s of this product already covers part of these dates.")
                % {"code": overlap.code}
            }
        )


@transaction.atomic
def season_create(*, actor, cooperative: Cooperative, **data) -> Season:
    """A product's season and its advance terms (rate, reference price, exchange rate)."""
    require(actor, cooperative, MANAGE)
    season = Season(cooperative=cooperative)
    apply_changes(season, data, SEASON_FIELDS)
    _validate_season(season)
    save_validated(season, actor=actor)
    return season


@transaction.atomic
def season_update(*, actor, season: Season, **data) -> Season:
    """Change a season; advances already created keep the terms of their delivery day."""
    require(actor, season.cooperative, MANAGE)
    season = locked(season)
    changed = apply_changes(season, data, SEASON_FIELDS)
    if changed:
        _validate_season(season)
        save_validated(season, actor=actor, update_fields=changed)
    return season


# --- Advances on accepted deliveries ------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    season: Season | None
    contract: Contract | None
    rate: Decimal
    price: Decimal  # per kg, in the co-op's base currency, 4 places


def _covering(rows, day):
    return next((row for row in rows if row.starts_on <= day <= row.ends_on), None)


def delivery_terms(*, base_currency: str, seasons, contracts, day: date) -> Terms | None:
    """The advance terms of a delivery on `day`, from the product's seasons and active
    contracts (contracts newest first: two overlapping active contracts give the newer's);
    None when there is no rate or no price to advance on."""
    season = _covering(seasons, day)
    contract = _covering(contracts, day)
    rate = season.advance_rate if season is not None else None
    used_contract = False
    if rate is None and contract is not None and contract.advance_rate is not None:
        rate, used_contract = contract.advance_rate, True
    price = season.reference_price_per_kg if season is not None else None
    if price is None and contract is not None:
        if contract.currency == base_currency:
            price = contract.price_per_kg
        elif season is not None and season.reference_exchange_rate is not None:
            price = (contract.price_per_kg * season.reference_exchange_rate).quantize(PRICE_QUANTUM)
        used_contract = used_contract or price is not None
    if rate is None or price is None or rate <= 0 or price <= 0:
        return None
    return Terms(season=season, contract=contract if used_contract else None, rate=rate, price=price)


ADVANCE_COLUMNS = (
    "cooperative_id",
    "lot_id",
    "family_id",
    "season_id",
    "contract_id",
    "kg",
    "rate",
    "reference_price_per_kg",
    "amount",
    "currency",
    "due_on",
    "status",
    "paid_on",
    "method",
    "payment_reference",
    "paid_by_id",
    "cancelled_reason",
    "created_at",
)


def _advance_rows(cooperative: Cooperative, lots, created_at) -> list[tuple]:
    deliveries = list(
        lots.filter(
            cooperative=cooperative,
            kind__in=ADVANCED_KINDS,
            family__isnull=False,
            advance__isnull=True,  # an advance per lot, once (the signal may repeat)
        )
        .exclude(status__in=NOT_DELIVERED)
        .order_by("pk")
        .values_list("pk", "code", "family_id", "product_id", "collected_on", "net_kg")
    )
    if not deliveries:
        return []
    products = {row[3] for row in deliveries}
    seasons: dict[int, list[Season]] = {}
    for season in Season.objects.filter(cooperative=cooperative, product__in=products):
        seasons.setdefault(season.product_id, []).append(season)
    contracts: dict[int, list[Contract]] = {}
    for contract in Contract.objects.filter(
        cooperative=cooperative, product__in=products, status=Contract.Status.ACTIVE
    ).order_by("-starts_on", "-pk"):
        contracts.setdefault(contract.product_id, []).append(contract)

    base = cooperative.base_currency
    terms_of: dict[tuple[int, date], Terms | None] = {}  # a season has a few hundred days
    rows = []
    for pk, code, family_id, product_id, day, kg in deliveries:
        key = (product_id, day)
        if key not in terms_of:
            terms_of[key] = delivery_terms(
                base_currency=base,
                seasons=seasons.get(product_id, ()),
                contracts=contracts.get(product_id, ()),
                day=day,
            )
        terms = terms_of[key]
        if terms is None:
            continue
        if terms.price >= PRICE_LIMIT:
            raise ValidationError(
                {
                    "net_kg": _("Lot %(code)s: the reference price is too large to advance on.")
                    % {"code": code}
                }
            )
        amount = quantize_money(terms.rate * terms.price * kg)
        if amount <= 0:
            continue  # less than half a cent: nothing to advance
        if amount >= AMOUNT_LIMIT:
            raise ValidationError(
                {
                    "net_kg": _("Lot %(code)s: the advance would be too large; check the weight.")
                    % {"code": code}
                }
            )
        rows.append(
            (
                cooperative.pk,
                pk,
                family_id,
                terms.season.pk if terms.season else None,
                terms.contract.pk if terms.contract else None,
                kg,
                terms.rate,
                terms.price,
                amount,
                base,
                day,
                Advance.Status.DUE,
                None,
                "",
                "",
                None,
                "",
                created_at,
            )
        )
    return rows


def _history_of_new(cooperative: Cooperative, created_at, lot_range, *, actor) -> None:
    """History rows ("+") of the advances just written: one INSERT … SELECT for them all.

    They are this call's rows: same co-op, same `created_at` to the microsecond, lots in
    the range just advanced (another transaction cannot advance the same lots: one
    advance per lot, a unique index)."""
    history = Advance.history.model
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in history.tracked_fields)
    extra = ", ".join(
        quote(history._meta.get_field(name).column)
        for name in ("history_date", "history_change_reason", "history_type", "history_user")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(history._meta.db_table)} ({columns}, {extra}) "
            f"SELECT {columns}, %s, NULL, '+', %s FROM {quote(Advance._meta.db_table)} "
            f"WHERE {quote('cooperative_id')} = %s AND {quote('created_at')} = %s "
            f"AND {quote('lot_id')} BETWEEN %s AND %s ORDER BY {quote('id')}",
            [created_at, actor.pk if actor else None, cooperative.pk, created_at, *lot_range],
        )


def advances_for_lots(*, cooperative: Cooperative, lots, actor) -> int:
    """Create the advances of accepted deliveries (a queryset of lots); returns how many.

    Called by the `lots_accepted` receiver inside the transaction that accepted them.
    Lots without a family, not accepted, of a kind not advanced, already advanced or
    without terms (no rate, no price) get none. A constant number of queries: one read
    of the lots, two of the terms, one COPY (or executemany), one INSERT … SELECT of history.
    """
    now = timezone.now()
    created_at = Advance._meta.get_field("created_at").get_db_prep_value(now, connection)
    rows = _advance_rows(cooperative, lots, created_at)
    if not rows:
        return 0
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(Advance._meta.get_field(name.removesuffix("_id")).column) for name in ADVANCE_COLUMNS
    )
    placeholders = ", ".join(["%s"] * len(ADVANCE_COLUMNS))
    table = quote(Advance._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: 45,000 advances in about a second (an INSERT per row takes ten).
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            # One statement prepared once and run for every row: bulk_create would cut
            # 45,000 rows into ~800 INSERTs under SQLite's 999 parameters.
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)
    lot_ids = [row[1] for row in rows]
    _history_of_new(cooperative, created_at, (min(lot_ids), max(lot_ids)), actor=actor)
    return len(rows)


def advances_cancel_for_lots(*, cooperative: Cooperative, lots, actor) -> int:
    """Cancel the due advances of lots that were accepted and are now rejected.

    A paid advance stays as it is: the family has the money, and the settlement deducts it.
    """
    due = list(
        Advance.objects.select_for_update(of=("self",))
        .filter(cooperative=cooperative, lot__in=lots.values("pk"), status=Advance.Status.DUE)
        .order_by("pk")
        .values_list("pk", "lot__rejection_reason")
    )
    by_reason: dict[str, list[int]] = {}
    for pk, reason in due:
        text = _("Lot rejected: %(reason)s") % {"reason": reason} if reason else _("Lot rejected.")
        by_reason.setdefault(text[:MAX_REASON_LENGTH], []).append(pk)
    for reason, pks in by_reason.items():
        for chunk in query_chunks(pks):
            Advance.objects.filter(pk__in=chunk).update(
                status=Advance.Status.CANCELLED, cancelled_reason=reason
            )
    if due:
        history_copy(Advance, [pk for pk, _reason in due], actor=actor, history_type="~")
    return len(due)


def on_lots_accepted(sender, *, cooperative, lots, actor, **kwargs) -> None:
    """Receiver of `coop.signals.lots_accepted` (connected in `UpgradingConfig.ready`)."""
    advances_for_lots(cooperative=cooperative, lots=lots, actor=actor)


def on_lots_rejected(sender, *, cooperative, lots, actor, **kwargs) -> None:
    """Receiver of `coop.signals.lots_rejected`."""
    advances_cancel_for_lots(cooperative=cooperative, lots=lots, actor=actor)


# --- Paying and cancelling one advance ----------------------------------------------------------


def _text(value, field: str, max_length: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError({field: _("Enter text.")})
    value = value.strip()
    if "\x00" in value:
        raise ValidationError({field: _("Text may not contain NUL characters.")})
    if len(value) > max_length:
        raise ValidationError({field: _("At most %(n)s characters.") % {"n": max_length}})
    return value


def _not_due(advance: Advance) -> ValidationError:
    if advance.status == Advance.Status.PAID:
        message = _("This advance was already paid on %(day)s.") % {"day": advance.paid_on}
    else:
        message = _("This advance is %(status)s.") % {"status": advance.get_status_display().lower()}
    return ValidationError({"status": message})


@transaction.atomic
def advance_pay(
    *, actor, advance: Advance, paid_on: date, method: str, payment_reference: str = ""
) -> Advance:
    """Record that the family received its advance (staff, managers, admins).

    Under a row lock: two clerks recording the same payment at once cannot both succeed,
    the second is told it was already paid.
    """
    require(actor, advance.cooperative, RECORD)
    advance = locked(advance)
    if advance.status != Advance.Status.DUE:
        raise _not_due(advance)
    if not isinstance(paid_on, date):
        raise ValidationError({"paid_on": _("Enter the date the family was paid.")})
    if paid_on < advance.due_on:
        raise ValidationError({"paid_on": _("Payment cannot come before the delivery it advances.")})
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": _("The date cannot be in the future.")})
    if method not in Advance.Method.values:
        raise ValidationError({"method": _("Choose how the family was paid.")})
    advance.payment_reference = _text(payment_reference, "payment_reference", MAX_REFERENCE_LENGTH)
    advance.status, advance.paid_on, advance.method, advance.paid_by = (
        Advance.Status.PAID,
        paid_on,
        method,
        actor,
    )
    advance._history_user = actor
    advance.save(update_fields=["status", "paid_on", "method", "payment_reference", "paid_by"])
    return advance


@transaction.atomic
def advance_cancel(*, actor, advance: Advance, reason: str) -> Advance:
    """Cancel a due advance (managers, admins), saying why; a paid one cannot be cancelled."""
    require(actor, advance.cooperative, MANAGE)
    advance = locked(advance)
    if advance.status != Advance.Status.DUE:
        raise _not_due(advance)
    reason = _text(reason, "cancelled_reason", MAX_REASON_LENGTH)
    if not reason:
        raise ValidationError({"cancelled_reason": _("Say why the advance is cancelled.")})
    advance.status, advance.cancelled_reason = Advance.Status.CANCELLED, reason
    advance._history_user = actor
    advance.save(update_fields=["status", "cancelled_reason"])
    return advance
