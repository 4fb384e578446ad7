"""Template tags and filters of `upgrading`, one module per area."""
