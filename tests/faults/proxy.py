"""A small TCP proxy that can hold its connections half-open: bytes stop flowing, nothing closes."""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading


class Proxy:
    """Forwards 127.0.0.1:listen_port to 127.0.0.1:target_port in a thread."""

    def __init__(self, listen_port: int, target_port: int) -> None:
        self.listen_port, self.target_port = listen_port, target_port
        self.frozen = threading.Event()
        self._stop = threading.Event()
        self._cut = threading.Event()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", listen_port), reuse_port=False)
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def freeze(self) -> None:
        """Stop forwarding in both directions; every connection stays open (half-open to both ends)."""
        self.frozen.set()

    def cut(self) -> None:
        """Close every connection (the end of the outage) and forward again for new ones."""
        self._cut.set()
        while self._cut.is_set() and self._thread.is_alive():
            self._stop.wait(0.02)
        self.frozen.clear()

    def close(self) -> None:
        self.cut()
        self._stop.set()
        self._thread.join(timeout=5)
        self._server.close()

    def _serve(self) -> None:
        selector = selectors.DefaultSelector()
        selector.register(self._server, selectors.EVENT_READ)
        self._server.setblocking(False)
        while not self._stop.is_set():
            if self._cut.is_set():
                self._close_all(selector)
                self._cut.clear()
            for key, _ in selector.select(timeout=0.1):
                if key.fileobj is self._server:
                    self._accept(selector)
                elif not self.frozen.is_set():
                    self._forward(selector, key.fileobj, key.data)  # type: ignore[arg-type]
            if self.frozen.is_set():
                self._stop.wait(0.05)

    def _close_all(self, selector: selectors.BaseSelector) -> None:
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for end in pair:
                with contextlib.suppress(KeyError, ValueError, OSError):
                    selector.unregister(end)
                with contextlib.suppress(OSError):
                    end.close()

    def _accept(self, selector: selectors.BaseSelector) -> None:
        try:
            client, _ = self._server.accept()
            upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
        except OSError:
            return
        with self._lock:
            self._pairs.append((client, upstream))
        selector.register(client, selectors.EVENT_READ, upstream)
        selector.register(upstream, selectors.EVENT_READ, client)

    @staticmethod
    def _forward(selector: selectors.BaseSelector, source: socket.socket, target: socket.socket) -> None:
        try:
            data = source.recv(65536)
            if data:
                target.sendall(data)
                return
        except OSError:
            pass
        for end in (source, target):
            with contextlib.suppress(KeyError, ValueError, OSError):
                selector.unregister(end)
            with contextlib.suppress(OSError):
                end.close()
