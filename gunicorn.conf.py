"""gunicorn's settings for this project, read from the working directory by every gunicorn
started there (`make run`'s Procfile, the benchmarks, the reliability tests); the command
line gives the rest (workers, bind, logs)."""

import gc


def post_worker_init(worker: object) -> None:
    """Once a worker has built the app, move everything it holds (the app, its routes,
    templates, SQLAlchemy's mappers and statement caches: hundreds of thousands of objects
    that live as long as the worker) out of the garbage collector's reach. A request's own
    garbage is collected as before; full collections stop walking the app every few
    hundred requests (one took about 240 ms, once every ~160 couples pages under load).
    Measured under `make bench`: a few per cent on the couples page, within its noise."""
    gc.freeze()
