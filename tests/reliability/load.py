"""Fifty clients at once against the served app: partners opening their page and checking
steps off, the counselor reading the dashboard, the host system reading and writing through
the API. Every answer is kept with its times, so a test can split the answers into phases
around an outage it causes, and every check-in carries a reflection unique to it, so the
test can find which ones were stored."""

from __future__ import annotations

import collections
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import requests
import sqlalchemy as sa

from tests.reliability.conftest import World
from tests.support import factories

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
CHECK_INS = ("check-off", "api check-in")
ROLES = ("partner", "dashboard", "api")
TIMEOUT = 30  # seconds; longer than any answer should take, shorter than gunicorn's kill


@dataclass(frozen=True)
class Answer:
    kind: str  # partner page, check-off, dashboard, api read, api check-in, login
    started: float  # time.monotonic()
    ended: float
    status: int  # 0: no HTTP answer at all (refused, reset, timed out)
    retry_after: str | None = None
    marker: str | None = None  # a check-in's reflection

    @property
    def succeeded(self) -> bool:
        return 200 <= self.status < 400


class Load:
    """``clients`` threads, each a partner, the counselor or the host system (in turn)."""

    def __init__(self, base_url: str, world: World, clients: int = 50) -> None:
        self.base_url = base_url
        self.world = world
        self.clients = clients
        self.answers: list[Answer] = []
        self._deadline = 0.0

    def run(self, seconds: float, events: Iterable[tuple[float, Callable[[], None]]] = ()) -> None:
        """Load for ``seconds``; each event's action is called that many seconds in."""
        self.started = time.monotonic()
        self._deadline = self.started + seconds
        threads = [
            threading.Thread(target=self._client, args=(index,), daemon=True)
            for index in range(self.clients)
        ]
        for thread in threads:
            thread.start()
        for at, action in sorted(events, key=lambda event: event[0]):
            time.sleep(max(0.0, self.started + at - time.monotonic()))
            action()
        for thread in threads:
            thread.join(timeout=seconds + TIMEOUT + 5)
        self.seconds = time.monotonic() - self.started

    def stop(self, after: float = 0.0) -> None:
        """End the run ``after`` seconds from now (each client finishes the request it is
        waiting on), however long ``run`` was asked to last."""
        self._deadline = min(self._deadline, time.monotonic() + after)

    def _client(self, index: int) -> None:
        role = ROLES[index % len(ROLES)]
        token, step, partner_id = self.world.steps[index % len(self.world.steps)]
        couple_id = self.world.couple_ids[index % len(self.world.couple_ids)]
        with requests.Session() as http:
            if role == "partner":
                self._partner(http, token, step)
            elif role == "dashboard":
                self._counselor(http, couple_id)
            else:
                http.headers["Authorization"] = f"Bearer {self.world.api_key}"
                self._host_system(http, couple_id, step, partner_id)

    def _running(self) -> bool:
        return time.monotonic() < self._deadline

    def _send(
        self,
        http: requests.Session,
        kind: str,
        method: str,
        path: str,
        marker: str | None = None,
        **kwargs: Any,
    ) -> requests.Response | None:
        started = time.monotonic()
        try:
            response = http.request(
                method, self.base_url + path, timeout=TIMEOUT, allow_redirects=False, **kwargs
            )
        except requests.RequestException:
            self.answers.append(Answer(kind, started, time.monotonic(), 0, marker=marker))
            time.sleep(0.05)
            return None
        answer = Answer(
            kind,
            started,
            time.monotonic(),
            response.status_code,
            response.headers.get("Retry-After"),
            marker,
        )
        self.answers.append(answer)
        if not answer.succeeded:
            time.sleep(0.05)  # as a person or a host would: not in a tight loop
        return response

    def _partner(self, http: requests.Session, token: str, step: int) -> None:
        csrf = None
        while self._running():
            if csrf is not None:
                marker = f"load {uuid.uuid4().hex}"
                form = {
                    "csrf_token": csrf,
                    "checkin_key": f"link:{step}:{uuid.uuid4().hex[:40]}",
                    "when": "0",
                    "reflection": marker,
                }
                path = f"/p/{token}/steps/{step}/done"
                self._send(http, "check-off", "POST", path, data=form, marker=marker)
            page = self._send(http, "partner page", "GET", f"/p/{token}")
            found = CSRF.search(page.text) if page is not None and page.ok else None
            csrf = found.group(1) if found else csrf

    def _counselor(self, http: requests.Session, couple_id: int) -> None:
        logged_in = False
        while self._running():
            if not logged_in:
                logged_in = self._log_in(http)
                continue
            listing = self._send(http, "dashboard", "GET", "/couples")
            if listing is not None and listing.status_code == 302:
                logged_in = False  # sent to the login page: log in again
                continue
            self._send(http, "dashboard", "GET", f"/couples/{couple_id}")

    def _log_in(self, http: requests.Session) -> bool:
        page = self._send(http, "login", "GET", "/login")
        found = CSRF.search(page.text) if page is not None and page.ok else None
        if found is None:
            return False
        form = {
            "csrf_token": found.group(1),
            "email": self.world.owner_email,
            "password": factories.PASSWORD,
        }
        response = self._send(http, "login", "POST", "/login", data=form)
        return response is not None and response.status_code == 302

    def _host_system(self, http: requests.Session, couple_id: int, step: int, partner: int) -> None:
        while self._running():
            self._send(http, "api read", "GET", "/api/v1/couples?page_size=10")
            self._send(http, "api read", "GET", f"/api/v1/couples/{couple_id}/progress")
            marker = f"load {uuid.uuid4().hex}"
            body = {"partner_id": partner, "reflection": marker}
            path = f"/api/v1/assignments/{step}/checkins"
            self._send(http, "api check-in", "POST", path, json=body, marker=marker)

    # --- what happened ------------------------------------------------------------------

    def within(self, start: float, end: float) -> list[Answer]:
        """Answers to requests sent ``start`` seconds into the run or later, and answered
        by ``end``."""
        low, high = self.started + start, self.started + end
        return [a for a in self.answers if a.started >= low and a.ended <= high]

    def sent_between(self, start: float, end: float) -> list[Answer]:
        """Answers to requests sent ``start`` to ``end`` seconds into the run, whenever
        answered."""
        low, high = self.started + start, self.started + end
        return [a for a in self.answers if low <= a.started < high]

    def rate(self) -> float:
        if not self.answers:
            return 0.0
        span = max(a.ended for a in self.answers) - self.started
        return len(self.answers) / span


