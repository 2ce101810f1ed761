"""Checks of rendered Kubernetes objects, shared by the kustomize and the Helm tests.

``network_allows`` evaluates NetworkPolicy semantics for the subset the manifests use (pod selectors
with matchLabels/matchExpressions, namespace selectors, peers without selectors, ports with protocol
and endPort), so the tests can state the intended connectivity as a matrix instead of restating YAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from inferadb_common.config import Settings

from .conftest import CONSOLE, DEPLOYED, ENV_PREFIX, REPO, SERVICES, listen_port, settings_for
from .dockerfile_model import parse_dockerfile

Doc = dict[str, Any]
NAMESPACE = "infera"
GATEWAY_SERVICE = "infera-management-api"
COMPONENT_LABEL = "app.kubernetes.io/component"
NAME_LABEL = "app.kubernetes.io/name"
CONFIG_PATH = "/app/config.yaml"
# The engine's internal API (engine.md E2/E6): this Service, on this port, in front of the orgs pods'
# named port `internal`; only pods labelled ENGINE_LABEL reach it, and orgs reaches them on ENGINE_PORT.
INTERNAL_SERVICE = "infera-management-internal"
INTERNAL_PORT = 9091
ENGINE_LABEL = (NAME_LABEL, "inferadb-engine")
ENGINE_PORT = 9090
SERVICE_PORTS = {"auth": 3101, "orgs": 3102, "audit": 3103, "mailer": 3104, "web": 3105}


def object_name(component: str) -> str:
    return GATEWAY_SERVICE if component == "gateway" else f"infera-{component}"


def find(docs: list[Doc], kind: str, name: str) -> Doc:
    found = [doc for doc in docs if doc["kind"] == kind and doc["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: found {len(found)}"
    return found[0]


def of_kind(docs: list[Doc], kind: str) -> list[Doc]:
    return [doc for doc in docs if doc["kind"] == kind]


def pod_spec(doc: Doc) -> Doc:
    spec: Doc = doc["spec"]["template"]["spec"]
    return spec


def pod_labels(doc: Doc) -> dict[str, str]:
    labels: dict[str, str] = doc["spec"]["template"]["metadata"]["labels"]
    return labels


def component_of_image(image: str) -> str:
    name = image.rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0]
    assert name.startswith("management-"), image
    return name.removeprefix("management-")


# ------------------------------------------------------------------------------------- configuration
def container_environment(docs: list[Doc], container: Doc, secrets: dict[str, dict[str, str]]) -> dict[str, str]:
    """The INFERADB_MGMT__ variables the container sees: the image's ENV, then envFrom, then env."""
    target = component_of_image(container["image"])
    dockerfile = parse_dockerfile()
    env = {k: v for k, v in dockerfile.env(target).items() if k.startswith(ENV_PREFIX)}
    for source in container.get("envFrom", []):
        assert set(source) == {"configMapRef"}, source
        env.update(find(docs, "ConfigMap", source["configMapRef"]["name"])["data"])
    for variable in container.get("env", []):
        if "value" in variable:
            env[variable["name"]] = variable["value"]
            continue
        reference = variable["valueFrom"]["secretKeyRef"]
        value = secrets.get(reference["name"], {}).get(reference["key"])
        if value is None:
            assert reference.get("optional"), f"{container['name']}: {reference} is missing"
            continue
        env[variable["name"]] = value
    return {key: value for key, value in env.items() if key.startswith(ENV_PREFIX)}


def mounted_config(docs: list[Doc], pod: Doc, container: Doc, directory: Path) -> Path:
    """config.yaml as the container sees it at /app/config.yaml, written to ``directory``."""
    (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == CONFIG_PATH]
    assert mount.get("readOnly") is True
    (volume,) = [v for v in pod["volumes"] if v["name"] == mount["name"]]
    config_map = find(docs, "ConfigMap", volume["configMap"]["name"])
    path = directory / f"{container['name']}-config.yaml"
    path.write_text(config_map["data"][mount["subPath"]])
    return path


def example_secrets(docs: list[Doc]) -> dict[str, dict[str, str]]:
    return {
        doc["metadata"]["name"]: {**doc.get("stringData", {})}
        for doc in docs
        if doc["kind"] == "Secret" and "stringData" in doc
    }


