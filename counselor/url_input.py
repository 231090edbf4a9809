"""What a URL may carry into the app: ids the database's integers can hold, and query
strings a database can store.

Every ``<int:…>`` segment (and the API's ``<id:…>``) is a row's id, from 1 to
``validation.MAX_ID``: a larger number, a negative one or zero matches no route and answers
404 — never a query the database refuses (PostgreSQL's "integer out of range", SQLite's
overflow), whatever route is added later. A query string with a character no column can
hold (a NUL) is a bad request (400) before any page's view reads it: a search, a template
key or a ``next`` never reaches the database in a shape it refuses. (The API's parameters
are checked by its schemas, which name the parameter in a 422.)
"""

from __future__ import annotations

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter, Map

from counselor.services import validation


class IdConverter(IntegerConverter):
    """A database id: 1 to ``MAX_ID``; anything else is simply not found. It takes no
    arguments (a route asking for ``<int(signed=True):…>`` fails when it is added): every
    integer in a path here names a row."""

    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, min=1, max=validation.MAX_ID)


def install(app: Flask) -> None:
    """Before any blueprint adds its routes: rules bind their converters when added."""
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["id"] = IdConverter

    @app.before_request
    def refuse_unstorable_query_strings() -> None:
        if "api" in request.blueprints:
            return  # the API checks each parameter with its schema: 422, naming it
        if any(validation.unstorable(value) for _, value in request.args.items(multi=True)):
            abort(400)
