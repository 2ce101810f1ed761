"""The SDK's models are what the running stack publishes: regenerating them from its /openapi.json
gives exactly the checked-in file (else: ``make sdk-models`` and commit)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import httpx

from inferadb_testing.sdk import SdkStack

REPOSITORY = Path(__file__).resolve().parents[2]
MODELS = REPOSITORY / "clients" / "python" / "src" / "inferadb_management" / "models.py"


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sdk_models", REPOSITORY / "scripts" / "sdk_models.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_checked_in_models_match_the_published_document(sdk_env: SdkStack) -> None:
    document = httpx.get(f"{sdk_env.url}/openapi.json", timeout=30).json()
    generated = generator().render(document)
    assert generated == MODELS.read_text(encoding="utf-8"), (
        "clients/python/src/inferadb_management/models.py differs from what the stack's /openapi.json "
        "generates: run `make sdk-models` and commit the result"
    )


def test_a_changed_schema_changes_the_file() -> None:
    """The comparison above can fail: a field added to one schema shows up in the generated text."""
    module = generator()
    document = {
        "components": {
            "schemas": {
                "orgs__VaultOut": {
                    "type": "object",
                    "required": ["id"],
                    "properties": {"id": {"type": "string"}, "name": {"anyOf": [{"type": "string"}, {"type": "null"}]}},
                },
                "auth__VaultOut": {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}},
                "orgs__Role": {"type": "string", "enum": ["A", "B"]},
            }
        }
    }
    text = module.render(document)
    assert "class OrgsVaultOut(ApiModel):" in text and "class AuthVaultOut(ApiModel):" in text
    assert 'Role = Literal["A", "B"]' in text and "name: str | None = None" in text
    changed = json.loads(json.dumps(document))
    changed["components"]["schemas"]["orgs__VaultOut"]["properties"]["tier"] = {"type": "string"}
    assert module.render(changed) != text
    namespace: dict[str, object] = {}
    exec(compile(text, "models.py", "exec", dont_inherit=True), namespace)  # the generated module imports and builds
    vault = namespace["OrgsVaultOut"].model_validate({"id": "1", "extra": True})  # type: ignore[attr-defined]
    assert vault.id == "1" and vault.name is None


def test_constants_are_python_literals_and_untyped_fields_any() -> None:
    """§10's schemas: ``mfa_required`` is the constant ``true``; ``challenge_id`` has no type (only a title)."""
    document = {
        "components": {
            "schemas": {
                "auth__MfaRequiredOut": {
                    "type": "object",
                    "required": ["mfa_token"],
                    "properties": {
                        "mfa_required": {"type": "boolean", "const": True, "default": True, "title": "Mfa Required"},
                        "mfa_token": {"type": "string", "title": "Mfa Token"},
                    },
                },
                "auth__SignInFinishIn": {
                    "type": "object",
                    "required": ["challenge_id"],
                    "properties": {"challenge_id": {"title": "Challenge Id"}},
                },
            }
        }
    }
    text = generator().render(document)
    assert "mfa_required: Literal[True] = True" in text and "challenge_id: Any\n" in text
    namespace: dict[str, object] = {}
    exec(compile(text, "models.py", "exec", dont_inherit=True), namespace)
    required = namespace["MfaRequiredOut"].model_validate({"mfa_token": "t"})  # type: ignore[attr-defined]
    assert required.mfa_required is True
    assert namespace["SignInFinishIn"].model_validate({"challenge_id": 7}).challenge_id == 7  # type: ignore[attr-defined]
