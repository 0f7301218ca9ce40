"""What a worker does once, before its pool processes are forked."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from celery.signals import worker_init

import worker.app  # noqa: F401 - connects the receivers of worker_init
from worker import db
from worker.pipeline import enrich
from worker.settings import get_settings


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("NEWSINGEST_ENTITIES", "false")  # no model to load here
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/unused")  # no connection is made
    get_settings.cache_clear()
    sessions = db._sessions
    try:
        yield
    finally:
        gc.unfreeze()
        get_settings.cache_clear()
        db._sessions = sessions


def test_what_is_loaded_before_the_pool_starts_is_frozen_out_of_the_collector(started: None) -> None:
    """Objects alive when the worker starts (modules, the model) are never walked again by a full
    collection, in this process or in the pool processes forked from it; later ones still are."""
    loaded = {"gazetteer": [["Lisbon", "PT"], ["Porto", "PT"]]}
    worker_init.send(sender=None)
    made_later = {"article": ["one"]}
    tracked = {id(o) for o in gc.get_objects()}
    assert gc.get_freeze_count() > 1000
    assert id(loaded) not in tracked and id(loaded["gazetteer"][0]) not in tracked
    assert id(made_later) in tracked


def test_what_the_core_loads_on_first_use_is_loaded_before_the_pool_starts(started: None) -> None:
    """The language model (two lists of 104,583 numbers) and the rest the core loads lazily are
    loaded in the main process, shared with the pool processes and frozen with the modules."""
    enrich._identifier.cache_clear()
    worker_init.send(sender=None)
    assert enrich._identifier.cache_info().currsize == 1
    identifier = enrich._identifier()
    tracked = {id(o) for o in gc.get_objects()}
    lists = [o for o in gc.get_referents(identifier) if isinstance(o, list)]
    assert max(map(len, lists)) > 100_000
    assert not {id(identifier), *map(id, lists)} & tracked
