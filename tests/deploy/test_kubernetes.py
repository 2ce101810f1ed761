"""k8s/: the kustomize base and overlays, rendered offline and validated against Kubernetes' schemas.

Rendering: tests/deploy/kustomize.py (kustomize's semantics for the features k8s/ uses; anything else
is refused). Where ``kubectl`` is on PATH, ``kubectl kustomize`` renders every overlay too and must
produce exactly the same objects. Validation: kubernetes-validate (the OpenAPI schemas of each
Kubernetes release, strict: unknown fields are errors). Then the objects are checked for what the
deployment needs, and every container's environment is loaded by the project's own settings code.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import kubernetes_validate.utils
import pytest
import yaml
from kubernetes_validate.utils import latest_version

from . import kustomize
from .conftest import CONSOLE, DEPLOYED, PROCESSES, REPO, SERVICES
from .dockerfile_model import parse_dockerfile
from .k8s_checks import (
    GATEWAY_SERVICE,
    INTERNAL_SERVICE,
    INTERNET,
    NAMESPACE,
    OTHER_POD_HERE,
    OUTSIDE_POD,
    check_deployment,
    check_engine_network,
    check_engine_wiring,
    check_pod_security,
    check_wiring,
    component_of_image,
    example_secrets,
    find,
    network_allows,
    object_name,
    of_kind,
    pod_labels,
    pod_peer,
    pod_spec,
    repository_config,
)

K8S = REPO / "k8s"
KUSTOMIZATIONS = {
    "base": K8S / "base",
    "dev": K8S / "overlays" / "dev",
    "prod": K8S / "overlays" / "prod",
    "root": K8S,
}
# The oldest Kubernetes minor still in common support, and the newest the installed package knows.
KUBERNETES_VERSIONS = ("1.30.0", latest_version())
REPLICAS = {"base": (2, 6), "dev": (1, 2), "prod": (3, 10), "root": (3, 10)}
STREAM_REPLICAS = {"base": 3, "dev": 1, "prod": 3, "root": 3}
IMAGE_TAG = {"base": "0.1.0", "dev": "dev", "prod": "0.1.0", "root": "0.1.0"}
PORTS = {"gateway": 3000, "auth": 3101, "orgs": 3102, "audit": 3103, "mailer": 3104, "web": 3105}
EXTERNAL_PORTS = {
    "postgres": 5432,
    "nats": 4222,
    "dns": 53,
    "smtp": 587,
    "smtps": 465,
    "smtp-relay": 25,
    "mailhog": 1025,
}

Doc = dict[str, Any]


@pytest.fixture(scope="module", autouse=True)
def parsed_schemas_once() -> Iterator[None]:
    """kubernetes-validate parses its schema files (megabytes of JSON) on every call; parsing each once
    per module takes the validation of ~300 objects from ~30 s to ~2 s and changes nothing it checks."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            kubernetes_validate.utils, "schema_contents", functools.cache(kubernetes_validate.utils.schema_contents)
        )
        yield


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[Doc]]:
    return {name: kustomize.render(path) for name, path in KUSTOMIZATIONS.items()}


@pytest.fixture(scope="module")
def base_secrets(rendered: dict[str, list[Doc]]) -> dict[str, dict[str, str]]:
    """The example Secret's values, standing in for the real Secret that prod expects to exist."""
    return example_secrets(rendered["base"])


