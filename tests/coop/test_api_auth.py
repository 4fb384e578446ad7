"""Token and session authentication, and login throttling on the token endpoint."""

import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from coop.models import Family

TOKEN_URL = "/api/v1/auth/token/"


def ask_token(client, username, password):
    return client.post(TOKEN_URL, {"username": username, "password": password}, format="json")


def test_right_password_gets_a_token_that_authenticates(personas, world):
    client = APIClient()
    response = ask_token(client, "a-staff", "demo")
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=personas.staff).key == token

    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    families = client.get("/api/v1/families/")
    assert families.status_code == 200
    assert [row["code"] for row in families.json()["results"]] == ["A-0001"]


def test_asking_twice_returns_the_same_token(personas):
    client = APIClient()
    assert ask_token(client, "a-staff", "demo").json() == ask_token(client, "a-staff", "demo").json()


def test_token_writes_need_no_csrf_token(personas, world):
    client = APIClient(enforce_csrf_checks=True)
    token = ask_token(client, "a-staff", "demo").json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.patch(f"/api/v1/families/{world.family_a.pk}/", {"hives": 5}, format="json")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("username", "password"), [("a-staff", "wrong"), ("no-such-user", "demo"), ("a-staff", ""), ("", "")]
)
def test_wrong_credentials_get_no_token(personas, username, password):
    response = ask_token(APIClient(), username, password)
    assert response.status_code == 400
    assert "token" not in response.json()
    assert not Token.objects.exists()


def test_inactive_user_gets_no_token(personas):
    personas.staff.is_active = False
    personas.staff.save(update_fields=["is_active"])
    assert ask_token(APIClient(), "a-staff", "demo").status_code == 400
    assert not Token.objects.exists()


def test_a_locked_out_user_gets_no_token_even_with_the_right_password(personas):
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert ask_token(client, "a-staff", "guess").status_code == 400
    response = ask_token(client, "a-staff", "demo")
    # Django's authenticate() turns axes' refusal into "no user", so the answer reads
    # like a wrong password: no token, and nothing that tells a guesser they were close.
    assert response.status_code == 400
    assert "token" not in response.json()
    assert not Token.objects.exists()


def test_lockout_is_per_user(personas):
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        ask_token(client, "a-staff", "guess")
    assert ask_token(client, "a-manager", "demo").status_code == 200


def test_a_bad_token_is_refused(personas, world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert client.get("/api/v1/families/").status_code in (401, 403)


def test_a_deleted_token_no_longer_works(personas, world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {ask_token(client, 'a-staff', 'demo').json()['token']}")
    Token.objects.filter(user=personas.staff).delete()
    assert client.get("/api/v1/families/").status_code in (401, 403)


def test_token_of_an_auditor_still_cannot_write(personas, world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {ask_token(client, 'a-auditor', 'demo').json()['token']}")
    response = client.patch(f"/api/v1/families/{world.family_a.pk}/", {"hives": 5}, format="json")
    assert response.status_code == 403


def test_session_login_works_for_the_api(personas, world):
    client = APIClient()
    client.force_login(personas.staff)
    assert client.get("/api/v1/families/").json()["count"] == 1


def test_session_writes_need_the_csrf_token(personas, world):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(personas.staff)
    url = f"/api/v1/families/{world.family_a.pk}/"
    assert client.patch(url, {"hives": 5}, format="json").status_code == 403
    assert Family.objects.get(pk=world.family_a.pk).hives != 5

    client.get("/api/v1/families/")  # any page would do: it is the cookie that matters
    csrf = client.cookies.get(settings.CSRF_COOKIE_NAME)
    if csrf is None:  # the API does not set it; the login page does
        client.get(settings.LOGIN_URL if settings.LOGIN_URL.startswith("/") else "/accounts/login/")
        csrf = client.cookies[settings.CSRF_COOKIE_NAME]
    response = client.patch(url, {"hives": 5}, format="json", HTTP_X_CSRFTOKEN=csrf.value)
    assert response.status_code == 200
