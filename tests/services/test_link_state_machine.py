"""Partner links as a state machine (issue 12, "a Hypothesis state machine over partner
links"): links are issued, used, outlived, revoked by the counselor and restored by an
undo, stopped by a pause or by a new email address, used by the wrong purpose's page and
tampered with, in any order Hypothesis picks. A model kept beside the database says which
links must work; the invariant is that exactly those do:

    a link resolves if and only if it was issued, has not expired, is not revoked, is
    used for the purpose it was issued for (a homework link only while its couple is
    active) — and then it resolves to the partner it was issued to, never another.

Each rule is one request's work through the service layer (counselor/services/couples/
links.py and the services that revoke links), committed as a request would be, inside
the test's rolled-back transaction. Every example starts with couples of its own.

`make test` walks Hypothesis's quick profile (a few seconds: the same short examples every
run, which must take every rule and open both a live and a dead link); `make test-long`
the thorough one, new examples every run (tests/support/hypothesis_profiles.py).

Tried against planted bugs — a new address that leaves the old links working, or stops
them with a stamp an undo of *Revoke links* brings back; the purpose ignored; one
partner's links left out of a revocation — each fails it within its first examples.
"""

from __future__ import annotations

import functools
import itertools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    MultipleResults,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from counselor.extensions import db
from counselor.models import Couple, CoupleStatus, LinkPurpose
from counselor.services.audit import Actor
from counselor.services.couples import couples, links
from counselor.services.couples.couples import CoupleInput, PartnerInput
from counselor.services.errors import InvalidInput
from counselor.tenancy import get_in_practice
from tests.support import factories
from tests.support.clock import NOW, Clock
from tests.support.hypothesis_profiles import QUICK, THOROUGH

COUPLES = 2
PARTNERS = COUPLES * 2
PURPOSES = list(LinkPurpose)
# Revocations no undo can restore (a pause, a new address) share no id with the counselor's.
UNRESTORABLE = -1

# Besides every rule, what the walk must have done at least once.
LIVE_LINK_OPENED = "a live link opened"
DEAD_LINK_REFUSED = "a dead link refused"


@dataclass
class ModelLink:
    """What the model knows of one issued link."""

    partner: int  # index into the machine's partners
    purpose: LinkPurpose
    expires_at: datetime
    revoked_by: int | None = None  # a counselor revocation's number, or UNRESTORABLE


