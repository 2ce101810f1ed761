"""The Helm chart k8s/helm/inferadb-management, rendered by Helm's own Go library (helm-python-sdk).

values.yaml validates against values.schema.json, both as JSON Schema draft 7 and with Helm's own
validator (which checks the values merged over the chart's defaults, as ``helm install -f`` does); the
schema refuses what it should, and a values file that breaks it is refused with a message naming the
key. Chart.yaml and the chart's config.yaml copy match the project; the templates are structurally
sound and ``helm lint --strict`` is clean. The chart is rendered over a matrix of values (defaults,
prod-like, engine endpoints, Secret created or external, autoscaling on or off with the optional
objects off): every object is validated against Kubernetes' schemas by kubernetes-validate and checked
like the kustomize output (wiring, security, probes, network policy, the engine's internal API).
"""

from __future__ import annotations

import copy
import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from helm_python import Chart, HelmValuesError, lint, values_from_yaml
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
TEST_SECRET: dict[str, Any] = {
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


@pytest.fixture(scope="module")
def chart() -> Iterator[Chart]:
    """The chart as Helm loads it (templates, files, values.yaml, values.schema.json)."""
    with Chart.load(CHART) as loaded:
        yield loaded


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
def test_values_yaml_validates_against_values_schema_json(chart: Chart) -> None:
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    assert schema_errors(VALUES) == []
    assert chart.values == VALUES and chart.schema == SCHEMA
    chart.validate_schema(VALUES)


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
        # null, since Helm merges a values file over the defaults and only null removes a default
        ("components.gateway.resources", {"requests": {"cpu": "100m", "memory": None}}),
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
def test_schema_refuses_invalid_values(chart: Chart, path: str, value: Any) -> None:
    values = with_change(path, value)
    assert schema_errors(values), f"{path}={value!r} was accepted"
    with pytest.raises(HelmValuesError, match="- at '"):
        chart.validate_schema(values)


def test_schema_accepts_a_chart_created_secret(chart: Chart) -> None:
    values = with_change("secret", {"name": "infera-secrets", "create": True, "smtpPassword": "", **TEST_SECRET})
    assert schema_errors(values) == []
    chart.validate_schema(values)


ENGINE_VARIANTS = [
    {"discovery": "static", "endpoints": ["http://engine-a.inferadb.svc:9090", "https://engine-b.example.com"]},
    {"discovery": "static", "endpoints": [], "jwksUrl": ""},  # no engine: nothing sent, internal API 503
    {"namespace": "inferadb", "audience": "http://mgmt.example.internal:9091", "instanceId": "mgmt-eu-1"},
    {"endpoints": ["http://inferadb-engine-0.inferadb-engine-headless.infera.svc:9090/"], "internalPort": 9191},
]


@pytest.mark.parametrize("change", ENGINE_VARIANTS)
def test_schema_accepts_engine_values_and_the_chart_env_loads_as_they_say(
    chart: Chart, change: dict[str, Any], tmp_path: Path
) -> None:
    values = copy.deepcopy(VALUES)
    values["engine"].update(change)
    assert schema_errors(values) == []
    chart.validate_schema(values)
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


def test_helm_lint_strict_is_clean() -> None:
    for values in (None, {"secret": {"create": True, **TEST_SECRET}}):
        report = lint(CHART, values, strict=True, namespace="infera", kube_version="v1.30.0")
        assert report["errors"] == [], report
        # severity 1 is information ("icon is recommended"); warnings and errors fail
        assert [m for m in report["messages"] if m["severity"] > 1] == [], report["messages"]


# ---------------------------------------------------------------------------------- rendered by Helm
RELEASE_NAMESPACE = "infera"
SECRET_KEYS = {
    "key-encryption-secret": TEST_SECRET["keyEncryptionSecret"],
    "database-url": TEST_SECRET["databaseUrl"],
    **{f"nats-{process}-password": password for process, password in TEST_SECRET["natsPasswords"].items()},
}
NO_AUTOSCALING = {"autoscaling": {"enabled": False}}
# id -> values file (merged over values.yaml by Helm); the Secret is external unless secret.create.
RENDERS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "secret-created": {"secret": {"create": True, **TEST_SECRET}},
    "prod-like": {
        "image": {"repository": "registry.example.com/inferadb/management", "tag": "0.1.0", "pullPolicy": "Always"},
        "imagePullSecrets": [{"name": "registry-credentials"}],
        "secret": {"name": "inferadb-prod-secrets", "create": True, "smtpPassword": "smtp-pw", **TEST_SECRET},
        "env": {
            "INFERADB_MGMT__SERVER__PUBLIC_URL": "https://api.inferadb.com",
            "INFERADB_MGMT__FRONTEND_BASE_URL": "https://app.inferadb.com",
            "INFERADB_MGMT__SERVER__CORS_ALLOWED_ORIGINS": "https://app.inferadb.com",
            "INFERADB_MGMT__NATS__URL": "nats://nats.nats.svc:4222",
            "INFERADB_MGMT__EMAIL__SMTP_HOST": "smtp.mailgun.org",
            "INFERADB_MGMT__AUDIT__ADMINS_CAN_READ": True,  # a boolean: "true" in the ConfigMap
        },
        "components": {
            "auth": {
                "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": 4, "memory": "2Gi"}},
                "autoscaling": {"minReplicas": 4, "maxReplicas": 40, "targetCPUUtilizationPercentage": 60},
            },
            "gateway": {"autoscaling": {"minReplicas": 6, "maxReplicas": 30}},
        },
        "nodeSelector": {"kubernetes.io/os": "linux", "node.kubernetes.io/pool": "api"},
        "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "api", "effect": "NoSchedule"}],
        "migrations": {"backoffLimit": 3, "activeDeadlineSeconds": 1800},
        "podDisruptionBudget": {"maxUnavailable": 2},
    },
    "engine-endpoints": {
        "engine": {
            "namespace": "inferadb",
            "discovery": "static",
            "jwksUrl": "http://inferadb-engine.inferadb.svc:9090/.well-known/jwks.json",
            "endpoints": [
                "http://inferadb-engine-0.inferadb-engine-headless.inferadb.svc:9090",
                "http://inferadb-engine-1.inferadb-engine-headless.inferadb.svc:9090",
            ],
            "instanceId": "mgmt-eu-1",
        }
    },
    "hpa-off-optional-objects-off": {
        "components": {
            process: {**NO_AUTOSCALING, "replicas": replicas}
            for process, replicas in zip(DEPLOYED, range(1, 7), strict=True)
        },
        "podDisruptionBudget": {"enabled": False},
        "networkPolicy": {"enabled": False},
        "migrations": {"enabled": False},
    },
}


