"""The premium fund's rules: receipts credited once from paid shipments, exact to the cent;
allocations only on an approving decision of the same co-op and within the balance;
spending only within an allocation's remainder; every refusal names its field and writes
nothing."""

import datetime
import hashlib
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from chain import services as chain
from chain.models import Shipment
from tests.upgrading import premium_data
from tests.upgrading.premium_data import PAID, PDF, TODAY, decision, pdf
from upgrading.models import PremiumAllocation, PremiumFund, PremiumReceipt, PremiumSpending
from upgrading.services import premium as services

pytestmark = pytest.mark.django_db

premium = premium_data.premium
premium_b = premium_data.premium_b
media = premium_data.media
english = premium_data.english


def _fund(coop) -> tuple:
    fund = PremiumFund.objects.filter(cooperative=coop).first()
    return (fund.received, fund.allocated, fund.spent) if fund else None


def _state(coop) -> tuple:
    """Everything a refused write must leave as it was."""
    return (
        _fund(coop),
        PremiumReceipt.objects.count(),
        list(PremiumAllocation.objects.order_by("pk").values_list("pk", "amount", "spent")),
        PremiumSpending.objects.count(),
        PremiumAllocation.history.count(),
        PremiumSpending.history.count(),
    )


def _refused(call, field: str) -> str:
    with pytest.raises(ValidationError) as refusal:
        call()
    assert field in refusal.value.message_dict, refusal.value.message_dict
    return " ".join(refusal.value.message_dict[field])


# --- Receipts -------------------------------------------------------------------------------


def test_paying_a_shipment_under_a_premium_contract_credits_the_fund(premium):
    sale = premium.shipment(("100", "23.457"), rate="5.123457")
    receipt = PremiumReceipt.objects.get(shipment=sale)
    # 123.457 kg × US$0.30 = 37.0371 → US$37.04; × 5.123457 = 189.772847… → R$189.77
    assert receipt.kg == Decimal("123.457")
    assert receipt.premium_per_kg == Decimal("0.3000")
    assert (receipt.currency, receipt.exchange_rate) == ("USD", Decimal("5.123457"))
    assert receipt.amount_foreign == Decimal("37.04")
    assert receipt.amount == Decimal("189.77")
    assert receipt.received_on == PAID
    assert _fund(premium.coop) == (Decimal("189.77"), Decimal("0.00"), Decimal("0.00"))
    assert PremiumFund.objects.get(cooperative=premium.coop).currency == "BRL"
    assert receipt.history.get().history_user == premium.manager


def test_receipts_add_up_in_the_fund(premium):
    premium.shipment(("1000",), rate="5.000000")  # US$300.00 → R$1,500.00
    premium.shipment(("10",), rate="5.500000")  # US$3.00 → R$16.50
    assert _fund(premium.coop)[0] == Decimal("1516.50")
    assert PremiumReceipt.objects.filter(cooperative=premium.coop).count() == 2


def test_rounding_happens_once_in_each_currency(premium):
    # The premium is rounded in the contract's currency first, as the buyer pays it, then
    # converted and rounded in the co-op's: 33.335 kg × 0.30 = 10.0005 → 10.00 → × 4.999999.
    sale = premium.shipment(("33.335",), rate="4.999999")
    receipt = PremiumReceipt.objects.get(shipment=sale)
    assert receipt.amount_foreign == Decimal("10.00")  # 10.0005 → 10.00 (half up at the cent)
    assert receipt.amount == Decimal("50.00")  # 49.99999 → 50.00


def test_a_contract_in_the_base_currency_needs_no_conversion(premium, personas):
    local = chain.contract_create(
        actor=personas.manager,
        cooperative=premium.coop,
        buyer=premium.buyer,
        product=premium.oil,
        reference="FT-BRL",
        starts_on=TODAY - datetime.timedelta(days=100),
        ends_on=TODAY + datetime.timedelta(days=100),
        price_per_kg=Decimal("15.0000"),
        currency="BRL",
        premium_per_kg=Decimal("1.2345"),
    )
    sale = premium.shipment(("10",), contract=local, rate="1")
    receipt = PremiumReceipt.objects.get(shipment=sale)
    assert (receipt.currency, receipt.exchange_rate) == ("BRL", Decimal("1"))
    assert receipt.amount_foreign == receipt.amount == Decimal("12.35")


