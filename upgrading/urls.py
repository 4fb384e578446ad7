"""Pages of `upgrading` under /c/<slug>/ (included from config.urls): each area's module
lists its own patterns, so the areas grow without touching one another."""

from upgrading.views import advances, assemblies, dashboard, ledger, premium, reports, settlements

urlpatterns = [
    *dashboard.urlpatterns,  # "": the co-op's home, the dashboard of the user's role
    *advances.urlpatterns,
    *assemblies.urlpatterns,
    *premium.urlpatterns,
    *settlements.urlpatterns,
    *ledger.urlpatterns,
    *reports.urlpatterns,
]
