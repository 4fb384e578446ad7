"""The main menu: a few entries always in sight, the rest grouped behind "More".

On a 360 px phone a row holds five entries, so each role gets at most four of its own
plus "More": staff what they do all day (home, record, lots, families), managers and
auditors their home and the pages they read most. "More" opens (a <details>, no script)
on every page the role may reach, grouped, so nothing is more than two taps away.

URLs are reversed by name only: `coop` imports nothing from `chain` or `upgrading`.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from coop.models import Role
from coop.tenancy import RECORD


@dataclass(frozen=True)
class Entry:
    key: str
    label: str
    url_name: str
    sections: frozenset[str]  # the request's `coop_section`s this entry is current for
    roles: frozenset[str] = frozenset(Role.values)


def _entry(key, label, url_name, *sections, roles=frozenset(Role.values)):
    return Entry(key, label, url_name, frozenset(sections or (key,)), frozenset(roles))


HOME = _entry("home", _("Home"), "cooperative_home", "")
ENTRIES = {
    entry.key: entry
    for entry in (
        HOME,
        _entry("record", pgettext_lazy("menu", "Record"), "lot_record_choose", roles=RECORD),
        _entry("lots", _("Lots"), "lot_list"),
        _entry("families", _("Families"), "family_list"),
        _entry("associations", _("Associations"), "association_list"),
        _entry("members", _("Members"), "member_list"),
        _entry("imports", _("Import"), "import_upload", roles=RECORD),
        _entry("certifications", _("Certifications"), "certification_list"),
        _entry("inspections", _("Inspections"), "inspection_list"),
        _entry("buyers", _("Buyers"), "buyer_list"),
        _entry("contracts", _("Contracts"), "contract_list", "contracts", "market"),
        _entry("shipments", _("Shipments"), "shipment_list"),
        _entry("advances", _("Advances"), "advance_list"),
        _entry("premium", _("Premium fund"), "premium_fund"),
        _entry("settlements", _("Settlements"), "settlement_list"),
        _entry("assemblies", _("Assemblies"), "assembly_list"),
        _entry("indicators", _("Indicators"), "indicator_list"),
        _entry("reports", _("Reports"), "report_list"),
        _entry("access", _("People with access"), "membership_list", roles={Role.ADMIN}),
    )
}
GROUPS = (
    (_("Production"), ("record", "lots", "families", "associations", "members", "imports")),
    (_("Certification"), ("certifications", "inspections")),
    (_("Sales"), ("buyers", "contracts", "shipments")),
    (_("Money"), ("advances", "premium", "settlements")),
    (_("Governance and reports"), ("assemblies", "indicators", "reports", "access")),
)
# The entries in sight besides "More", per role (at most four: five fit a phone's row).
PRIMARY = {
    Role.STAFF: ("home", "record", "lots", "families"),
    Role.MANAGER: ("home", "lots", "contracts", "shipments"),
    Role.ADMIN: ("home", "lots", "contracts", "shipments"),
    Role.AUDITOR: ("home", "lots", "certifications", "reports"),
}
MAX_PRIMARY = 4


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    current: bool


@dataclass(frozen=True)
class Menu:
    primary: list[Link]
    groups: list[tuple[str, list[Link]]]

    @property
    def more_is_current(self) -> bool:
        return any(link.current for _label, links in self.groups for link in links)


def _link(entry: Entry, slug: str, section: str) -> Link | None:
    try:
        url = reverse(entry.url_name, kwargs={"slug": slug})
    except NoReverseMatch:  # an area not installed in this deployment
        return None
    return Link(entry.label, url, section in entry.sections)


def coop_menu(*, slug: str, role: str | None, section: str | None) -> Menu:
    """The menu inside one co-op for `role` (None: a superuser without a membership)."""
    section = section or ""
    role = role or Role.AUDITOR
    allowed = {key for key, entry in ENTRIES.items() if role in entry.roles}
    primary_keys = [key for key in PRIMARY.get(role, PRIMARY[Role.AUDITOR]) if key in allowed][:MAX_PRIMARY]
    primary = [link for key in primary_keys if (link := _link(ENTRIES[key], slug, section))]
    groups = []
    for label, keys in GROUPS:
        links = [
            link
            for key in keys
            if key in allowed and key not in primary_keys and (link := _link(ENTRIES[key], slug, section))
        ]
        if links:
            groups.append((label, links))
    return Menu(primary=primary, groups=groups)
