"""Loaded only into fault-test workers: parse (or enrich) kills its own process on a marked article.

It stands for a page that crashes the parser's or the entity model's C code every time (a
segfault in lxml, an out-of-memory kill): the worker must quarantine it after a few attempts,
not loop forever, also when the crashing stage runs in-process after the delivered one.
Two more markers make parse outlast its time limits: SLOW sleeps, and the soft limit stops it;
HANG ignores the soft limit, as a C call that never returns to Python would, until it is killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded

from worker.pipeline import enrich as enrich_module
from worker.pipeline import parse as parse_module

MARKER = "CRASH-THIS-WORKER-EVERY-TIME"
ENRICH_MARKER = "CRASH-THE-ENRICH-STAGE-EVERY-TIME"
SLOW_MARKER = "OUTLAST-THE-SOFT-TIME-LIMIT"
HANG_MARKER = "IGNORE-THE-SOFT-TIME-LIMIT"
_real_parse = parse_module.parse
_real_enrich = enrich_module.enrich


def _crashing_parse(raw: Any, *args: Any, **kwargs: Any) -> Any:
    if MARKER in raw.content:
        os.kill(os.getpid(), signal.SIGKILL)
    if SLOW_MARKER in raw.content:
        time.sleep(3600)
    while HANG_MARKER in raw.content:
        with contextlib.suppress(SoftTimeLimitExceeded):
            time.sleep(3600)
    return _real_parse(raw, *args, **kwargs)


def _crashing_enrich(article: Any, *args: Any, **kwargs: Any) -> Any:
    if ENRICH_MARKER in article.body:
        os.kill(os.getpid(), signal.SIGKILL)
    return _real_enrich(article, *args, **kwargs)


parse_module.parse = _crashing_parse  # type: ignore[assignment]
enrich_module.enrich = _crashing_enrich  # type: ignore[assignment]
