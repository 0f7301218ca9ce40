"""Offline checks of docker-compose.yml and the Dockerfile.

The compose file is validated against the official Compose Specification JSON schema as
vendored by the ``check-jsonschema`` package (``check_jsonschema/builtin_schemas/vendor/
compose-spec.json``, Apache-2.0), so no network is needed. The package is located without
being imported, which keeps its CLI stack out of the test process.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
DOCKERFILE = REPO_ROOT / "Dockerfile"

SCHEMA_PACKAGE = "check_jsonschema"
SCHEMA_RELPATH = ("builtin_schemas", "vendor", "compose-spec.json")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    svcs = compose["services"]
    assert isinstance(svcs, dict)
    return svcs


@pytest.fixture(scope="module")
def compose_validator() -> jsonschema.protocols.Validator:
    spec = importlib.util.find_spec(SCHEMA_PACKAGE)
    if spec is None or spec.origin is None:
        pytest.fail(
            "check-jsonschema is not installed; it ships the Compose Specification schema "
            "(install the dev extra: pip install -e '.[dev]')"
        )
    schema_path = Path(spec.origin).parent.joinpath(*SCHEMA_RELPATH)
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    assert schema.get("title") == "Compose Specification"
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _errors(validator: jsonschema.protocols.Validator, doc: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in validator.iter_errors(doc)]


def _depends_on(service: dict[str, Any]) -> dict[str, dict[str, Any]]:
    deps = service.get("depends_on", {})
    if isinstance(deps, list):  # short syntax: condition defaults to service_started
        return {name: {"condition": "service_started"} for name in deps}
    assert isinstance(deps, dict)
    return deps


def _command_words(service: dict[str, Any]) -> list[str]:
    cmd = service.get("command", [])
    return cmd.split() if isinstance(cmd, str) else [str(c) for c in cmd]


# -- the Compose Specification -------------------------------------------------------


def test_compose_file_is_valid_against_compose_spec(
    compose: dict[str, Any], compose_validator: jsonschema.protocols.Validator
) -> None:
    assert _errors(compose_validator, compose) == []


def test_schema_rejects_what_it_should(
    compose: dict[str, Any], compose_validator: jsonschema.protocols.Validator
) -> None:
    # Guard against a vacuous schema: obvious mistakes must be reported.
    bad_condition = copy.deepcopy(compose)
    bad_condition["services"]["worker"]["depends_on"]["migrate"]["condition"] = "done"
    assert _errors(compose_validator, bad_condition)

    unknown_key = copy.deepcopy(compose)
    unknown_key["services"]["redis"]["helthcheck"] = {"test": ["CMD", "true"]}
    assert _errors(compose_validator, unknown_key)


def test_no_obsolete_version_key(compose: dict[str, Any]) -> None:
    assert "version" not in compose


def test_expected_services(services: dict[str, dict[str, Any]]) -> None:
    assert {"postgres", "redis", "migrate", "worker"} <= services.keys()
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    for name in ("migrate", "worker"):
        assert "build" in services[name], name
    assert services["migrate"].get("image") == services["worker"].get("image")


# -- what the deployment relies on ---------------------------------------------------


def test_worker_is_scalable(services: dict[str, dict[str, Any]]) -> None:
    worker = services["worker"]
    assert "container_name" not in worker
    assert "ports" not in worker
    assert worker.get("restart") == "unless-stopped"


def test_worker_healthcheck_pings_its_own_celery_node(
    services: dict[str, dict[str, Any]],
) -> None:
    check = services["worker"]["healthcheck"]
    test = check["test"]
    text = test if isinstance(test, str) else " ".join(test)
    assert "celery -A worker.app inspect ping" in text
    # $$ escapes compose interpolation, so the container's own $HOSTNAME is used.
    assert "-d celery@$$HOSTNAME" in text
    assert "timeout" in check


def test_worker_has_time_for_a_warm_shutdown(
    services: dict[str, dict[str, Any]],
) -> None:
    grace = services["worker"]["stop_grace_period"]
    match = re.fullmatch(r"(\d+)s", str(grace)) or re.fullmatch(r"(\d+)m", str(grace))
    assert match, grace
    seconds = int(match.group(1)) * (60 if str(grace).endswith("m") else 1)
    assert seconds >= 30


def test_redis_persists_with_aof(services: dict[str, dict[str, Any]]) -> None:
    redis = services["redis"]
    words = _command_words(redis)
    assert words[0] == "redis-server"
    assert words[words.index("--appendonly") + 1] == "yes"
    assert words[words.index("--appendfsync") + 1] == "everysec"
    assert any(str(v).split(":")[1] == "/data" for v in redis["volumes"])


def test_named_volumes_are_declared(compose: dict[str, Any]) -> None:
    declared = set(compose.get("volumes") or {})
    for name, svc in compose["services"].items():
        for vol in svc.get("volumes", []):
            source = vol.split(":")[0] if isinstance(vol, str) else vol.get("source", "")
            if source and not source.startswith((".", "/", "~")):
                assert source in declared, f"{name}: volume {source!r} not declared"


def test_depends_on_targets_exist_and_healthy_means_healthcheck(
    services: dict[str, dict[str, Any]],
) -> None:
    for name, svc in services.items():
        for target, spec in _depends_on(svc).items():
            assert target in services, f"{name} depends on unknown service {target!r}"
            if spec.get("condition") == "service_healthy":
                check = services[target].get("healthcheck")
                assert check and not check.get("disable"), (
                    f"{name} waits for {target} to be healthy, but {target} has no healthcheck"
                )


def test_worker_waits_for_migrations(services: dict[str, dict[str, Any]]) -> None:
    deps = _depends_on(services["worker"])
    assert deps["migrate"]["condition"] == "service_completed_successfully"
    assert deps["redis"]["condition"] == "service_healthy"
    assert _depends_on(services["migrate"])["postgres"]["condition"] == "service_healthy"
    assert services["migrate"]["restart"] == "no"
    assert _command_words(services["migrate"]) == ["newsingest", "migrate"]
    assert _command_words(services["worker"]) == ["newsingest", "worker"]


def test_app_services_share_connection_settings(
    services: dict[str, dict[str, Any]],
) -> None:
    pg_env = services["postgres"]["environment"]
    expected_db = (
        f"postgresql+psycopg://{pg_env['POSTGRES_USER']}:{pg_env['POSTGRES_PASSWORD']}"
        f"@postgres:5432/{pg_env['POSTGRES_DB']}"
    )
    for name in ("migrate", "worker"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"] == expected_db, name
        assert env["REDIS_URL"] == "redis://redis:6379/0", name


# -- the Dockerfile ------------------------------------------------------------------


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with comments dropped and continuations joined."""
    logical: list[str] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    if pending:
        logical.append(pending)
    result = []
    for line in logical:
        keyword, _, args = line.partition(" ")
        result.append((keyword.upper(), args.strip()))
    return result


def test_dockerfile_runs_as_non_root() -> None:
    users = [args for keyword, args in _dockerfile_instructions() if keyword == "USER"]
    assert users, "Dockerfile has no USER instruction"
    final_user = users[-1].split(":")[0]
    assert final_user not in {"root", "0"}


def test_dockerfile_ships_what_migrate_needs() -> None:
    instructions = _dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    assert ("WORKDIR", "/app") in instructions
    copies = " ".join(args for keyword, args in instructions if keyword == "COPY")
    for path in ("pyproject.toml", "worker/", "schemas/", "migrations/", "alembic.ini"):
        assert path in copies, path
    cmd = [args for keyword, args in instructions if keyword == "CMD"][-1]
    assert json.loads(cmd) == ["newsingest", "worker"]
