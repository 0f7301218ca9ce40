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

from worker import flow
from worker.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
DOCKERFILE = REPO_ROOT / "Dockerfile"
ENV_EXAMPLE = REPO_ROOT / ".env.example"
APP_SERVICES = ("migrate", "worker", "worker-enrich")
WORKERS = ("worker", "worker-enrich")

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
    assert {"postgres", "redis", "migrate", "worker", "worker-enrich", "flower"} <= services.keys()
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    for name in APP_SERVICES:
        assert "build" in services[name], name
        assert services[name].get("image") == services["worker"].get("image"), name


def test_flower_is_pinned_and_kept_to_this_host(services: dict[str, dict[str, Any]]) -> None:
    flower = services["flower"]
    name, _, tag = flower["image"].partition(":")
    assert name == "mher/flower" and re.fullmatch(r"\d+\.\d+\.\d+", tag), flower["image"]
    assert all(str(port).startswith("127.0.0.1:") for port in flower["ports"])
    assert "FLOWER_BASIC_AUTH" in flower["environment"]
    assert flower["environment"]["CELERY_BROKER_URL"] == services["worker"]["environment"]["REDIS_URL"]


# -- what the deployment relies on ---------------------------------------------------


@pytest.mark.parametrize("name", WORKERS)
def test_worker_is_scalable(services: dict[str, dict[str, Any]], name: str) -> None:
    worker = services[name]
    assert "container_name" not in worker
    assert "ports" not in worker
    assert worker.get("restart") == "unless-stopped"
    assert str(Settings().metrics_port) in [str(port) for port in worker["expose"]]


@pytest.mark.parametrize("name", WORKERS)
def test_worker_healthcheck_asks_its_own_main_process(services: dict[str, dict[str, Any]], name: str) -> None:
    check = services[name]["healthcheck"]
    # `newsingest health`: the worker's /healthz on this container's metrics port, exit 0 or 1.
    assert check["test"] == ["CMD", "newsingest", "health"]
    assert "timeout" in check and "start_period" in check


def test_workers_together_consume_every_queue_and_enrich_has_its_own(services: dict[str, dict[str, Any]]) -> None:
    consumed = {name: _command_words(services[name])[3].split(",") for name in WORKERS}
    assert consumed["worker-enrich"] == ["enrich"]
    assert sorted(q for queues in consumed.values() for q in queues) == sorted(flow.QUEUES)


@pytest.mark.parametrize("name", WORKERS)
def test_worker_has_time_for_a_warm_shutdown(services: dict[str, dict[str, Any]], name: str) -> None:
    grace = services[name]["stop_grace_period"]
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


def test_redis_requires_the_password_every_client_uses(services: dict[str, dict[str, Any]]) -> None:
    words = _command_words(services["redis"])
    password = words[words.index("--requirepass") + 1]
    assert password.startswith("${REDIS_PASSWORD")  # from .env, never a literal in the file
    assert services["redis"]["environment"]["REDISCLI_AUTH"] == password  # for redis-cli ping
    for name in APP_SERVICES:
        assert services[name]["environment"]["REDIS_URL"] == f"redis://:{password}@redis:6379/0", name


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


@pytest.mark.parametrize("name", WORKERS)
def test_worker_waits_for_migrations(services: dict[str, dict[str, Any]], name: str) -> None:
    deps = _depends_on(services[name])
    assert deps["migrate"]["condition"] == "service_completed_successfully"
    assert deps["redis"]["condition"] == "service_healthy"
    assert _depends_on(services["migrate"])["postgres"]["condition"] == "service_healthy"
    assert services["migrate"]["restart"] == "no"
    assert _command_words(services["migrate"]) == ["newsingest", "migrate"]
    assert _command_words(services[name])[:3] == ["newsingest", "worker", "--queues"]


def _example_variables() -> dict[str, str]:
    """NAME -> value of .env.example, commented-out lines (settings without a default) included."""
    found = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"#? ?([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if match:
            found[match.group(1)] = match.group(2)
    return found


def test_env_example_lists_every_setting() -> None:
    listed = _example_variables()
    for name, field in Settings.model_fields.items():
        variable = name.upper() if name in ("database_url", "redis_url") else f"NEWSINGEST_{name.upper()}"
        assert variable in listed, f"{variable} ({field.description}) is missing from .env.example"
        if field.default is not None:  # the example shows the default, so uncommenting changes nothing
            default = str(field.default).lower() if isinstance(field.default, bool) else str(field.default)
            assert listed[variable] == default, variable


def test_env_example_sets_every_variable_compose_uses() -> None:
    used = set(re.findall(r"\$\{([A-Z_]+)", COMPOSE_FILE.read_text(encoding="utf-8")))
    assert used and used <= _example_variables().keys()


def test_app_services_share_connection_settings(
    services: dict[str, dict[str, Any]],
) -> None:
    pg_env = services["postgres"]["environment"]
    expected_db = (
        f"postgresql+psycopg://{pg_env['POSTGRES_USER']}:{pg_env['POSTGRES_PASSWORD']}"
        f"@postgres:5432/{pg_env['POSTGRES_DB']}"
    )
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert env["DATABASE_URL"] == expected_db, name


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
