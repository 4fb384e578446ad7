"""`manage.py create_cooperative`: a co-op and its first administrator without a shell;
bad input is an error naming the option, with nothing created."""

from io import StringIO
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError

from coop.models import Cooperative, Membership, Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()
SITE = "https://mutirao.example.org"


@pytest.fixture(autouse=True)
def _in_english(settings):
    settings.LANGUAGE_CODE = "en"  # commands speak the installation's language


def run(*args, site_url=SITE, **options):
    out = StringIO()
    arguments = [
        "--slug=mel",
        "--name=Cooperativa do Mel",
        "--municipality=Simplício Mendes",
        "--manager-email=ana@example.org",
        *args,
    ]
    if site_url:
        arguments.append(f"--site-url={site_url}")
    call_command("create_cooperative", *arguments, stdout=out, **options)
    return out.getvalue()


def nothing_created():
    return (
        not Cooperative.objects.filter(slug="mel").exists()
        and not User.objects.filter(email="ana@example.org").exists()
    )


def test_creates_the_coop_and_its_admin_and_prints_a_set_password_link(
    django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        out = run("--state=pi", "--currency=brl")
    cooperative = Cooperative.objects.get(slug="mel")
    assert (cooperative.name, cooperative.state, cooperative.base_currency) == (
        "Cooperativa do Mel",
        "PI",
        "BRL",
    )
    membership = Membership.objects.get(cooperative=cooperative)
    assert (membership.user.username, membership.role) == ("ana@example.org", Role.ADMIN)
    assert not membership.user.has_usable_password()
    link = out.strip().splitlines()[-1]
    assert link.startswith(f"{SITE}/accounts/reset/")
    assert [message.to for message in mailoutbox] == [["ana@example.org"]]
    assert link in mailoutbox[0].body


def test_site_url_falls_back_to_the_setting(settings):
    settings.SITE_URL = "https://coop.example.net/"
    out = run(site_url="")
    assert "https://coop.example.net/accounts/reset/" in out


def test_without_a_site_url_it_says_so_and_creates_nothing(settings):
    settings.SITE_URL = ""
    with pytest.raises(CommandError, match="--site-url"):
        run(site_url="")
    assert nothing_created()


def test_a_site_url_that_is_not_a_web_address_is_refused():
    with pytest.raises(CommandError, match="--site-url"):
        run(site_url="mutirao.example.org")
    assert nothing_created()


def test_an_existing_account_gets_the_role_and_no_link():
    UserFactory(username="ana", email="ana@example.org")
    out = run()
    assert "/accounts/reset/" not in out
    assert "already have a password" in out
    assert Membership.objects.get(cooperative__slug="mel").user.username == "ana"


def test_verbosity_zero_prints_only_the_link():
    out = run(verbosity=0)
    assert len(out.strip().splitlines()) == 1
    assert out.startswith(f"{SITE}/accounts/reset/")


def test_dry_run_checks_and_writes_nothing():
    out = run("--dry-run")
    assert "Dry run" in out and "/accounts/reset/" not in out
    assert nothing_created()


@pytest.mark.parametrize(
    ("arguments", "option"),
    [
        (["--slug=coop-a"], "--slug"),
        (["--manager-email=not-an-email"], "--manager-email"),
        (["--state=XX"], "--state"),
        (["--currency=REAL"], "--currency"),
        (["--slug=com espaço"], "--slug"),
        (["--name="], "--name"),
    ],
)
def test_bad_input_names_the_option_and_creates_nothing(coop_a, arguments, option):
    with pytest.raises(CommandError) as refused:
        run(*arguments)
    assert str(refused.value).startswith(option) or f"\n{option}" in str(refused.value)
    assert Cooperative.objects.count() == 1
    assert not User.objects.exists()


def test_a_refused_run_exits_with_a_non_zero_code(coop_a, capsys):
    command = load_command_class("coop", "create_cooperative")
    argv = ["manage.py", "create_cooperative", "--slug=coop-a", "--name=X", "--municipality=Y"]
    argv += ["--manager-email=ana@example.org", f"--site-url={SITE}"]
    # run_from_argv closes every connection when it returns, the test's own included.
    with mock.patch("django.core.management.base.connections.close_all"), pytest.raises(SystemExit) as exit:
        command.run_from_argv(argv)
    assert exit.value.code != 0
    assert "--slug: This slug is already used" in capsys.readouterr().err
    assert nothing_created()
