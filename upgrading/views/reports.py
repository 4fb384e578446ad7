"""Pages of the reports area (filled in by its issue)."""

urlpatterns: list = []
