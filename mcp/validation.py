"""Request validation for the seed API: raw JSON in, a `ContainerSpec` out, or `Invalid`.

Pure functions, no I/O. Every problem is reported with the field's name, all at
once, so a user fixes a request in one round trip.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mcp.errors import Invalid
from mcp.model import DESIRED_STATES, ContainerSpec, DesiredState

# Kubernetes' DNS-1123 label: what a name must be to work as a Docker name and a key.
NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
NAME_MAX = 63
# Docker's reference grammar, simplified: [registry[:port]/]path[:tag][@digest].
IMAGE_RE = re.compile(
    r"^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:[._-][a-z0-9]+)*"
    r"(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$"
)
IMAGE_MAX = 255
CMD_MAX_ITEMS = 256

SEED_CREATE_FIELDS = frozenset({"image", "cmd", "name", "state"})


def name_problem(name: Any) -> str | None:
    """Why `name` is not a valid object name, or None if it is."""
    if not isinstance(name, str):
        return "must be a string"
    if not name or len(name) > NAME_MAX or not NAME_RE.match(name):
        return (
            f"must be a DNS-1123 label: at most {NAME_MAX} lowercase letters, digits "
            "and '-', starting and ending with a letter or digit"
        )
    return None


def image_problem(image: Any) -> str | None:
    if not isinstance(image, str):
        return "must be a string"
    if not image or len(image) > IMAGE_MAX or not IMAGE_RE.match(image):
        return "must be an image reference such as busybox:latest or registry:5000/team/app:1.2"
    return None


def cmd_problem(cmd: Any) -> str | None:
    if not isinstance(cmd, list) or not all(isinstance(item, str) for item in cmd):
        return "must be a list of strings"
    if len(cmd) > CMD_MAX_ITEMS:
        return f"must have at most {CMD_MAX_ITEMS} items"
    if any("\0" in item for item in cmd):
        return "must not contain NUL characters"
    return None


def state_problem(state: Any) -> str | None:
    if state not in DESIRED_STATES:
        return f"must be one of {', '.join(DESIRED_STATES)}"
    return None


@dataclass(frozen=True)
class SeedCreate:
    name: str | None
    spec: ContainerSpec


def seed_create(body: Any, *, default_state: DesiredState) -> SeedCreate:
    """Validate the body of `POST /containers/create`.

    Raises:
        Invalid: one entry per bad field.
    """
    if not isinstance(body, dict):
        raise Invalid([("body", "must be a JSON object")])
    errors: list[tuple[str, str]] = [
        (field, "unknown field") for field in sorted(set(body) - SEED_CREATE_FIELDS)
    ]
    if "image" not in body:
        errors.append(("image", "is required"))
    elif problem := image_problem(body["image"]):
        errors.append(("image", problem))
    checks = (("cmd", cmd_problem), ("name", name_problem), ("state", state_problem))
    for field, check in checks:
        if field in body and body[field] is not None and (problem := check(body[field])):
            errors.append((field, problem))
    if errors:
        raise Invalid(errors)
    return SeedCreate(
        name=body.get("name"),
        spec=ContainerSpec(
            image=body["image"],
            cmd=tuple(body.get("cmd") or ()),
            state=body.get("state") or default_state,
        ),
    )
