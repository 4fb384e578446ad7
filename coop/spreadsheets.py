"""Cells a spreadsheet can never run as a formula, for every CSV and XLSX the apps write.

Auditors open exports in spreadsheet software, which runs a cell starting with `=`, `+`,
`-`, `@`, a tab, a carriage return or a line feed as a formula: such text gets a leading
apostrophe. Numbers are not text and stay numeric.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def spreadsheet_text(value) -> str:
    """`value` as text a spreadsheet shows as it is (None: empty)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def spreadsheet_safe(value):
    """Text neutralised as `spreadsheet_text` does; anything else (numbers) unchanged."""
    if value is None:
        return ""
    return spreadsheet_text(value) if isinstance(value, str) else value
