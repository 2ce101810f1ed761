"""The Helm chart k8s/helm/inferadb-management.

Always: values.yaml validates against values.schema.json (JSON Schema draft 7, as Helm applies it),
the schema refuses what it should, Chart.yaml and the chart's config.yaml copy match the project, the
templates are structurally sound (balanced actions, every include defined, every .Values path present)
and values.yaml's defaults describe the same objects as the kustomize prod overlay.
With a ``helm`` binary on PATH, additionally ``helm lint`` and ``helm template``, whose output is
validated against Kubernetes' schemas and checked like the kustomize output. Without one (it cannot be
installed here) that part says so in a warning; the other checks run regardless.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import tomllib
import warnings
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import latest_version

from . import kustomize
from .conftest import CONSOLE, DEPLOYED, REPO, settings_for
from .k8s_checks import (
    INTERNAL_SERVICE,
    INTERNET,
    OUTSIDE_POD,
    check_deployment,
    check_engine_network,
    check_engine_wiring,
    check_wiring,
    find,
    network_allows,
    object_name,
    of_kind,
    pod_peer,
    pod_spec,
    workloads,
)

CHART = REPO / "k8s" / "helm" / "inferadb-management"
VALUES: dict[str, Any] = yaml.safe_load((CHART / "values.yaml").read_text())
SCHEMA: dict[str, Any] = json.loads((CHART / "values.schema.json").read_text())
MANAGED_ENV = {
    "INFERADB_MGMT__SERVER__HTTP_HOST",
    "INFERADB_MGMT__SERVER__INTERNAL_HOST",
    "INFERADB_MGMT__SERVER__HTTP_PORT",
    "INFERADB_MGMT__SERVICES__AUTH_URL",
    "INFERADB_MGMT__SERVICES__ORGS_URL",
    "INFERADB_MGMT__SERVICES__AUDIT_URL",
    "INFERADB_MGMT__SERVICES__MAILER_URL",
    "INFERADB_MGMT__SERVICES__WEB_URL",
    "INFERADB_MGMT__WEB__GATEWAY_URL",
    # from engine.* (the prod overlay's engine settings)
    "INFERADB_MGMT__SERVER__INTERNAL_PORT",
    "INFERADB_MGMT__ENGINE__JWKS_URL",
    "INFERADB_MGMT__ENGINE__AUDIENCE",
    "INFERADB_MGMT__ENGINE__DISCOVERY",
    "INFERADB_MGMT__ENGINE__DNS_NAME",
    "INFERADB_MGMT__ENGINE__DNS_PORT",
}
TEST_SECRET = {
    "keyEncryptionSecret": "helm-test-key-encryption-secret-0123456789",
    "databaseUrl": "postgresql://inferadb:pw@db:5432/inferadb",
    "natsPasswords": {
        process: f"helm-test-nats-{process}" for process in ("auth", "orgs", "audit", "mailer", "gateway")
    },
}

Doc = dict[str, Any]


def engine_env(values: dict[str, Any], namespace: str = "infera") -> dict[str, str]:
    """What the chart's ``inferadb.env`` puts into infera-env from ``engine.*`` (templates/_helpers.tpl)."""
    engine = values["engine"]
    internal_url = f"http://{INTERNAL_SERVICE}.{namespace}.svc:{engine['internalPort']}"
    env = {
        "INFERADB_MGMT__SERVER__INTERNAL_PORT": str(engine["internalPort"]),
        "INFERADB_MGMT__ENGINE__AUDIENCE": engine["audience"] or internal_url,
        "INFERADB_MGMT__ENGINE__DISCOVERY": engine["discovery"],
    }
    if engine["jwksUrl"]:
        env["INFERADB_MGMT__ENGINE__JWKS_URL"] = engine["jwksUrl"]
    if engine["instanceId"]:
        env["INFERADB_MGMT__ENGINE__INSTANCE_ID"] = engine["instanceId"]
    if engine["discovery"] == "dns":
        env["INFERADB_MGMT__ENGINE__DNS_NAME"] = engine["dnsName"]
        env["INFERADB_MGMT__ENGINE__DNS_PORT"] = str(engine["port"])
    if engine["endpoints"]:
        env["INFERADB_MGMT__ENGINE__ENDPOINTS"] = "[" + ", ".join(engine["endpoints"]) + "]"
    return env