def render_with_kubectl(path: Path) -> list[Doc] | None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        return None
    result = subprocess.run([kubectl, "kustomize", str(path)], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


# ----------------------------------------------------------------------------------------- rendering
@pytest.mark.integration
@pytest.mark.parametrize("name", sorted(KUSTOMIZATIONS))
def test_renderer_agrees_with_kubectl_kustomize(name: str, rendered: dict[str, list[Doc]]) -> None:
    theirs = render_with_kubectl(KUSTOMIZATIONS[name])
    if theirs is None:
        warnings.warn(
            "kubectl is not on PATH: k8s/ rendered by tests/deploy/kustomize.py only", UserWarning, stacklevel=1
        )
        return
    mine = {kustomize.key(doc): doc for doc in rendered[name]}
    by_key = {kustomize.key(doc): doc for doc in theirs}
    assert set(mine) == set(by_key)
    for key, doc in mine.items():
        assert doc == by_key[key], key


@pytest.mark.parametrize("name", sorted(KUSTOMIZATIONS))
@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_object_is_valid_for_kubernetes(name: str, version: str, rendered: dict[str, list[Doc]]) -> None:
    for doc in rendered[name]:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{name}: {doc['kind']}/{doc['metadata']['name']} invalid for {version}: {exc.message}")


def test_renderer_refuses_features_it_does_not_implement(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources: []\ncommonAnnotations: {a: b}\n")
    with pytest.raises(kustomize.Unsupported):
        kustomize.render(tmp_path)


# ---------------------------------------------------------------------------------------------- shape
@pytest.mark.parametrize("name", sorted(KUSTOMIZATIONS))
def test_everything_lives_in_namespace_infera(name: str, rendered: dict[str, list[Doc]]) -> None:
    docs = rendered[name]
    assert find(docs, "Namespace", NAMESPACE)
    for doc in docs:
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == NAMESPACE, kustomize.key(doc)


@pytest.mark.parametrize("name", sorted(KUSTOMIZATIONS))
def test_config_map_infera_config_is_the_repositorys_config_yaml(name: str, rendered: dict[str, list[Doc]]) -> None:
    assert (K8S / "base" / "config.yaml").read_text() == repository_config(), (
        "k8s/base/config.yaml differs from config.yaml: cp config.yaml k8s/base/config.yaml"
    )
    config_map = find(rendered[name], "ConfigMap", "infera-config")
    assert config_map["data"] == {"config.yaml": repository_config()}


def test_example_secret_is_marked_applied_by_dev_and_left_out_of_prod(rendered: dict[str, list[Doc]]) -> None:
    for name in ("base", "dev"):
        secret = find(rendered[name], "Secret", "infera-secrets")
        assert secret["metadata"]["annotations"]["inferadb.com/example"] == "true"
        nats_passwords = {f"nats-{process}-password" for process in PROCESSES}
        assert set(secret["stringData"]) == {"key-encryption-secret", "database-url", "smtp-password", *nats_passwords}
        assert all("EXAMPLE" in value for value in secret["stringData"].values() if value)
    text = (K8S / "base" / "secret.example.yaml").read_text()
    assert "EXAMPLE SECRET" in text and "NOT A SECRET" in text
    for name in ("prod", "root"):
        assert not of_kind(rendered[name], "Secret"), "prod must never apply the example Secret"


@pytest.mark.parametrize("name", sorted(KUSTOMIZATIONS))
def test_a_deployment_and_service_per_process(name: str, rendered: dict[str, list[Doc]]) -> None:
    docs = rendered[name]
    assert {d["metadata"]["name"] for d in of_kind(docs, "Deployment")} == {object_name(p) for p in DEPLOYED}
    services = {d["metadata"]["name"] for d in of_kind(docs, "Service")}
    assert services == {object_name(p) for p in DEPLOYED} | {INTERNAL_SERVICE}
    gateway = find(docs, "Service", GATEWAY_SERVICE)
    assert gateway["spec"]["ports"][0]["port"] == 3000
    dockerfile = parse_dockerfile()
    for process in DEPLOYED:
        deployment = find(docs, "Deployment", object_name(process))
        service = find(docs, "Service", object_name(process))
        check_deployment(deployment)
        assert service["spec"]["type"] == "ClusterIP"
        assert service["spec"]["ports"][0]["port"] == PORTS[process]
        assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
        (container,) = pod_spec(deployment)["containers"]
        assert component_of_image(container["image"]) == process and process in dockerfile.stages
        assert container["image"].endswith(f":{IMAGE_TAG[name]}"), container["image"]


@pytest.mark.parametrize("name", sorted(KUSTOMIZATIONS))
def test_disruption_budget_and_autoscaler_per_deployment(name: str, rendered: dict[str, list[Doc]]) -> None:
    docs = rendered[name]
    low, high = REPLICAS[name]
    for process in DEPLOYED:
        deployment = find(docs, "Deployment", object_name(process))
        budget = find(docs, "PodDisruptionBudget", object_name(process))
        assert budget["spec"]["selector"] == deployment["spec"]["selector"]
        assert budget["spec"]["maxUnavailable"] == 1
        autoscaler = find(docs, "HorizontalPodAutoscaler", object_name(process))
        target = autoscaler["spec"]["scaleTargetRef"]
        assert (target["kind"], target["name"]) == ("Deployment", object_name(process))
        assert (autoscaler["spec"]["minReplicas"], autoscaler["spec"]["maxReplicas"]) == (low, high)


@pytest.mark.parametrize("name", sorted(KUSTOMIZATIONS))
def test_migration_job_runs_migrate_of_every_service(name: str, rendered: dict[str, list[Doc]]) -> None:
    job = find(rendered[name], "Job", "infera-migrate")
    pod = pod_spec(job)
    assert pod["restartPolicy"] == "OnFailure"
    check_pod_security("infera-migrate", pod)
    images = {component_of_image(c["image"]): c for c in pod["containers"]}
    assert set(images) == set(SERVICES)
    for container in images.values():
        assert container["args"] == ["migrate"]
        assert container["image"].endswith(f":{IMAGE_TAG[name]}")


@pytest.mark.parametrize("name", sorted(KUSTOMIZATIONS))
def test_every_container_starts_with_a_valid_configuration_wired_to_the_services(
    name: str, rendered: dict[str, list[Doc]], base_secrets: dict[str, dict[str, str]], tmp_path: Path
) -> None:
    docs = rendered[name]
    found = check_wiring(docs, example_secrets(docs) or base_secrets, tmp_path)
    assert {w.component for w in found if w.kind == "Deployment"} == set(DEPLOYED)
    secrets = example_secrets(docs) or base_secrets
    for workload in found:
        assert workload.settings.nats.url == "nats://nats.infera.svc:4222"
        assert workload.settings.nats.stream_replicas == STREAM_REPLICAS[name]
        if workload.component == CONSOLE:  # a client of the public API: no NATS user, no database
            assert workload.settings.nats.user is None and workload.settings.nats.password is None
            assert [v["name"] for v in workload.container["env"]] == ["INFERADB_MGMT__AUTH__KEY_ENCRYPTION_SECRET"]
        elif workload.kind == "Deployment":  # each process signs in to NATS as its own user
            assert workload.settings.nats.user == workload.component
            password = secrets["infera-secrets"][f"nats-{workload.component}-password"]
            assert workload.settings.nats.password == password
        else:
            assert workload.settings.nats.user is None
    authorization = find(docs, "ConfigMap", "infera-nats-authorization")
    assert authorization["data"] == {
        "authorization.conf": (REPO / "deploy" / "nats" / "authorization.conf").read_text()
    }
    gateway = next(w for w in found if w.component == "gateway")
    assert gateway.settings.server.http_port == 3000
    check_engine_wiring(docs, found)


@pytest.mark.parametrize("name", sorted(KUSTOMIZATIONS))
def test_only_the_engine_reaches_the_internal_api_and_orgs_reaches_the_engine(
    name: str, rendered: dict[str, list[Doc]]
) -> None:
    docs = rendered[name]
    check_engine_network(docs)
    policy = find(docs, "NetworkPolicy", INTERNAL_SERVICE)
    assert policy["spec"]["podSelector"]["matchLabels"] == dict(pod_peer("orgs").labels)
    (rule,) = policy["spec"]["ingress"]
    (peer,) = rule["from"]
    assert peer == {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "inferadb-engine"}}}


