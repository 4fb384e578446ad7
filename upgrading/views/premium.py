"""Pages of the premium area (filled in by its issue)."""

urlpatterns: list = []
