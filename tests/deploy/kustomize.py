"""A small kustomize renderer, limited to the features k8s/ uses, for validating the manifests offline.

Supported, with kustomize's semantics: ``resources`` (YAML files and kustomization directories),
``namespace``, ``generatorOptions.disableNameSuffixHash: true``, ``configMapGenerator`` (``files``,
``literals``, ``behavior`` create/merge/replace), ``patches`` (inline or from a file; JSON 6902 with
add/replace/remove and a ``target`` of kind/name/namespace; strategic merge of maps, of lists keyed by
``name`` and of ``$patch: delete``) and ``images`` (newName/newTag/digest). Anything else raises
``Unsupported`` rather than being silently ignored, so a kustomization that outgrows this renderer
fails its tests instead of passing them unchecked. Where ``kubectl`` is available the tests also
render with ``kubectl kustomize`` and require the same objects.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
SUPPORTED_KEYS = {
    "apiVersion",
    "kind",
    "resources",
    "namespace",
    "generatorOptions",
    "configMapGenerator",
    "patches",
    "images",
}
CLUSTER_SCOPED = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
}
# Lists that a strategic merge patch merges by a key instead of replacing (the ones k8s/ could touch).
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "imagePullSecrets": "name",
}

Doc = dict[str, Any]


class Unsupported(Exception):
    """The kustomization uses a feature this renderer does not implement."""


def render(directory: Path) -> list[Doc]:
    """Every object of the kustomization in ``directory``, as kustomize would build it."""
    directory = Path(directory)
    kustomization = _load_kustomization(directory)
    unknown = set(kustomization) - SUPPORTED_KEYS
    if unknown:
        raise Unsupported(f"{directory}: kustomization keys not supported: {sorted(unknown)}")

    docs: list[Doc] = []
    for entry in kustomization.get("resources", []):
        path = (directory / entry).resolve()
        if path.is_dir():
            docs.extend(render(path))
        elif path.is_file():
            docs.extend(_load_documents(path))
        else:
            raise FileNotFoundError(f"{directory}: resource {entry} not found")

    options = kustomization.get("generatorOptions", {})
    if set(options) - {"disableNameSuffixHash"}:
        raise Unsupported(f"{directory}: generatorOptions other than disableNameSuffixHash")
    for generator in kustomization.get("configMapGenerator", []):
        # A created ConfigMap would get a content-hash name suffix (and every reference rewritten).
        if generator.get("behavior", "create") == "create" and options.get("disableNameSuffixHash") is not True:
            raise Unsupported(f"{directory}: generated names with a hash suffix (set disableNameSuffixHash)")
        _generate_config_map(directory, generator, docs)

    for patch in kustomization.get("patches", []):
        docs = _apply_patch(directory, patch, docs)

    namespace = kustomization.get("namespace")
    if namespace:
        for doc in docs:
            if doc["kind"] not in CLUSTER_SCOPED:
                doc.setdefault("metadata", {})["namespace"] = namespace

    for image in kustomization.get("images", []):
        _apply_image(image, docs)
    _check_unique(directory, docs)
    return docs


def key(doc: Doc) -> tuple[str, str, str, str]:
    metadata = doc.get("metadata", {})
    return (doc["apiVersion"], doc["kind"], metadata.get("namespace", ""), metadata["name"])


def _load_kustomization(directory: Path) -> Doc:
    for name in KUSTOMIZATION_FILES:
        path = directory / name
        if path.is_file():
            data = yaml.safe_load(path.read_text())
            if not isinstance(data, dict):
                raise ValueError(f"{path}: not a mapping")
            return data
    raise FileNotFoundError(f"{directory}: no kustomization file")


def _load_documents(path: Path) -> list[Doc]:
    docs = [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]
    for doc in docs:
        if not isinstance(doc, dict) or "kind" not in doc or "apiVersion" not in doc:
            raise ValueError(f"{path}: every document must be a Kubernetes object")
        if doc["kind"].endswith("List"):
            raise Unsupported(f"{path}: List objects are not supported")
    return docs


def _check_unique(directory: Path, docs: list[Doc]) -> None:
    seen: set[tuple[str, str, str, str]] = set()
    for doc in docs:
        if key(doc) in seen:
            raise ValueError(f"{directory}: duplicate object {key(doc)}")
        seen.add(key(doc))


# ---------------------------------------------------------------------------------------------- generators
def _generate_config_map(directory: Path, generator: Doc, docs: list[Doc]) -> None:
    unknown = set(generator) - {"name", "namespace", "behavior", "files", "literals"}
    if unknown:
        raise Unsupported(f"{directory}: configMapGenerator keys not supported: {sorted(unknown)}")
    data: dict[str, str] = {}
    for entry in generator.get("files", []):
        name, _, source = entry.partition("=") if "=" in entry else (Path(entry).name, "", entry)
        path = (directory / source).resolve()
        if directory.resolve() not in path.parents:
            raise ValueError(f"{directory}: file {source} is outside the kustomization root (kustomize refuses it)")
        data[name] = path.read_text()
    for literal in generator.get("literals", []):
        name, sep, value = literal.partition("=")
        if not sep:
            raise ValueError(f"{directory}: literal {literal!r} has no '='")
        if value[:1] in ("'", '"'):
            raise Unsupported(f"{directory}: quoted literal {literal!r}")
        data[name] = value

    behavior = generator.get("behavior", "create")
    matches = [
        doc
        for doc in docs
        if doc["kind"] == "ConfigMap"
        and doc["metadata"]["name"] == generator["name"]
        and doc["metadata"].get("namespace", "") in ("", generator.get("namespace", doc["metadata"].get("namespace")))
    ]
    if behavior == "create":
        if matches:
            raise ValueError(f"{directory}: ConfigMap {generator['name']} exists already (use behavior merge)")
        config_map: Doc = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": generator["name"]}}
        if generator.get("namespace"):
            config_map["metadata"]["namespace"] = generator["namespace"]
        config_map["data"] = data
        docs.append(config_map)
    elif behavior in ("merge", "replace"):
        if len(matches) != 1:
            raise ValueError(f"{directory}: behavior {behavior} needs exactly one ConfigMap {generator['name']}")
        target = matches[0]
        target["data"] = {**target.get("data", {}), **data} if behavior == "merge" else data
    else:
        raise Unsupported(f"{directory}: configMapGenerator behavior {behavior!r}")


# ------------------------------------------------------------------------------------------------- patches
def _apply_patch(directory: Path, spec: Doc, docs: list[Doc]) -> list[Doc]:
    unknown = set(spec) - {"path", "patch", "target"}
    if unknown or ("path" in spec) == ("patch" in spec):
        raise Unsupported(f"{directory}: a patch needs exactly one of path/patch (and optionally target)")
    text = (directory / spec["path"]).read_text() if "path" in spec else spec["patch"]
    body = yaml.safe_load(text)
    target = spec.get("target")
    if isinstance(body, list):
        if target is None:
            raise ValueError(f"{directory}: a JSON 6902 patch needs a target")
        for doc in _select(directory, docs, target):
            for operation in body:
                _json6902(doc, operation)
        return docs
    if not isinstance(body, dict):
        raise ValueError(f"{directory}: patch is neither a JSON 6902 list nor a strategic merge mapping")
    if target is None:
        target = {"kind": body["kind"], "name": body["metadata"]["name"]}
        if body["metadata"].get("namespace"):
            target["namespace"] = body["metadata"]["namespace"]
    selected = _select(directory, docs, target)
    if body.get("$patch") == "delete":
        return [doc for doc in docs if not any(doc is chosen for chosen in selected)]
    for doc in selected:
        patch = copy.deepcopy(body)
        for identity in ("apiVersion", "kind"):
            patch.pop(identity, None)
        for identity in ("name", "namespace"):
            patch.get("metadata", {}).pop(identity, None)
        _strategic_merge(doc, patch)
    return docs


def _select(directory: Path, docs: list[Doc], target: Doc) -> list[Doc]:
    unknown = set(target) - {"kind", "name", "namespace"}
    if unknown:
        raise Unsupported(f"{directory}: patch target fields not supported: {sorted(unknown)}")
    selected = []
    for doc in docs:
        metadata = doc.get("metadata", {})
        if "kind" in target and not re.fullmatch(target["kind"], doc["kind"]):
            continue
        if "name" in target and not re.fullmatch(target["name"], metadata.get("name", "")):
            continue
        if "namespace" in target and not re.fullmatch(target["namespace"], metadata.get("namespace", "")):
            continue
        selected.append(doc)
    if not selected:
        raise ValueError(f"{directory}: patch target {target} matches nothing")
    return selected


def _pointer(path: str) -> list[str]:
    if not path.startswith("/"):
        raise ValueError(f"JSON pointer {path!r} must start with '/'")
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _json6902(doc: Doc, operation: Doc) -> None:
    op = operation["op"]
    if op not in ("add", "replace", "remove"):
        raise Unsupported(f"JSON 6902 op {op!r}")
    *parents, last = _pointer(operation["path"])
    node: Any = doc
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        if op == "add":
            value = copy.deepcopy(operation["value"])
            if last == "-":
                node.append(value)
            else:
                node.insert(int(last), value)
        elif op == "replace":
            node[int(last)] = copy.deepcopy(operation["value"])
        else:
            del node[int(last)]
        return
    if op == "replace" and last not in node:
        raise ValueError(f"JSON 6902 replace of a missing member {operation['path']}")
    if op == "remove":
        del node[last]
    else:
        node[last] = copy.deepcopy(operation["value"])


def _strategic_merge(target: Doc, patch: Doc) -> None:
    for name, value in patch.items():
        if name.startswith("$"):
            raise Unsupported(f"strategic merge directive {name}")
        if value is None:
            target.pop(name, None)
        elif isinstance(value, dict) and isinstance(target.get(name), dict):
            _strategic_merge(target[name], value)
        elif isinstance(value, list) and name in MERGE_KEYS and isinstance(target.get(name), list):
            merge_key = MERGE_KEYS[name]
            for item in value:
                existing = next((old for old in target[name] if old.get(merge_key) == item.get(merge_key)), None)
                if existing is None:
                    target[name].append(copy.deepcopy(item))
                else:
                    _strategic_merge(existing, item)
        else:
            target[name] = copy.deepcopy(value)


# -------------------------------------------------------------------------------------------------- images
def image_name(reference: str) -> str:
    """``registry:5000/a/b:tag@sha256:…`` → ``registry:5000/a/b``."""
    name = reference.split("@", 1)[0]
    slash = name.rfind("/")
    colon = name.rfind(":")
    return name[:colon] if colon > slash else name


def _pod_specs(doc: Doc) -> list[Doc]:
    spec = doc.get("spec", {})
    if doc["kind"] == "Pod":
        return [spec]
    if doc["kind"] == "CronJob":
        return [spec.get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec", {})]
    if "template" in spec:
        return [spec["template"].get("spec", {})]
    return []


def _apply_image(image: Doc, docs: list[Doc]) -> None:
    unknown = set(image) - {"name", "newName", "newTag", "digest"}
    if unknown:
        raise Unsupported(f"images fields not supported: {sorted(unknown)}")
    for doc in docs:
        for pod in _pod_specs(doc):
            for container in [*pod.get("initContainers", []), *pod.get("containers", [])]:
                reference = container.get("image", "")
                if image_name(reference) != image["name"]:
                    continue
                name = image.get("newName", image["name"])
                rest = reference[len(image["name"]) :]
                if "digest" in image:
                    container["image"] = f"{name}@{image['digest']}"
                elif "newTag" in image:
                    container["image"] = f"{name}:{image['newTag']}"
                else:
                    container["image"] = name + rest
