"""Every write of `upgrading`, one module per area; views, API, admin and tasks call these."""
