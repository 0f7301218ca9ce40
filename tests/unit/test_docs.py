"""The README documents every setting and every task name, so the docs cannot drift silently."""

from __future__ import annotations

from tests.conftest import REPO_ROOT
from worker import flow
from worker.settings import Settings

README = (REPO_ROOT / "README.md").read_text()


def test_every_setting_is_documented() -> None:
    for name, field in Settings.model_fields.items():
        variable = name.upper() if name in ("database_url", "redis_url") else f"NEWSINGEST_{name.upper()}"
        assert f"`{variable}`" in README, f"{variable} ({field.description}) is missing from the README"


def test_every_task_and_queue_is_documented() -> None:
    for task in (flow.INGEST, *flow.STAGES):
        assert f"`{task}`" in README or f"{task} " in README
    for queue in flow.QUEUES:
        assert f"`{queue}`" in README
