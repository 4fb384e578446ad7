"""The premium fund in the Django admin: scoped like every admin page, read-only for
everyone, never deleted (not even by a superuser: the fund's totals are these rows' sums),
and no link to the evidence file (which only the co-op's own pages serve)."""

import pytest
from django.contrib.auth import get_user_model

from tests.upgrading import premium_data
from tests.upgrading.premium_data import pdf
from upgrading.models import PremiumAllocation, PremiumFund, PremiumReceipt, PremiumSpending

pytestmark = pytest.mark.django_db

premium = premium_data.premium
premium_b = premium_data.premium_b
media = premium_data.media

CHANGELISTS = {
    "premiumfund": PremiumFund,
    "premiumreceipt": PremiumReceipt,
    "premiumallocation": PremiumAllocation,
    "premiumspending": PremiumSpending,
}


@pytest.fixture
def staff_flags(personas):
    get_user_model().objects.update(is_staff=True)
    for user in vars(personas).values():
        user.refresh_from_db()
    return personas


@pytest.fixture
def funded(premium):
    premium.shipment(("100",), rate="5.000000")
    premium.allocation = premium.allocate("100.00")
    premium.spending = premium.spend(premium.allocation, "10.00", evidence=pdf())
    return premium


def test_members_see_only_their_cooperatives_rows(client, staff_flags, funded, premium_b):
    for user in (staff_flags.manager, staff_flags.auditor):
        client.force_login(user)
        for name, model in CHANGELISTS.items():
            response = client.get(f"/admin/upgrading/{name}/")
            assert response.status_code == 200, name
            rows = set(response.context["cl"].queryset)
            assert rows == set(model.objects.filter(cooperative=funded.coop)) != set(), name
    client.force_login(staff_flags.manager)
    assert client.get(f"/admin/upgrading/premiumspending/{premium_b.spending.pk}/change/").status_code in (
        302,
        404,
    )


def test_nobody_changes_or_deletes_premium_rows(client, staff_flags, funded):
    superuser = get_user_model().objects.create_superuser("root", "root@example.org", "x")
    for user in (staff_flags.manager, superuser):
        client.force_login(user)
        for name, model in CHANGELISTS.items():
            row = model.objects.filter(cooperative=funded.coop).first()
            assert client.get(f"/admin/upgrading/{name}/add/").status_code == 403, name
            assert (
                client.post(f"/admin/upgrading/{name}/{row.pk}/delete/", {"post": "yes"}).status_code == 403
            )
            assert model.objects.filter(pk=row.pk).exists()


def test_the_spending_page_shows_the_hash_not_a_file_link(client, staff_flags, funded):
    client.force_login(staff_flags.manager)
    page = client.get(f"/admin/upgrading/premiumspending/{funded.spending.pk}/change/").content.decode()
    assert funded.spending.evidence_sha256 in page
    assert funded.spending.evidence.name not in page
