"""The phone-first shell (issue 13): the compact header, the menu of each role, the
collection point remembered for the session, Chart.js only where charts are, compressed
pages. What a phone shows at 360 × 740 is measured in tests/browser/test_phone_shell.py."""

import gzip
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from coop.models import Association, Role
from coop.navigation import ENTRIES, GROUPS, PRIMARY
from tests.factories import AssociationFactory, FamilyFactory, ProductFactory


# Every list page a role may open, by the URL name the menu links to.
class Nav(HTMLParser):
    """The links of the main menu: those in sight and those behind "More"."""

    def __init__(self, html: str):
        super().__init__()
        self.primary, self.more, self.current = [], [], []
        self._in_nav = self._in_more = False
        self._href = None
        self._text = ""
        self._current = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav" and "mainnav" in attrs.get("class", ""):
            self._in_nav = True
        elif self._in_nav and tag == "details":
            self._in_more = True
        elif self._in_nav and tag == "a":
            self._href, self._text, self._current = attrs["href"], "", attrs.get("aria-current") == "page"

    def handle_data(self, data):
        if self._href is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "nav":
            self._in_nav = False
        elif tag == "details":
            self._in_more = False
        elif tag == "a" and self._href is not None:
            (self.more if self._in_more else self.primary).append(self._href)
            if self._current:
                self.current.append(self._href)
            self._href = None