@dataclass
class Workload:
    kind: str
    name: str
    container: Doc
    component: str
    settings: Settings
    env: dict[str, str] = field(default_factory=dict)


def workloads(docs: list[Doc], secrets: dict[str, dict[str, str]], directory: Path) -> list[Workload]:
    """Every container of every Deployment and Job, with the settings it would start with."""
    found = []
    for doc in docs:
        if doc["kind"] not in ("Deployment", "Job"):
            continue
        pod = pod_spec(doc)
        for container in pod["containers"]:
            env = container_environment(docs, container, secrets)
            settings = settings_for(mounted_config(docs, pod, container, directory), env)
            found.append(
                Workload(
                    kind=doc["kind"],
                    name=doc["metadata"]["name"],
                    container=container,
                    component=component_of_image(container["image"]),
                    settings=settings,
                    env=env,
                )
            )
    return found


def check_wiring(docs: list[Doc], secrets: dict[str, dict[str, str]], directory: Path) -> list[Workload]:
    """Each container's settings are valid; it listens on its containerPort; every services.*_url (the
    console's included) and web.gateway_url is a Service on the port that the selected pods listen on;
    storage and secrets are where they belong; the development inbox is off."""
    found = workloads(docs, secrets, directory)
    assert found
    for workload in found:
        settings = workload.settings
        assert settings.key_encryption_secret, workload.name
        assert settings.email.dev_inbox is False, f"{workload.name}: email.dev_inbox is for `make run` only"
        assert workload.env["INFERADB_MGMT__SERVER__HTTP_HOST"] == "0.0.0.0"
        assert workload.env["INFERADB_MGMT__SERVER__INTERNAL_HOST"] == "0.0.0.0"
        urls = [(service, settings.services.url_of(service)) for service in (*SERVICES, CONSOLE)]
        for service, url in [*urls, ("gateway", settings.web.gateway_url or "")]:
            host, _, port = url.removeprefix("http://").partition(":")
            kube_service = find(docs, "Service", host)
            (service_port,) = kube_service["spec"]["ports"]
            assert service_port["port"] == int(port), url
            backend = find(docs, "Deployment", object_name(service))
            assert kube_service["spec"]["selector"] == pod_labels(backend), url
            (backend_container,) = pod_spec(backend)["containers"]
            named = {p["name"]: p["containerPort"] for p in backend_container["ports"]}
            assert named[service_port["targetPort"]] == listen_port(service, settings), url
        uses_storage = workload.kind == "Job" or workload.component in SERVICES
        has_url = "INFERADB_MGMT__STORAGE__URL" in workload.env
        assert has_url == uses_storage, f"{workload.name}/{workload.container['name']}: storage.url"
        if uses_storage:
            assert settings.storage.backend == "postgres", workload.name
        smtp = any(
            v.get("valueFrom", {}).get("secretKeyRef", {}).get("key") == "smtp-password"
            for v in workload.container.get("env", [])
        )
        assert smtp == (workload.kind == "Deployment" and workload.component == "mailer"), workload.name
        if workload.kind == "Deployment":
            ports = {port["name"]: port["containerPort"] for port in workload.container["ports"]}
            expected = {"http": listen_port(workload.component, settings)}
            if workload.component == "orgs":  # orgs also serves the engine's internal API
                expected["internal"] = settings.server.internal_port
            assert ports == expected, workload.name
            assert workload.container["args"] == ["serve"]
        else:
            assert workload.container["args"] == ["migrate"]
    return found