def helm_render(chart: Chart, values: dict[str, Any]) -> list[Doc]:
    """``helm template inferadb <chart> -n infera -f values``: every object of every manifest."""
    manifests = chart.render(values, name="inferadb", namespace=RELEASE_NAMESPACE, is_install=True)
    notes = manifests.pop("inferadb-management/templates/NOTES.txt")
    assert f"namespace {RELEASE_NAMESPACE}" in notes
    return [doc for text in manifests.values() for doc in yaml.safe_load_all(text) if doc]


def expected_env(merged: dict[str, Any]) -> dict[str, str]:
    """The ConfigMap infera-env: the values' env as strings (booleans as YAML writes them), the chart's own."""
    env = {key: str(value).lower() if isinstance(value, bool) else str(value) for key, value in merged["env"].items()}
    components = merged["components"]
    env |= {
        "INFERADB_MGMT__SERVER__HTTP_HOST": "0.0.0.0",
        "INFERADB_MGMT__SERVER__INTERNAL_HOST": "0.0.0.0",
        "INFERADB_MGMT__SERVER__HTTP_PORT": str(components["gateway"]["port"]),
        "INFERADB_MGMT__SERVICES__WEB_URL": f"http://infera-web:{components['web']['port']}",
        "INFERADB_MGMT__WEB__GATEWAY_URL": f"http://{object_name('gateway')}:{components['gateway']['port']}",
    }
    for service in ("auth", "orgs", "audit", "mailer"):
        env[f"INFERADB_MGMT__SERVICES__{service.upper()}_URL"] = (
            f"http://{object_name(service)}:{components[service]['port']}"
        )
    return env | engine_env(merged, RELEASE_NAMESPACE)


