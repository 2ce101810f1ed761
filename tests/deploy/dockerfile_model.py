"""The Dockerfile as BuildKit's own parser reads it (the ``dockerfile`` package wraps moby's Go
parser), grouped into stages; and the build context as ``.dockerignore`` leaves it.

The ignore matcher follows moby's patternmatcher: patterns are cleaned paths relative to the context,
``*`` and ``?`` never cross ``/``, ``**`` crosses any number of directories, a pattern that matches a
directory excludes everything below it, ``!`` re-includes, and the last matching pattern wins.
"""

from __future__ import annotations

import os
import posixpath
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import dockerfile

from .conftest import REPO


@dataclass
class Stage:
    name: str
    base: str
    commands: list[dockerfile.Command] = field(default_factory=list)

    def all(self, instruction: str) -> list[dockerfile.Command]:
        return [command for command in self.commands if command.cmd == instruction]

    def one(self, instruction: str) -> dockerfile.Command:
        found = self.all(instruction)
        assert len(found) == 1, f"stage {self.name}: expected one {instruction}, found {len(found)}"
        return found[0]

    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for command in self.all("ENV"):
            pairs = command.value
            values.update(dict(zip(pairs[::2], pairs[1::2], strict=True)))
        return values


@dataclass
class Dockerfile:
    args: dict[str, str]
    stages: dict[str, Stage]

    def stage(self, name: str) -> Stage:
        return self.stages[name]

    def chain(self, name: str) -> list[Stage]:
        """The stage and the stages it is built FROM, nearest first."""
        chain = [self.stages[name]]
        while chain[-1].base in self.stages:
            chain.append(self.stages[chain[-1].base])
        return chain

    def env(self, name: str) -> dict[str, str]:
        """ENV in effect in a stage (inherited from the stages it is built on)."""
        values: dict[str, str] = {}
        for stage in reversed(self.chain(name)):
            values.update(stage.env())
        return values

    def effective(self, name: str, instruction: str) -> dockerfile.Command | None:
        """The last ``instruction`` (ENTRYPOINT, CMD, USER, HEALTHCHECK, WORKDIR) in force in a stage."""
        for stage in self.chain(name):
            found = stage.all(instruction)
            if found:
                return found[-1]
        return None


def parse_dockerfile(path: Path = REPO / "Dockerfile") -> Dockerfile:
    args: dict[str, str] = {}
    stages: dict[str, Stage] = {}
    current: Stage | None = None
    for command in dockerfile.parse_file(str(path)):
        if command.cmd == "FROM":
            image, *rest = command.value
            image = re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: args[m.group(1) or m.group(2)], image)
            assert len(rest) == 2 and rest[0].upper() == "AS", f"every stage is named: {command.original}"
            current = Stage(name=rest[1], base=image)
            stages[current.name] = current
        elif current is None:
            assert command.cmd == "ARG", f"only ARG may precede the first FROM: {command.original}"
            name, _, default = command.value[0].partition("=")
            args[name] = default
        else:
            current.commands.append(command)
    return Dockerfile(args=args, stages=stages)


def copy_sources(command: dockerfile.Command) -> tuple[list[str], str]:
    """(sources, destination) of a COPY in its JSON or shell form."""
    value = list(command.value)
    return value[:-1], value[-1]


def shell_words(command: dockerfile.Command) -> list[str]:
    """A RUN in shell form, split into words (``&&`` and line continuations included)."""
    return shlex.split(" ".join(command.value))


# ---------------------------------------------------------------------------------------- build context
def _compile(pattern: str) -> re.Pattern[str]:
    regex = ""
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**", i):
            i += 2
            if pattern.startswith("/", i):
                regex += "(.*/)?"
                i += 1
            else:
                regex += ".*"
            continue
        if char == "*":
            regex += "[^/]*"
        elif char == "?":
            regex += "[^/]"
        elif char == "[":
            end = pattern.index("]", i + 1)
            regex += "[" + pattern[i + 1 : end].replace("!", "^", 1) + "]"
            i = end
        elif char == "\\" and i + 1 < len(pattern):
            i += 1
            regex += re.escape(pattern[i])
        else:
            regex += re.escape(char)
        i += 1
    return re.compile(f"^{regex}$")


class DockerIgnore:
    def __init__(self, path: Path = REPO / ".dockerignore") -> None:
        self.rules: list[tuple[bool, re.Pattern[str]]] = []
        for raw in path.read_text().splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            exception = line.startswith("!")
            cleaned = posixpath.normpath(line.removeprefix("!").strip()).lstrip("/")
            self.rules.append((exception, _compile(cleaned)))
        self.has_exceptions = any(exception for exception, _ in self.rules)

    def excluded(self, relative: str) -> bool:
        parts = relative.split("/")
        candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        result = False
        for exception, regex in self.rules:
            if any(regex.match(candidate) for candidate in candidates):
                result = not exception
        return result

    def context(self, root: Path = REPO) -> set[str]:
        """Every file that ``docker build`` would send, as paths relative to the context."""
        files: set[str] = set()
        for directory, dirnames, filenames in os.walk(root):
            relative_dir = Path(directory).relative_to(root).as_posix()
            prefix = "" if relative_dir == "." else relative_dir + "/"
            if not self.has_exceptions:  # without '!' rules an excluded directory has nothing to offer
                dirnames[:] = [name for name in dirnames if not self.excluded(prefix + name)]
            files.update(prefix + name for name in filenames if not self.excluded(prefix + name))
        return files
