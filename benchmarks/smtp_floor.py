"""The fan-out's floor, in a process of its own like the workers: raw smtplib sending the
same message N times over one reused connection. Prints, as JSON, the seconds it took in
all and for each fifth of the messages.

python -m benchmarks.smtp_floor PORT N MESSAGE_FILE
"""

from __future__ import annotations

import itertools
import json
import smtplib
import sys
import time
from pathlib import Path


def send(port: int, count: int, message: bytes) -> dict:
    started = time.perf_counter()
    marks = [started]
    fifth = max(1, count // 5)
    connection = smtplib.SMTP("127.0.0.1", port, timeout=30)
    connection.ehlo()
    for n in range(count):
        connection.sendmail("no-reply@localhost", [f"floor{n}@example.org"], message)
        if (n + 1) % fifth == 0 and len(marks) <= 5:
            marks.append(time.perf_counter())
    connection.quit()
    total = time.perf_counter() - started
    return {"seconds": total, "fifths": [b - a for a, b in itertools.pairwise(marks)]}


if __name__ == "__main__":
    port, count, path = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    print(json.dumps(send(port, count, path.read_bytes())))