def check_engine_wiring(docs: list[Doc], found: list[Workload]) -> None:
    """The engine reaches orgs' internal API through Service infera-management-internal: port 9091 →
    the orgs pods' named port `internal` → the port orgs listens on (server.internal_port, on 0.0.0.0);
    orgs expects that Service's URL as the aud of engine JWTs, fetches the engine's JWKS and finds every
    engine pod to notify (DNS discovery of a headless Service, or endpoints)."""
    (orgs,) = [w for w in found if w.kind == "Deployment" and w.component == "orgs"]
    service = find(docs, "Service", INTERNAL_SERVICE)
    assert service["spec"]["type"] == "ClusterIP"
    (port,) = service["spec"]["ports"]
    assert (port["port"], port["protocol"]) == (INTERNAL_PORT, "TCP")
    backend = find(docs, "Deployment", object_name("orgs"))
    assert service["spec"]["selector"] == pod_labels(backend) == dict(pod_peer("orgs").labels)
    named = {p["name"]: p["containerPort"] for p in orgs.container["ports"]}
    assert named[port["targetPort"]] == orgs.settings.server.internal_port == INTERNAL_PORT
    assert orgs.settings.server.internal_host == "0.0.0.0"
    engine = orgs.settings.engine
    namespace = service["metadata"]["namespace"]
    assert engine.audience == f"http://{INTERNAL_SERVICE}.{namespace}.svc:{INTERNAL_PORT}", engine.audience
    assert engine.jwks_url is not None
    jwks = urlsplit(engine.jwks_url)
    assert (jwks.scheme, jwks.port, jwks.path) == ("http", ENGINE_PORT, "/.well-known/jwks.json"), engine.jwks_url
    if engine.discovery == "dns":
        assert engine.dns_name and engine.dns_port == ENGINE_PORT
    else:
        assert engine.endpoints and all(urlsplit(url).port == ENGINE_PORT for url in engine.endpoints)
    # The other processes never serve the internal API: nothing of theirs is published on 9091.
    for workload in found:
        if workload.kind == "Deployment" and workload.component != "orgs":
            assert INTERNAL_PORT not in {p["containerPort"] for p in workload.container["ports"]}


def check_engine_network(docs: list[Doc], engine_namespace: str = NAMESPACE) -> None:
    """Only the engine's pods (in ``engine_namespace``) reach orgs:9091, and they reach nothing else
    of ours; orgs reaches the engine's port 9090 (JWKS, webhooks) and nothing new besides."""
    engine = Peer(labels=(ENGINE_LABEL,), namespace=engine_namespace)
    elsewhere = Peer(labels=(ENGINE_LABEL,), namespace=f"not-{engine_namespace}")
    orgs = pod_peer("orgs")
    assert network_allows(docs, engine, orgs, INTERNAL_PORT)
    assert not network_allows(docs, elsewhere, orgs, INTERNAL_PORT)
    for outsider in (OUTSIDE_POD, OTHER_POD_HERE, INTERNET):
        assert not network_allows(docs, outsider, orgs, INTERNAL_PORT), outsider
    for component in (*DEPLOYED, "migrate"):
        assert not network_allows(docs, pod_peer(component), orgs, INTERNAL_PORT), component
    for component, port in SERVICE_PORTS.items():  # the engine reaches no other port of ours
        assert not network_allows(docs, engine, pod_peer(component), port), component
    assert not network_allows(docs, engine, pod_peer("gateway"), INTERNAL_PORT)
    assert network_allows(docs, orgs, engine, ENGINE_PORT)
    assert not network_allows(docs, orgs, elsewhere, ENGINE_PORT)
    assert not network_allows(docs, orgs, INTERNET, ENGINE_PORT)
    assert not network_allows(docs, orgs, engine, 22)
    for component in (*DEPLOYED, "migrate"):
        if component != "orgs":
            assert not network_allows(docs, pod_peer(component), engine, ENGINE_PORT), component


# ------------------------------------------------------------------------------------------- workloads
def check_deployment(doc: Doc, replicas: int | None = None) -> None:
    """``replicas``: the fixed count when no HorizontalPodAutoscaler owns it (None: one does)."""
    name = doc["metadata"]["name"]
    if replicas is None:
        assert "replicas" not in doc["spec"], f"{name}: the HorizontalPodAutoscaler owns the replica count"
    else:
        assert doc["spec"]["replicas"] == replicas, name
    assert doc["spec"]["selector"]["matchLabels"].items() <= pod_labels(doc).items()
    pod = pod_spec(doc)
    check_pod_security(name, pod)
    (container,) = pod["containers"]
    for probe, path in (
        ("livenessProbe", "/v1/health/live"),
        ("readinessProbe", "/v1/health/ready"),
        ("startupProbe", "/v1/health/startup"),
    ):
        assert container[probe]["httpGet"] == {"path": path, "port": "http"}, f"{name}: {probe}"
    resources = container["resources"]
    assert set(resources["requests"]) == {"cpu", "memory"}, name
    assert set(resources["limits"]) == {"cpu", "memory"}, name


