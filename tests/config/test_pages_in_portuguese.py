"""Every page a co-op's people see, walked in Brazilian Portuguese: no English message may show.

The pages come from the URL patterns: every route under /c/<slug>/ that answers GET, those
with other parameters filled with the objects of a small honey co-op built here (through the
services where they exist, as the dashboards' and the other areas' tests do). A new route
with parameters fails `test_every_route_is_walked` until it is given an object below.

The English to look for comes from the Portuguese catalogue: every message of more than
three words whose translation differs (shorter ones, such as "Pix" or "CSV", would match by
chance). Found on a pt-BR page, such a message was not marked for translation where it is
shown, was translated before the language was chosen (a module-level gettext), or comes
from a stored value. Text is what a person sees or hears: the page without its tags,
scripts and styles, plus the titles, placeholders, labels and chart data; CSV and XLSX
downloads as they are; PDFs as the HTML they are printed from.
"""

import datetime
import html
import io
import json
import re
import sys
from decimal import Decimal
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.pofile import read_po
from django.conf import settings as django_settings
from django.core import mail
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from chain import services as chain_services
from coop.models import Inspection
from tests.coop.imports_data import LOT_HEADER, csv_bytes
from tests.coop.imports_data import barrel as import_row
from tests.factories import InspectionFactory, MemberFactory
from tests.upgrading import dashboard_data
from tests.upgrading.advances_data import pdf_upload
from upgrading.models import Assembly, Report, Season
from upgrading.services import assemblies as assembly_services
from upgrading.services import ledger as ledger_services
from upgrading.services import premium as premium_services
from upgrading.services import settlements as settlement_services

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "pt_BR" / "LC_MESSAGES" / "django.po"
TODAY = dashboard_data.TODAY
MIN_WORDS = 4
# Placeholders and markup split a message into the fragments that show as they are.
SPLIT = re.compile(r"%\([^)]*\)[sdifr]|%[sdif]|\{[\w.]*\}|<[^>]+>")
# Attributes whose text a person sees (tooltips, placeholders, table labels on a phone) or hears.
SHOWN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "data-label"}
PREFIX = "c/<slug:slug>/"
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


@cache
def english_phrases() -> dict[str, str]:
    """{English fragment: its message} for every translated message of more than three words."""
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    phrases = {}
    for message in catalogue:
        if not message.id or message.fuzzy:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for english, portuguese in zip(ids, strings, strict=False):
            if not portuguese or english == portuguese:
                continue
            for fragment in SPLIT.split(english.replace("%%", "%")):
                fragment = " ".join(fragment.split()).strip(" ,;:(")
                if len(fragment.split()) >= MIN_WORDS and fragment not in portuguese:
                    phrases[fragment] = ids[0]
    return phrases


