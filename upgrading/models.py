"""Advances, premium fund, settlements and the indicator ledger arrive with later issues."""
