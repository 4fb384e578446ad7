"""Pages of the settlements area (filled in by its issue)."""

urlpatterns: list = []