class ShownText(HTMLParser):
    """The text of an HTML page a person sees: no tags, scripts or styles; chart data kept."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._json = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style", "template"):
            self._skip += 1
            self._json = tag == "script" and attrs.get("type") == "application/json"
        for name, value in attrs.items():
            if name in SHOWN_ATTRIBUTES and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1
            self._json = False

    def handle_data(self, data):
        if self._json:
            self.parts.extend(_json_strings(json.loads(data)))
        elif not self._skip:
            self.parts.append(data)


def _json_strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


def html_text(content: str) -> str:
    parser = ShownText()
    parser.feed(content)
    parser.close()
    return " ".join(" ".join(parser.parts).split())


def xlsx_text(content: bytes) -> str:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content), read_only=True)
    cells = [
        str(cell)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    ]
    return " ".join(" ".join(cells).split())


def english_in(text: str) -> list[str]:
    return sorted(phrase for phrase in english_phrases() if phrase in text)


class PrintedHTML:
    """Stands in for WeasyPrint: keeps the HTML a PDF is printed from, to read its text."""

    printed: list[str] = []

    def __init__(self, string=None, **kwargs):
        self.printed.append(string or "")

    def write_pdf(self, *args, **kwargs):
        return b"%PDF-1.4\n% printed for the test\n%%EOF\n"


# --- The routes -----------------------------------------------------------------------------


def _routes(resolver=None, prefix=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def answers_get(pattern: URLPattern) -> bool:
    view_class = getattr(pattern.callback, "view_class", None)
    if view_class is None:
        return True
    return "get" in view_class.http_method_names and hasattr(view_class, "get")


def coop_routes() -> dict[str, list[str]]:
    """{url name: its parameters besides the slug} for every GET route under /c/<slug>/."""
    routes = {}
    for route, pattern in _routes():
        if route.startswith(PREFIX) and pattern.name and answers_get(pattern):
            routes[pattern.name] = PARAMETER.findall(route[len(PREFIX) :])
    return routes


# --- The co-op ------------------------------------------------------------------------------


@pytest.fixture
def honey(coop_a, personas, settings, tmp_path, monkeypatch):
    """Co-op A's day and season from the dashboards' tests, and one of everything else."""
    settings.MEDIA_ROOT = tmp_path / "media"
    # PDFs are printed by a stand-in (no pango needed, and the HTML is kept to be read).
    monkeypatch.setitem(sys.modules, "weasyprint", SimpleNamespace(HTML=PrintedHTML))
    PrintedHTML.printed = []
    manager = personas.manager
    site = dashboard_data.build(coop_a, personas)

    # The export is shipped and paid: its fair-trade premium enters the fund.
    chain_services.shipment_mark_shipped(actor=manager, shipment=site.export)
    chain_services.shipment_mark_paid(actor=manager, shipment=site.export, paid_on=TODAY)
    site.draft = site.shipment([(site.barrel(kg="30", code="HR-DRAFT-1"), "30")], reference="DRAFT-A-1")
    site.member = MemberFactory(family=site.certified, name="Maria da Silva")
    site.inspection = InspectionFactory(
        family=site.certified,
        inspector=MemberFactory(family=site.uncertified, name="João Souza"),
        inspected_on=TODAY - datetime.timedelta(days=40),
        result=Inspection.Result.COMPLIANT,
    )
    site.certification = site.certified.certifications.first()

    # A general assembly with its minutes, and a decision approving the premium plan.
    site.assembly = assembly_services.assembly_record(
        actor=manager,
        cooperative=coop_a,
        minutes=pdf_upload(),
        held_on=TODAY - datetime.timedelta(days=10),
        kind=Assembly.Kind.ORDINARY,
        place="Sede da cooperativa",
        members_eligible=60,
        members_present=45,
        women_present=25,
        quorum_reached=True,
    )
    site.decision = assembly_services.decision_record(
        actor=manager,
        assembly=site.assembly,
        minutes=pdf_upload("decisao.pdf"),
        text="Aprovar o plano do prêmio: kits escolares.",
        votes_for=40,
        votes_against=3,
        votes_abstaining=2,
    )
    site.allocation = premium_services.premium_allocate(
        actor=manager,
        cooperative=coop_a,
        project="Kits escolares",
        category="schooling",
        decision=site.decision,
        allocated_on=TODAY - datetime.timedelta(days=5),
        amount=Decimal("100.00"),
    )
    site.spending = premium_services.premium_spend(
        actor=manager,
        allocation=site.allocation,
        spent_on=TODAY - datetime.timedelta(days=2),
        amount=Decimal("40.00"),
        description="40 cadernos, nota fiscal 1234",
        evidence=pdf_upload("nota.pdf"),
    )

    # A settlement with its lines (the season of the dashboards' one, which has none).
    site.season = Season.objects.get(cooperative=coop_a, code="MEL-A")
    site.settlement = settlement_services.settlement_recompute(actor=manager, settlement=site.settlement)

    # A ledger entry with its evidence.
    site.entry = ledger_services.ledger_append(
        actor=manager,
        cooperative=coop_a,
        indicator="women_board_share",
        period_from=datetime.date(TODAY.year - 2, 1, 1),
        period_to=datetime.date(TODAY.year - 2, 12, 31),
        value="35",
        note="Ata da assembleia de eleição",
        evidence=[pdf_upload("ata-eleicao.pdf")],
    )
    site.evidence = site.entry.evidence.first()

    # A compliance report and an evidence pack made for real (the task runs in-process).
    from upgrading.reports import service as report_service

    for kind, scheme in ((Report.Kind.COMPLIANCE, ""), (Report.Kind.CERTIFICATION, "fair_trade")):
        report, _created = report_service.report_request(
            actor=manager,
            cooperative=coop_a,
            kind=kind,
            period=str(TODAY.year),
            scheme=scheme,
            regenerate=True,
            enqueue=False,
        )
        report = report_service.report_run(report_id=report.pk, today=TODAY)
        assert report.status == Report.Status.DONE, (kind, report.error)
    site.report = Report.objects.filter(cooperative=coop_a, kind=Report.Kind.COMPLIANCE).latest("pk")
    site.pack = Report.objects.filter(cooperative=coop_a, kind=Report.Kind.CERTIFICATION).latest("pk")
    site.manager = manager
    return site


def _import_token(client, coop, site) -> str:
    """Upload a lots file with a problem (through the page, which is walked too); its token."""
    rows = [import_row(1, family=site.certified.code, association=site.room.code, net_kg="0")]
    response = client.post(
        reverse("import_upload", args=[coop.slug]),
        {"kind": "lots", "file": _upload("lotes.csv", csv_bytes(LOT_HEADER, rows))},
    )
    assert response.status_code == 200
    return response.context["token"]


def _upload(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/csv")


def route_arguments(site, client) -> dict[str, dict]:
    """The parameters (besides the slug) of every route that has some."""
    lot = site.today_received
    return {
        # coop
        "association_detail": {"pk": site.room.pk},
        "association_edit": {"pk": site.room.pk},
        "family_detail": {"pk": site.certified.pk},
        "family_edit": {"pk": site.certified.pk},
        "member_detail": {"pk": site.member.pk},
        "member_edit": {"pk": site.member.pk},
        "lot_detail": {"pk": lot.pk},
        "lot_saved": {"pk": site.today_accepted.pk},
        "lot_label": {"pk": lot.pk},
        "lot_receipt": {"pk": site.purchase.pk},
        "product_ranges_edit": {"pk": lot.product_id},
        "certification_detail": {"pk": site.certification.pk},
        "certification_grant": {"pk": site.uncertified.pk},
        "inspection_detail": {"pk": site.inspection.pk},
        "import_problems": {"token": _import_token(client, site.coop, site)},
        "import_template": {"kind": "lots"},
        "membership_detail": {"pk": site.coop.memberships.get(user__username="a-staff").pk},
        "import_template_xlsx": {"kind": "lots"},
        # chain
        "buyer_detail": {"pk": site.buyer.pk},
        "buyer_edit": {"pk": site.buyer.pk},
        "contract_detail": {"pk": site.contract.pk},
        "contract_edit": {"pk": site.contract.pk},
        "shipment_detail": {"pk": site.export.pk},
        "shipment_edit": {"pk": site.draft.pk},
        "shipment_allocate": {"pk": site.draft.pk},
        "shipment_confirm": {"pk": site.draft.pk},
        "shipment_trace": {"pk": site.export.pk},
        "shipment_trace_csv": {"pk": site.export.pk},
        "family_shipments": {"pk": site.certified.pk},
        # upgrading
        "season_edit": {"pk": site.season.pk},
        "advance_detail": {"pk": site.advance_overdue.pk},
        "advance_statement": {"family": site.certified.pk, "season": site.season.pk},
        "assembly_detail": {"pk": site.assembly.pk},
        "assembly_edit": {"pk": site.assembly.pk},
        "assembly_minutes": {"pk": site.assembly.pk},
        "decision_minutes": {"pk": site.decision.pk},
        "premium_allocation_detail": {"pk": site.allocation.pk},
        "premium_spend": {"pk": site.allocation.pk},
        "premium_evidence": {"pk": site.spending.pk},
        "settlement_detail": {"pk": site.settlement.pk},
        "settlement_edit": {"pk": site.settlement.pk},
        "settlement_lines_csv": {"pk": site.settlement.pk},
        "settlement_statement": {"pk": site.settlement.pk, "family": site.certified.pk},
        "indicator_detail": {"code": "literate_adults"},
        "ledger_entry": {"sequence": site.entry.sequence},
        "ledger_evidence": {"sequence": site.entry.sequence, "pk": site.evidence.pk},
        "report_detail": {"pk": site.report.pk},
        "report_download": {"pk": site.report.pk},
        "report_findings_xlsx": {"pk": site.report.pk},
    }


# Pages also opened with a query, as people reach them.
WITH_QUERIES = {
    "dashboard_trace": ["?q={shipment}", "?q={lot}&back=audit", "?q={family}", "?q=NOPE", "?q="],
    "family_search": ["?q=Silva"],
    "member_search": ["?q=Maria"],
    "lot_list": ["?status=received"],
    "ledger_verify": ["?head=1:" + "0" * 64],
    "premium_report": [f"?year={TODAY.year - 1}"],
    "indicator_detail": ["?period=month"],
}
# The access pages are for the co-op's administrators (a manager gets 403): walked as one.
ADMINISTRATORS_ONLY = {"membership_list", "membership_invite", "membership_detail"}
# Besides the routes: a pack's own page and file, and the pages outside /c/<slug>/.
EXTRA = {
    "report_detail": "pack",
    "report_download": "pack",
}


# --- The walk -------------------------------------------------------------------------------


def read(response) -> str | None:
    """What a person reads in a response, or None for a file served as it was stored."""
    kind = response.get("Content-Type", "")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if kind.startswith("text/html"):
        return html_text(content.decode())
    if kind.startswith(("text/csv", "text/plain")):
        return " ".join(content.decode("utf-8-sig").split())
    if kind.startswith("application/json"):
        return " ".join(_json_strings(json.loads(content)))
    if "spreadsheetml" in kind:
        return xlsx_text(content)
    if kind.startswith("application/pdf") and PrintedHTML.printed:
        return html_text(PrintedHTML.printed[-1])
    return None


def walk(client, addresses) -> tuple[dict, dict]:
    """GET each address in pt-BR: ({address: status} of those not answering 200, {address: English})."""
    failures, english = {}, {}
    for address in addresses:
        PrintedHTML.printed = []
        # "/" sends a member of one co-op on to its home, the trace box to what it found.
        follow = address == "/" or "/dashboard/trace/" in address
        response = client.get(address, HTTP_ACCEPT_LANGUAGE="pt-br", follow=follow)
        if response.status_code != 200:
            failures[address] = response.status_code
            continue
        text = read(response)
        if text is not None:
            found = english_in(text)
            if found:
                english[address] = found
    return failures, english


def _addresses(site, client, *, administrator=False) -> list[str]:
    arguments = route_arguments(site, client)
    values = {
        "shipment": site.export.reference,
        "lot": site.today_received.code,
        "family": site.certified.code,
    }
    addresses = []
    for name, parameters in coop_routes().items():
        if (name in ADMINISTRATORS_ONLY) != administrator:
            continue
        kwargs = {"slug": site.coop.slug, **(arguments.get(name, {}) if parameters else {})}
        address = reverse(name, kwargs=kwargs)
        addresses.append(address)
        addresses += [address + query.format(**values) for query in WITH_QUERIES.get(name, [])]
    if administrator:
        return addresses
    for name, attribute in EXTRA.items():
        addresses.append(reverse(name, kwargs={"slug": site.coop.slug, "pk": getattr(site, attribute).pk}))
    addresses += ["/", reverse("federation_dashboard")]
    return addresses


def test_every_route_is_walked(client, personas, honey):
    """A route with parameters needs an object here, or the walk would skip it."""
    client.force_login(personas.manager)
    arguments = route_arguments(honey, client)
    missing = {
        name: parameters
        for name, parameters in coop_routes().items()
        if parameters and set(arguments.get(name, {})) != set(parameters) - {"slug"}
    }
    assert missing == {}, "give these routes an object in route_arguments()"


def test_a_managers_pages_are_all_in_portuguese(client, personas, honey):
    client.force_login(personas.manager)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "pt-br"
    addresses = _addresses(honey, client)
    assert len(addresses) > 100
    failures, english = walk(client, addresses)
    assert failures == {}, "\n".join(f"{a}: {s}" for a, s in failures.items())
    assert english == {}, "\n".join(f"{a}: {found}" for a, found in english.items())


def test_an_administrators_access_pages_are_in_portuguese(client, personas, honey):
    client.force_login(personas.admin)
    addresses = _addresses(honey, client, administrator=True)
    assert len(addresses) == len(ADMINISTRATORS_ONLY)
    failures, english = walk(client, addresses)
    assert failures == {}, "\n".join(f"{a}: {s}" for a, s in failures.items())
    assert english == {}, "\n".join(f"{a}: {found}" for a, found in english.items())


@pytest.mark.parametrize("persona", ["staff", "auditor", "admin"])
def test_each_roles_home_is_in_portuguese(client, personas, honey, persona):
    client.force_login(getattr(personas, persona))
    slug = honey.coop.slug
    addresses = [reverse("cooperative_home", args=[slug]), "/"]
    if persona == "auditor":
        addresses += [
            reverse("dashboard_overview", args=[slug]),
            reverse("federation_dashboard"),
            reverse("ledger_verify", args=[slug]),
            reverse("report_packs", args=[slug]),
        ]
    if persona == "staff":
        addresses += [reverse("dashboard_work", args=[slug]), reverse("lot_record_barrel", args=[slug])]
    failures, english = walk(client, addresses)
    assert failures == {}
    assert english == {}


def test_the_email_about_failed_checks_is_in_portuguese(honey):
    """The compliance report built above failed checks: its managers are told, in pt-BR (the
    worker sends it after the report's transaction commits, with no request to take a
    language from)."""
    from upgrading.reports.service import notify_failed_checks

    mail.outbox = []
    assert notify_failed_checks(report_id=honey.report.pk) >= 1
    assert mail.outbox
    for message in mail.outbox:
        assert english_in(f"{message.subject} {message.body}") == []
        assert "Mutirão" in message.subject


def test_the_check_finds_english(client, personas, honey):
    """The check itself: an English message on a page is caught, a Portuguese one is not."""
    phrase = "The numbers of this chart are in the table below it."
    assert phrase in english_phrases()
    assert english_in(html_text(f"<main><p>{html.escape(phrase)}</p></main>")) == [phrase]
    assert english_in(html_text(f'<td data-label="{phrase}">1</td>')) == [phrase]
    assert english_in(html_text("<p>Os números deste gráfico estão na tabela abaixo dele.</p>")) == []
    assert english_in(html_text(f"<script>var x = '{phrase}';</script>")) == []


def test_the_findings_spreadsheet_gives_each_result_in_portuguese(client, personas, honey):
    from openpyxl import load_workbook

    client.force_login(personas.manager)
    response = client.get(reverse("report_findings_xlsx", args=[honey.coop.slug, honey.report.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    results = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert results and results <= {"passou", "alerta", "falhou"}


def test_every_field_a_change_history_names_is_translated():
    """The change history on the detail pages labels each changed field with its verbose
    name: a field left without one shows in English ("Confirmed by", "Paid by")."""
    from django.apps import apps
    from django.utils.functional import Promise

    untranslated = [
        f"{model.__name__}.{field.name}"
        for app in ("coop", "chain", "upgrading")
        for model in apps.get_app_config(app).get_models()
        if hasattr(model, "history") and not model.__name__.startswith("Historical")
        for field in model._meta.concrete_fields
        if field.name not in ("id", "cooperative") and not isinstance(field.verbose_name, Promise)
    ]
    assert untranslated == []


# Values no form accepts: each form answers with its errors (its own, its service's).
JUNK = {
    "amount": "abc",
    "period": "20x5",
    "held_on": "ontem",
    "members_present": "-1",
    "value": "muito",
    "pool": "-5",
    "reference": "!!",
    "code": "",
    "name": "",
    "net_kg": "0",
    "moisture_pct": "150",
    "price_per_kg": "x",
    "starts_on": "2026-02-30",
    "ends_on": "2025-01-01",
}


def form_routes() -> list[str]:
    """The url names of the routes showing a form (GET) and taking it back (POST)."""
    names = []
    for route, pattern in _routes():
        view_class = getattr(pattern.callback, "view_class", None)
        if route.startswith(PREFIX) and view_class is not None and answers_get(pattern):
            if "post" in view_class.http_method_names and hasattr(view_class, "post"):
                names.append(pattern.name)
    return names


@pytest.mark.parametrize("persona", ["manager", "admin"])
def test_forms_refuse_bad_input_in_portuguese(client, personas, honey, persona):
    client.force_login(getattr(personas, persona))
    arguments = route_arguments(honey, client)
    parameters = coop_routes()
    failures, english = {}, {}
    names = [name for name in form_routes() if (name in ADMINISTRATORS_ONLY) == (persona == "admin")]
    assert len(names) > (20 if persona == "manager" else 1)
    for name in names:
        kwargs = {"slug": honey.coop.slug, **(arguments.get(name, {}) if parameters[name] else {})}
        address = reverse(name, kwargs=kwargs)
        response = client.post(address, JUNK, HTTP_ACCEPT_LANGUAGE="pt-br", follow=True)
        # The form again with its errors; some pages say so with 400 (Bad Request).
        if response.status_code not in (200, 400):
            failures[address] = response.status_code
            continue
        found = english_in(read(response) or "")
        if found:
            english[address] = found
    assert failures == {}, "\n".join(f"{a}: {s}" for a, s in failures.items())
    assert english == {}, "\n".join(f"{a}: {found}" for a, found in english.items())
