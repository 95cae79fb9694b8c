from sqlalchemy import select

from carbontrail.store.db import transaction
from carbontrail.store.models import Facility, Organisation


def test_organisation_round_trip(sessions):
    with transaction(sessions) as s:
        org = Organisation(code="calb", name="中创新航（成都）", province="四川")
        org.facilities.append(Facility(code="f1", name="Cell plant 1", province="四川", city="成都"))
        s.add(org)
    with transaction(sessions) as s:
        got = s.scalars(select(Facility)).one()
        assert (got.name, got.organisation.code) == ("Cell plant 1", "calb")
