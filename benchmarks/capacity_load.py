"""The week's visitors for `make bench-capacity`, in a process of their own (so their CPU
and GIL are not the driver's): each request is sent at its moment on the wall clock
(open loop: a slow answer does not delay the next visitor), by a pool of threads, each
on a new connection as gunicorn's sync workers close them.

python -m benchmarks.capacity_load SPEC.json RESULT.json
SPEC: {"port", "deadline" (epoch), "logins": {who: [email, password]}, "requests":
[[at (epoch), kind, method, path, body, session], …]} in time order. A request with a
``session`` ("<who>:<day>") is a counselor's: the first one of a day logs in (a
counselor's session lives 30 idle minutes and 12 hours), the others reuse its cookie.
RESULT: per kind, latencies (ms) of the answers that are what a user expects (a check-in:
its redirect; a page: 200), errors (any other answer, a connection error, or never sent
by the deadline), the statuses seen, and the lag of the latest start behind its moment
(how far the client itself fell behind).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import queue
import sys
import threading
import time
from collections import Counter, defaultdict
from urllib.parse import urlencode

THREADS = 16
EXPECTED = {"checkin": {302, 303}, "dashboard": {200, 304}}


def login(port: int, email: str, password: str) -> str:
    """The session cookie of a dashboard login through the server."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = urlencode({"email": email, "password": password})
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Connection": "close"}
    try:
        connection.request("POST", "/login", body, headers)
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    cookie = response.getheader("Set-Cookie") or ""
    if response.status != 302 or not cookie:
        raise RuntimeError(f"login failed: {response.status}")
    return cookie.split(";", 1)[0]


def run(spec: dict) -> dict:
    port, deadline = spec["port"], float(spec["deadline"])
    work: queue.Queue = queue.Queue()
    lock = threading.Lock()
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    lag = [0.0]
    cookies: dict[str, str] = {}
    login_locks = defaultdict(threading.Lock)

    def cookie_for(session: str, stale: str | None = None) -> str:
        """The day's cookie of a counselor: logged in on first use, and again when the
        one ``stale`` was refused (the page redirected to the login)."""
        who = session.split(":", 1)[0]
        with lock:
            who_lock = login_locks[who]
        with who_lock:
            if session not in cookies or cookies[session] == stale:
                if stale:
                    statuses["dashboard logged in again"] += 1
                cookies[session] = login(port, *spec["logins"][who])
            return cookies[session]

    def send(method: str, path: str, body: str, headers: dict[str, str]) -> tuple[str, str]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request(method, path, body or None, headers)
            response = connection.getresponse()
            response.read()
            return str(response.status), response.getheader("Location") or ""
        except (OSError, http.client.HTTPException) as error:
            return type(error).__name__, ""
        finally:
            connection.close()

    def visit() -> None:
        while (item := work.get()) is not None:
            at, kind, method, path, body, session = item
            headers = {"Connection": "close"}
            try:
                if session:
                    headers["Cookie"] = cookie_for(session)
            except (OSError, http.client.HTTPException, RuntimeError):
                with lock:
                    errors[kind] += 1
                    statuses[f"{kind} login failed"] += 1
                continue
            started = time.time()
            if started > deadline:
                with lock:
                    errors[kind] += 1
                    statuses[f"{kind} not sent"] += 1
                continue
            if body:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            status, location = send(method, path, body, headers)
            if session and "/login" in location:  # the session ended: log in, ask again
                with contextlib.suppress(OSError, http.client.HTTPException, RuntimeError):
                    headers["Cookie"] = cookie_for(session, stale=headers["Cookie"])
                started = time.time()
                status, location = send(method, path, body, headers)
            took = (time.time() - started) * 1000
            with lock:
                statuses[f"{kind} {status}"] += 1
                lag[0] = max(lag[0], started - at)
                if status.isdigit() and int(status) in EXPECTED.get(kind, {200}):
                    latencies[kind].append(took)
                else:
                    errors[kind] += 1

    threads = [threading.Thread(target=visit, daemon=True) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for item in spec["requests"]:
        wait = item[0] - time.time()
        if wait > 0:
            time.sleep(wait)
        work.put(item)
    for _ in threads:
        work.put(None)
    for thread in threads:
        thread.join(timeout=max(1.0, deadline - time.time() + 35))
    return {
        "latencies_ms": dict(latencies),
        "errors": dict(errors),
        "statuses": dict(statuses),
        "client_lag_s": lag[0],
    }


def main(argv: list[str]) -> int:
    with open(argv[1]) as spec_file:
        spec = json.load(spec_file)
    result = run(spec)
    with open(argv[2], "w") as out:
        json.dump(result, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
