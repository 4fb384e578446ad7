"""factory_boy factories with Brazilian (pt_BR) fake data."""

import datetime

import factory
from django.contrib.auth import get_user_model

from coop.models import Association, Cooperative, Family, Member, Membership, Product, Role

factory.Faker._DEFAULT_LOCALE = "pt_BR"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "demo")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CooperativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cooperative
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Cooperativa {n}")
    slug = factory.Sequence(lambda n: f"coop-{n}")
    state = "MA"
    municipality = "Lago do Junco"
    base_currency = "BRL"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    cooperative = factory.SubFactory(CooperativeFactory)
    role = Role.STAFF


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    cooperative = factory.SubFactory(CooperativeFactory)
    code = factory.Sequence(lambda n: f"P{n}")
    name = factory.Sequence(lambda n: f"Produto {n}")


class AssociationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Association

    cooperative = factory.SubFactory(CooperativeFactory)
    code = factory.Sequence(lambda n: f"A{n:03d}")
    name = factory.Faker("city")
    kind = Association.Kind.ASSOCIATION
    municipality = factory.Faker("city")


class FamilyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Family

    cooperative = factory.SubFactory(CooperativeFactory)
    code = factory.Sequence(lambda n: f"F{n:05d}")
    household_name = factory.Faker("last_name")
    association = factory.SubFactory(AssociationFactory, cooperative=factory.SelfAttribute("..cooperative"))
    municipality = factory.Faker("city")
    joined_on = datetime.date(2015, 3, 1)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    family = factory.SubFactory(FamilyFactory)
    cooperative = factory.SelfAttribute("family.cooperative")
    name = factory.Faker("name")
    gender = Member.Gender.FEMALE
    birth_year = 1980


class LotFactory(factory.django.DjangoModelFactory):
    """A delivered, accepted lot; pass `family=` to tie it to a family."""

    class Meta:
        model = "coop.Lot"

    cooperative = factory.SubFactory(CooperativeFactory)
    product = factory.SubFactory(ProductFactory, cooperative=factory.SelfAttribute("..cooperative"))
    kind = "barrel"
    code = factory.Sequence(lambda n: f"L{n:06d}")
    family = factory.SubFactory(FamilyFactory, cooperative=factory.SelfAttribute("..cooperative"))
    collected_on = datetime.date(2026, 3, 10)
    net_kg = "20.000"
    moisture_pct = "18.50"
    status = "accepted"


class InspectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "coop.Inspection"

    family = factory.SubFactory(FamilyFactory)
    cooperative = factory.SelfAttribute("family.cooperative")
    inspector = factory.SubFactory(MemberFactory, family__cooperative=factory.SelfAttribute("...cooperative"))
    inspected_on = datetime.date(2025, 12, 1)
    result = "compliant"


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "coop.Certification"

    family = factory.SubFactory(FamilyFactory)
    cooperative = factory.SelfAttribute("family.cooperative")
    scheme = "organic"
    standard = "EU 2018/848"
    reference = factory.Sequence(lambda n: f"CERT-{n}")
    valid_from = datetime.date(2026, 1, 1)
    valid_to = datetime.date(2026, 12, 31)
    approved_by = factory.SubFactory(
        InspectionFactory,
        family=factory.SelfAttribute("..family"),
        cooperative=factory.SelfAttribute("..cooperative"),
    )
