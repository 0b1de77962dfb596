"""Factories that build the users and records each test needs, valid by default."""

import datetime
from decimal import Decimal

import factory

from accounts.models import Role, User
from children.models import Allocation, CareEpisode, Child, ChildProtectionPlan, StrategyDiscussion

TEST_PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"Alex{n}")
    last_name = "Tester"
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.test")
    role = Role.IRO
    fte = Decimal("1.00")
    team = "North"
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class IroFactory(UserFactory):
    role = Role.IRO


class ManagerFactory(UserFactory):
    role = Role.SERVICE_MANAGER


class BoardMemberFactory(UserFactory):
    role = Role.BOARD_MEMBER


class AdministratorFactory(UserFactory):
    role = Role.ADMINISTRATOR
    is_staff = True
    is_superuser = True


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child

    local_child_id = factory.Sequence(lambda n: f"T{n:06d}")
    given_name = factory.Sequence(lambda n: f"Sam{n}")
    family_name = "Example"
    date_of_birth = datetime.date(2015, 6, 1)
    sex = "F"
    ethnicity = "WBRI"
    # The SSDA903 return needs MOTHER for every girl looked after (rule 393), and none for a boy.
    is_mother = factory.LazyAttribute(lambda child: False if child.sex == "F" else None)


class CareEpisodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CareEpisode

    child = factory.SubFactory(ChildFactory)
    start_date = datetime.date(2024, 1, 10)
    reason_for_new_episode = "S"
    legal_status = "C2"
    category_of_need = "N1"
    placement_type = "U6"
    placement_provider = "PR1"


class AllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Allocation

    child = factory.SubFactory(ChildFactory)
    iro = factory.SubFactory(IroFactory)
    start_date = datetime.date(2024, 1, 10)


class ChildProtectionPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChildProtectionPlan

    child = factory.SubFactory(ChildFactory)
    start_date = datetime.date(2024, 3, 1)
    initial_category_of_abuse = "NEG"


class StrategyDiscussionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StrategyDiscussion

    child = factory.SubFactory(ChildFactory)
    date = datetime.date(2024, 2, 1)
    section_47_enquiry_started = True
