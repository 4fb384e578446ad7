"""Pages of `upgrading` under /c/<slug>/, one module per area, each with its `urlpatterns`."""
