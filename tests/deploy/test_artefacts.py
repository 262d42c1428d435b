"""The deployment artefacts under deploy/, checked offline (no container daemon or cluster is reachable here): the
Kubernetes manifests against Kubernetes' own schemas (kubernetes-validate, strict), the compose file against the
Compose specification's JSON schema (vendored by check-jsonschema), and each process's settings against Dixian's
own production checks, so that a manifest missing a key, or handing a process a secret it does not use, fails here.
The image's Dockerfile is read for what it copies and runs, and the wheel it installs is built to see that the
console's pages are in it."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from api.cases import UPDATE_RPC_TIMEOUT
from worker.cli import CHILD_GRACE_SECONDS, SECRETS_OF, build_parser
from worker.main import GRACEFUL_SHUTDOWN
from workflows.kernel.settings import Settings

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
KUBERNETES_VERSION = "1.30.0"  # the oldest release the manifests must run on (native sidecars, preStop sleep)
ROLES = ("api", "worker", "projector")
# A strong value of the right form for each secret a process reads, as the secret store would hold it.
SECRET_VALUES = {
    "DATABASE_URL": "postgresql://dixian:s3cret-from-the-store@db.county.internal:5432/dixian",
    "DIXIAN_CIPHER_KEY": base64.b64encode(bytes(range(32))).decode(),
    "DIXIAN_COMMAND_KEY": bytes(range(32, 64)).hex(),
    "DIXIAN_AUDIT_KEY": bytes(range(64, 96)).hex(),
    "DIXIAN_COMMAND_PUBLIC_KEY": "ab" * 32,
    "DIXIAN_AUDIT_PUBLIC_KEY": "cd" * 32,
    "DIXIAN_TOKEN_SECRET": "Xq7-mP2vL9sK4wR8tY1uZ6nB3cV5dF0gH-jA",
}


def image_env() -> dict[str, str]:
    """The ``ENV`` the image sets (every container starts from it)."""
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    env: dict[str, str] = {}
    for line in re.findall(r"^ENV (.+)$", text, flags=re.M):
        env |= dict(pair.split("=", 1) for pair in line.split())
    return env


def manifests() -> Iterator[tuple[str, dict[str, Any]]]:
    kustomization = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text(encoding="utf-8"))
    for name in kustomization["resources"]:
        for doc in yaml.safe_load_all((KUBERNETES / name).read_text(encoding="utf-8")):
            if doc:
                yield name, doc


def deployments() -> dict[str, dict[str, Any]]:
    """Each Dixian Deployment's one container, by the command it runs."""
    found = {}
    for _, doc in manifests():
        if doc["kind"] == "Deployment":
            (container,) = doc["spec"]["template"]["spec"]["containers"]
            found[container["args"][0]] = {"deployment": doc, "container": container}
    return found


def config_map() -> dict[str, str]:
    (doc,) = [d for _, d in manifests() if d["kind"] == "ConfigMap"]
    return dict(doc["data"])


def test_every_kubernetes_manifest_is_valid_for_its_schema() -> None:
    listed = {p.name for p in KUBERNETES.glob("*.yaml")} - {"kustomization.yaml", "temporal-values.yaml"}
    kustomization = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text(encoding="utf-8"))
    assert set(kustomization["resources"]) == listed, "a manifest left out of the kustomization"
    kinds = []
    for name, doc in manifests():
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as e:
            pytest.fail(f"{name}: {doc['kind']} {doc['metadata']['name']}: {e.message} at {list(e.path)}")
        kinds.append(doc["kind"])
    assert kinds.count("Deployment") == 3 and "Service" in kinds and "ConfigMap" in kinds
    # The validator does catch a field the schema does not know.
    broken = json.loads(json.dumps(deployments()["api"]["deployment"]))
    broken["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_the_compose_file_follows_the_compose_specification() -> None:
    schema = json.loads(
        resources.files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json").read_text("utf-8")
    )
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(compose)]
    assert errors == []
    assert set(compose["services"]) == set(ROLES)
    assert list(validator.iter_errors({**compose, "services": {"api": {"replica": 2}}}))  # it does refuse