def schema_errors(values: dict[str, Any]) -> list[str]:
    return [error.message for error in jsonschema.Draft7Validator(SCHEMA).iter_errors(values)]


def with_change(path: str, value: Any) -> dict[str, Any]:
    values = copy.deepcopy(VALUES)
    *parents, last = path.split(".")
    node = values
    for part in parents:
        node = node[part]
    node[last] = value
    return values


# ------------------------------------------------------------------------------------------- values
def test_values_yaml_validates_against_values_schema_json() -> None:
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    assert schema_errors(VALUES) == []


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("secret.create", True),  # then the key and the database URL are required
        ("secret", {"name": "infera-secrets", "create": True, "keyEncryptionSecret": "short", "databaseUrl": "x"}),
        ("env", {"INFERADB_MGMT__SERVICES__AUTH_URL": "http://elsewhere:1"}),  # the chart owns it
        ("env", {"INFERADB_MGMT__AUTH__KEY_ENCRYPTION_SECRET": "x" * 40}),  # secrets never in a ConfigMap
        ("env", {"NATS_URL": "nats://x"}),  # not a configuration variable
        ("env", {"INFERADB_MGMT__EMAIL__DEV_INBOX": "true"}),  # development only: never in a manifest
        ("env", {"INFERADB_MGMT__WEB__GATEWAY_URL": "http://elsewhere:1"}),  # the chart owns it
        ("components.web", None),  # the console is one of the processes
        ("image.pullPolicy", "Sometimes"),
        ("components.auth.autoscaling.minReplicas", 0),
        ("components.gateway.resources", {"requests": {"cpu": "100m"}}),
        ("networkPolicy.smtpPorts", []),
        ("unknownKey", 1),
        ("engine", None),  # the engine section is required
        ("engine.discovery", "consul"),
        ("engine.dnsName", ""),  # discovery dns needs the headless Service
        ("engine.dnsName", "Not A Host"),
        ("engine.internalPort", 0),
        ("engine.port", 70000),
        ("engine.jwksUrl", "inferadb-engine:9090/.well-known/jwks.json"),  # not a URL
        ("engine.audience", "not a url"),
        ("engine.endpoints", "http://inferadb-engine:9090"),  # a list
        ("engine.endpoints", ["inferadb-engine:9090"]),
        ("engine.endpoints", ["http://inferadb-engine:9090/internal/cache"]),  # base URLs only
        ("engine.endpoints", ["http://a:9090", "http://a:9090"]),
        ("engine.namespace", "Other_NS"),
        ("engine.instanceId", "has space"),
        ("engine.unknown", 1),
        ("env", {"INFERADB_MGMT__ENGINE__JWKS_URL": "http://x:9090/jwks"}),  # the chart owns engine.*
        ("env", {"INFERADB_MGMT__ENGINE__ENDPOINTS": "[http://x:9090]"}),
        ("env", {"INFERADB_MGMT__SERVER__INTERNAL_PORT": "9999"}),
    ],
)
def test_schema_refuses_invalid_values(path: str, value: Any) -> None:
    assert schema_errors(with_change(path, value)), f"{path}={value!r} was accepted"


def test_schema_accepts_a_chart_created_secret() -> None:
    values = with_change("secret", {"name": "infera-secrets", "create": True, "smtpPassword": "", **TEST_SECRET})
    assert schema_errors(values) == []


ENGINE_VARIANTS = [
    {"discovery": "static", "endpoints": ["http://engine-a.inferadb.svc:9090", "https://engine-b.example.com"]},
    {"discovery": "static", "endpoints": [], "jwksUrl": ""},  # no engine: nothing sent, internal API 503
    {"namespace": "inferadb", "audience": "http://mgmt.example.internal:9091", "instanceId": "mgmt-eu-1"},
    {"endpoints": ["http://inferadb-engine-0.inferadb-engine-headless.infera.svc:9090/"], "internalPort": 9191},
]


@pytest.mark.parametrize("change", ENGINE_VARIANTS)
def test_schema_accepts_engine_values_and_the_chart_env_loads_as_they_say(
    change: dict[str, Any], tmp_path: Path
) -> None:
    values = copy.deepcopy(VALUES)
    values["engine"].update(change)
    assert schema_errors(values) == []
    settings = settings_for(REPO / "config.yaml", engine_env(values))
    engine = values["engine"]
    assert settings.server.internal_port == engine["internalPort"]
    assert settings.engine.jwks_url == (engine["jwksUrl"] or None)
    assert settings.engine.audience == (
        engine["audience"] or f"http://{INTERNAL_SERVICE}.infera.svc:{engine['internalPort']}"
    )
    assert settings.engine.instance_id == (engine["instanceId"] or None)
    assert settings.engine.discovery == engine["discovery"]
    assert settings.engine.endpoints == engine["endpoints"]
    if engine["discovery"] == "dns":
        assert (settings.engine.dns_name, settings.engine.dns_port) == (engine["dnsName"], engine["port"])


