"""POST with an `Idempotency-Key`: a retry gets the first answer and writes nothing new."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from coop import idempotency
from coop.idempotency import IdempotentCreateMixin
from coop.models import Family, IdempotencyKey, Member

URL = "/api/v1/families/"


def family(**overrides):
    return {
        "cooperative": "coop-a",
        "code": "A-0100",
        "household_name": "Silva",
        "municipality": "Lago do Junco",
        "joined_on": "2019-04-01",
        **overrides,
    }


def post(api, data, key, url=URL):
    return api.post(url, data, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_retry_returns_the_first_answer_and_writes_nothing(api, personas, world):
    api.force_authenticate(personas.staff)
    first = post(api, family(), "key-1")
    again = post(api, family(), "key-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Family.objects.filter(code="A-0100").count() == 1
    assert Family.objects.get(code="A-0100").history.count() == 1


def test_a_retry_still_answers_the_first_answer_after_the_row_changed(api, personas, world):
    api.force_authenticate(personas.staff)
    first = post(api, family(), "key-1")
    api.patch(f"{URL}{first.json()['id']}/", {"household_name": "Souza"}, format="json")
    assert post(api, family(), "key-1").json()["household_name"] == "Silva"


def test_key_order_and_whitespace_in_the_body_do_not_matter(api, personas, world):
    api.force_authenticate(personas.staff)
    data = family()
    post(api, data, "key-1")
    reordered = (
        '{ "joined_on": "2019-04-01", '
        + ", ".join(f'"{k}":"{v}"' for k, v in reversed(list(data.items())) if k != "joined_on")
        + " }"
    )
    again = api.generic("POST", URL, reordered, content_type="application/json", HTTP_IDEMPOTENCY_KEY="key-1")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"


def test_the_same_key_with_another_body_is_422_and_writes_nothing(api, personas, world):
    api.force_authenticate(personas.staff)
    post(api, family(), "key-1")
    response = post(api, family(code="A-0101"), "key-1")
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["detail"]
    assert not Family.objects.filter(code="A-0101").exists()


def test_the_same_key_on_another_endpoint_is_422(api, personas, world):
    api.force_authenticate(personas.staff)
    post(api, family(), "key-1")
    response = post(api, family(), "key-1", url="/api/v1/members/")
    assert response.status_code == 422
    assert Member.objects.count() == 2


def test_keys_are_per_user(api, personas, world):
    api.force_authenticate(personas.staff)
    first = post(api, family(), "shared-key")
    api.force_authenticate(personas.manager)
    second = post(api, family(code="A-0101"), "shared-key")
    assert (first.status_code, second.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in second
    assert IdempotencyKey.objects.filter(key="shared-key").count() == 2


def test_a_failed_write_keeps_no_key_so_a_corrected_retry_goes_through(api, personas, world):
    api.force_authenticate(personas.staff)
    bad = post(api, family(hives=-1), "key-1")
    assert bad.status_code == 400
    assert not IdempotencyKey.objects.exists()
    good = post(api, family(), "key-1")
    assert good.status_code == 201
    assert "Idempotent-Replayed" not in good
    assert Family.objects.filter(code="A-0100").count() == 1


def test_a_refused_write_keeps_no_key(api, personas, world):
    api.force_authenticate(personas.auditor)
    assert post(api, family(), "key-1").status_code == 403
    assert not IdempotencyKey.objects.exists()


def test_without_a_key_a_retry_is_a_new_request(api, personas, world):
    api.force_authenticate(personas.staff)
    assert api.post(URL, family(), format="json").status_code == 201
    assert api.post(URL, family(), format="json").status_code == 400  # the code is taken
    assert not IdempotencyKey.objects.exists()


@pytest.mark.parametrize("key", ["", "x" * 256, "chave-ção", "tab\there"])
def test_a_malformed_key_is_400_naming_the_header(api, personas, world, key):
    api.force_authenticate(personas.staff)
    response = api.post(URL, family(), format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert not Family.objects.filter(code="A-0100").exists()


def test_the_key_is_stored_in_the_same_transaction_as_the_write(api, personas, world, monkeypatch):
    """If keeping the answer fails, the family is not written either."""

    def broken_save(self, *args, **kwargs):
        if self.response_status:
            raise RuntimeError("disk full")
        return original_save(self, *args, **kwargs)

    original_save = IdempotencyKey.save
    monkeypatch.setattr(IdempotencyKey, "save", broken_save)
    api.force_authenticate(personas.staff)
    with pytest.raises(RuntimeError):
        post(api, family(), "key-1")
    assert not Family.objects.filter(code="A-0100").exists()
    assert not IdempotencyKey.objects.exists()


def test_a_retry_that_lost_the_race_replays_the_winner(api, personas, world, monkeypatch):
    """The retry checked for the key before the first request committed: its insert of
    the key then fails on the unique constraint, and it answers the stored response."""
    api.force_authenticate(personas.staff)
    first = post(api, family(), "key-1")
    looked_up = []

    def racy_lookup(self, user, key):
        looked_up.append(key)
        if len(looked_up) == 1:
            return None  # as if the first request had not committed yet
        return original_lookup(self, user, key)

    original_lookup = IdempotentCreateMixin.stored_idempotent_response
    monkeypatch.setattr(IdempotentCreateMixin, "stored_idempotent_response", racy_lookup)
    again = post(api, family(), "key-1")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Family.objects.filter(code="A-0100").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_posts_with_one_key_write_once(personas, world, monkeypatch):
    """Two connections: both miss the key, both try; one writes, the other waits on the
    key's unique index, then replays the winner's answer."""
    barrier = threading.Barrier(2, timeout=10)
    original_lookup = IdempotentCreateMixin.stored_idempotent_response
    first_lookups = set()

    def lookup_then_wait(self, user, key):
        result = original_lookup(self, user, key)
        if threading.get_ident() not in first_lookups:
            first_lookups.add(threading.get_ident())
            barrier.wait()  # both requests have seen no key before either writes
        return result

    monkeypatch.setattr(IdempotentCreateMixin, "stored_idempotent_response", lookup_then_wait)
    responses = []

    def attempt():
        client = APIClient()
        client.force_authenticate(personas.staff)
        try:
            responses.append(post(client, family(), "race-key"))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(r.status_code for r in responses) == [201, 201]
    assert responses[0].json() == responses[1].json()
    assert sum(r.has_header(idempotency.REPLAYED_HEADER) for r in responses) == 1
    assert Family.objects.filter(code="A-0100").count() == 1
    assert IdempotencyKey.objects.filter(key="race-key").count() == 1
