"""Journeys through the whole app in a real browser (Playwright driving Debian's chromium)."""
