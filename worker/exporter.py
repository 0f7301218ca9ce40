"""A worker bootstep serving /metrics, /healthz and /readyz from the worker's main process.

Liveness (/healthz) is the main process answering; readiness (/readyz) is PostgreSQL and Redis
reachable (worker/health.py). /metrics adds up every pool process's values (worker/metrics.py).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from celery import Celery, bootsteps
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from worker import health, metrics
from worker.settings import get_settings

log = logging.getLogger(__name__)
Respond = Callable[[str, list[tuple[str, str]]], Any]


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """A scrape every few seconds is not news: no access log."""


def wsgi_app(app: Celery, registry: CollectorRegistry) -> Callable[[dict[str, Any], Respond], Iterable[bytes]]:
    """The three endpoints, as a WSGI application."""

    def serve(environ: dict[str, Any], respond: Respond) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            metrics.forget_dead_processes()
            return _reply(respond, "200 OK", CONTENT_TYPE_LATEST, generate_latest(registry))
        if path == "/healthz":
            return _reply(respond, "200 OK", "application/json", b'{"status": "ok"}')
        if path == "/readyz":
            ready = health.readiness(get_settings())
            body = json.dumps({"status": "ok" if ready.ok else "unavailable", **ready.checks}).encode()
            return _reply(respond, "200 OK" if ready.ok else "503 Service Unavailable", "application/json", body)
        return _reply(respond, "404 Not Found", "text/plain", b"not found: /metrics, /healthz, /readyz\n")

    return serve


def _reply(respond: Respond, status: str, content_type: str, body: bytes) -> list[bytes]:
    respond(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


class Exporter(bootsteps.StartStopStep):  # type: ignore[misc]
    """Serve the endpoints on NEWSINGEST_METRICS_PORT in a thread of the worker's main process."""

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.server: _Server | None = None

    def start(self, worker: Any) -> None:
        port = get_settings().metrics_port
        if not port:
            return
        if metrics.multiprocess_dir() is None:
            log.warning(
                "PROMETHEUS_MULTIPROC_DIR is not set: /metrics shows the main process only (use `newsingest worker`)"
            )
        application = wsgi_app(worker.app, metrics.registry(worker.app))
        try:
            self.server = make_server("0.0.0.0", port, application, _Server, _QuietHandler)  # probes come from outside
        except OSError as error:  # a second worker on one host: it runs, without endpoints
            log.error("metrics and health endpoints not served: port %d: %s", port, error)
            return
        threading.Thread(target=self.server.serve_forever, name="newsingest-exporter", daemon=True).start()
        log.info("metrics on :%d/metrics, health on /healthz and /readyz", port)

    def stop(self, worker: Any) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
