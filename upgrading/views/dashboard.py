"""The home page of each role and the federation's side-by-side view.

`/c/<slug>/` shows the dashboard of the user's role in that co-op: staff the day's work
(lots today and this week at their place, what waits, quick buttons), managers the
overview (production, contracts on pace, sales, premium fund, advances, settlement,
compliance, indicators), auditors the evidence (ledger, packs, compliance history,
traceability search). Each board also has its own address, so a manager may look at the
day's work and the audit view too. Figures come from `upgrading.selectors.dashboard`;
charts get their numbers through `json_script` (the CSP allows no inline script) and show
the same numbers as a table.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from babel.dates import format_date
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, to_locale
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from chain.views.reads import bar
from coop.collection_points import remember_point, remembered_point
from coop.models import Association, Lot, Role
from coop.templatetags.units import kg as fmt_kg
from coop.templatetags.units import money as fmt_money
from coop.templatetags.units import number as fmt_number
from coop.templatetags.units import pct as fmt_pct
from coop.tenancy import MANAGE, RECORD, cooperatives_for
from coop.views.base import CooperativeMixin
from upgrading.models import Report
from upgrading.selectors import dashboard as figures

WORK, OVERVIEW, AUDIT = "work", "overview", "audit"
BOARD_OF_ROLE = {Role.STAFF: WORK, Role.MANAGER: OVERVIEW, Role.ADMIN: OVERVIEW, Role.AUDITOR: AUDIT}
# Who may open each board: the day's work is for those who record; money and evidence
# for those who manage or audit (auditors read everything, and change nothing).
BOARD_ROLES = {
    WORK: RECORD,
    OVERVIEW: MANAGE | {Role.AUDITOR},
    AUDIT: MANAGE | {Role.AUDITOR},
}
BOARD_TITLES = {
    WORK: gettext_lazy("Today's work"),
    OVERVIEW: gettext_lazy("Overview"),
    AUDIT: gettext_lazy("Audit"),
}
BOARD_URLS = {WORK: "dashboard_work", OVERVIEW: "dashboard_overview", AUDIT: "dashboard_audit"}
ALL_PLACES = "all"


def _locale() -> str:
    return to_locale(get_language() or "pt-br")


def month_label(day: datetime.date) -> str:
    """ "jan. de 2026" / "Jan 2026": short month and year in the reader's language."""
    return format_date(day, "MMM yyyy", locale=_locale())


def link(name: str, *args, query: str = "") -> str | None:
    """A URL, or None while the page it names does not exist (areas land one by one)."""
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        return None
    return f"{url}?{query}" if query else url


def indicator_value(value: Decimal | None, unit: str) -> str:
    """An indicator's value with its unit, as the reader writes it: "72%", "R$ 1.234,00",
    "5" (a count), "1,61×" (a ratio), "12,5 ha"."""
    if value is None:
        return "—"
    if unit == "%":
        return fmt_pct(value)
    if len(unit) == 3 and unit.isalpha() and unit.isupper():
        return fmt_money(value, unit)
    if unit == "count":
        return fmt_number(value, 0)
    if unit == "ratio":
        return f"{fmt_number(value, 2)}×"
    return f"{fmt_number(value, 2)} {unit}".strip()


def check_url(target: str, slug: str) -> str | None:
    """A compliance check's link, kept only inside the co-op's own pages: a path under
    /c/<slug>/ or one relative to it (a report's JSON is data, never a way out)."""
    home = reverse("cooperative_home", args=[slug])
    path_part = target.split("?")[0]
    if not target or ":" in path_part or ".." in path_part or target.startswith("//") or "\\" in target:
        return None
    if target.startswith("/"):
        return target if target.startswith(home) else None
    return home + target


def _number(value: Decimal | None) -> str | None:
    """A chart value as JSON carries it: the Decimal's text (charts.js reads it as a number
    for drawing only; the table beside the chart shows the exact figure)."""
    return None if value is None else format(value, "f")


