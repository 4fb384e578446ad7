"""From an empty production database to a working co-op, without `manage.py shell`.

The failure this guards against: a second co-op could not start using Mutirão unless
someone typed Python into a shell, since no page, command or API created a co-operative
or gave its first manager a role. Here an operator runs `migrate` and
`create_cooperative`, and everything after that happens in the browser (the test client).
"""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from coop.models import Cooperative, Membership, Role

LINK = re.compile(r"https://mutirao\.example\.org(/accounts/reset/[^\s<]+/)")


def choose_password(client: Client, path: str, password: str):
    """Follow a set-password link, as the person does from their email."""
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"], "the link should open the password form"
    set_url = form_page.redirect_chain[-1][0]  # Django swaps the token for a session key
    done = client.post(set_url, {"new_password1": password, "new_password2": password}, follow=True)
    assert done.status_code == 200
    assert done.redirect_chain[-1][0] == reverse("password_reset_complete")


def log_in(client: Client, username: str, password: str):
    response = client.post(reverse("login"), {"username": username, "password": password}, follow=True)
    assert response.status_code == 200
    assert response.context["user"].is_authenticated, "the login should succeed"
    return response


@pytest.mark.django_db(transaction=True)
def test_from_an_empty_database_to_a_working_coop(settings, mailoutbox):
    settings.SITE_URL = "https://mutirao.example.org"
    User = get_user_model()
    call_command("migrate", interactive=False, verbosity=0)
    assert not Cooperative.objects.exists() and not User.objects.exists()

    # The operator opens the co-op: its first administrator gets a link, printed and emailed.
    out = StringIO()
    call_command(
        "create_cooperative",
        "--slug=mel-do-sertao",
        "--name=Cooperativa do Mel do Sertão",
        "--municipality=Simplício Mendes",
        "--state=PI",
        "--manager-email=ana@example.org",
        stdout=out,
    )
    (path,) = LINK.findall(out.getvalue())
    assert LINK.search(mailoutbox[0].body).group(1) == path

    # Ana chooses her password, logs in and lands on her co-op's home.
    ana = Client()
    choose_password(ana, path, "babacu-e-mel-2026")
    home = log_in(ana, "ana@example.org", "babacu-e-mel-2026")
    assert home.redirect_chain[-1][0] == reverse("cooperative_home", args=["mel-do-sertao"])
    assert reverse("membership_list", args=["mel-do-sertao"]) in home.content.decode()
    # The link worked once: it no longer opens the form.
    assert not Client().get(path, follow=True).context["validlink"]

    # She declares what the co-op handles: honey, delivered in barrels.
    product = ana.post(
        "/api/v1/products/",
        {"cooperative": "mel-do-sertao", "code": "MEL", "name": "Mel", "delivered_as": "barrel"},
        content_type="application/json",
    )
    assert product.status_code == 201, product.content

    # She gives a staff member access from the co-op's pages.
    invited = ana.post(
        reverse("membership_invite", args=["mel-do-sertao"]),
        {"email": "joana@example.org", "name": "Joana", "role": "staff"},
        follow=True,
    )
    assert invited.status_code == 200
    (staff_path,) = LINK.findall(mailoutbox[-1].body)
    assert mailoutbox[-1].to == ["joana@example.org"]

    # Joana chooses her password, logs in and can record a barrel.
    joana = Client()
    choose_password(joana, staff_path, "colmeia-forte-31")
    log_in(joana, "joana@example.org", "colmeia-forte-31")
    assert joana.get(reverse("lot_record_barrel", args=["mel-do-sertao"])).status_code == 200
    assert Membership.objects.get(user__username="joana@example.org").role == Role.STAFF
    # …and not the access page, which is for administrators.
    assert joana.get(reverse("membership_list", args=["mel-do-sertao"])).status_code == 403
