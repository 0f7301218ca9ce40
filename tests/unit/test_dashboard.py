"""The example Grafana dashboard only queries metrics the workers export."""

from __future__ import annotations

import json
import re

from tests.conftest import REPO_ROOT

DASHBOARD = REPO_ROOT / "docs" / "grafana" / "newsingest.json"
METRICS_SOURCE = (REPO_ROOT / "worker" / "metrics.py").read_text()


def test_dashboard_queries_known_metrics() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    used = {re.sub(r"_(bucket|count|sum)$", "", name) for expr in exprs for name in re.findall(r"newsingest_\w+", expr)}
    assert used
    for name in used:
        assert f'"{name}"' in METRICS_SOURCE, name