def kubernetes_env(role: str) -> tuple[dict[str, str], set[str]]:
    """What a role's container is given: every variable with its value (a secret's as the store would hold it),
    and the names that come from a Secret."""
    container = deployments()[role]["container"]
    env = image_env()
    env |= config_map() if {"configMapRef": {"name": "dixian-config"}} in container.get("envFrom", []) else {}
    secrets = set()
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = item["value"]
        else:
            assert item["valueFrom"]["secretKeyRef"]["name"] == "dixian-secrets", item
            env[item["name"]] = SECRET_VALUES[item["name"]]
            secrets.add(item["name"])
    return env, secrets


def compose_env(role: str) -> tuple[dict[str, str], set[str]]:
    """What a compose service is given: its env files (the examples, filled in as from the store) and its own."""
    service = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))["services"][role]
    env = image_env()
    secrets = set()
    for file in service["env_file"]:
        for line in (DEPLOY / f"{file}.example").read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                name, value = line.split("=", 1)
                if name in SECRET_VALUES:
                    value, _ = SECRET_VALUES[name], secrets.add(name)
                env[name] = value
    env |= {k: str(v) for k, v in service.get("environment", {}).items()}
    return env, secrets


def settings_of(env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    for name in list(os.environ):
        if name.startswith(("DIXIAN_", "POSTGRES_", "TEMPORAL_", "DATABASE_URL")):
            monkeypatch.delenv(name)
    for name, value in env.items():
        if name.startswith("TEMPORAL_TLS_") and name.endswith("_PATH"):  # the mounted files, here made up
            path = tmp_path / Path(value).name
            path.write_text("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")
            value = str(path)
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TEMPORAL_CONFIG_FILE", str(tmp_path / "none.toml"))
    return Settings()


@pytest.mark.parametrize("where", ["kubernetes", "compose"])
@pytest.mark.parametrize("role", ROLES)
def test_each_process_gets_what_production_requires_and_no_other_secret(
    role: str, where: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env, secrets = kubernetes_env(role) if where == "kubernetes" else compose_env(role)
    known = {f.validation_alias for f in Settings.model_fields.values()}
    # read by Temporal's client, Python, the platform, libpq, uvicorn
    theirs = ("TEMPORAL_TLS", "PYTHON", "XDG_", "PGSSL", "FORWARDED_ALLOW_IPS")
    unknown = {n for n in env if n not in known and not n.startswith(theirs)}
    assert not unknown, f"settings Dixian does not read: {unknown}"
    # The keys only from the secret store, and only those the process uses (worker.cli.SECRETS_OF, as `dixian run`
    # hands them to its children).
    private = {"DIXIAN_CIPHER_KEY", "DIXIAN_TOKEN_SECRET", "DIXIAN_COMMAND_KEY", "DIXIAN_AUDIT_KEY", "DATABASE_URL"}
    assert private & set(env) <= secrets, "a secret given as a plain value"
    assert private & set(env) == {"DIXIAN_CIPHER_KEY", "DATABASE_URL"} | SECRETS_OF[role] - {"DIXIAN_TOKEN_SECRET"}
    settings = settings_of(env, monkeypatch, tmp_path)
    assert settings.production and settings.log_format == "json"
    assert env["PGSSLMODE"] == "verify-full"  # PostgreSQL only over TLS with its certificate checked
    if role == "api":  # behind the county's proxy, each caller is told apart by the address the proxy forwards
        trusted = env["FORWARDED_ALLOW_IPS"]
        assert trusted and "*" not in trusted  # never every sender: a caller could then name any address it likes
    if where == "compose":  # every file a setting names is in a volume mounted into the container
        mounted = [v.split(":")[1] for v in yaml.safe_load((DEPLOY / "compose.yaml").read_text("utf-8"))["services"][
            role]["volumes"]]  # fmt: skip
        files = [v for k, v in env.items() if v.startswith("/etc/") and (k.endswith("_PATH") or k == "PGSSLROOTCERT")]
        assert files and all(any(f.startswith(m + "/") for m in mounted) for f in files), (files, mounted)
    settings.eventsourcing_env()  # the database URL as given is read whole (an option it cannot read is refused)
    assert settings.production_problems(role) == []
    # Without the cipher key the same process is refused: the check above would see a missing secret.
    monkeypatch.delenv("DIXIAN_CIPHER_KEY")
    assert any("DIXIAN_CIPHER_KEY" in p for p in Settings().production_problems(role))


def test_probes_and_grace_periods_are_wired_to_what_the_processes_serve() -> None:
    found = deployments()
    api = found["api"]["container"]
    env = {e["name"]: e.get("value") for e in api["env"]}
    port = {p["name"]: p["containerPort"] for p in api["ports"]}["http"]
    assert env["DIXIAN_API_HOST"] == "0.0.0.0" and int(env["DIXIAN_API_PORT"]) == port
    assert api["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert api["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    worker = found["worker"]["container"]
    metrics = {e["name"]: e.get("value") for e in worker["env"]}["DIXIAN_WORKER_METRICS"]
    assert worker["livenessProbe"]["httpGet"]["port"] == "metrics"
    assert {p["name"]: p["containerPort"] for p in worker["ports"]}["metrics"] == int(metrics.rsplit(":", 1)[1])
    # Every process that reaches PostgreSQL has the CA file PGSSLROOTCERT names.
    ca = Path(config_map()["PGSSLROOTCERT"])
    for role in ROLES:
        mounts = {m["mountPath"] for m in found[role]["container"]["volumeMounts"]}
        assert str(ca.parent) in mounts, role
    # The worker's data folder holds the national system's export, which the outbox counts as sent: not a scratch
    # volume that a restarted pod loses.
    worker_volumes = {v["name"]: v for v in found["worker"]["deployment"]["spec"]["template"]["spec"]["volumes"]}
    data = next(m["name"] for m in found["worker"]["container"]["volumeMounts"] if m["mountPath"] == "/var/lib/dixian")
    assert "persistentVolumeClaim" in worker_volumes[data]
    probe = found["projector"]["container"]["livenessProbe"]["exec"]["command"]
    assert probe[0] == "dixian" and build_parser().parse_args(probe[1:]).check  # the command exists as written
    # An API replica gets longer than a step's request may wait for its workflow, in `dixian run` and in Kubernetes.
    waits = UPDATE_RPC_TIMEOUT.total_seconds()
    assert CHILD_GRACE_SECONDS["api"] > waits
    assert found["api"]["deployment"]["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > waits
    # A worker gets longer than its in-flight tasks are given before the orchestrator kills it.
    grace = GRACEFUL_SHUTDOWN.total_seconds()
    assert found["worker"]["deployment"]["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > grace
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    assert int(compose["services"]["worker"]["stop_grace_period"].rstrip("s")) > grace
    assert compose["services"]["projector"]["healthcheck"]["test"] == ["CMD", *probe]
    assert compose["services"]["projector"]["deploy"]["replicas"] >= 2  # one standing by
    assert found["projector"]["deployment"]["spec"]["replicas"] >= 2


def test_the_dockerfile_installs_the_packages_and_runs_dixian_unprivileged() -> None:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    packages = [p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]]
    copied = re.findall(r"^COPY (?!--from)(\S+)", text, flags=re.M)
    assert set(packages) <= set(copied) and "pyproject.toml" in copied
    assert all((REPO / source).exists() for source in copied)
    lines = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").splitlines()
    ignore = [line for line in lines if line and not line.startswith("#")]
    assert {f"!{p}/" for p in packages} <= set(ignore) and ignore[0] == "*"
    python = re.findall(r"^FROM python:(\d+)\.(\d+)", text, flags=re.M)
    wanted = tuple(int(x) for x in project["project"]["requires-python"].lstrip(">=").split("."))
    assert python and all((int(a), int(b)) >= wanted for a, b in python)
    assert re.search(r"^USER 10001:10001$", text, flags=re.M)
    assert re.search(r'^ENTRYPOINT \["dixian"\]$', text, flags=re.M)
    assert image_env()["DIXIAN_ENV"] == "production"


def test_the_wheel_the_image_installs_holds_the_console(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(tmp_path), str(REPO)],
        check=True, timeout=300,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("dixian-*.whl")
    inside = set(zipfile.ZipFile(wheel).namelist())
    needed = {
        str(p.relative_to(REPO))
        for p in (REPO / "api" / "console").rglob("*")
        if p.is_file() and p.suffix != ".pyc" and "__pycache__" not in p.parts
    }
    assert needed and needed <= inside, sorted(needed - inside)[:10]
