"""Count the untyped values at the boundaries the typed redesign closed (issue 14).

Prints one line per boundary: where an event, a row, a route or a process's state crosses from one
module to another, how many `Any`-typed or string-keyed accesses are left. tests/foundation/
test_typed_boundaries.py holds each count at its ceiling, so a new `Any` at a boundary fails `make test`.

    python scripts/boundary_any.py [ROOT]
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

SOURCE_ROOTS = ("libs/common/src", "gateway/src", "services", "web/src")

# (boundary, files it concerns (glob below a source root), pattern)
BOUNDARIES: tuple[tuple[str, str, str], ...] = (
    ("event data read by key", "**/*.py", r"\.data\[[\"']"),
    ("event dispatch by name", "**/*.py", r"getattr\(self, [\"']on_"),
    ("rows typed Any", "**/*.py", r"Row\[Any\]"),
    ("keyword bags (**x: Any) outside templates", "**/*.py", r"\*\*(?!context\b)\w+: Any"),
    ("process state by key", "**/*.py", r"\bextras\b"),
    ("Any in event modules", "**/events/**/*.py", r"\bAny\b"),
    ("Any in services' state", "**/state.py", r"\bAny\b"),
)


def _sources(root: Path, pattern: str) -> Iterator[Path]:
    for base in SOURCE_ROOTS:
        for path in sorted((root / base).glob(pattern)):
            if "/tests/" not in path.as_posix() and "/migrations/" not in path.as_posix():
                yield path


def counts(root: Path) -> dict[str, int]:
    result: dict[str, int] = {}
    for name, files, pattern in BOUNDARIES:
        regex = re.compile(pattern)
        result[name] = sum(len(regex.findall(path.read_text())) for path in set(_sources(root, files)))
    return result


def public_repository_any(root: Path) -> int:
    """Parameters and results typed with ``Any`` in the public functions of repository modules (what a
    service hands in and gets back); private statement builders are not a boundary."""
    found = 0
    for path in set(_sources(root, "**/*repositor*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_"):
                arguments = node.args
                annotations = [
                    a.annotation
                    for a in [
                        *arguments.posonlyargs,
                        *arguments.args,
                        *arguments.kwonlyargs,
                        arguments.vararg,
                        arguments.kwarg,
                    ]
                    if a is not None and a.annotation is not None
                ]
                annotations += [node.returns] if node.returns is not None else []
                found += sum("Any" in ast.unparse(annotation) for annotation in annotations)
    return found


def event_data_dicts(root: Path) -> int:
    """``data: dict[str, Any]`` in the modules that produce, carry or consume events."""
    regex = re.compile(r"data: dict\[str, Any\]")
    return sum(
        len(regex.findall(text))
        for path in set(_sources(root, "**/*.py"))
        if "inferadb_common.events" in (text := path.read_text()) or "/inferadb_common/events/" in path.as_posix()
    )


def event_type_literals(root: Path) -> int:
    """Event types written as string literals outside the event package (the catalog and models)."""
    from inferadb_common.events.catalog import CATALOG

    types = set(CATALOG)
    regex = re.compile("[\"'](" + "|".join(re.escape(t) for t in sorted(types)) + ")[\"']")
    return sum(
        len(regex.findall(path.read_text()))
        for path in set(_sources(root, "**/*.py"))
        if "/inferadb_common/events/" not in path.as_posix()
    )


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent
    for name, count in counts(root).items():
        print(f"{count:5d}  {name}")
    print(f"{event_data_dicts(root):5d}  event data as a dict")
    print(f"{public_repository_any(root):5d}  Any in public repository signatures")
    print(f"{event_type_literals(root):5d}  event types as string literals")


if __name__ == "__main__":
    main()