def test_no_receipt_without_a_premium(premium, personas):
    plain = chain.contract_create(
        actor=personas.manager,
        cooperative=premium.coop,
        buyer=premium.buyer,
        product=premium.oil,
        reference="NO-PREMIUM",
        starts_on=TODAY - datetime.timedelta(days=100),
        ends_on=TODAY + datetime.timedelta(days=100),
        price_per_kg=Decimal("3.0000"),
        currency="USD",
    )
    premium.shipment(("10",), contract=plain)
    premium.shipment(("10",), contract=None, price_per_kg=Decimal("12"), currency="BRL", rate="1")
    assert PremiumReceipt.objects.count() == 0
    assert PremiumFund.objects.count() == 0


def test_no_receipt_before_payment(premium):
    premium.shipment(("10",), status="shipped")
    assert PremiumReceipt.objects.count() == 0


def test_crediting_twice_writes_nothing_new(premium):
    sale = premium.shipment(("100",))
    first = PremiumReceipt.objects.get(shipment=sale)
    again = services.premium_receipt_record(shipment=sale, actor=premium.manager)
    assert again == first
    assert PremiumReceipt.objects.count() == 1
    assert _fund(premium.coop)[0] == first.amount


def test_a_premium_contract_cannot_be_invoiced_in_another_currency(premium, english):
    # The premium is converted at the shipment's rate: a sale under the USD contract invoiced
    # in euros would leave the premium without one, so chain refuses it from the start.
    message = _refused(
        lambda: premium.shipment(
            ("10",),
            status="shipped",
            currency="EUR",
            price_per_kg=Decimal("2.8"),
            price_override_reason="Paid in euros this time",
            rate="6.000000",
        ),
        "currency",
    )
    assert "USD" in message
    assert not Shipment.objects.exists()
    assert PremiumReceipt.objects.count() == 0 and PremiumFund.objects.count() == 0


def test_an_unpaid_shipment_cannot_be_credited_by_hand(premium):
    sale = premium.shipment(("10",), status="shipped")
    _refused(lambda: services.premium_receipt_record(shipment=sale), "shipment")


# --- Allocations ------------------------------------------------------------------------------


def test_allocation_within_the_balance_on_an_approved_decision(premium):
    premium.shipment(("1000",), rate="5.000000")  # R$1,500.00
    approval = decision(premium.coop, votes_for=60, votes_against=59)
    allocation = premium.allocate("1500.00", approval=approval, notes="  Reforma  ")
    assert (allocation.amount, allocation.spent, allocation.remainder) == (
        Decimal("1500.00"),
        Decimal("0.00"),
        Decimal("1500.00"),
    )
    assert allocation.decision == approval and allocation.created_by == premium.manager
    assert allocation.notes == "Reforma"
    assert _fund(premium.coop) == (Decimal("1500.00"), Decimal("1500.00"), Decimal("0.00"))
    assert allocation.history.get().history_user == premium.manager


@pytest.mark.parametrize(
    ("votes", "words"),
    [((50, 50), "not approved"), ((10, 40), "not approved")],
)
def test_no_allocation_on_a_decision_that_was_not_approved(premium, votes, words, english):
    premium.shipment(("1000",))
    rejected = decision(premium.coop, votes_for=votes[0], votes_against=votes[1])
    before = _state(premium.coop)
    assert words in _refused(lambda: premium.allocate("10.00", approval=rejected), "decision")
    assert _state(premium.coop) == before


def test_no_allocation_on_a_decision_of_an_assembly_without_quorum(premium, english):
    premium.shipment(("1000",))
    inquorate = decision(premium.coop, meeting=premium_data.assembly(premium.coop, quorum=False))
    before = _state(premium.coop)
    assert "quorum" in _refused(lambda: premium.allocate("10.00", approval=inquorate), "decision")
    assert _state(premium.coop) == before


def test_no_allocation_on_another_cooperatives_decision(premium, premium_b, english):
    premium.shipment(("1000",))
    theirs = decision(premium_b.coop)
    before = _state(premium.coop)
    assert "another co-operative" in _refused(lambda: premium.allocate("10.00", approval=theirs), "decision")
    assert _state(premium.coop) == before