@dataclass
class Chart:
    """A chart and the same numbers as a table (for screen readers, printing and phones)."""

    id: str
    title: str
    kind: str  # "bar" or "line"
    labels: list[str]
    datasets: list[dict]  # {"label", "values": [Decimal | None], "style": "bar" | "line" | "pace"}
    unit: str  # "kg" or a currency code
    columns: list[str]  # the table's headings, the first names the rows
    rows: list[list[str]]
    stacked: bool = False
    description: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def data_id(self) -> str:
        return f"{self.id}-data"

    @property
    def data(self) -> dict:
        return {
            "type": self.kind,
            "labels": self.labels,
            "unit": self.unit,
            "stacked": self.stacked,
            "locale": get_language() or "pt-br",
            "datasets": [
                {
                    "label": dataset["label"],
                    "data": [_number(v) for v in dataset["values"]],
                    "style": dataset.get("style", self.kind),
                }
                for dataset in self.datasets
            ],
        }

    @property
    def table(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """Rows as (row heading, [(column heading, cell)]): each cell keeps its label for
        the narrow layout, where a row becomes a card."""
        return [(row[0], list(zip(self.columns[1:], row[1:], strict=True))) for row in self.rows]


# --- The charts -----------------------------------------------------------------------------


def production_chart(production: figures.Production) -> Chart:
    labels = [month_label(month) for month in production.months]
    names = [series.name for series in production.products]
    return Chart(
        id="production",
        title=_("Production by month (kg)"),
        kind="bar",
        labels=labels,
        datasets=[{"label": s.name, "values": s.kg} for s in production.products],
        unit="kg",
        columns=[_("Month"), *names],
        rows=[
            [label, *(fmt_number(v) for v in values)]
            for label, (_m, values) in zip(labels, production.rows, strict=True)
        ],
        stacked=True,
    )


def pace_chart(pace: figures.ContractPace) -> Chart:
    labels = [month_label(point.day) for point in pace.points]
    return Chart(
        id=f"contract-{pace.contract.pk}",
        title=_("%(contract)s: delivered against the pace to the minimum (kg)")
        % {"contract": pace.contract.reference},
        kind="line",
        labels=labels,
        datasets=[
            {
                "label": _("Delivered (cumulative)"),
                "values": [p.delivered_kg for p in pace.points],
                "style": "line",
            },
            {"label": _("Pace to the minimum"), "values": [p.pace_kg for p in pace.points], "style": "pace"},
        ],
        unit="kg",
        columns=[_("Month"), _("Delivered (cumulative)"), _("Pace to the minimum")],
        rows=[
            [
                label,
                fmt_number(p.delivered_kg) if p.delivered_kg is not None else "—",
                fmt_number(p.pace_kg, 0),
            ]
            for label, p in zip(labels, pace.points, strict=True)
        ],
    )


def buyers_chart(sales: figures.Sales) -> Chart:
    currency = sales.currency
    names = [share.buyer.name for share, _pct in sales.buyers]
    return Chart(
        id="buyers",
        title=_("Revenue by buyer in %(year)s (%(currency)s)") % {"year": sales.year, "currency": currency},
        kind="bar",
        labels=names,
        datasets=[{"label": _("Revenue"), "values": [share.revenue_base for share, _p in sales.buyers]}],
        unit=currency,
        columns=[_("Buyer"), _("kg"), _("Revenue"), _("Share of revenue")],
        rows=[
            [share.buyer.name, fmt_number(share.kg), fmt_money(share.revenue_base, currency), fmt_pct(pct)]
            for share, pct in sales.buyers
        ],
        extra={"horizontal": True},
    )


def premium_chart(premium: figures.Premium) -> Chart:
    currency = premium.fund.currency if premium.fund else ""
    return Chart(
        id="premium-use",
        title=_("Premium allocated and spent by project category (%(currency)s)") % {"currency": currency},
        kind="bar",
        labels=[use.label for use in premium.uses],
        datasets=[
            {"label": _("Allocated"), "values": [use.allocated for use in premium.uses]},
            {"label": _("Spent"), "values": [use.spent for use in premium.uses]},
        ],
        unit=currency,
        columns=[_("Category"), _("Allocated"), _("Spent")],
        rows=[
            [use.label, fmt_money(use.allocated, currency), fmt_money(use.spent, currency)]
            for use in premium.uses
        ],
    )


def federation_chart(rows: list[figures.CoopFigures], year: int) -> Chart:
    names = [row.cooperative.name for row in rows]
    return Chart(
        id="federation",
        title=_("Delivered and sold in %(year)s (kg)") % {"year": year},
        kind="bar",
        labels=names,
        datasets=[
            {"label": _("Delivered"), "values": [row.delivered_kg for row in rows]},
            {"label": _("Sold"), "values": [row.sold_kg for row in rows]},
            {"label": _("Sold under fair trade"), "values": [row.fair_trade_kg for row in rows]},
        ],
        unit="kg",
        columns=[_("Co-operative"), _("Delivered"), _("Sold"), _("Sold under fair trade")],
        rows=[
            [row.cooperative.name, fmt_kg(row.delivered_kg), fmt_kg(row.sold_kg), fmt_kg(row.fair_trade_kg)]
            for row in rows
        ],
    )


# --- The pages ------------------------------------------------------------------------------


class Dashboard(CooperativeMixin, TemplateView):
    """One role's board; `board = None` (the co-op's home) picks the board of the user's role."""

    board: str | None = None

    def get(self, request, *args, **kwargs):
        self.current_board = self.board or BOARD_OF_ROLE.get(request.role, AUDIT)
        if request.role not in BOARD_ROLES[self.current_board]:
            raise PermissionDenied(_("Your role in this co-operative does not show this dashboard."))
        return super().get(request, *args, **kwargs)

    def get_template_names(self):
        return [f"upgrading/dashboard_{self.current_board}.html"]

    def tabs(self):
        slug = self.cooperative.slug
        return [
            (board, BOARD_TITLES[board], reverse(BOARD_URLS[board], args=[slug]), board == self.current_board)
            for board in (WORK, OVERVIEW, AUDIT)
            if self.request.role in BOARD_ROLES[board]
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            board=self.current_board,
            board_title=BOARD_TITLES[self.current_board],
            tabs=self.tabs(),
            today=timezone.localdate(),
            base_currency=self.cooperative.base_currency,
            **kwargs,
        )
        context.update(getattr(self, f"{self.current_board}_context")())
        return context

    # Staff: the day's work ------------------------------------------------------------

    def _place(self, associations: list[Association]) -> Association | None:
        """The place whose lots are shown: asked for (?place=), else the one the user's
        recording forms remember, else where they last recorded a lot; None: the co-op."""
        by_pk = {association.pk: association for association in associations}
        asked = self.request.GET.get("place", "")
        if asked == ALL_PLACES:
            return None
        if asked.isdigit() and int(asked) in by_pk:
            # Where they say they work is where their capture forms start, this session.
            remember_point(self.request, cooperative=self.cooperative, association=by_pk[int(asked)])
            return by_pk[int(asked)]
        if asked:
            messages.warning(
                self.request, _("That place is not one of this co-operative's: showing all of them.")
            )
            return None
        point = remembered_point(self.request, cooperative=self.cooperative)
        if point in by_pk:
            return by_pk[point]
        for kind in (Lot.Kind.BARREL, Lot.Kind.NUT_PURCHASE):
            remembered = self.request.session.get(f"lot-defaults:{self.cooperative.pk}:{kind}", {})
            if remembered.get("association") in by_pk:
                return by_pk[remembered["association"]]
        found = figures.place_of_user(cooperative=self.cooperative, user=self.request.user)
        return by_pk.get(found)

    def work_context(self):
        associations = list(
            Association.objects.filter(cooperative=self.cooperative)
            .only("pk", "code", "name", "kind")
            .order_by("code")
        )
        place = self._place(associations)
        board = figures.staff_board(cooperative=self.cooperative, user=self.request.user, association=place)
        slug = self.cooperative.slug
        today = board.today.isoformat()
        return {
            "work": board,
            "associations": associations,
            "place": place,
            "all_places": ALL_PLACES,
            "today_url": link("lot_list", slug, query=f"collected_from={today}&collected_to={today}"),
            "week_url": link(
                "lot_list", slug, query=f"collected_from={board.week_from.isoformat()}&collected_to={today}"
            ),
            "waiting_url": link("lot_list", slug, query="status=received"),
            "advances_url": link("advance_list", slug, query="status=due"),
        }

    # Manager: the overview ------------------------------------------------------------

    def overview_context(self):
        coop = self.cooperative
        slug = coop.slug
        production = figures.production_by_month(cooperative=coop)
        paces = figures.contracts_pace(cooperative=coop)
        year = self._year()
        sales = figures.sales(cooperative=coop, year=year)
        premium = figures.premium(cooperative=coop)
        compliance = figures.latest_compliance(cooperative=coop)
        settlement = figures.current_settlement(cooperative=coop)
        checks = figures.report_checks(compliance)
        return {
            "production": production,
            "production_chart": None if production.empty else production_chart(production),
            "contracts": [(pace, bar(pace.year), pace_chart(pace)) for pace in paces],
            "sales": sales,
            "sales_year": year,
            "buyers_chart": None if sales.empty else buyers_chart(sales),
            "premium": premium,
            "premium_chart": premium_chart(premium) if premium.uses else None,
            "advances": figures.advances_due(cooperative=coop),
            "settlement": settlement,
            "settlement_url": link("settlement_detail", slug, settlement.pk) if settlement else None,
            "compliance": compliance,
            "compliance_checks": checks,
            "compliance_failures": [
                (check, [(found, check_url(found.url, slug)) for found in check.findings])
                for check in checks
                if not check.passed
            ],
            "compliance_passed": sum(1 for check in checks if check.passed),
            "compliance_url": link("report_detail", slug, compliance.pk) if compliance else None,
            "headlines": [
                (
                    headline,
                    indicator_value(headline.value, headline.unit),
                    indicator_value(headline.previous, headline.unit),
                    link("indicator_detail", slug, headline.indicator.code),
                )
                for headline in figures.headline_indicators(cooperative=coop)
            ],
            "links": {
                "advances": link("advance_list", slug, query="status=due"),
                "premium": link("premium_fund", slug),
                "settlements": link("settlement_list", slug),
                "reports": link("report_list", slug),
                "ledger": link("ledger_list", slug),
                "contracts": link("contract_list", slug),
                "shipment_create": link("shipment_create", slug),
                "market": link("market_position", slug, query=f"year={year}"),
                "lots": link("lot_list", slug),
            },
        }

    def _year(self) -> int:
        asked = self.request.GET.get("year", "")
        if asked.isdigit() and 1900 <= int(asked) <= 2999:
            return int(asked)
        return figures.latest_sales_year(cooperative=self.cooperative)

    # Auditor: the evidence ------------------------------------------------------------

    def audit_context(self):
        coop = self.cooperative
        slug = coop.slug
        audited = list(cooperatives_for(self.request.user, roles=frozenset({Role.AUDITOR})).order_by("name"))
        packs = figures.reports(cooperative=coop, kind=Report.Kind.CERTIFICATION)
        history = figures.reports(cooperative=coop, kind=Report.Kind.COMPLIANCE)
        return {
            "audited": audited,
            "federation_url": reverse("federation_dashboard") if len(audited) > 1 else None,
            "ledger": figures.ledger_status(cooperative=coop),
            "packs": [(report, link("report_download", slug, report.pk)) for report in packs],
            "history": [
                (report, figures.failure_count(report), link("report_detail", slug, report.pk))
                for report in history
            ],
            "trace_url": reverse("dashboard_trace", args=[slug]),
            "links": {
                "ledger": link("ledger_list", slug),
                "ledger_verify": link("ledger_verify", slug),
                "reports": link("report_list", slug),
            },
        }


class TraceSearch(CooperativeMixin, View):
    """A shipment reference, lot code or family code → its trace or detail page, in this
    co-op only; anything else goes back to the dashboard with a message."""

    def get(self, request, *args, **kwargs):
        code = request.GET.get("q", "").replace("\x00", "").strip()[:80]
        slug = self.cooperative.slug
        back = request.GET.get("back", "")
        back_url = (
            reverse(BOARD_URLS[back], args=[slug])
            if back in BOARD_URLS
            else reverse("cooperative_home", args=[slug])
        )
        if not code:
            messages.warning(request, _("Type a shipment reference, a lot code or a family code."))
            return redirect(back_url)
        hit = figures.trace_lookup(user=request.user, cooperative=self.cooperative, code=code)
        if hit is None:
            messages.warning(
                request,
                _("No shipment, lot or family with the code “%(code)s” in this co-operative.")
                % {"code": code},
            )
            return redirect(back_url)
        target = {"shipment": "shipment_trace", "lot": "lot_detail", "family": "family_shipments"}[hit.kind]
        return redirect(target, slug=slug, pk=hit.pk)


class FederationDashboard(TemplateView):
    """Every co-op the user may read, the same key figures side by side (one grouped query
    per figure for all of them). Meant for a federation's auditors; anyone with a co-op may
    look, and sees only their own co-ops."""

    template_name = "upgrading/dashboard_federation.html"
    MAX_COOPS = 100

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        cooperatives = list(cooperatives_for(self.request.user).order_by("name", "pk")[: self.MAX_COOPS + 1])
        if not cooperatives:
            raise Http404("No co-operative.")
        truncated = len(cooperatives) > self.MAX_COOPS
        cooperatives = cooperatives[: self.MAX_COOPS]
        today = timezone.localdate()
        year = today.year
        asked = self.request.GET.get("year", "")
        if asked.isdigit() and 1900 <= int(asked) <= 2999:
            year = int(asked)
        rows = figures.federation_figures(cooperatives=cooperatives, year=year, today=today)
        return super().get_context_data(
            rows=rows,
            year=year,
            truncated=truncated,
            chart=federation_chart(rows, year),
            **kwargs,
        )


urlpatterns = [
    path("", Dashboard.as_view(), name="cooperative_home"),
    path("dashboard/work/", Dashboard.as_view(board=WORK), name="dashboard_work"),
    path("dashboard/overview/", Dashboard.as_view(board=OVERVIEW), name="dashboard_overview"),
    path("dashboard/audit/", Dashboard.as_view(board=AUDIT), name="dashboard_audit"),
    path("dashboard/trace/", TraceSearch.as_view(), name="dashboard_trace"),
]

# Not under a co-op: included at /dashboard/federation/ by config.urls.
federation_urlpatterns = [
    path("dashboard/federation/", FederationDashboard.as_view(), name="federation_dashboard"),
]
