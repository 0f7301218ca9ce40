"""Loaded only into fault-test workers: parse kills its own process on a marked article.

It stands for a page that crashes the parser's C code every time (a segfault in lxml, an
out-of-memory kill): the worker must quarantine it after a few attempts, not loop forever.
"""

from __future__ import annotations

import os
import signal
from typing import Any

from worker.pipeline import parse as parse_module

MARKER = "CRASH-THIS-WORKER-EVERY-TIME"
_real_parse = parse_module.parse


def _crashing_parse(raw: Any, *args: Any, **kwargs: Any) -> Any:
    if MARKER in raw.content:
        os.kill(os.getpid(), signal.SIGKILL)
    return _real_parse(raw, *args, **kwargs)


parse_module.parse = _crashing_parse  # type: ignore[assignment]
