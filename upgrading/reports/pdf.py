"""The PDF summary for people: the co-op, the period, key figures, check results and a few
bar charts drawn as inline SVG (no script, no network: WeasyPrint draws them as vectors).

WeasyPrint needs Debian's pango libraries; it is imported inside the function, as in
`coop.documents`, so the rest of the app starts without them.
"""

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.template.loader import render_to_string

from upgrading.reports.compliance import CheckResult

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

CHART_WIDTH = 480
BAR_HEIGHT = 16
BAR_GAP = 6
LABEL_WIDTH = 120


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    text: str
    y: int
    width: int
    fill: str = "#37689a"


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]
    height: int
    label_width: int = LABEL_WIDTH
    plot_width: int = CHART_WIDTH - LABEL_WIDTH - 80


def bar_chart(title: str, items: list[tuple[str, Decimal, str]], *, fills=None) -> Chart | None:
    """Horizontal bars scaled to the largest value: (label, value, text shown beside it)."""
    if not items:
        return None
    top = max((value for _label, value, _text in items), default=Decimal("0"))
    plot = CHART_WIDTH - LABEL_WIDTH - 80
    bars = [
        Bar(
            label=label,
            value=value,
            text=text,
            y=index * (BAR_HEIGHT + BAR_GAP),
            width=int(value / top * plot) if top > 0 else 0,
            **({"fill": fills[label]} if fills and label in fills else {}),
        )
        for index, (label, value, text) in enumerate(items)
    ]
    return Chart(title=title, bars=bars, height=len(bars) * (BAR_HEIGHT + BAR_GAP))


def render_pdf(context: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string("upgrading/report_pdf.html", context)
    return HTML(string=html).write_pdf()


def summary_context(
    *,
    cooperative,
    report,
    period,
    figures: dict,
    checks: list[CheckResult],
    ledger_head: str,
    generated_at,
    app_version: str,
    charts: list[Chart | None],
) -> dict:
    counts = {
        status: sum(1 for check in checks if check.status == status) for status in ("pass", "warning", "fail")
    }
    return {
        "cooperative": cooperative,
        "report": report,
        "period": period,
        "figures": figures,
        "checks": checks,
        "counts": counts,
        "ledger_head": ledger_head,
        "generated_at": generated_at,
        "app_version": app_version,
        "charts": [chart for chart in charts if chart],
    }