@pytest.mark.parametrize("depth", [QUICK, pytest.param(THOROUGH, marks=pytest.mark.long)])
def test_only_an_issued_unexpired_unrevoked_link_of_its_partner_and_purpose_works(
    app, clock: Clock, actor: Actor, counselor, depth: str
):
    ttl_days = {
        LinkPurpose.HOMEWORK: app.config["LINK_TTL_DAYS"],
        LinkPurpose.UNSUBSCRIBE: app.config["UNSUBSCRIBE_LINK_TTL_DAYS"],
    }
    addresses = itertools.count()
    rules: list[str] = []
    walked: Counter[str] = Counter()

    def walk(step: Callable) -> Callable:
        """A rule whose steps are counted: the walk must take it at least once."""
        rules.append(step.__name__)

        @functools.wraps(step)
        def counted(self, **arguments):
            walked[step.__name__] += 1
            return step(self, **arguments)

        return counted

    class PartnerLinks(RuleBasedStateMachine):
        tokens = Bundle("tokens")

        @initialize(target=tokens)
        def couples_of_this_example(self) -> MultipleResults[str]:
            """Two couples, each partner sent a link of each purpose."""
            clock.set(NOW)
            self.couples = [factories.CoupleFactory(counselor=counselor) for _ in range(COUPLES)]
            self.partners = [p for couple in self.couples for p in couple.partners]
            self.active = [True] * COUPLES
            self.links: dict[str, ModelLink] = {}
            # Per couple, the counselor's revocations: (number, the stamp an undo names).
            self.revocations: list[list[tuple[int, datetime]]] = [[] for _ in range(COUPLES)]
            self.numbers = itertools.count()
            sent = [self.issued(p, purpose) for p in range(PARTNERS) for purpose in PURPOSES]
            self.end_request()
            return multiple(*sent)

        def couple_of(self, partner: int) -> int:
            return partner // 2

        def expected_partner(self, token: str, purpose: LinkPurpose) -> int | None:
            """The partner this token must resolve to for this purpose, or None."""
            link = self.links.get(token)
            if link is None or link.purpose != purpose or link.revoked_by is not None:
                return None
            if clock.now >= link.expires_at:
                return None
            if purpose == LinkPurpose.HOMEWORK and not self.active[self.couple_of(link.partner)]:
                return None
            return link.partner

        def check(self, token: str, purpose: LinkPurpose) -> None:
            resolved = links.resolve_link(token, purpose)
            expected = self.expected_partner(token, purpose)
            walked[DEAD_LINK_REFUSED if expected is None else LIVE_LINK_OPENED] += 1
            if expected is None:
                assert resolved is None, f"a dead link resolved ({purpose})"
            else:
                assert resolved is not None, f"a live link did not resolve ({purpose})"
                assert resolved.partner_id == self.partners[expected].id, "another partner's"
                assert links.partner_actor(resolved.partner).id == self.partners[expected].id

        def end_request(self) -> None:
            db.session.commit()
            db.session.expire_all()

        @rule(
            target=tokens, partner=st.integers(0, PARTNERS - 1), purpose=st.sampled_from(PURPOSES)
        )
        @walk
        def issue(self, partner: int, purpose: LinkPurpose) -> str:
            token = self.issued(partner, purpose)
            self.end_request()
            return token

        def issued(self, partner: int, purpose: LinkPurpose) -> str:
            token = links.issue_link(self.partners[partner], purpose)
            self.links[token] = ModelLink(
                partner, purpose, clock.now + timedelta(days=ttl_days[purpose])
            )
            return token

        @rule(
            token=tokens,
            purpose=st.sampled_from(PURPOSES),
            tamper_at=st.none() | st.integers(0, 31),
        )
        @walk
        def use(self, token: str, purpose: LinkPurpose, tamper_at: int | None) -> None:
            """The link opened on its purpose's page or the other one's (wrong-purpose
            use), as sent or with one character changed."""
            if tamper_at is None:
                self.check(token, purpose)
                return
            index = tamper_at % len(token)
            tampered = token[:index] + ("A" if token[index] != "A" else "B") + token[index + 1 :]
            assert links.resolve_link(tampered, purpose) is None

        @rule(hours=st.integers(1, 20 * 24))
        @walk
        def time_passes(self, hours: int) -> None:
            """Up to 20 days: often less than a homework link lives, sometimes more."""
            clock.advance(hours=hours)

        @rule(couple=st.integers(0, COUPLES - 1))
        @walk
        def revoke_links(self, couple: int) -> None:
            """The counselor's *Revoke links*: every link not already revoked stops."""
            revocation = links.revoke_couple_links(actor, self.couples[couple].id)
            number = next(self.numbers)
            stopped = self._revoke(couple, number)
            assert revocation.links == stopped
            self.revocations[couple].append((number, revocation.at))
            self.end_request()

        def _revoke(self, couple: int, number: int) -> int:
            stopped = 0
            for link in self.links.values():
                if self.couple_of(link.partner) == couple and link.revoked_by is None:
                    link.revoked_by = number
                    stopped += 1
            return stopped

        @precondition(lambda self: any(self.revocations))
        @rule(data=st.data())
        @walk
        def undo_a_revocation(self, data: st.DataObject) -> None:
            """Undo one of the counselor's revocations: its links that have not expired
            work again, unless something else stopped them since (a new address)."""
            couple = data.draw(st.sampled_from([c for c in range(COUPLES) if self.revocations[c]]))
            number, at = data.draw(st.sampled_from(self.revocations[couple]))
            if not self.active[couple]:
                with pytest.raises(InvalidInput):
                    links.restore_couple_links(actor, self.couples[couple].id, at)
                db.session.rollback()
                return
            restored = links.restore_couple_links(actor, self.couples[couple].id, at)
            expected = 0
            for link in self.links.values():
                if link.revoked_by == number and clock.now < link.expires_at:
                    link.revoked_by = None
                    expected += 1
            assert restored == expected
            self.end_request()

        @rule(partner=st.integers(0, PARTNERS - 1))
        @walk
        def change_email(self, partner: int) -> None:
            """A new address: every link sent to the old one stops, for good."""
            couple = self.couples[self.couple_of(partner)]
            stored = get_in_practice(Couple, couple.id)
            inputs = [PartnerInput.of(p) for p in stored.partners]
            inputs[partner % 2].email = f"moved{next(addresses)}@example.net"
            couples.update_couple(
                actor,
                couple.id,
                CoupleInput(
                    label=stored.label,
                    partners=inputs,
                    counselor_id=stored.counselor_id,
                    external_id=stored.external_id,
                    status=stored.status,
                ),
            )
            for link in self.links.values():
                if link.partner == partner and clock.now < link.expires_at:
                    link.revoked_by = UNRESTORABLE
            self.end_request()

        @rule(couple=st.integers(0, COUPLES - 1), active=st.booleans())
        @walk
        def pause_or_reopen(self, couple: int, active: bool) -> None:
            """Pausing stops every link for good; reopening brings none back."""
            status = CoupleStatus.ACTIVE if active else CoupleStatus.PAUSED
            couples.set_status(actor, self.couples[couple].id, status)
            if self.active[couple] and not active:
                self._revoke(couple, UNRESTORABLE)
            self.active[couple] = active
            self.end_request()

        @invariant()
        def the_counselors_count_of_live_links(self) -> None:
            """What *Revoke links* would stop, as the couple page counts it: one query a
            couple after every step, where opening every link would take one a link."""
            if not hasattr(self, "couples"):
                return
            for index, couple in enumerate(self.couples):
                expected = sum(
                    1
                    for link in self.links.values()
                    if self.couple_of(link.partner) == index
                    and link.revoked_by is None
                    and clock.now < link.expires_at
                )
                assert links.live_link_count(couple.id) == expected

    profile = settings.get_profile(depth)
    run_state_machine_as_test(
        PartnerLinks, settings=settings(profile, suppress_health_check=[HealthCheck.too_slow])
    )
    untaken = {*rules, LIVE_LINK_OPENED, DEAD_LINK_REFUSED} - set(walked)
    assert not untaken, f"the walk never took {untaken}: more steps (hypothesis_profiles.py)"