def burst(base_url: str, world: World, requests_at_once: int) -> list[Answer]:
    """``requests_at_once`` requests released together, one per client: half of them
    check-offs (the app's CSRF check off), a quarter refused launches, a quarter API
    reads."""
    ready = threading.Barrier(requests_at_once)
    answers: list[Answer] = []

    def one(index: int) -> None:
        token, step, _ = world.steps[index % len(world.steps)]
        options: dict[str, Any]
        kind, method, path, options = {
            0: ("check-off", "POST", f"/p/{token}/steps/{step}/done", {}),
            1: ("check-off", "POST", f"/p/{token}/steps/{step}/done", {}),
            2: ("launch", "GET", "/launch?token=not-a-token", {}),
            3: ("api read", "GET", "/api/v1/couples?page_size=5", {}),
        }[index % 4]
        marker = f"load {uuid.uuid4().hex}" if kind == "check-off" else None
        if marker:
            key = f"link:{step}:{uuid.uuid4().hex[:40]}"
            options = {"data": {"checkin_key": key, "when": "0", "reflection": marker}}
        headers = {"Authorization": f"Bearer {world.api_key}"}
        ready.wait()
        started = time.monotonic()
        try:
            response = requests.request(
                method,
                base_url + path,
                headers=headers,
                timeout=TIMEOUT,
                allow_redirects=False,
                **options,
            )
            status = response.status_code
        except requests.RequestException:
            status = 0
        answers.append(Answer(kind, started, time.monotonic(), status, marker=marker))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(requests_at_once)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT * 2)
    return answers


def statuses(answers: Iterable[Answer]) -> dict[int, int]:
    """How many answers had each status (0: no answer)."""
    return dict(sorted(collections.Counter(a.status for a in answers).items()))


def stored_check_ins(database_url: str, markers: set[str]) -> dict[str, tuple[int, bool]]:
    """The check-ins among ``markers`` that are in the database: reflection → (id, whether
    their audit event was stored with them)."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT c.reflection, c.id, EXISTS (SELECT 1 FROM audit_events e "
                    " WHERE e.action = 'checkin.create' AND e.object_id = c.id) "
                    "FROM checkins c WHERE c.reflection LIKE 'load %'"
                )
            ).all()
    finally:
        engine.dispose()
    return {
        reflection: (id_, audited) for reflection, id_, audited in rows if reflection in markers
    }
