"""The beat's housekeeping: what is old goes, what is fresh stays (import previews: see
test_import_previews.py)."""

import datetime

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from coop.models import IdempotencyKey
from coop.services.housekeeping import IDEMPOTENCY_KEY_RETENTION
from coop.tasks import purge_expired_sessions, purge_idempotency_keys
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _key(user, key, age):
    stored = IdempotencyKey.objects.create(
        user=user, key=key, method="POST", path="/api/v1/lots/", request_hash="0" * 64, response_status=201
    )
    # created_at is auto_now_add: age it afterwards, as time would.
    IdempotencyKey.objects.filter(pk=stored.pk).update(created_at=timezone.now() - age)
    return key


def test_idempotency_keys_older_than_the_retention_go():
    user = UserFactory()
    _key(user, "old", IDEMPOTENCY_KEY_RETENTION + datetime.timedelta(hours=1))
    _key(user, "fresh", IDEMPOTENCY_KEY_RETENTION - datetime.timedelta(hours=1))
    _key(user, "new", datetime.timedelta(0))
    assert purge_idempotency_keys.delay().get() == 1
    assert sorted(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh", "new"]
    assert purge_idempotency_keys.delay().get() == 0


def test_the_retention_outlasts_a_week_offline():
    # A phone's outbox may retry after a week without signal; its key must still be there.
    assert IDEMPOTENCY_KEY_RETENTION >= datetime.timedelta(days=14)


def _session(expires_in):
    store = SessionStore()
    store["user"] = "x"
    store.set_expiry(expires_in)
    store.create()
    return store.session_key


def test_expired_sessions_go_and_live_ones_stay():
    expired = _session(1)
    Session.objects.filter(session_key=expired).update(expire_date=timezone.now() - datetime.timedelta(1))
    live = _session(3600)
    purge_expired_sessions.delay().get()
    assert list(Session.objects.values_list("session_key", flat=True)) == [live]
