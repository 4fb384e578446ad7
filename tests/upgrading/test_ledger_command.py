"""`manage.py verify_ledger`: intact with the head and count, broken with where and why
(exit status 1), the head held outside, and bad arguments refused."""

import io

import pytest
from django.core.management import CommandError, call_command

from tests.upgrading import ledger_data
from tests.upgrading.ledger_data import tamper

ledger = ledger_data.ledger
media = ledger_data.media
catalogue = ledger_data.catalogue


def run(*args):
    out = io.StringIO()
    call_command("verify_ledger", *args, stdout=out)
    return out.getvalue()


def test_every_cooperative_intact(ledger):
    output = run()
    assert f"coop-a: intact, 6 entries, head 6:{ledger.a[5].hash}" in output
    assert f"coop-b: intact, 2 entries, head 2:{ledger.b[1].hash}" in output


def test_one_cooperative_against_the_head_held_outside(ledger):
    output = run("--coop", "coop-a", "--head", f"4:{ledger.a[3].hash}", "--chunk-size", "2")
    assert f"contains the head 4:{ledger.a[3].hash}" in output and "coop-b" not in output


def test_a_broken_chain_fails_with_where_and_why(ledger):
    tamper("UPDATE upgrading_ledgerentry SET note = 'x' WHERE id = %s", [ledger.a[1].pk])
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("verify_ledger", stdout=out)
    assert error.value.returncode == 1
    assert "coop-a: BROKEN at #2 (content_changed)" in out.getvalue()
    assert "coop-b: intact" in out.getvalue()


def test_a_head_that_is_no_longer_there(ledger):
    with pytest.raises(CommandError):
        run("--coop", "coop-a", "--head", f"9:{ledger.a[3].hash}")


@pytest.mark.parametrize(
    "args, words",
    [
        (["--head", "1:" + "a" * 64], "--coop"),
        (["--coop", "coop-a", "--head", "nonsense"], "SEQUENCE:HASH"),
        (["--coop", "nowhere"], "No co-operative"),
        (["--chunk-size", "0"], "at least 1"),
    ],
)
def test_bad_arguments(ledger, args, words):
    with pytest.raises(CommandError) as error:
        run(*args)
    assert words in str(error.value)