def test_engine_templates_name_the_service_port_and_the_engine_label() -> None:
    """Without a helm binary, at least the text: the orgs container's named port `internal` is the
    Service's target, and the policy's peer is the engine's label (rendered when helm is present)."""
    text = templates()
    assert "name: internal\n              containerPort: {{ $.Values.engine.internalPort }}" in text["deployments.yaml"]
    service = text["services.yaml"].split(f"name: {INTERNAL_SERVICE}", 1)[1]
    assert "port: {{ .Values.engine.internalPort }}\n      targetPort: internal" in service
    assert 'include "inferadb.selectorLabels" "orgs"' in service
    helpers = text["_helpers.tpl"]
    peer = helpers.split('define "inferadb.enginePeer"', 1)[1].split("{{- end -}}", 1)[0]
    assert "app.kubernetes.io/name: inferadb-engine" in peer
    policy = text["networkpolicies.yaml"].split(f"name: {INTERNAL_SERVICE}", 1)[1].split("---", 1)[0]
    assert policy.count('include "inferadb.enginePeer"') == 2
    assert "port: {{ .Values.engine.internalPort }}" in policy and "port: {{ .Values.engine.port }}" in policy


def test_chart_metadata_and_config_copy_match_the_project() -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert chart["apiVersion"] == "v2" and chart["name"] == "inferadb-management" and chart["type"] == "application"
    assert re.fullmatch(r"\d+\.\d+\.\d+", chart["version"])
    assert chart["appVersion"] == version
    assert (CHART / "files" / "config.yaml").read_text() == (REPO / "config.yaml").read_text(), (
        "the chart's files/config.yaml differs from config.yaml: cp config.yaml k8s/helm/inferadb-management/files/"
    )
    assert (CHART / "files" / "nats-authorization.conf").read_text() == (
        REPO / "deploy" / "nats" / "authorization.conf"
    ).read_text(), "cp deploy/nats/authorization.conf k8s/helm/inferadb-management/files/nats-authorization.conf"


# ---------------------------------------------------------------------------------------- templates
ACTION = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.DOTALL)
BLOCK_START = re.compile(r"^(if|range|with|define|block)\b")


def templates() -> dict[str, str]:
    return {path.name: path.read_text() for path in sorted((CHART / "templates").iterdir()) if path.is_file()}


def test_template_actions_are_balanced_and_every_include_is_defined() -> None:
    defined: set[str] = set()
    included: set[str] = set()
    for name, text in templates().items():
        assert text.count("{{") == text.count("}}"), name
        depth = 0
        for action in ACTION.findall(text):
            if action.startswith("/*"):
                continue
            if BLOCK_START.match(action):
                depth += 1
            elif action == "end":
                depth -= 1
                assert depth >= 0, f"{name}: unbalanced end"
            defined.update(re.findall(r'^define "([^"]+)"', action))
            included.update(re.findall(r'include "([^"]+)"', action))
        assert depth == 0, f"{name}: {depth} block(s) without end"
    assert included <= defined, sorted(included - defined)


def test_every_values_path_in_the_templates_exists_in_values_yaml() -> None:
    optional = {("imagePullSecrets",), ("nodeSelector",), ("tolerations",)}
    for name, text in templates().items():
        for path in re.findall(r"\.Values((?:\.[A-Za-z_]\w*)+)", text):
            parts = tuple(path.strip(".").split("."))
            node: Any = VALUES
            for part in parts:
                assert isinstance(node, dict) and part in node, f"{name}: .Values{path} is not in values.yaml"
                node = node[part]
            assert parts in optional or node is not None, path


