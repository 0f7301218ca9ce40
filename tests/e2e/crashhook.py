"""Loaded only into fault-test workers: parse (or enrich) kills its own process on a marked article.

It stands for a page that crashes the parser's or the entity model's C code every time (a
segfault in lxml, an out-of-memory kill): the worker must quarantine it after a few attempts,
not loop forever, also when the crashing stage runs in-process after the delivered one.
"""

from __future__ import annotations

import os
import signal
from typing import Any

from worker.pipeline import enrich as enrich_module
from worker.pipeline import parse as parse_module

MARKER = "CRASH-THIS-WORKER-EVERY-TIME"
ENRICH_MARKER = "CRASH-THE-ENRICH-STAGE-EVERY-TIME"
_real_parse = parse_module.parse
_real_enrich = enrich_module.enrich


def _crashing_parse(raw: Any, *args: Any, **kwargs: Any) -> Any:
    if MARKER in raw.content:
        os.kill(os.getpid(), signal.SIGKILL)
    return _real_parse(raw, *args, **kwargs)


def _crashing_enrich(article: Any, *args: Any, **kwargs: Any) -> Any:
    if ENRICH_MARKER in article.body:
        os.kill(os.getpid(), signal.SIGKILL)
    return _real_enrich(article, *args, **kwargs)


parse_module.parse = _crashing_parse  # type: ignore[assignment]
enrich_module.enrich = _crashing_enrich  # type: ignore[assignment]