@pytest.mark.parametrize("variant", list(RENDERS))
def test_helm_renders_valid_objects_wired_like_the_prod_overlay(chart: Chart, variant: str, tmp_path: Path) -> None:
    overrides = RENDERS[variant]
    merged = chart.merge_values(overrides)
    assert schema_errors(merged) == [], variant
    docs = helm_render(chart, overrides)
    for doc in docs:
        for version in ("1.30.0", latest_version()):
            kubernetes_validate.validate(doc, version, strict=True)
    assert all(doc["metadata"]["namespace"] == RELEASE_NAMESPACE for doc in docs)

    # The objects: those of the prod overlay, less what the values turn off, plus a created Secret.
    prod = kustomize.render(REPO / "k8s" / "overlays" / "prod")
    expected = {(d["kind"], d["metadata"]["name"]) for d in prod if d["kind"] != "Namespace"}
    switched = {
        "HorizontalPodAutoscaler": all(merged["components"][p]["autoscaling"]["enabled"] for p in DEPLOYED),
        "PodDisruptionBudget": merged["podDisruptionBudget"]["enabled"],
        "NetworkPolicy": merged["networkPolicy"]["enabled"],
        "Job": merged["migrations"]["enabled"],
    }
    expected = {(kind, name) for kind, name in expected if switched.get(kind, True)}
    secret = merged["secret"]
    if secret["create"]:
        expected.add(("Secret", secret["name"]))
    assert {(d["kind"], d["metadata"]["name"]) for d in docs} == expected

    # A created Secret holds what the values say; an external one is given the same keys here.
    if secret["create"]:
        data = find(docs, "Secret", secret["name"])["stringData"]
        assert data == {**SECRET_KEYS, "smtp-password": secret["smtpPassword"]}
        secrets = {secret["name"]: data}
    else:
        secrets = {secret["name"]: SECRET_KEYS}
    assert find(docs, "ConfigMap", "infera-env")["data"] == expected_env(merged)
    found = check_wiring(docs, secrets, tmp_path)
    image = merged["image"]
    for workload in found:
        tag = image["tag"] or chart.metadata["appVersion"]
        assert workload.container["image"] == f"{image['repository']}-{workload.component}:{tag}"
        assert workload.container["imagePullPolicy"] == image["pullPolicy"]
    for process in DEPLOYED:
        component = merged["components"][process]
        deployment = find(docs, "Deployment", object_name(process))
        autoscaling = component["autoscaling"]
        check_deployment(deployment, replicas=None if autoscaling["enabled"] else component["replicas"])
        (container,) = pod_spec(deployment)["containers"]
        assert container["resources"] == json.loads(json.dumps(component["resources"]))
        if autoscaling["enabled"]:
            spec = find(docs, "HorizontalPodAutoscaler", object_name(process))["spec"]
            bounds = (autoscaling["minReplicas"], autoscaling["maxReplicas"])
            assert (spec["minReplicas"], spec["maxReplicas"]) == bounds
            (metric,) = spec["metrics"]
            assert metric["resource"]["target"]["averageUtilization"] == autoscaling["targetCPUUtilizationPercentage"]
        if merged["podDisruptionBudget"]["enabled"]:
            budget = find(docs, "PodDisruptionBudget", object_name(process))["spec"]
            assert budget["maxUnavailable"] == merged["podDisruptionBudget"]["maxUnavailable"]
    for doc in docs:
        if doc["kind"] in ("Deployment", "Job"):
            pod = pod_spec(doc)
            assert pod.get("imagePullSecrets", []) == merged["imagePullSecrets"], doc["metadata"]["name"]
            assert pod.get("nodeSelector", {}) == merged["nodeSelector"], doc["metadata"]["name"]
            assert pod.get("tolerations", []) == merged["tolerations"], doc["metadata"]["name"]
    # What the migration Job needs exists before it (hooks of a lower weight); without it, no hooks.
    hooks = {
        (d["kind"], d["metadata"]["name"]): d["metadata"].get("annotations", {}).get("helm.sh/hook-weight")
        for d in docs
        if "helm.sh/hook" in d["metadata"].get("annotations", {})
    }
    if merged["migrations"]["enabled"]:
        job = find(docs, "Job", "infera-migrate")
        migrating = {container["name"] for container in pod_spec(job)["containers"]}
        assert migrating == {f"{service}-migrate" for service in ("auth", "orgs", "audit", "mailer")}
        assert job["spec"]["activeDeadlineSeconds"] == merged["migrations"]["activeDeadlineSeconds"]
        assert job["spec"]["backoffLimit"] == merged["migrations"]["backoffLimit"]
        before = {("ConfigMap", "infera-config"), ("ConfigMap", "infera-env")}
        if secret["create"]:
            before.add(("Secret", secret["name"]))
        assert hooks == {**{key: "-10" for key in before}, ("Job", "infera-migrate"): "0"}
    else:
        assert hooks == {}

    if merged["networkPolicy"]["enabled"]:
        assert network_allows(docs, OUTSIDE_POD, pod_peer("gateway"), 3000)
        assert not network_allows(docs, OUTSIDE_POD, pod_peer("auth"), 3101)
        assert network_allows(docs, pod_peer("auth"), pod_peer("orgs"), 3102)
        assert not network_allows(docs, pod_peer("audit"), INTERNET, 587)
        assert network_allows(docs, pod_peer("mailer"), INTERNET, 587)
        assert network_allows(docs, pod_peer("gateway"), pod_peer(CONSOLE), 3105)
        assert not network_allows(docs, OUTSIDE_POD, pod_peer(CONSOLE), 3105)
        assert network_allows(docs, pod_peer(CONSOLE), pod_peer("gateway"), 3000)
        assert not network_allows(docs, pod_peer(CONSOLE), pod_peer("auth"), 3101)
        check_engine_network(docs, engine_namespace=merged["engine"]["namespace"] or RELEASE_NAMESPACE)
    else:
        assert of_kind(docs, "NetworkPolicy") == []
    check_engine_wiring(docs, found)


