"""Printed documents: lot labels and purchase receipts, HTML templates made into PDF.

WeasyPrint needs Debian's pango libraries; it is imported inside the functions so the
rest of the app starts (and its tests run) on a machine without them.
"""

import logging

import segno
from django.template.loader import render_to_string

from coop.models import Lot

# WeasyPrint reports each rendering step at INFO: one PDF is not worth seven log lines.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def qr_payload(*, lot: Lot, url: str) -> str:
    """What the label's QR code holds: the lot code, then its page (a phone opens the link)."""
    return f"{lot.code}\n{url}"


def qr_svg_data_uri(payload: str) -> str:
    # Error correction "M" survives a scratched or damp label; SVG stays sharp at any size.
    return segno.make(payload, error="m", micro=False).svg_data_uri(border=0, dark="#000")


def render_pdf(*, request, template_name: str, context: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template_name, context, request=request)
    return HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()


def lot_label_pdf(*, request, lot: Lot, url: str) -> bytes:
    context = {"lot": lot, "url": url, "qr": qr_svg_data_uri(qr_payload(lot=lot, url=url))}
    return render_pdf(request=request, template_name="coop/pdf/lot_label.html", context=context)


def purchase_receipt_pdf(*, request, lot: Lot) -> bytes:
    return render_pdf(request=request, template_name="coop/pdf/purchase_receipt.html", context={"lot": lot})