# -------------------------------------------------------------------------------------------- network
@pytest.mark.parametrize("name", sorted(KUSTOMIZATIONS))
def test_only_the_gateway_is_reachable_and_services_accept_only_their_callers(
    name: str, rendered: dict[str, list[Doc]]
) -> None:
    docs = rendered[name]
    for policy in of_kind(docs, "NetworkPolicy"):
        assert policy["spec"]["policyTypes"], policy["metadata"]["name"]
    for outsider in (OUTSIDE_POD, OTHER_POD_HERE):
        assert network_allows(docs, outsider, pod_peer("gateway"), 3000)
        assert not network_allows(docs, outsider, pod_peer("gateway"), 3101)
        for service in (*SERVICES, CONSOLE):
            assert not network_allows(docs, outsider, pod_peer(service), PORTS[service]), (outsider, service)
    callers = {("gateway", s) for s in SERVICES} | {("auth", "orgs"), ("gateway", CONSOLE)}
    for source in (*DEPLOYED, "migrate"):
        for destination in DEPLOYED:
            if destination == "gateway":
                continue
            allowed = network_allows(docs, pod_peer(source), pod_peer(destination), PORTS[destination])
            assert allowed == ((source, destination) in callers), f"{source} → {destination}: {allowed}"
    for service in SERVICES:  # a service never calls the gateway back
        assert not network_allows(docs, pod_peer(service), pod_peer("gateway"), 3000)
    # The console calls the API through the gateway, and nothing else.
    assert network_allows(docs, pod_peer(CONSOLE), pod_peer("gateway"), 3000)
    assert not network_allows(docs, pod_peer(CONSOLE), pod_peer("gateway"), 3101)


@pytest.mark.parametrize("name", sorted(KUSTOMIZATIONS))
def test_egress_is_limited_to_dns_postgres_nats_and_smtp(name: str, rendered: dict[str, list[Doc]]) -> None:
    docs = rendered[name]
    expected = {
        "gateway": {"dns", "nats"},
        "auth": {"dns", "postgres", "nats"},
        "orgs": {"dns", "postgres", "nats"},
        "audit": {"dns", "postgres", "nats"},
        "mailer": {"dns", "postgres", "nats", "smtp", "smtps", "smtp-relay"}
        | ({"mailhog"} if name == "dev" else set()),
        "web": {"dns"},
        "migrate": {"dns", "postgres"},
    }
    for component, reachable in expected.items():
        for what, port in EXTERNAL_PORTS.items():
            protocol = "UDP" if what == "dns" else "TCP"
            allowed = network_allows(docs, pod_peer(component), INTERNET, port, protocol)
            assert allowed == (what in reachable), f"{component} → {what}:{port}: {allowed}"


def test_pod_labels_select_what_the_policies_name(rendered: dict[str, list[Doc]]) -> None:
    docs = rendered["prod"]
    for process in DEPLOYED:
        assert pod_labels(find(docs, "Deployment", object_name(process))) == dict(pod_peer(process).labels)
    assert pod_labels(find(docs, "Job", "infera-migrate")) == dict(pod_peer("migrate").labels)
