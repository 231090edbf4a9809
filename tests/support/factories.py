"""factory_boy factories: each test builds exactly the rows it needs."""

from __future__ import annotations

import itertools
import secrets
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import TypeVar

import factory
from factory.alchemy import SQLAlchemyModelFactory

from counselor import timeutil
from counselor.extensions import db
from counselor.models import (
    Acknowledgement,
    Assignee,
    Assignment,
    CheckIn,
    CheckInSource,
    Counselor,
    CounselorRole,
    Couple,
    CoupleSession,
    LadderRung,
    Noticed,
    Partner,
    Practice,
    ReflectionReply,
    ReplyKind,
    TaskTemplate,
    WeeklyAnswer,
    WeeklyCheckinItem,
)
from counselor.services.accounts import counselors

PASSWORD = "correct horse battery staple"


@cache
def password_hash() -> str:
    """Hashed once, at the app's PASSWORD_HASH_PROFILE: a login then verifies it cheaply."""
    return counselors.hash_password(PASSWORD)


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class PracticeFactory(BaseFactory):
    class Meta:
        model = Practice

    name = factory.Sequence(lambda n: f"Practice {n}")
    slug = factory.Sequence(lambda n: f"practice-{n}")
    timezone = "America/Chicago"


class CounselorFactory(BaseFactory):
    class Meta:
        model = Counselor

    practice = factory.SubFactory(PracticeFactory)
    email = factory.Sequence(lambda n: f"counselor{n}@example.org")
    name = factory.Sequence(lambda n: f"Counselor {n}")
    role = CounselorRole.OWNER
    timezone = factory.SelfAttribute("practice.timezone")  # as create_counselor does
    password_hash = factory.LazyFunction(password_hash)
    joined_at = factory.LazyFunction(timeutil.utcnow)  # joined; an invited counselor has None


class CoupleFactory(BaseFactory):
    class Meta:
        model = Couple

    counselor = factory.SubFactory(CounselorFactory)
    practice_id = factory.SelfAttribute("counselor.practice_id")
    label = factory.Sequence(lambda n: f"Couple {n}")

    @factory.post_generation
    def partners(self, create: bool, extracted: list[dict] | None, **kwargs: object) -> None:
        """Two partners; pass ``partners=[{...}, {...}]`` to set their fields."""
        specs = extracted or [{}, {}]
        for position, spec in enumerate(specs, start=1):
            PartnerFactory(couple=self, position=position, **spec)
        db.session.refresh(self)


class PartnerFactory(BaseFactory):
    class Meta:
        model = Partner

    couple = None
    position = 1
    first_name = factory.Sequence(lambda n: f"Partner{n}")
    email = factory.Sequence(lambda n: f"partner{n}@example.org")
    timezone = "America/Chicago"


def template(key: str) -> TaskTemplate:
    found = db.session.scalar(db.select(TaskTemplate).where(TaskTemplate.key == key))
    assert found is not None, key
    return found


def rung(position: int) -> LadderRung:
    return db.session.scalar(db.select(LadderRung).where(LadderRung.position == position))


class AssignmentFactory(BaseFactory):
    class Meta:
        model = Assignment

    couple = factory.SubFactory(CoupleFactory)
    practice_id = factory.SelfAttribute("couple.practice_id")
    rung = factory.LazyFunction(lambda: rung(2))
    title = "Share a minor worry"
    instructions = "Tell your partner about one small worry this week."
    assignee = Assignee.EACH
    times_per_week = 3
    starts_on = factory.LazyFunction(
        lambda: timeutil.local_today("America/Chicago") - timedelta(weeks=2)
    )


class CheckInFactory(BaseFactory):
    class Meta:
        model = CheckIn

    assignment = factory.SubFactory(AssignmentFactory)
    practice_id = factory.SelfAttribute("assignment.practice_id")
    partner = factory.LazyAttribute(lambda o: o.assignment.couple.partners[0])
    occurred_on = factory.LazyFunction(date.today)
    source = CheckInSource.LINK
    idempotency_key = factory.LazyFunction(lambda: secrets.token_urlsafe(12))


class SessionFactory(BaseFactory):
    class Meta:
        model = CoupleSession

    couple = factory.SubFactory(CoupleFactory)
    practice_id = factory.SelfAttribute("couple.practice_id")
    starts_at = factory.LazyFunction(lambda: datetime.now(UTC) + timedelta(days=3))


# Issue 15's rows, made directly: the services that make them are tested on their own, and
# erasure, export and the canary need the rows whatever those services do.

_weekly_keys = itertools.count(1)
Row = TypeVar("Row")


def make_weekly_item(**fields: object) -> WeeklyCheckinItem:
    """A weekly check-in item of its own key (never one of the ladder file's)."""
    n = next(_weekly_keys)
    values: dict[str, object] = {
        "key": f"test-item-{n}",
        "position": 100 + n,
        "text": f"Test statement {n}",
        "low_label": "Not at all",
        "high_label": "Very much",
        **fields,
    }
    item = WeeklyCheckinItem(**values)
    return _committed(item)


def make_weekly_answer(
    partner: Partner, item: WeeklyCheckinItem, week_start: date, score: int = 3, **fields: object
) -> WeeklyAnswer:
    answer = WeeklyAnswer(
        practice_id=partner.couple.practice_id,
        couple_id=partner.couple_id,
        partner_id=partner.id,
        week_start=week_start,
        item_id=item.id,
        item_version=item.version,
        score=score,
        **fields,
    )
    return _committed(answer)


def _other_partner(check_in: CheckIn) -> Partner:
    return next(p for p in check_in.assignment.couple.partners if p.id != check_in.partner_id)


def make_acknowledgement(
    check_in: CheckIn, noticed: Noticed = Noticed.YES, **fields: object
) -> Acknowledgement:
    """The other partner's answer to ``check_in`` (pass ``partner=`` to choose)."""
    values: dict[str, object] = {"partner": _other_partner(check_in), **fields}
    acknowledgement = Acknowledgement(
        practice_id=check_in.practice_id, checkin=check_in, noticed=noticed, **values
    )
    return _committed(acknowledgement)


def make_reflection_reply(
    check_in: CheckIn,
    kind: ReplyKind = ReplyKind.PARTNER,
    body: str = "Thank you",
    **fields: object,
) -> ReflectionReply:
    """A reply to ``check_in``'s reflection: the other partner's, or (``ReplyKind.COUNSELOR``)
    the couple's counselor's."""
    couple = check_in.assignment.couple
    author: dict[str, object] = (
        {"partner_id": _other_partner(check_in).id}
        if kind == ReplyKind.PARTNER
        else {"counselor_id": couple.counselor_id}
    )
    reply = ReflectionReply(
        practice_id=check_in.practice_id,
        couple_id=couple.id,
        checkin=check_in,
        kind=kind,
        body=body,
        **{**author, **fields},
    )
    return _committed(reply)


def _committed(row: Row) -> Row:
    """As the factories above persist (``sqlalchemy_session_persistence = "commit"``)."""
    db.session.add(row)
    db.session.commit()
    return row
