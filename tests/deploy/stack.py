"""Reads docker-compose.yml, the Dockerfile and .dockerignore as Docker would, so the
tests check and run exactly what the containers run."""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
INTERPOLATION = re.compile(r"\$\{([A-Z0-9_]+)(?::-([^}]*))?\}")


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's ${NAME} and ${NAME:-default}."""
    return INTERPOLATION.sub(
        lambda m: variables.get(m.group(1)) or (m.group(2) or ""), value
    )


def interpolated_names() -> set[str]:
    text = (ROOT / "docker-compose.yml").read_text()
    return {name for name, _default in INTERPOLATION.findall(text)}


def env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


@dataclass
class Image:
    env: dict[str, str]
    cmd: list[str]
    runs: list[str]
    user: str


def dockerfile() -> Image:
    # Join continuation lines, then read ENV, RUN, USER and the exec-form CMD.
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    image = Image(env={}, cmd=[], runs=[], user="root")
    for line in text.splitlines():
        instruction, _, rest = line.strip().partition(" ")
        if instruction == "ENV":
            image.env.update(dict(p.split("=", 1) for p in shlex.split(rest)))
        elif instruction == "RUN":
            image.runs.append(rest)
        elif instruction == "USER":
            image.user = rest.strip()
        elif instruction == "CMD":
            image.cmd = json.loads(rest)
    return image


@dataclass
class Service:
    name: str
    command: list[str]
    environment: dict[str, str]
    raw: dict[str, Any]


def service(name: str, variables: dict[str, str] | None = None) -> Service:
    """A service as compose runs it: its command (else the image's CMD) and the
    environment a container gets (image ENV < env_file < environment)."""
    raw = compose()["services"][name]
    variables = variables or {}
    image = dockerfile() if raw.get("build") else Image({}, [], [], "root")
    env = dict(image.env)
    if raw.get("env_file"):
        env.update(variables)  # the .env file compose reads
    for key, value in (raw.get("environment") or {}).items():
        env[key] = interpolate(str(value), variables)
    command = raw.get("command") or image.cmd
    if isinstance(command, str):
        command = shlex.split(command)
    return Service(name=name, command=list(command), environment=env, raw=raw)


def _patterns() -> list[tuple[bool, str]]:
    out = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        pattern = line.strip()
        if pattern and not pattern.startswith("#"):
            negate = pattern.startswith("!")
            out.append((negate, pattern.removeprefix("!").rstrip("/")))
    return out


def _matches(rel: str, pattern: str) -> bool:
    if pattern.startswith("**/"):  # at any depth
        parts = rel.split("/")
        tail = pattern.removeprefix("**/")
        return any(
            fnmatch.fnmatchcase("/".join(parts[i:]), tail) for i in range(len(parts))
        )
    return fnmatch.fnmatchcase(rel, pattern)


def docker_ignored(rel: str) -> bool:
    """Whether .dockerignore keeps a path (relative, posix) out of the build context:
    the last matching pattern wins, and a left-out folder takes its contents along."""
    parts = rel.split("/")
    for depth in range(1, len(parts) + 1):
        ignored = False
        for negate, pattern in _patterns():
            if _matches("/".join(parts[:depth]), pattern):
                ignored = not negate
        if ignored:
            return True
    return False
