"""Pages of the advances area (filled in by its issue)."""

urlpatterns: list = []
