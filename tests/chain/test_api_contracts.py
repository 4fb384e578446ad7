"""/api/v1/contracts/ (+ minimums and fulfilment) and /api/v1/market-position/: terms,
amendments that keep both periods, pace against the minimum, fair-trade share and buyer
concentration; tenancy, roles, bad input, random bodies and query counts."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from chain import services
from chain.models import Contract, ContractMinimum
from coop.models import Role
from tests.chain.api_chain_data import SHIPPED, build, contract_body, post_json
from tests.factories import MembershipFactory

URL = "/api/v1/contracts/"
MARKET = "/api/v1/market-position/"


@pytest.fixture
def chain(coop_a, coop_b, personas):
    return build(coop_a, coop_b, personas)


def detail(contract, action=""):
    return f"{URL}{contract.pk}/" + (f"{action}/" if action else "")


def written():
    return (
        list(
            Contract.objects.order_by("pk").values_list(
                "pk", "reference", "ends_on", "price_per_kg", "status"
            )
        ),
        list(
            ContractMinimum.objects.order_by("pk").values_list(
                "pk", "contract", "effective_from", "minimum_kg"
            )
        ),
    )


def sell(chain, personas, kg, *, reference, buyer=None, price=None, lots=1, on=SHIPPED):
    """A confirmed sale of `kg` from `lots` certified barrels: under the contract, or to
    `buyer` at `price` BRL/kg without one."""
    share = Decimal(kg) / lots
    barrels = [(chain.barrel(kg=str(share)), share) for _ in range(lots)]
    terms = (
        {"buyer": buyer, "price_per_kg": Decimal(price)}
        if buyer
        else {"buyer": chain.importer, "contract": chain.contract, "exchange_rate": Decimal("5.10")}
    )
    shipment = services.shipment_create(
        actor=personas.manager,
        cooperative=chain.coop,
        product=chain.honey,
        reference=reference,
        shipped_on=on,
        allocations=barrels,
        **terms,
    )
    return services.shipment_confirm(actor=personas.manager, shipment=shipment)


# --- Creating, reading, amending ------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_managers_sign_a_contract_with_its_minimum(api, personas, chain, role):
    api.force_authenticate(getattr(personas, role))
    response = post_json(api, URL, contract_body(chain))
    assert response.status_code == 201, response.content
    stored = Contract.objects.get(pk=response.json()["id"])
    assert response.json() == {
        "id": stored.pk,
        "cooperative": "coop-a",
        "buyer": chain.importer.pk,
        "buyer_name": "Importer",
        "product": chain.honey.pk,
        "product_code": "HONEY",
        "reference": "FT-2027",
        "starts_on": "2027-01-01",
        "ends_on": "2028-12-31",
        "price_per_kg": "3.2500",
        "currency": "USD",
        "premium_per_kg": "0.2000",
        "fair_trade": True,
        "organic": False,
        "max_moisture_pct": "19.00",
        "advance_rate": "0.5000",
        "status": "active",
        "minimums": [{"effective_from": "2027-01-01", "minimum_kg": "10800.000"}],
    }
    assert stored.history.get().history_user == getattr(personas, role)


def test_an_amended_minimum_keeps_both_periods(api, personas, chain):
    api.force_authenticate(personas.manager)
    response = post_json(
        api, detail(chain.contract, "minimums"), {"effective_from": "2026-07-01", "minimum_kg": "17800"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["minimums"] == [
        {"effective_from": "2026-01-01", "minimum_kg": "10800.000"},
        {"effective_from": "2026-07-01", "minimum_kg": "17800.000"},
    ]
    corrected = post_json(
        api, detail(chain.contract, "minimums"), {"effective_from": "2026-07-01", "minimum_kg": "17000"}
    )
    assert [m["minimum_kg"] for m in corrected.json()["minimums"]] == ["10800.000", "17000.000"]
    history = ContractMinimum.history.filter(contract_id=chain.contract.pk, effective_from="2026-07-01")
    assert [h.minimum_kg for h in history.order_by("history_id")] == [
        Decimal("17800.000"),
        Decimal("17000.000"),
    ]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"effective_from": "2025-12-31", "minimum_kg": "1"}, "effective_from"),  # before the contract
        ({"effective_from": "2027-01-01", "minimum_kg": "1"}, "effective_from"),  # after it
        ({"effective_from": "2026-07-01", "minimum_kg": "-1"}, "minimum_kg"),
        ({"effective_from": "2026-07-01", "minimum_kg": "NaN"}, "minimum_kg"),
        ({"effective_from": "2026-07-01", "minimum_kg": "1.0001"}, "minimum_kg"),
        ({"effective_from": "2026-07-01"}, "minimum_kg"),
        ({"effective_from": "soon", "minimum_kg": "1"}, "effective_from"),
        ({"effective_from": "2026-07-01", "minimum_kg": "1", "contract": 1}, "contract"),
    ],
)
def test_a_bad_amendment_is_400_naming_the_field(api, personas, chain, body, field):
    api.force_authenticate(personas.manager)
    before = written()
    response = post_json(api, detail(chain.contract, "minimums"), body)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert written() == before


def test_terms_change_but_the_minimum_is_amended_separately(api, personas, chain):
    api.force_authenticate(personas.manager)
    patched = api.patch(detail(chain.contract), {"price_per_kg": "3.1000", "status": "closed"}, format="json")
    assert patched.status_code == 200
    assert (patched.json()["price_per_kg"], patched.json()["status"]) == ("3.1000", "closed")
    before = written()
    response = api.patch(detail(chain.contract), {"minimum_kg": "17800"}, format="json")
    assert response.status_code == 400 and "/minimums/" in response.json()["minimum_kg"][0]
    ended = api.patch(detail(chain.contract), {"ends_on": "2025-12-31"}, format="json")
    assert ended.status_code == 400 and "ends_on" in ended.json()
    assert written() == before


# --- Tenancy and roles ----------------------------------------------------------------------


def test_lists_show_only_the_users_cooperative(api, personas, chain):
    api.force_authenticate(personas.auditor)
    assert [c["reference"] for c in api.get(URL).json()["results"]] == ["FT-2026"]
    for query in ["cooperative=coop-b", "search=B-CONTRACT", f"buyer={chain.b_buyer.pk}"]:
        assert api.get(f"{URL}?{query}").json()["results"] == []


@pytest.mark.parametrize(
    "method, action, body",
    [
        ("get", "", None),
        ("put", "", {}),
        ("patch", "", {"price_per_kg": "0"}),
        ("post", "minimums", {"effective_from": "2026-07-01", "minimum_kg": "1"}),
        ("get", "fulfilment", None),
    ],
)
def test_another_cooperatives_contract_answers_404(api, personas, chain, method, action, body):
    api.force_authenticate(personas.manager)
    before = written()
    assert getattr(api, method)(detail(chain.b_contract, action), body, format="json").status_code == 404
    assert written() == before


@pytest.mark.parametrize("role", ["staff", "auditor", "expired"])
def test_only_managers_and_admins_write_contracts(api, personas, chain, role):
    api.force_authenticate(getattr(personas, role))
    before = written()
    assert post_json(api, URL, contract_body(chain)).status_code == 403
    assert api.patch(detail(chain.contract), {"price_per_kg": "0"}, format="json").status_code == 403
    assert api.put(detail(chain.contract), contract_body(chain), format="json").status_code == 403
    amend = {"effective_from": "2026-07-01", "minimum_kg": "1"}
    assert api.post(detail(chain.contract, "minimums"), amend, format="json").status_code == 403
    assert written() == before


@pytest.mark.parametrize("role", ["staff", "auditor"])
def test_members_read_contracts_and_fulfilment(api, personas, chain, role):
    api.force_authenticate(getattr(personas, role))
    assert api.get(detail(chain.contract)).status_code == 200
    assert api.get(detail(chain.contract, "fulfilment")).status_code == 200


def test_a_buyer_of_another_of_the_users_cooperatives_is_400(api, personas, chain, coop_b):
    MembershipFactory(user=personas.manager, cooperative=coop_b, role=Role.MANAGER)
    api.force_authenticate(personas.manager)
    before = written()
    response = post_json(api, URL, contract_body(chain, buyer=chain.b_buyer.pk))
    assert response.status_code == 400 and list(response.json()) == ["buyer"]
    response = post_json(api, URL, contract_body(chain, product=chain.b_honey.pk))
    assert response.status_code == 400 and list(response.json()) == ["product"]
    assert written() == before


# --- Bad input ------------------------------------------------------------------------------

BAD_CONTRACTS = [
    ({"ends_on": "2026-12-31"}, "ends_on"),  # ends before it starts
    ({"price_per_kg": "-0.01"}, "price_per_kg"),
    ({"price_per_kg": "NaN"}, "price_per_kg"),
    ({"price_per_kg": "1e20"}, "price_per_kg"),
    ({"price_per_kg": "3.00001"}, "price_per_kg"),
    ({"price_per_kg": None}, "price_per_kg"),
    ({"premium_per_kg": "-1"}, "premium_per_kg"),
    ({"minimum_kg": "-1"}, "minimum_kg"),
    ({"minimum_kg": "Infinity"}, "minimum_kg"),
    ({"currency": "XYZ"}, "currency"),
    ({"currency": "US$"}, "currency"),
    ({"currency": ""}, "currency"),
    ({"max_moisture_pct": "101"}, "max_moisture_pct"),
    ({"max_moisture_pct": "-1"}, "max_moisture_pct"),
    ({"advance_rate": "1.5"}, "advance_rate"),
    ({"advance_rate": "-0.1"}, "advance_rate"),
    ({"status": "signed"}, "status"),
    ({"fair_trade": "sim"}, "fair_trade"),
    ({"reference": "FT-2026"}, "reference"),  # taken in this co-op
    ({"reference": "has space"}, "reference"),
    ({"reference": "a\x00b"}, "reference"),
    ({"reference": "\ud800"}, "reference"),
    ({"starts_on": "2027-02-30"}, "starts_on"),
    ({"starts_on": None}, "starts_on"),
    ({"buyer": "b_buyer"}, "buyer"),
    ({"buyer": 10**30}, "buyer"),
    ({"buyer": "one"}, "buyer"),
    ({"product": "b_honey"}, "product"),
    ({"cooperative": "coop-b"}, "cooperative"),
    ({"minimums": []}, "minimums"),
    ({"buyer_name": "X"}, "buyer_name"),
    ({"id": 1}, "id"),
    ({"colour": "red"}, "colour"),
]


@pytest.mark.parametrize(("change", "field"), BAD_CONTRACTS, ids=[f"{c}"[:50] for c, _ in BAD_CONTRACTS])
def test_a_bad_contract_is_400_naming_the_field_and_writes_nothing(api, personas, chain, change, field):
    api.force_authenticate(personas.manager)
    data = contract_body(chain)
    for key, value in change.items():
        data[key] = (
            getattr(chain, value).pk if key in {"buyer", "product"} and hasattr(chain, str(value)) else value
        )
    before = written()
    response = post_json(api, URL, data)
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert written() == before


def test_a_retried_contract_is_signed_once(api, personas, chain):
    api.force_authenticate(personas.manager)
    first = post_json(api, URL, contract_body(chain), HTTP_IDEMPOTENCY_KEY="c-1")
    again = post_json(api, URL, contract_body(chain), HTTP_IDEMPOTENCY_KEY="c-1")
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert Contract.objects.filter(reference="FT-2027").count() == 1
    assert ContractMinimum.objects.filter(contract__reference="FT-2027").count() == 1


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)
bad_values = st.one_of(
    json_values,
    st.sampled_from(
        ["0", "-1", "1e999", "NaN", "1.23456", "", "2026-02-30", "0001-01-01", "9999-12-31", "XYZ"]
    ),
)
prices = st.decimals(min_value=0, max_value=100, places=4).map(str)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_contracts_never_answer_500_nor_half_write(api, personas, chain, data):
    api.force_authenticate(personas.manager)
    ids = st.sampled_from(
        [chain.importer.pk, chain.local.pk, chain.honey.pk, chain.b_buyer.pk, chain.b_honey.pk]
    )
    valid = st.fixed_dictionaries(
        {
            "cooperative": st.sampled_from(["coop-a", "coop-a", "coop-b"]),
            "buyer": ids,
            "product": ids,
            "reference": st.uuids().map(lambda u: u.hex[:12]),
            "starts_on": st.dates().map(str),
            "ends_on": st.dates().map(str),
            "price_per_kg": prices,
            "currency": st.sampled_from(["USD", "EUR", "BRL"]),
        },
        optional={
            "premium_per_kg": prices,
            "minimum_kg": st.decimals(min_value=0, max_value=10**6, places=3).map(str),
            "fair_trade": st.booleans(),
            "organic": st.booleans(),
            "max_moisture_pct": st.decimals(min_value=0, max_value=100, places=2).map(str),
            "advance_rate": st.decimals(min_value=0, max_value=1, places=4).map(str),
            "status": st.sampled_from(["draft", "active", "closed", "cancelled"]),
        },
    )
    junk = st.dictionaries(
        st.sampled_from(
            ["buyer", "starts_on", "ends_on", "price_per_kg", "minimum_kg", "currency", "id", "x"]
        ),
        bad_values,
        max_size=2,
    )
    body = data.draw(st.builds(lambda b, j: {**b, **j}, valid, st.one_of(st.just({}), junk)) | json_values)
    before = (Contract.objects.count(), ContractMinimum.objects.count())
    response = api.post(URL, body, format="json")  # a 500 would raise here
    assert response.status_code in (201, 400), response.content
    event(f"status {response.status_code}")
    if response.status_code == 400:
        assert (Contract.objects.count(), ContractMinimum.objects.count()) == before
    else:
        fulfilment = api.get(f"{URL}{response.json()['id']}/fulfilment/")
        assert fulfilment.status_code == 200


def test_list_queries_do_not_grow_with_the_rows(api, personas, chain):
    api.force_authenticate(personas.staff)
    with CaptureQueriesContext(connection) as few:
        assert api.get(f"{URL}?page_size=200").json()["count"] == 1
    for i in range(20):
        contract = services.contract_create(
            actor=personas.manager, cooperative=chain.coop, buyer=chain.local, product=chain.honey,
            reference=f"LOCAL-{i}", starts_on=datetime.date(2020 + i % 5, 1, 1),
            ends_on=datetime.date(2030, 1, 1), price_per_kg=Decimal("1"), currency="BRL", minimum_kg="100",
        )  # fmt: skip
        services.contract_minimum_set(
            actor=personas.manager,
            contract=contract,
            effective_from=datetime.date(2029, 1, 1),
            minimum_kg="200",
        )
    with CaptureQueriesContext(connection) as many:
        page = api.get(f"{URL}?page_size=200&search=L&ordering=-starts_on&status=active").json()
    assert page["count"] == 20 and all(len(c["minimums"]) == 2 for c in page["results"])
    assert len(few) == len(many) <= 3, (len(few), len(many))  # COUNT(*), the page, the minimums


@pytest.mark.parametrize("query", ["status=signed", "buyer=x", "active_on=2026-13-01", "search=a%00b"])
def test_bad_filter_values_are_400(api, personas, chain, query):
    api.force_authenticate(personas.staff)
    response = api.get(f"{URL}?{query}")
    assert response.status_code == 400 and query.split("=")[0] in response.json()


def test_active_on_filter(api, personas, chain):
    api.force_authenticate(personas.staff)
    assert [c["reference"] for c in api.get(f"{URL}?active_on=2026-06-01").json()["results"]] == ["FT-2026"]
    assert api.get(f"{URL}?active_on=2027-06-01").json()["results"] == []


# --- Fulfilment -----------------------------------------------------------------------------


def test_fulfilment_shows_pace_projection_revenue_and_premium(api, personas, chain):
    sell(chain, personas, 40, reference="S-1")
    services.contract_minimum_set(
        actor=personas.manager,
        contract=chain.contract,
        effective_from=datetime.date(2026, 7, 1),
        minimum_kg="17800",
    )
    api.force_authenticate(personas.auditor)
    response = api.get(detail(chain.contract, "fulfilment") + "?on=2026-07-02")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert {k: answer[k] for k in ("contract", "reference", "currency", "base_currency", "on")} == {
        "contract": chain.contract.pk,
        "reference": "FT-2026",
        "currency": "USD",
        "base_currency": "BRL",
        "on": "2026-07-02",
    }
    (year,) = answer["years"]
    assert year == {
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        "minimum_kg": "10800.000",  # the minimum in force when the contract year began
        "delivered_kg": "40.000",
        "expected_kg": "5414.795",  # 10,800 kg × 183/365 days
        "projected_kg": "79.781",  # 40 kg ÷ 183/365
        "shortfall_kg": "10720.219",
        "fulfilled_pct": "0.4",
        "on_pace": False,
        "revenue": "120.00",  # 40 kg × US$3.00
        "revenue_base": "612.00",  # × 5.10
        "premium_due": "8.00",  # 40 kg × US$0.20
        "scheduled_kg": "0.000",
    }


def test_fulfilment_before_the_contract_starts_is_400(api, personas, chain):
    api.force_authenticate(personas.manager)
    response = api.get(detail(chain.contract, "fulfilment") + "?on=2025-12-31")
    assert response.status_code == 400
    assert "01/01/2026" in str(response.json()["on"])  # the contract's first day, in the reader's format


def test_fulfilment_counts_only_confirmed_sales(api, personas, chain):
    services.shipment_create(
        actor=personas.manager, cooperative=chain.coop, buyer=chain.importer, contract=chain.contract,
        product=chain.honey, reference="S-DRAFT", shipped_on=SHIPPED, exchange_rate=Decimal("5"),
        allocations=[(chain.barrel(), "20")],
    )  # fmt: skip
    api.force_authenticate(personas.manager)
    (year,) = api.get(detail(chain.contract, "fulfilment")).json()["years"]
    assert year["delivered_kg"] == "0.000"


@pytest.mark.parametrize("query", ["on=tomorrow", "on=2026-02-30", "on=%00"])
def test_a_bad_fulfilment_date_is_400(api, personas, chain, query):
    api.force_authenticate(personas.manager)
    response = api.get(detail(chain.contract, "fulfilment") + f"?{query}")
    assert response.status_code == 400 and "on" in response.json()


def test_fulfilment_queries_do_not_grow_with_the_lots(api, personas, chain):
    api.force_authenticate(personas.auditor)
    sell(chain, personas, 2, reference="S-1", lots=2)
    with CaptureQueriesContext(connection) as few:
        assert api.get(detail(chain.contract, "fulfilment")).json()["years"][0]["delivered_kg"] == "2.000"
    sell(chain, personas, 28, reference="S-2", lots=28)
    with CaptureQueriesContext(connection) as many:
        assert api.get(detail(chain.contract, "fulfilment")).json()["years"][0]["delivered_kg"] == "30.000"
    assert len(few) == len(many) <= 3, (len(few), len(many))  # the contract, its minimums, the sales


def test_fulfilment_of_a_contract_to_the_end_of_the_calendar(api, personas, chain):
    api.force_authenticate(personas.manager)
    response = post_json(
        api, URL, contract_body(chain, reference="LONG", starts_on="9998-06-01", ends_on="9999-12-31")
    )
    assert response.status_code == 201
    years = api.get(f"{URL}{response.json()['id']}/fulfilment/").json()["years"]
    assert [(y["starts_on"], y["ends_on"]) for y in years] == [
        ("9998-06-01", "9999-05-31"),
        ("9999-06-01", "9999-12-31"),
    ]


# --- Market position ------------------------------------------------------------------------


def test_market_position_shows_fair_trade_share_price_multiple_and_concentration(api, personas, chain):
    sell(chain, personas, 40, reference="S-FT")  # US$3.00 × 5.10 = R$15.30 a kg
    sell(chain, personas, 60, reference="S-LOCAL", buyer=chain.local, price="5")  # R$5.00 a kg
    api.force_authenticate(personas.manager)
    response = api.get(f"{MARKET}?cooperative=coop-a&year=2026")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "cooperative": "coop-a",
        "base_currency": "BRL",
        "year": 2026,
        "fair_trade_kg": "40.000",
        "other_kg": "60.000",
        "fair_trade_share": "0.4000",
        "price_multiples": [{"product": chain.honey.pk, "product_code": "HONEY", "multiple": "3.06"}],
        "buyers": [
            {
                "buyer": chain.importer.pk,
                "name": "Importer",
                "kind": "fair_trade",
                "kg": "40.000",
                "revenue_base": "612.00",
                "share": "0.6711",
            },
            {
                "buyer": chain.local.pk,
                "name": "Mercado local",
                "kind": "local",
                "kg": "60.000",
                "revenue_base": "300.00",
                "share": "0.3289",
            },
        ],
        "largest_buyer_share": "0.6711",
    }
    empty = api.get(f"{MARKET}?cooperative=coop-a&year=2025").json()
    assert (empty["fair_trade_kg"], empty["buyers"], empty["largest_buyer_share"]) == ("0.000", [], None)


@pytest.mark.parametrize("role", ["staff", "auditor"])
def test_members_read_the_market_position(api, personas, chain, role):
    api.force_authenticate(getattr(personas, role))
    response = api.get(f"{MARKET}?cooperative=coop-a")
    assert response.status_code == 200
    assert response.json()["year"] == datetime.date.today().year


def test_another_cooperatives_market_position_answers_404(api, personas, chain):
    api.force_authenticate(personas.outsider)
    assert api.get(f"{MARKET}?cooperative=coop-a&year=2026").status_code == 404
    assert api.get(f"{MARKET}?cooperative=nope&year=2026").status_code == 404
    api.force_authenticate(personas.expired)
    assert api.get(f"{MARKET}?cooperative=coop-a&year=2026").status_code == 404


@pytest.mark.parametrize(
    "query, field",
    [
        ("year=2026", "cooperative"),
        ("cooperative=coop-a&year=x", "year"),
        ("cooperative=coop-a&year=99999", "year"),
    ],
)
def test_a_bad_market_position_question_is_400(api, personas, chain, query, field):
    api.force_authenticate(personas.manager)
    response = api.get(f"{MARKET}?{query}")
    assert response.status_code == 400 and field in response.json()


def test_market_position_queries_do_not_grow(api, personas, chain):
    api.force_authenticate(personas.manager)
    sell(chain, personas, 2, reference="S-1", lots=2)
    with CaptureQueriesContext(connection) as few:
        api.get(f"{MARKET}?cooperative=coop-a&year=2026")
    for i in range(5):
        sell(chain, personas, 10, reference=f"S-L{i}", buyer=chain.local, price="5", lots=5)
    with CaptureQueriesContext(connection) as many:
        api.get(f"{MARKET}?cooperative=coop-a&year=2026")
    assert len(few) == len(many) <= 4, (len(few), len(many))
