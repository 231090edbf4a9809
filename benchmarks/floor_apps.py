"""The web floors, served by the same gunicorn settings as the project, on the project's
database (``COUNSELOR_SQLALCHEMY_DATABASE_URI``, SQLite tuned as the project tunes it):

- ``hello_app()``: a bare Flask hello-world (informational: a page that does nothing);
- ``write_app()``: the floor of a partner's *Mark done*: ``POST /p/<token>/done`` hashes
  the token, looks the hash up by its unique index in a table of token hashes (as
  ``client_links``), INSERTs one row (with a unique idempotency key, as ``checkins``) and
  COMMITs — one round trip for the look-up, one for the INSERT, and the COMMIT;
- ``list_app()``: the floor of the couples page: ``GET /couples?practice=…&page=…`` reads
  one page of 50 couples of the practice with their partners from the project's own
  ``couples`` / ``partners`` tables in ONE SELECT — the same sort (``lower(label)``, id)
  and paging as the project's links (keyset ``after=<id>``, else OFFSET), each partner's
  check-ins this week and weekly target, the couple's last check-in day and next session
  as correlated subqueries — and renders those columns with a minimal Jinja template.

Nothing of the project is imported: these are what a request costs without it.
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime, timedelta
from itertools import groupby

import sqlalchemy as sa
from flask import Flask, render_template_string, request

LINK_TABLE = "bench_floor_links"
WRITE_TABLE = "bench_floor_checkins"
FLOOR_LINKS = 50
PER_PAGE = 50


def floor_token(n: int) -> str:
    """The n-th link's token (the load sends these; the table holds their hashes)."""
    return f"bench-floor-token-{n:04d}-{'x' * 24}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hello_app() -> Flask:
    app = Flask(__name__)

    @app.get("/")
    def hello() -> str:
        return "Hello, World!"

    return app


