"""API list: GET /api/v1/couples?page_size=100. Its serialization (the page schema's dump
and Flask's JSON response, as flask-smorest does them) against the bare
``CoupleSchema(many=True).dump`` of the same rows plus ``json.dumps``."""

from __future__ import annotations

import importlib.util
import json
import time
from collections.abc import Callable

from flask import Flask

from benchmarks import data
from benchmarks.env import BenchEnv, vacuum_analyze
from benchmarks.measure import Figure, paired_ratios, run_forked
from benchmarks.plan import Plan
from benchmarks.profiling import profile
from benchmarks.results import Check, Growth, ScenarioResult
from counselor import tenancy
from counselor.extensions import db
from counselor.services.audit import Actor
from tests.support.helpers import count_statements
from tests.support.processes import empty_tables

PAGE_SIZE = 100
CALLS = 20  # calls per run; a run's figure is the mean time of one call
PATH = f"/api/v1/couples?page_size={PAGE_SIZE}"


def api_present() -> bool:
    return (
        importlib.util.find_spec("counselor.api") is not None
        and importlib.util.find_spec("counselor.api.schemas.couples") is not None
    )


def _per_call_ms(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    for _ in range(CALLS):
        fn()
    return 1000 * (time.perf_counter() - started) / CALLS


def run_api(env: BenchEnv, app: Flask, plan: Plan) -> ScenarioResult:
    result = ScenarioResult("API list")
    if not api_present():
        result.skipped = "counselor/api (the REST API) is not in this tree yet"
        return result
    from counselor.api.schemas.couples import CouplePageSchema, CoupleSchema
    from counselor.services.accounts import api_keys
    from counselor.services.pages import api_lists

    started = time.perf_counter()
    result.growth = Growth(
        "API list", "couples", "ms per request (in-process)", "peak RSS growth of 20 requests"
    )
    empty_tables()
    owner = data.counselor()
    _key, secret = api_keys.create_api_key(Actor.for_counselor(owner), "benchmark")
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    client = app.test_client()

    def request() -> None:
        response = client.get(PATH, headers=headers)
        assert response.status_code == 200, response.status_code

    created = 0
    statements = []
    for size in plan.api_sizes:
        data.add_couples(owner, created, size - created, checkins=False)
        created = size
        vacuum_analyze()
        request()  # warm
        with count_statements() as counter:
            request()
        statements.append(counter.count)
        page = api_lists.couples_page(1, PAGE_SIZE)
        main = size == plan.api_sizes[-1]
        floor, serial, whole, memory = Figure("ms"), Figure("ms"), Figure("ms"), Figure("MiB")

        def bare_dump(rows: list = page.items) -> str:
            return json.dumps(CoupleSchema(many=True).dump(rows))

        def project_dump(result: object = page) -> bytes:  # what flask-smorest does
            return app.json.response(CouplePageSchema().dump(result)).get_data()

        with app.test_request_context():
            for _ in range(plan.rounds):
                if main:
                    floor.add(_per_call_ms(bare_dump))
                    serial.add(_per_call_ms(project_dump))
                run = run_forked(lambda: [request() for _ in range(CALLS)] and None)
                whole.add(1000 * run.seconds / CALLS)
                memory.add(run.peak_growth_mib)
        result.growth.add(size, whole, memory)
        if main:
            result.checks.append(
                Check.ratio_at_most(
                    "API list", f"serialization of {PAGE_SIZE} couples", serial, floor,
                    paired_ratios(serial, floor), 1.5,
                )
            )  # fmt: skip
            result.facts.append(
                f"whole request (auth, query, dump, JSON) at {size:,} couples: {whole.text()}; "
                f"floor and serialization are timed on rows already loaded"
            )
        db.session.remove()  # the next size starts from a fresh session …
        tenancy.enter_practice(owner.practice_id)  # … acting for the same practice
    sizes = " / ".join(f"{s:,}" for s in plan.api_sizes)
    result.checks.append(
        Check(
            "API list", f"SQL statements per request at {sizes} couples",
            " / ".join(str(n) for n in statements), "–", None, "constant",
            len(set(statements)) == 1,
        )
    )  # fmt: skip
    if any(not c.met for c in result.checks) and not plan.quick:
        result.profile = f"in-process, GET {PATH} ×50\n" + profile(request, calls=50)
    result.seconds = time.perf_counter() - started
    return result