# (values file, what Helm's message must name): the key path where it can, the offending key otherwise.
BROKEN_VALUES_FILES = [
    ("image:\n  pullPolicy: Sometimes\n", "/image/pullPolicy"),
    ("components:\n  auth:\n    autoscaling:\n      minReplicas: 0\n", "/components/auth/autoscaling/minReplicas"),
    ("engine:\n  discovery: consul\n", "/engine/discovery"),
    ("networkPolicy:\n  smtpPorts: []\n", "/networkPolicy/smtpPorts"),
    ("secret:\n  create: true\n  keyEncryptionSecret: short\n", "/secret/keyEncryptionSecret"),
    ("replicas: 3\n", "'replicas'"),
    ("env:\n  INFERADB_MGMT__STORAGE__URL: postgresql://u:p@db/x\n", "'INFERADB_MGMT__STORAGE__URL'"),
]


@pytest.mark.parametrize(("text", "named"), BROKEN_VALUES_FILES)
def test_a_values_file_that_breaks_the_schema_is_refused_naming_the_key(
    chart: Chart, text: str, named: str, tmp_path: Path
) -> None:
    values_file = tmp_path / "values.yaml"
    values_file.write_text(text)
    with pytest.raises(HelmValuesError) as refused:
        chart.render(values_from_yaml(values_file.read_text()), name="inferadb", namespace=RELEASE_NAMESPACE)
    message = str(refused.value)
    assert "don't meet the specifications of the schema" in message and named in message, message
    assert "postgresql://u:p@db/x" not in message  # a refused secret is not echoed back
