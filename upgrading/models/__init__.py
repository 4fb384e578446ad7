"""Models of `upgrading`, split by sub-domain; import them from `upgrading.models`.

- seasons and advances (`money.py`): what a family is advanced when it delivers;
- general assemblies and their decisions (`assembly.py`), which authorise money use;
- the premium fund (`premium.py`): receipts, allocations to projects, spending;
- season settlements (`settlements.py`): profit sharing, exact to the cent;
- the indicator catalogue and the append-only ledger (`ledger.py`);
- compliance and certification reports (`reports.py`).
"""

from upgrading.models.assembly import Assembly, Decision
from upgrading.models.ledger import Indicator, LedgerEntry, LedgerEvidence, LedgerHead
from upgrading.models.money import Advance, Season
from upgrading.models.premium import PremiumAllocation, PremiumFund, PremiumReceipt, PremiumSpending
from upgrading.models.reports import Report
from upgrading.models.settlements import Settlement, SettlementCost, SettlementLine

__all__ = [
    "Advance",
    "Assembly",
    "Decision",
    "Indicator",
    "LedgerEntry",
    "LedgerEvidence",
    "LedgerHead",
    "PremiumAllocation",
    "PremiumFund",
    "PremiumReceipt",
    "PremiumSpending",
    "Report",
    "Season",
    "Settlement",
    "SettlementCost",
    "SettlementLine",
]