def _nav(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return Nav(response.content.decode())


def _urls(names, slug):
    return {reverse(name, args=[slug]) for name in names}


# --- The header ----------------------------------------------------------------------------


def test_the_header_shows_the_short_name_and_the_role_not_the_legal_name(client, personas, coop_a):
    coop_a.name = "Cooperativa Mista dos Apicultores da Microrregião de Simplício Mendes (COMAPI)"
    coop_a.short_name = "COMAPI"
    coop_a.save()
    client.force_login(personas.staff)
    html = client.get(reverse("lot_list", args=[coop_a.slug])).content.decode()
    header = html[html.index('<header class="topbar">') : html.index("</header>")]
    name = re.search(
        r'<p class="coop-name">\s*<a [^>]*>([^<]*)</a>\s*<span class="role">([^<]*)</span>', header
    )
    assert name.groups() == ("COMAPI", "Equipe") or name.groups() == ("COMAPI", "Staff")
    assert 'title="Cooperativa Mista dos Apicultores' in header  # the whole name on hover
    # Language and logout are folded into the menu on every width.
    more = header[header.index('<details class="menu">') :]
    assert 'class="language"' in more and 'class="logout"' in more
    assert 'class="language"' not in header[: header.index('<details class="menu">')]


def test_a_co_op_without_a_short_name_shows_its_name(client, personas, coop_a):
    client.force_login(personas.staff)
    html = client.get(reverse("lot_list", args=[coop_a.slug])).content.decode()
    assert 'title="Cooperativa A">Cooperativa A</a>' in html


# --- The menu of each role -------------------------------------------------------------------


def test_staff_see_at_most_five_entries_home_record_lots_families_and_more(client, personas, coop_a):
    nav = _nav(client, personas.staff, reverse("cooperative_home", args=[coop_a.slug]))
    slug = coop_a.slug
    assert nav.primary == [
        reverse("cooperative_home", args=[slug]),
        reverse("lot_record_choose", args=[slug]),
        reverse("lot_list", args=[slug]),
        reverse("family_list", args=[slug]),
    ]  # and "More": five in a row
    assert reverse("import_upload", args=[slug]) in nav.more


@pytest.mark.parametrize("role", ["staff", "manager", "auditor", "admin"])
def test_every_page_stays_reachable_from_the_menu_of_each_role(client, personas, coop_a, role):
    user = getattr(personas, role)
    nav = _nav(client, user, reverse("cooperative_home", args=[coop_a.slug]))
    assert len(nav.primary) <= 4  # and "More", a <summary>: at most five in the row
    reachable = set(nav.primary) | set(nav.more)
    expected = {entry.url_name for entry in ENTRIES.values() if getattr(Role, role.upper()) in entry.roles}
    assert ("import_upload" in expected) == (role != "auditor")
    assert _urls(expected, coop_a.slug) <= reachable
    assert len(nav.primary) + len(nav.more) == len(set(nav.primary + nav.more))  # each link once
    for url in reachable:
        assert client.get(url).status_code == 200, (role, url)


def test_auditors_are_offered_no_import_and_no_record(client, personas, coop_a):
    nav = _nav(client, personas.auditor, reverse("cooperative_home", args=[coop_a.slug]))
    links = nav.primary + nav.more
    assert reverse("import_upload", args=[coop_a.slug]) not in links
    assert reverse("lot_record_choose", args=[coop_a.slug]) not in links


def test_the_menu_groups_every_entry_and_each_role_has_a_short_row():
    grouped = [key for _label, keys in GROUPS for key in keys]
    assert sorted(grouped) == sorted(key for key in ENTRIES if key != "home")
    for role in Role.values:
        assert len(PRIMARY[role]) <= 4


@pytest.mark.parametrize(
    ("name", "role"), [("lot_list", "staff"), ("premium_fund", "manager"), ("import_upload", "manager")]
)
def test_the_current_section_is_marked(client, personas, coop_a, name, role):
    url = reverse(name, args=[coop_a.slug])
    nav = _nav(client, getattr(personas, role), url)
    assert nav.current == [url]


# --- The collection point, remembered ----------------------------------------------------------


@pytest.fixture
def places(coop_a):
    room = AssociationFactory(cooperative=coop_a, code="HR-01", kind=Association.Kind.HONEY_ROOM)
    other_room = AssociationFactory(cooperative=coop_a, code="HR-02", kind=Association.Kind.HONEY_ROOM)
    cantina = AssociationFactory(cooperative=coop_a, code="CAN-01", kind=Association.Kind.CANTINA)
    honey = ProductFactory(cooperative=coop_a, code="HONEY")
    return dict(
        room=room,
        other_room=other_room,
        cantina=cantina,
        honey=honey,
        family=FamilyFactory(cooperative=coop_a, association=room, code="F-001"),
    )


def _preselected(client, name, coop):
    return client.get(reverse(name, args=[coop.slug])).context["form"].initial.get("association")


def test_the_place_chosen_on_the_home_is_preselected_on_the_capture_forms(client, personas, coop_a, places):
    client.force_login(personas.staff)
    assert _preselected(client, "lot_record_barrel", coop_a) is None
    home = reverse("cooperative_home", args=[coop_a.slug])
    assert client.get(home, {"place": places["other_room"].pk}).status_code == 200
    assert _preselected(client, "lot_record_barrel", coop_a) == places["other_room"].pk
    assert _preselected(client, "lot_record_delivery", coop_a) == places["other_room"].pk
    # A honey room is no place to buy nuts: the purchase form does not preselect it.
    assert _preselected(client, "lot_record_purchase", coop_a) != places["other_room"].pk
    html = client.get(reverse("lot_record_barrel", args=[coop_a.slug])).content.decode()
    assert re.search(rf'<option value="{places["other_room"].pk}" selected>', html)


def test_the_place_of_a_saved_delivery_is_remembered_for_the_next_forms(client, personas, coop_a, places):
    client.force_login(personas.staff)
    response = client.post(
        reverse("lot_record_delivery", args=[coop_a.slug]),
        {
            "family": places["family"].pk,
            "net_kg": "3",
            "product": places["honey"].pk,
            "collected_on": "2026-01-05",
            "association": places["room"].pk,
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    assert _preselected(client, "lot_record_barrel", coop_a) == places["room"].pk
    # The next session starts afresh.
    client.logout()
    client.force_login(personas.staff)
    assert _preselected(client, "lot_record_barrel", coop_a) is None


def test_another_co_ops_place_is_never_remembered(client, personas, coop_a, coop_b, places):
    elsewhere = AssociationFactory(cooperative=coop_b, code="B-HR", kind=Association.Kind.HONEY_ROOM)
    client.force_login(personas.staff)
    client.get(reverse("cooperative_home", args=[coop_a.slug]), {"place": elsewhere.pk})
    assert _preselected(client, "lot_record_barrel", coop_a) is None


# --- Weight: Chart.js only where charts are, pages compressed ---------------------------------


def test_chart_js_is_loaded_only_by_pages_with_a_chart(client, personas, coop_a, places):
    client.force_login(personas.staff)
    for name in ("cooperative_home", "lot_list", "lot_record_barrel", "family_list"):
        html = client.get(reverse(name, args=[coop_a.slug])).content.decode()
        assert "chart.umd" not in html and "charts.js" not in html, name
    client.force_login(personas.manager)
    html = client.get(reverse("cooperative_home", args=[coop_a.slug])).content.decode()
    assert "vendor/chartjs/chart.umd.min.js" in html and "js/charts.js" in html


def test_pages_are_compressed_for_a_browser_that_accepts_gzip(client, personas, coop_a, places):
    client.force_login(personas.staff)
    url = reverse("cooperative_home", args=[coop_a.slug])
    plain = client.get(url)
    assert "Content-Encoding" not in plain.headers
    packed = client.get(url, headers={"accept-encoding": "gzip, deflate, br"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    html = gzip.decompress(packed.content).decode()
    assert "</html>" in html
    assert len(packed.content) * 3 < len(html.encode())


def test_the_record_page_offers_the_forms_of_what_the_co_op_handles(
    client, personas, coop_a, places, django_assert_max_num_queries
):
    ProductFactory(cooperative=coop_a, code="NUTS", delivered_as="nut_purchase")
    places["honey"].delivered_as = "barrel"
    places["honey"].save()
    client.force_login(personas.staff)
    # Session, user, co-op, role (two), the user's co-ops, what the co-op handles.
    with django_assert_max_num_queries(7):
        response = client.get(reverse("lot_record_choose", args=[coop_a.slug]))
    html = response.content.decode()
    for name in ("lot_record_barrel", "lot_record_purchase", "lot_batch_create", "import_upload"):
        assert f'href="{reverse(name, args=[coop_a.slug])}"' in html, name
    assert reverse("lot_record_delivery", args=[coop_a.slug]) not in html  # nothing else is delivered
    client.force_login(personas.auditor)
    assert client.get(reverse("lot_record_choose", args=[coop_a.slug])).status_code == 403


@pytest.mark.parametrize("role", ["staff", "manager", "auditor"])
def test_only_administrators_are_offered_the_people_with_access_page(client, personas, coop_a, role):
    access = reverse("membership_list", args=[coop_a.slug])
    admin_nav = _nav(client, personas.admin, reverse("cooperative_home", args=[coop_a.slug]))
    assert access in admin_nav.more
    nav = _nav(client, getattr(personas, role), reverse("cooperative_home", args=[coop_a.slug]))
    assert access not in nav.primary + nav.more
