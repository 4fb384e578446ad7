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