def test_no_allocation_without_a_decision(premium):
    premium.shipment(("1000",))
    call = lambda: services.premium_allocate(  # noqa: E731
        actor=premium.manager,
        cooperative=premium.coop,
        project="Escola",
        category="schooling",
        decision=None,
        allocated_on=TODAY,
        amount=Decimal("1.00"),
    )
    _refused(call, "decision")


def test_allocating_more_than_the_balance_is_refused(premium, english):
    premium.shipment(("1000",), rate="5.000000")  # R$1,500.00
    premium.allocate("1000.00")
    before = _state(premium.coop)
    message = _refused(lambda: premium.allocate("500.01"), "amount")
    assert "R$500.00" in message and "R$500.01" in message
    assert _state(premium.coop) == before
    premium.allocate("500.00")  # exactly the balance is fine
    assert _fund(premium.coop) == (Decimal("1500.00"), Decimal("1500.00"), Decimal("0.00"))


def test_an_empty_fund_allocates_nothing(premium):
    _refused(lambda: premium.allocate("0.01"), "amount")
    assert PremiumFund.objects.count() == 0 and PremiumAllocation.objects.count() == 0


def test_the_allocation_cannot_precede_its_decision(premium):
    premium.shipment(("1000",))
    approval = decision(premium.coop)
    day = approval.assembly.held_on - datetime.timedelta(days=1)
    _refused(lambda: premium.allocate("1.00", approval=approval, allocated_on=day), "allocated_on")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", Decimal("0")),
        ("amount", Decimal("-5")),
        ("amount", Decimal("1.005")),
        ("amount", Decimal("1e20")),
        ("amount", Decimal("NaN")),
        ("amount", "abc"),
        ("amount", 1.5),
        ("amount", True),
        ("allocated_on", "2026-01-01"),
        ("allocated_on", TODAY + datetime.timedelta(days=1)),
        ("project", ""),
        ("project", "   "),
        ("project", "Escola\x00"),
        ("project", "x" * 201),
        ("category", "casino"),
        ("notes", None),
    ],
)
def test_bad_allocation_input_is_refused_naming_the_field(premium, field, value):
    premium.shipment(("1000",))
    approval = decision(premium.coop)
    data = dict(
        actor=premium.manager,
        cooperative=premium.coop,
        project="Escola",
        category="schooling",
        decision=approval,
        allocated_on=TODAY,
        amount=Decimal("10.00"),
        notes="",
    )
    data[field] = value
    before = _state(premium.coop)
    _refused(lambda: services.premium_allocate(**data), field)
    assert _state(premium.coop) == before


@pytest.mark.parametrize("who", ["staff", "auditor", "expired", "outsider", "nobody"])
def test_only_managers_of_the_cooperative_allocate(premium, personas, who):
    premium.shipment(("1000",))
    approval = decision(premium.coop)
    before = _state(premium.coop)
    with pytest.raises(PermissionDenied):
        services.premium_allocate(
            actor=getattr(personas, who),
            cooperative=premium.coop,
            project="Escola",
            category="schooling",
            decision=approval,
            allocated_on=TODAY,
            amount=Decimal("1.00"),
        )
    assert _state(premium.coop) == before


def test_an_admin_may_allocate(premium, personas):
    premium.shipment(("1000",))
    services.premium_allocate(
        actor=personas.admin,
        cooperative=premium.coop,
        project="Escola",
        category="schooling",
        decision=decision(premium.coop),
        allocated_on=TODAY,
        amount=Decimal("1.00"),
    )
    assert _fund(premium.coop)[1] == Decimal("1.00")


# --- Spending ---------------------------------------------------------------------------------


def test_spending_within_the_remainder_with_evidence(premium, media):
    premium.shipment(("1000",), rate="5.000000")
    allocation = premium.allocate("600.00")
    spending = premium.spend(allocation, "250.50", evidence=pdf("Nota fiscal 123.pdf"))
    allocation.refresh_from_db()
    assert (allocation.spent, allocation.remainder) == (Decimal("250.50"), Decimal("349.50"))
    assert _fund(premium.coop) == (Decimal("1500.00"), Decimal("600.00"), Decimal("250.50"))
    assert spending.evidence_sha256 == hashlib.sha256(PDF).hexdigest()
    assert spending.evidence.name.startswith(f"premium/{premium.coop.pk}/")
    with spending.evidence.open("rb") as stored:
        assert stored.read() == PDF
    assert spending.recorded_by == premium.manager
    # Spending the exact remainder closes the allocation.
    premium.spend(allocation, "349.50")
    allocation.refresh_from_db()
    assert allocation.remainder == Decimal("0.00")
    assert allocation.history.count() == 3  # created, then two spends


