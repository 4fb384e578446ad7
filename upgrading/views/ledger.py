"""Pages of the ledger area (filled in by its issue)."""

urlpatterns: list = []
