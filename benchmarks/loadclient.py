"""A small HTTP load generator for machines without wrk: threads with keep-alive
http.client connections to 127.0.0.1, bounded by a request count and a duration.
Prints one JSON line: requests, seconds, errors, p50_ms, p99_ms.

Run by benchmarks/http_load.py in its own process, so the client's CPU is not
the server's: python -m benchmarks.loadclient '{"port": …, "targets": […], …}'
"""

from __future__ import annotations

import http.client
import itertools
import json
import statistics
import sys
import threading
import time


def main(spec: dict) -> dict:
    targets = spec["targets"]
    headers = spec["headers"]
    deadline = time.perf_counter() + float(spec["seconds"])
    budget = itertools.count()
    limit = int(spec["max_requests"])
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    run = time.time_ns() % 10**9

    def worker(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", spec["port"], timeout=10)
        mine: list[float] = []
        failed = 0
        for n in budget:
            if n >= limit or time.perf_counter() >= deadline:
                break
            method, path, body = targets[n % len(targets)]
            body = body.replace("{n}", f"{run}-{index}-{n}") or None
            started = time.perf_counter()
            try:
                connection.request(method, path, body, headers)
                response = connection.getresponse()
                response.read()
                if response.status >= 400:
                    failed += 1
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
            except (OSError, http.client.HTTPException):
                failed += 1
                connection.close()
                continue
            mine.append(time.perf_counter() - started)
        connection.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(int(spec["threads"]))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0
    return {
        "requests": len(latencies),
        "seconds": seconds,
        "errors": errors[0],
        "p50_ms": statistics.median(ordered) * 1000 if ordered else 0.0,
        "p99_ms": p99 * 1000,
    }


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1]))))
