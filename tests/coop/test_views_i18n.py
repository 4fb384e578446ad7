"""Language: pt-BR by default, English after switching, the page kept; numbers localised."""

from django.urls import reverse

from tests.factories import FamilyFactory


def test_pages_are_in_brazilian_portuguese_by_default(client, personas, world, coop_a):
    client.force_login(personas.staff)
    response = client.get(reverse("family_list", args=[coop_a.slug]))
    html = response.content.decode()
    assert '<html lang="pt-br">' in html
    assert "<h1>Famílias</h1>" in html
    assert "Associações" in html and "Sair" in html


def test_language_switcher_keeps_the_page_and_switches_to_english(client, personas, world, coop_a):
    client.force_login(personas.staff)
    page = reverse("family_list", args=[coop_a.slug]) + "?q=A-0001&status=active"
    html = client.get(page).content.decode()
    assert f'action="{reverse("set_language")}" method="post"' in html
    assert 'name="next" value="/c/coop-a/families/?q=A-0001&amp;status=active"' in html

    # A live search (htmx) changes the address; it also refreshes the switcher's "next".
    assert 'id="language-next"' in html and 'hx-select-oob="#language-next"' in html

    response = client.post(reverse("set_language"), {"language": "en", "next": page})
    assert response.status_code == 302
    assert response.url == page
    html = client.get(response.url).content.decode()
    assert '<html lang="en">' in html
    assert "<h1>Families</h1>" in html and "Log out" in html

    client.post(reverse("set_language"), {"language": "pt-br", "next": page})
    assert "<h1>Famílias</h1>" in client.get(page).content.decode()


def test_language_switcher_refuses_to_send_you_off_site(client, personas):
    client.force_login(personas.staff)
    response = client.post(reverse("set_language"), {"language": "en", "next": "https://evil.example/"})
    assert response.url == "/"


def test_model_choices_and_service_errors_are_translated(client, personas, world, coop_a):
    client.force_login(personas.staff)
    html = client.get(reverse("family_detail", args=[coop_a.slug, world.family_a.pk])).content.decode()
    assert "Ativa" in html
    response = client.post(
        reverse("family_create", args=[coop_a.slug]),
        {
            "code": world.family_a.code,
            "household_name": "X",
            "municipality": "Y",
            "joined_on": "2020-01-01",
            "status": "active",
            "land_tenure": "unknown",
        },
    )
    assert "Este código já é usado nesta cooperativa." in response.content.decode()


def test_numbers_use_the_brazilian_format(client, personas, coop_a):
    FamilyFactory(cooperative=coop_a, hives=1234, latitude="-4.612345", longitude="-44.981234")
    family = coop_a.families.get()
    client.force_login(personas.staff)
    html = client.get(reverse("family_detail", args=[coop_a.slug, family.pk])).content.decode()
    assert "1.234" in html and "-4,612345" in html
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("family_detail", args=[coop_a.slug, family.pk])).content.decode()
    assert "1,234" in html and "-4.612345" in html
