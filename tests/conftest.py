"""Shared fixtures: two co-operatives and a fixed cast of personas, so permission
tests read like prose (`personas.auditor` cannot write; `personas.outsider` sees nothing)."""

import datetime
import os
from types import SimpleNamespace

import pytest
from django.db import connection
from rest_framework.test import APIClient

from coop.models import Role
from tests.factories import (
    AssociationFactory,
    CooperativeFactory,
    FamilyFactory,
    MemberFactory,
    MembershipFactory,
    UserFactory,
)


def pytest_configure(config):
    # CI sets this so that a missing browser fails the run instead of skipping its tests.
    if os.environ.get("MUTIRAO_REQUIRE_BROWSER"):
        import importlib.util
        import shutil

        if not shutil.which("chromium") or importlib.util.find_spec("playwright") is None:
            raise pytest.UsageError("MUTIRAO_REQUIRE_BROWSER is set but chromium or playwright is missing")


def pytest_collection_modifyitems(config, items):
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (row locks, triggers, concurrent connections)")
    skip_broker = pytest.mark.skip(reason="needs a real Celery broker: set CELERY_BROKER_URL")
    for item in items:
        if "postgres" in item.keywords and connection.vendor != "postgresql":
            item.add_marker(skip_pg)
        if "broker" in item.keywords and not os.environ.get("CELERY_BROKER_URL"):
            item.add_marker(skip_broker)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def coop_a(db):
    return CooperativeFactory(name="Cooperativa A", slug="coop-a")


@pytest.fixture
def coop_b(db):
    return CooperativeFactory(name="Cooperativa B", slug="coop-b", state="PI")


def _member(coop, role, username, **extra):
    user = UserFactory(username=username)
    MembershipFactory(user=user, cooperative=coop, role=role, **extra)
    return user


@pytest.fixture
def personas(coop_a, coop_b):
    """Users of co-op A in every role, plus people who must see nothing of A."""
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    return SimpleNamespace(
        staff=_member(coop_a, Role.STAFF, "a-staff"),
        manager=_member(coop_a, Role.MANAGER, "a-manager"),
        auditor=_member(coop_a, Role.AUDITOR, "a-auditor"),
        admin=_member(coop_a, Role.ADMIN, "a-admin"),
        expired=_member(coop_a, Role.MANAGER, "a-expired", ends_on=yesterday),
        outsider=_member(coop_b, Role.MANAGER, "b-manager"),
        nobody=UserFactory(username="nobody"),
    )


@pytest.fixture
def world(coop_a, coop_b):
    """A little data in each co-operative."""
    rows = SimpleNamespace()
    for key, coop in (("a", coop_a), ("b", coop_b)):
        association = AssociationFactory(cooperative=coop, code=f"{key.upper()}-ASSOC")
        family = FamilyFactory(cooperative=coop, association=association, code=f"{key.upper()}-0001")
        member = MemberFactory(family=family)
        setattr(rows, f"association_{key}", association)
        setattr(rows, f"family_{key}", family)
        setattr(rows, f"member_{key}", member)
    return rows


@pytest.fixture
def api():
    """An API client; call `api.force_authenticate(user)` to act as someone."""
    return APIClient()


@pytest.fixture(autouse=True)
def _celery_eager():
    """Tests run tasks in-process even when CI configures a broker; the worker test opts out."""
    from config.celery import app

    app.conf.task_always_eager = True


@pytest.fixture
def celery_eager_off():
    from config.celery import app

    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = True


@pytest.fixture(autouse=True)
def _api_rate_limits_off(settings):
    """The suite makes many requests from one address and one user: no rate limit applies
    (a rate of None lets every request through). tests/config/test_throttling.py sets its own."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"auth_token": None, "writes": None},
    }
