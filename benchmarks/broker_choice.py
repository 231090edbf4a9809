"""Which serverless broker for `make run`: kombu's SQLAlchemy transport on SQLite, or
the filesystem transport. Publishes and consumes N small messages through each, several
rounds, interleaved, and prints the median rates.

Run: .venv/bin/python -m benchmarks.broker_choice
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from kombu import Connection, Exchange, Queue

MESSAGES = 300
ROUNDS = 5


def _connection(kind: str, folder: Path) -> Connection:
    if kind == "sqlite":
        return Connection(f"sqla+sqlite:///{folder / 'broker.sqlite3'}")
    (folder / "queue").mkdir(exist_ok=True)
    options = {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "control_folder": str(folder / "control"),
    }
    return Connection("filesystem://", transport_options=options)


def _round(kind: str) -> tuple[float, float]:
    """Seconds to publish MESSAGES, then seconds to consume them all."""
    with tempfile.TemporaryDirectory() as tmp:
        queue = Queue("bench", Exchange("bench", type="direct"), routing_key="bench")
        with _connection(kind, Path(tmp)) as connection:
            producer = connection.Producer(serializer="json")
            started = time.perf_counter()
            for n in range(MESSAGES):
                producer.publish(
                    {"id": n}, exchange=queue.exchange, routing_key="bench", declare=[queue]
                )
            published = time.perf_counter() - started
            received = []
            with connection.Consumer(
                queue, callbacks=[lambda body, msg: (received.append(body), msg.ack())]
            ):
                started = time.perf_counter()
                while len(received) < MESSAGES:
                    connection.drain_events(timeout=5)
            return published, time.perf_counter() - started


def main() -> None:
    results: dict[str, list[tuple[float, float]]] = {"sqlite": [], "filesystem": []}
    for _ in range(ROUNDS):
        for kind in results:  # interleaved, so machine noise hits both alike
            results[kind].append(_round(kind))
    print(f"{MESSAGES} messages, median of {ROUNDS} rounds")
    for kind, rounds in results.items():
        publish = statistics.median(MESSAGES / p for p, _ in rounds)
        consume = statistics.median(MESSAGES / c for _, c in rounds)
        print(f"  {kind:<10} publish {publish:8.0f}/s   consume {consume:8.0f}/s")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
