"""Reads of `upgrading` that are more than a filter, one module per area."""
