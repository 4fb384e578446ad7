"""The co-op's market position in a year: how much went to fair-trade contracts, the
fair-trade price as a multiple of the local one, and how much depends on one buyer."""

from decimal import Decimal

from django.utils import timezone
from django.views.generic import TemplateView

from chain import selectors
from chain.forms import MarketYearForm
from chain.models import Shipment
from coop.tenancy import scope
from coop.views.base import CooperativeMixin

# Above this share of a year's revenue, one buyer is a lock-in risk (shown, not hidden).
LOCK_IN_SHARE = Decimal("0.5")


class MarketPosition(CooperativeMixin, TemplateView):
    section = "market"
    template_name = "chain/market_position.html"

    def get_context_data(self, **kwargs):
        sales = scope(Shipment.objects.all(), self.request.user).filter(cooperative=self.cooperative)
        years = [day.year for day in sales.confirmed().dates("shipped_on", "year", order="DESC")]
        this_year = timezone.localdate().year
        if this_year not in years:
            years = sorted({*years, this_year}, reverse=True)
        form = MarketYearForm(self.request.GET if "year" in self.request.GET else None, years=years)
        year = (form.cleaned_data.get("year") if form.is_valid() else None) or this_year
        form.fields["year"].initial = year
        position = selectors.market_position(cooperative=self.cooperative, year=year)
        largest = position.largest_buyer
        total_kg = position.fair_trade_kg + position.other_kg
        return super().get_context_data(
            form=form,
            year=year,
            position=position,
            total_kg=total_kg,
            fair_trade_pct=position.fair_trade_share * 100,
            other_pct=(Decimal("100") - position.fair_trade_share * 100) if total_kg else Decimal("0"),
            buyers=[(share, share.share * 100) for share in position.buyers],
            multiples=sorted(position.price_multiples.items(), key=lambda item: item[0].name),
            largest=largest,
            largest_pct=largest.share * 100 if largest else None,
            lock_in=largest is not None and largest.share > LOCK_IN_SHARE,
            base_currency=self.cooperative.base_currency,
            **kwargs,
        )