def test_values_defaults_describe_the_objects_of_the_kustomize_prod_overlay() -> None:
    prod = kustomize.render(REPO / "k8s" / "overlays" / "prod")
    env = find(prod, "ConfigMap", "infera-env")["data"]
    chart_env = {
        key: str(value).lower() if isinstance(value, bool) else str(value) for key, value in VALUES["env"].items()
    }
    assert {key: env[key] for key in chart_env if key in env} == chart_env
    assert set(env) - set(chart_env) == MANAGED_ENV
    chart_engine_env = engine_env(VALUES)
    assert {key: env.get(key) for key in chart_engine_env} == chart_engine_env
    assert set(VALUES["components"]) == set(DEPLOYED)
    for process in DEPLOYED:
        values = VALUES["components"][process]
        deployment = find(prod, "Deployment", object_name(process))
        (container,) = pod_spec(deployment)["containers"]
        assert container["ports"][0]["containerPort"] == values["port"]
        assert container["resources"] == values["resources"], process
        assert f"{VALUES['image']['repository']}-{process}:" in container["image"]
        autoscaler = find(prod, "HorizontalPodAutoscaler", object_name(process))["spec"]
        assert (autoscaler["minReplicas"], autoscaler["maxReplicas"]) == (
            values["autoscaling"]["minReplicas"],
            values["autoscaling"]["maxReplicas"],
        )
    job = find(prod, "Job", "infera-migrate")
    assert all(c["resources"] == VALUES["migrations"]["resources"] for c in pod_spec(job)["containers"])
    assert VALUES["secret"]["name"] == "infera-secrets" and VALUES["secret"]["create"] is False


# ------------------------------------------------------------------------------------- helm, if any
def helm_render(helm: str, tmp_path: Path, **values: Any) -> list[Doc]:
    lint = subprocess.run([helm, "lint", str(CHART)], capture_output=True, text=True, timeout=120, check=False)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    overrides = tmp_path / "secret-values.yaml"
    overrides.write_text(yaml.safe_dump({"secret": {"create": True, **TEST_SECRET}, **values}))
    result = subprocess.run(
        [helm, "template", "inferadb", str(CHART), "--namespace", "infera", "-f", str(overrides)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.mark.integration
def test_helm_template_renders_valid_objects_like_the_prod_overlay(tmp_path: Path) -> None:
    assert schema_errors(VALUES) == []  # the schema check runs whether or not helm is here
    helm = shutil.which("helm")
    if helm is None:
        warnings.warn(
            "helm is not on PATH: the chart's templates were not rendered (values.schema.json, the template "
            "structure and the defaults were checked)",
            UserWarning,
            stacklevel=1,
        )
        return
    docs = helm_render(helm, tmp_path)
    for doc in docs:
        for version in ("1.30.0", latest_version()):
            kubernetes_validate.validate(doc, version, strict=True)
    prod = kustomize.render(REPO / "k8s" / "overlays" / "prod")
    expected = {(d["kind"], d["metadata"]["name"]) for d in prod if d["kind"] != "Namespace"}
    assert {(d["kind"], d["metadata"]["name"]) for d in docs} == expected | {("Secret", "infera-secrets")}
    secrets = {"infera-secrets": find(docs, "Secret", "infera-secrets")["stringData"]}
    check_wiring(docs, secrets, tmp_path)
    for process in DEPLOYED:
        check_deployment(find(docs, "Deployment", object_name(process)))
    assert network_allows(docs, OUTSIDE_POD, pod_peer("gateway"), 3000)
    assert not network_allows(docs, OUTSIDE_POD, pod_peer("auth"), 3101)
    assert network_allows(docs, pod_peer("auth"), pod_peer("orgs"), 3102)
    assert not network_allows(docs, pod_peer("audit"), INTERNET, 587)
    assert network_allows(docs, pod_peer("gateway"), pod_peer(CONSOLE), 3105)
    assert not network_allows(docs, OUTSIDE_POD, pod_peer(CONSOLE), 3105)
    assert network_allows(docs, pod_peer(CONSOLE), pod_peer("gateway"), 3000)
    assert not network_allows(docs, pod_peer(CONSOLE), pod_peer("auth"), 3101)
    assert of_kind(docs, "NetworkPolicy")
    check_engine_wiring(docs, workloads(docs, secrets, tmp_path))
    check_engine_network(docs)
    assert find(docs, "ConfigMap", "infera-env")["data"].items() >= engine_env(VALUES).items()
    # The engine in another namespace: its pods there, and only there, reach the internal API.
    elsewhere = helm_render(helm, tmp_path, engine={**VALUES["engine"], "namespace": "inferadb"})
    check_engine_network(elsewhere, engine_namespace="inferadb")
