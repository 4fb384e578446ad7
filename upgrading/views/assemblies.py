"""Pages of the assemblies area (filled in by its issue)."""

urlpatterns: list = []