def check_pod_security(name: str, pod: Doc) -> None:
    assert pod["securityContext"]["runAsNonRoot"] is True, name
    assert pod["securityContext"]["runAsUser"] == 10001, name
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
    assert pod["automountServiceAccountToken"] is False, name
    tmp_volumes = [v["name"] for v in pod["volumes"] if "emptyDir" in v]
    for container in pod["containers"]:
        context = container["securityContext"]
        assert context["runAsNonRoot"] is True and context["runAsUser"] == 10001, name
        assert context["allowPrivilegeEscalation"] is False, name
        assert context["readOnlyRootFilesystem"] is True, name
        assert context["capabilities"] == {"drop": ["ALL"]}, name
        assert context["seccompProfile"] == {"type": "RuntimeDefault"}, name
        tmp = [m for m in container["volumeMounts"] if m["mountPath"] == "/tmp"]
        assert len(tmp) == 1 and tmp[0]["name"] in tmp_volumes, f"{name}: /tmp must be an emptyDir"
        writable = [m["mountPath"] for m in container["volumeMounts"] if not m.get("readOnly")]
        assert writable == ["/tmp"], f"{name}: writable mounts {writable}"


# -------------------------------------------------------------------------------------- network policy
@dataclass(frozen=True)
class Peer:
    """A pod (labels, namespace) or, with ``external``, an address outside the cluster."""

    labels: tuple[tuple[str, str], ...] = ()
    namespace: str = NAMESPACE
    external: bool = False


def pod_peer(component: str) -> Peer:
    return Peer(labels=((NAME_LABEL, "inferadb-management"), (COMPONENT_LABEL, component)))


OUTSIDE_POD = Peer(labels=(("app", "ingress-nginx"),), namespace="ingress-nginx")
OTHER_POD_HERE = Peer(labels=(("app.kubernetes.io/name", "nats"),))
INTERNET = Peer(external=True)


def _selects(selector: Doc | None, labels: dict[str, str]) -> bool:
    if selector is None:
        return True
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        ok = {
            "In": key in labels and labels[key] in values,
            "NotIn": key not in labels or labels[key] not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }[operator]
        if not ok:
            return False
    return True


def _peer_matches(rule_peers: list[Doc] | None, peer: Peer) -> bool:
    if not rule_peers:
        return True
    for candidate in rule_peers:
        if "ipBlock" in candidate:
            if peer.external:
                return True
            continue
        if peer.external:
            continue
        if "namespaceSelector" in candidate:
            namespace_labels = {"kubernetes.io/metadata.name": peer.namespace}
            if not _selects(candidate["namespaceSelector"], namespace_labels):
                continue
        elif peer.namespace != NAMESPACE:
            continue
        if _selects(candidate.get("podSelector"), dict(peer.labels)):
            return True
    return False


def _port_matches(rule_ports: list[Doc] | None, port: int, protocol: str) -> bool:
    if not rule_ports:
        return True
    for entry in rule_ports:
        if entry.get("protocol", "TCP") != protocol:
            continue
        low = entry.get("port")
        assert not isinstance(low, str), "named ports are not evaluated here"
        if low is None or low <= port <= entry.get("endPort", low):
            return True
    return False


def _direction_allows(policies: list[Doc], subject: Peer, other: Peer, port: int, protocol: str, way: str) -> bool:
    """Is ``subject`` allowed to receive from (Ingress) / send to (Egress) ``other`` on ``port``?"""
    if subject.external or subject.namespace != NAMESPACE:
        return True  # not subject to this namespace's policies
    key, peers_key = ("ingress", "from") if way == "Ingress" else ("egress", "to")
    isolating = [
        p
        for p in policies
        if way in p["spec"].get("policyTypes", ["Ingress"]) and _selects(p["spec"]["podSelector"], dict(subject.labels))
    ]
    if not isolating:
        return True
    return any(
        _peer_matches(rule.get(peers_key), other) and _port_matches(rule.get("ports"), port, protocol)
        for policy in isolating
        for rule in policy["spec"].get(key, [])
    )


def network_allows(docs: list[Doc], source: Peer, destination: Peer, port: int, protocol: str = "TCP") -> bool:
    policies = of_kind(docs, "NetworkPolicy")
    return _direction_allows(policies, source, destination, port, protocol, "Egress") and _direction_allows(
        policies, destination, source, port, protocol, "Ingress"
    )


def repository_config() -> str:
    return (REPO / "config.yaml").read_text()
