"""The general-assembly register's services: attendance that adds up, votes within those
present, minutes checked and hashed, decision numbers, roles."""

import datetime
import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.upgrading.advances_data import PDF_BYTES, exe_upload, pdf_upload
from upgrading.models import Assembly, Decision
from upgrading.services import assemblies as services

pytestmark = pytest.mark.django_db

HELD = datetime.date(2026, 2, 14)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def record(actor, coop, **changes):
    values = {
        "held_on": HELD,
        "kind": "ordinary",
        "place": "Sede, Simplício Mendes",
        "members_eligible": 930,
        "members_present": 412,
        "women_present": 187,
        "quorum_reached": True,
        **changes,
    }
    return services.assembly_record(actor=actor, cooperative=coop, **values)


def test_manager_records_an_assembly_with_its_minutes(coop_a, personas):
    assembly = record(personas.manager, coop_a, minutes=pdf_upload())
    assembly.refresh_from_db()
    assert (assembly.members_present, assembly.women_present, assembly.quorum_reached) == (412, 187, True)
    assert assembly.minutes_sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    with assembly.minutes.open("rb") as stored:
        assert stored.read() == PDF_BYTES
    assert assembly.history.get().history_user == personas.manager


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"women_present": 413}, "women_present"),
        ({"members_present": 931}, "members_present"),
        ({"members_present": -1}, "members_present"),
        ({"members_present": "many"}, "members_present"),
        ({"members_present": 10**30}, "members_present"),
        ({"members_present": True}, "members_present"),
        ({"members_present": 4.5}, "members_present"),
        ({"women_present": None}, "women_present"),
        ({"held_on": timezone.localdate() + datetime.timedelta(days=30)}, "held_on"),
        ({"held_on": "2999-01-01"}, "held_on"),
        ({"held_on": "14/02/2026"}, "held_on"),
        ({"kind": "party"}, "kind"),
        ({"place": "Sede\x00"}, "place"),
        ({"quorum": True}, "quorum"),
    ],
)
def test_bad_assemblies_are_refused_naming_the_field(coop_a, personas, changes, field):
    with pytest.raises(ValidationError) as raised:
        record(personas.manager, coop_a, **changes)
    assert field in raised.value.message_dict
    assert not Assembly.objects.exists()


def test_a_renamed_executable_is_refused_as_minutes(coop_a, personas):
    with pytest.raises(ValidationError) as raised:
        record(personas.manager, coop_a, minutes=exe_upload())
    assert "minutes" in raised.value.message_dict
    assert not Assembly.objects.exists()


@pytest.mark.parametrize("who", ["staff", "auditor", "outsider", "expired"])
def test_only_managers_record(coop_a, personas, who):
    with pytest.raises(PermissionDenied):
        record(getattr(personas, who), coop_a)


def test_decisions_are_numbered_in_order(coop_a, personas):
    assembly = record(personas.manager, coop_a)
    first = services.decision_record(
        actor=personas.manager, assembly=assembly, text="Premium plan 2026: school transport", votes_for=300
    )
    second = services.decision_record(
        actor=personas.manager,
        assembly=assembly,
        text="  Settle the 2025 season among the associations  ",
        votes_for=200,
        votes_against=150,
        votes_abstaining=62,
        minutes=pdf_upload(),
    )
    assert (first.number, second.number) == (1, 2)
    assert second.text == "Settle the 2025 season among the associations"
    assert first.approved and second.approved
    assert second.minutes_sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert first.cooperative == coop_a


def test_a_decision_with_more_against_is_not_approved(coop_a, personas):
    assembly = record(personas.manager, coop_a)
    rejected = services.decision_record(
        actor=personas.manager, assembly=assembly, text="Buy a truck", votes_for=100, votes_against=100
    )
    assert not rejected.approved


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"votes_for": 300, "votes_against": 100, "votes_abstaining": 13}, "votes_for"),  # 413 > 412
        ({"votes_for": -1}, "votes_for"),
        ({"votes_for": "lots"}, "votes_for"),
        ({"text": "   "}, "text"),
        ({"text": "x\x00"}, "text"),
        ({"number": 0}, "number"),
        ({"number": 40000}, "number"),
        ({"number": 1}, "number"),  # already taken below
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_decisions_are_refused_naming_the_field(coop_a, personas, changes, field):
    assembly = record(personas.manager, coop_a)
    services.decision_record(actor=personas.manager, assembly=assembly, text="First", votes_for=10)
    values = {"text": "A decision", "votes_for": 10, **changes}
    with pytest.raises(ValidationError) as raised:
        services.decision_record(actor=personas.manager, assembly=assembly, **values)
    assert field in raised.value.message_dict
    assert Decision.objects.count() == 1


def test_staff_cannot_record_decisions(coop_a, personas):
    assembly = record(personas.manager, coop_a)
    with pytest.raises(PermissionDenied):
        services.decision_record(actor=personas.staff, assembly=assembly, text="x", votes_for=1)


def test_correcting_attendance_below_the_votes_cast_is_refused(coop_a, personas):
    assembly = record(personas.manager, coop_a)
    services.decision_record(
        actor=personas.manager, assembly=assembly, text="x", votes_for=300, votes_against=10
    )
    with pytest.raises(ValidationError) as raised:
        services.assembly_update(
            actor=personas.manager, assembly=assembly, members_present=305, women_present=100
        )
    assert "members_present" in raised.value.message_dict
    updated = services.assembly_update(
        actor=personas.manager, assembly=assembly, members_present=310, women_present=100
    )
    assert (updated.members_present, updated.women_present) == (310, 100)
    assert updated.history.count() == 2


def test_minutes_can_be_added_later(coop_a, personas):
    assembly = record(personas.manager, coop_a)
    assert not assembly.minutes_sha256
    services.assembly_update(actor=personas.manager, assembly=assembly, minutes=pdf_upload("ata-2026.pdf"))
    assembly.refresh_from_db()
    assert assembly.minutes_sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert assembly.minutes.name.endswith(".pdf")