def test_spending_more_than_the_remainder_is_refused(premium, english):
    premium.shipment(("1000",))
    allocation = premium.allocate("300.00")
    premium.spend(allocation, "200.00")
    before = _state(premium.coop)
    message = _refused(lambda: premium.spend(allocation, "100.01"), "amount")
    assert "R$100.00" in message and "R$100.01" in message and "Escola da comunidade" in message
    assert _state(premium.coop) == before


def test_a_stale_allocation_object_cannot_overspend(premium):
    premium.shipment(("1000",))
    allocation = premium.allocate("300.00")
    stale = PremiumAllocation.objects.get(pk=allocation.pk)
    premium.spend(allocation, "300.00")
    _refused(lambda: premium.spend(stale, "1.00"), "amount")  # the remainder is re-read under lock


def test_spending_cannot_precede_its_allocation(premium):
    premium.shipment(("1000",))
    allocation = premium.allocate("300.00")
    _refused(
        lambda: premium.spend(allocation, "1.00", spent_on=TODAY - datetime.timedelta(days=1)), "spent_on"
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("virus.pdf", b"MZ\x90\x00\x03\x00\x00\x00"),
        ("empty.pdf", b""),
    ],
)
def test_evidence_that_is_not_a_document_is_refused(premium, media, name, content):
    premium.shipment(("1000",))
    allocation = premium.allocate("300.00")
    before = _state(premium.coop)
    upload = SimpleUploadedFile(name, content)
    _refused(lambda: premium.spend(allocation, "10.00", evidence=upload), "evidence")
    assert _state(premium.coop) == before
    assert not list(media.rglob("*.pdf")) if media.exists() else True


def test_oversized_evidence_is_refused(premium, settings):
    settings.EVIDENCE_MAX_BYTES = 10
    premium.shipment(("1000",))
    allocation = premium.allocate("300.00")
    _refused(lambda: premium.spend(allocation, "10.00", evidence=pdf()), "evidence")


def test_a_long_evidence_name_is_shortened_keeping_its_extension(premium):
    premium.shipment(("1000",))
    allocation = premium.allocate("300.00")
    spending = premium.spend(allocation, "1.00", evidence=pdf("a" * 180 + ".pdf"))
    assert spending.evidence.name.endswith(".pdf") and len(spending.evidence.name) <= 100


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", Decimal("0")),
        ("amount", Decimal("0.001")),
        ("amount", "1,5"),
        ("spent_on", None),
        ("spent_on", TODAY + datetime.timedelta(days=1)),
        ("description", ""),
        ("description", "x" * 301),
        ("description", "nota\x00"),
    ],
)
def test_bad_spending_input_is_refused_naming_the_field(premium, field, value):
    premium.shipment(("1000",))
    allocation = premium.allocate("300.00")
    data = dict(
        actor=premium.manager, allocation=allocation, spent_on=TODAY, amount=Decimal("1.00"), description="ok"
    )
    data[field] = value
    before = _state(premium.coop)
    _refused(lambda: services.premium_spend(**data), field)
    assert _state(premium.coop) == before


@pytest.mark.parametrize("who", ["staff", "auditor", "outsider"])
def test_only_managers_of_the_cooperative_spend(premium, personas, who):
    premium.shipment(("1000",))
    allocation = premium.allocate("300.00")
    before = _state(premium.coop)
    with pytest.raises(PermissionDenied):
        services.premium_spend(
            actor=getattr(personas, who),
            allocation=allocation,
            spent_on=TODAY,
            amount=Decimal("1.00"),
            description="x",
        )
    assert _state(premium.coop) == before


def test_each_cooperative_has_its_own_fund(premium, premium_b):
    premium.shipment(("100",), rate="5.000000")  # US$30.00 → R$150.00
    # B: 400 kg × €0.25 = €100.00 × 6 = R$600.00, of which 300 allocated and 50 spent
    assert _fund(premium_b.coop) == (Decimal("600.00"), Decimal("300.00"), Decimal("50.00"))
    assert _fund(premium.coop) == (Decimal("150.00"), Decimal("0.00"), Decimal("0.00"))
