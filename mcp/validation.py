"""Request validation: raw JSON in, model objects out, or `Invalid` naming every bad field.

Pure functions, no I/O. The v1 API validates with the pydantic models of
`mcp.model`; the seed API's flat body is checked here and becomes the same
`ContainerSpec`. Field paths use the JSON names (`spec.ports[0].containerPort`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from mcp import rules
from mcp.errors import Invalid
from mcp.model import DESIRED_STATES, ContainerIn, ContainerSpec, DesiredState

SEED_CREATE_FIELDS = frozenset({"image", "cmd", "name", "state"})


def name_problem(name: Any) -> str | None:
    """Why `name` is not a valid object name, or None if it is."""
    return rules.dns1123_label_problem(name)


def field_path(location: tuple[int | str, ...]) -> str:
    """pydantic's location tuple as a JSON path: ("spec", "ports", 0, "x") -> spec.ports[0].x."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "body"


def invalid_from(error: ValidationError, *, prefix: str = "") -> Invalid:
    """One `Invalid` with a `(field, message)` per pydantic error."""
    problems = []
    for detail in error.errors():
        # Skip pydantic's internal tags (e.g. function-after[...]) in locations.
        location = tuple(part for part in detail["loc"] if not str(part).startswith("function-"))
        path = field_path(location)
        if prefix:
            path = f"{prefix}.{path}" if path != "body" else prefix
        message = str(detail["msg"]).removeprefix("Value error, ")
        if detail["type"] == "extra_forbidden":
            message = "unknown field"
        problems.append((path, message))
    return Invalid(problems)


def container(body: Any) -> ContainerIn:
    """Validate a v1 Container body (create or replace).

    Raises:
        Invalid: one entry per bad field.
    """
    if not isinstance(body, dict):
        raise Invalid([("body", "must be a JSON object")])
    try:
        return ContainerIn.model_validate(body)
    except ValidationError as error:
        raise invalid_from(error) from None


def spec(body: Any, *, field: str = "spec") -> ContainerSpec:
    try:
        return ContainerSpec.model_validate(body)
    except ValidationError as error:
        raise invalid_from(error, prefix=field) from None


def _cmd_problem(cmd: Any) -> str | None:
    if not isinstance(cmd, list) or not all(isinstance(item, str) for item in cmd):
        return "must be a list of strings"
    return None


def _state_problem(state: Any) -> str | None:
    if state not in DESIRED_STATES:
        return f"must be one of {', '.join(DESIRED_STATES)}"
    return None


@dataclass(frozen=True)
class SeedCreate:
    name: str | None
    spec: ContainerSpec


def seed_create(body: Any, *, default_state: DesiredState) -> SeedCreate:
    """Validate the body of `POST /containers/create`: `cmd` becomes the spec's `args`.

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
    elif problem := rules.image_problem(body["image"]):
        errors.append(("image", problem))
    checks = (("cmd", _cmd_problem), ("name", name_problem), ("state", _state_problem))
    for field, check in checks:
        if field in body and body[field] is not None and (problem := check(body[field])):
            errors.append((field, problem))
    if errors:
        raise Invalid(errors)
    # Field-level checks passed; the model checks the rest (argv size, NUL bytes...),
    # reported under the seed's own field names.
    try:
        built = ContainerSpec(
            image=body["image"],
            args=body.get("cmd") or None,
            state=body.get("state") or default_state,
        )
    except ValidationError as error:
        renamed = [
            ("cmd" if field.startswith("args") else field, message)
            for field, message in invalid_from(error).errors
        ]
        raise Invalid(renamed) from None
    return SeedCreate(name=body.get("name"), spec=built)
