"""The example database a campaign's workers share: hypothesis's own.

A failing example any worker finds is saved under its target's key, so every
worker (and every later campaign on the same targets) replays it first. A
directory serves the processes of one machine; Redis (``redis://host:port``,
``hypothesis.extra.redis``) serves several machines.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from hypothesis.database import DirectoryBasedExampleDatabase, ExampleDatabase

__all__ = ["describe", "open_database"]


def open_database(spec: str | Path) -> ExampleDatabase:
    """The database ``spec`` names: ``redis://host:port[/db]`` or a directory
    (created if missing). Raises ``ImportError`` (Redis without the ``redis``
    package) or ``ValueError`` (a malformed address, an unreachable server)."""
    text = str(spec)
    if not text.startswith("redis://"):
        return DirectoryBasedExampleDatabase(Path(text))
    url = urlparse(text)
    if not url.hostname or url.port is None:
        raise ValueError(f"expected a Redis address redis://host:port[/db], got {text!r}")
    try:
        import redis
        from hypothesis.extra.redis import RedisExampleDatabase
    except ImportError:
        from rlmodels_common.extras import install_hint

        raise ImportError(f"a Redis example database needs the redis package; install it with {install_hint('fuzz')}") from None
    db = int(url.path.strip("/") or 0)
    client = redis.Redis(host=url.hostname, port=url.port, db=db, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as e:
        raise ValueError(f"cannot reach the Redis example database at {text}: {e}; start redis-server there or pass a directory") from None
    return RedisExampleDatabase(client)


def describe(spec: str | Path) -> str:
    """How the summary names the database."""
    text = str(spec)
    return text if text.startswith("redis://") else f"directory {text}"
