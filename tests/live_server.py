"""An ASGI app served by a real uvicorn on a loopback port, in a thread, for tests that need a live server
(browsers, PACT over HTTPS, two instances talking to each other)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn


@contextmanager
def live_server(app: object, *, port: int = 0, cert: Path | None = None, key: Path | None = None,
                host_name: str = "127.0.0.1") -> Iterator[str]:
    """Serve `app` on 127.0.0.1:`port` (a free one when 0), over HTTPS when `cert` and `key` are given; yields the
    base URL with `host_name` (use "localhost" when the certificate names it)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    port = sock.getsockname()[1]
    tls = {"ssl_certfile": str(cert), "ssl_keyfile": str(key)} if cert else {}
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", **tls))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"{'https' if cert else 'http'}://{host_name}:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