def floor_engine(url: str) -> sa.Engine:
    if url.startswith("sqlite:"):
        engine = sa.create_engine(url, connect_args={"timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _wal(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


def create_floor_tables(url: str) -> None:
    """The links the bare write looks up and the table it inserts into (run once, before
    the servers start)."""
    engine = floor_engine(url)
    with engine.begin() as connection:
        for table in (WRITE_TABLE, LINK_TABLE):
            connection.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
        connection.execute(
            sa.text(
                f"CREATE TABLE {LINK_TABLE} (id INTEGER PRIMARY KEY, partner_id INTEGER NOT NULL, "
                "token_hash VARCHAR(64) NOT NULL UNIQUE)"
            )
        )
        connection.execute(
            sa.text(
                f"CREATE TABLE {WRITE_TABLE} (id INTEGER PRIMARY KEY "
                + ("AUTOINCREMENT" if url.startswith("sqlite:") else "GENERATED ALWAYS AS IDENTITY")
                + ", partner_id INTEGER NOT NULL, idempotency_key VARCHAR(64) NOT NULL, "
                "occurred_on DATE NOT NULL, created_at TIMESTAMP NOT NULL, "
                "UNIQUE (partner_id, idempotency_key))"
            )
        )
        connection.execute(
            sa.text(f"INSERT INTO {LINK_TABLE} (id, partner_id, token_hash) VALUES (:id, :p, :h)"),  # noqa: S608
            [{"id": n, "p": 1000 + n, "h": token_hash(floor_token(n))} for n in range(FLOOR_LINKS)],
        )
    engine.dispose()


def written_rows(url: str) -> int:
    engine = floor_engine(url)
    with engine.connect() as connection:
        count = connection.execute(sa.text(f"SELECT count(*) FROM {WRITE_TABLE}")).scalar()  # noqa: S608
    engine.dispose()
    return int(count or 0)


def write_app() -> Flask:
    app = Flask(__name__)
    engine = floor_engine(os.environ["COUNSELOR_SQLALCHEMY_DATABASE_URI"])
    app.extensions["floor_engine"] = engine  # for whoever ends the app early (the tests)
    # The table names are constants of this module; the values are bound parameters.
    look_up = sa.text(f"SELECT id, partner_id FROM {LINK_TABLE} WHERE token_hash = :h")  # noqa: S608
    insert = sa.text(
        f"INSERT INTO {WRITE_TABLE} (partner_id, idempotency_key, occurred_on, created_at) "  # noqa: S608
        "VALUES (:p, :k, :d, :t)"
    )

    @app.get("/")
    def ready() -> str:
        return "ready"

    @app.post("/p/<token>/done")
    def done(token: str) -> tuple[str, int]:
        key = request.form.get("checkin_key", "")[:64]
        now = datetime.now(UTC)
        with engine.begin() as connection:
            link = connection.execute(look_up, {"h": token_hash(token)}).first()
            if link is None:
                return "no such link", 404
            connection.execute(insert, {"p": link.partner_id, "k": key, "d": now.date(), "t": now})
        return "recorded", 200

    return app


# One SELECT: the page of couples (same practice, same order, paged as the project's link
# says: after a couple, by keyset, or by page number, OFFSET), each with its partners,
# every figure the page shows as a correlated subquery.
LIST_QUERY = """
WITH page AS (
    SELECT c.id, c.label, c.status FROM couples c
    WHERE c.practice_id = :practice {keyset}
    ORDER BY lower(c.label), c.id
    LIMIT :limit OFFSET :offset
)
SELECT page.id, page.label, page.status, p.first_name,
    (SELECT count(*) FROM checkins k
        WHERE k.partner_id = p.id AND k.occurred_on >= :monday) AS done,
    (SELECT coalesce(sum(a.times_per_week), 0) FROM assignments a
        WHERE a.couple_id = page.id AND a.status = 'active'
        AND (a.assignee <> 'partner' OR a.assignee_partner_id = p.id)) AS target,
    (SELECT max(k.occurred_on) FROM checkins k JOIN assignments a ON a.id = k.assignment_id
        WHERE a.couple_id = page.id) AS last_checkin,
    (SELECT min(s.starts_at) FROM couple_sessions s
        WHERE s.couple_id = page.id AND s.removed_at IS NULL AND s.starts_at > :now)
        AS next_session
FROM page JOIN partners p ON p.couple_id = page.id
ORDER BY lower(page.label), page.id, p.position
"""

KEYSET = """AND (lower(c.label), c.id) >
        (SELECT lower(e.label), e.id FROM couples e WHERE e.id = :after)"""

LIST_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Couples</title></head><body>
<h1>Couples</h1>
<table>
<tr><th>Couple</th><th>This week</th><th>Last check-in</th><th>Next session</th></tr>
{% for couple in couples %}
<tr><th><a href="/couples/{{ couple.id }}">{{ couple.label }}</a></th>
<td><ul>{% for p in couple.partners %}
<li>{{ p.first_name }} {{ p.done }}/{{ p.target }}</li>{% endfor %}</ul></td>
<td>{{ couple.last_checkin or '—' }}</td><td>{{ couple.next_session or '—' }}</td></tr>
{% endfor %}
</table>
<p><a href="?after={{ couples[-1].id if couples else 0 }}&amp;page={{ page + 1 }}">Next</a></p>
</body></html>"""


def list_app() -> Flask:
    app = Flask(__name__)
    engine = floor_engine(os.environ["COUNSELOR_SQLALCHEMY_DATABASE_URI"])
    app.extensions["floor_engine"] = engine  # for whoever ends the app early (the tests)
    by_page = sa.text(LIST_QUERY.format(keyset=""))
    by_keyset = sa.text(LIST_QUERY.format(keyset=KEYSET))

    @app.get("/")
    def ready() -> str:
        return "ready"

    @app.get("/couples")
    def couples() -> str:
        practice = request.args.get("practice", 0, type=int)
        page = max(1, request.args.get("page", 1, type=int))
        after = request.args.get("after", type=int)
        now = datetime.now(UTC)
        today = now.date()
        params = {
            "practice": practice,
            "after": after,
            "limit": PER_PAGE,
            "offset": 0 if after else (page - 1) * PER_PAGE,
            "monday": today - timedelta(days=today.weekday()),
            "now": now.replace(tzinfo=None) if engine.dialect.name == "sqlite" else now,
        }
        with engine.connect() as connection:
            rows = connection.execute(by_keyset if after else by_page, params).all()
        listed = []
        for (couple_id, label, status), partners in groupby(rows, key=lambda r: r[:3]):
            partners = list(partners)
            first = partners[0]
            listed.append(
                {
                    "id": couple_id,
                    "label": label,
                    "status": status,
                    "partners": partners,
                    "last_checkin": first.last_checkin,
                    "next_session": first.next_session,
                }
            )
        return render_template_string(LIST_TEMPLATE, couples=listed, page=page)

    return app
