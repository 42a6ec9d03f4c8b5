"""Request validation: raw JSON in, model objects out, or `Invalid` naming every bad field.

Pure functions, no I/O. The v1 API validates with the pydantic models of
`mcp.model`; the seed API's flat body is checked here and becomes the same
`ContainerSpec`. Field paths use the JSON names (`spec.ports[0].containerPort`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from mcp import rules
from mcp.errors import Invalid
from mcp.model import ContainerIn, ContainerSpec, DesiredState


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


class SeedCreateIn(BaseModel):
    """The body of the seed API's `POST /containers/create`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    image: str
    cmd: list[str] | None = Field(default=None, description="Docker CMD; default: the image's")
    name: str | None = Field(default=None, description="a DNS-1123 label; default: generated")
    state: DesiredState | None = Field(default=None, description="default: stopped")

    @field_validator("image")
    @classmethod
    def _image(cls, image: str) -> str:
        if problem := rules.image_problem(image):
            raise ValueError(problem)
        return image

    @field_validator("name")
    @classmethod
    def _name(cls, name: str | None) -> str | None:
        if name is not None and (problem := name_problem(name)):
            raise ValueError(problem)
        return name


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
    try:
        seed = SeedCreateIn.model_validate(body)
        spec = ContainerSpec(
            image=seed.image, args=seed.cmd or None, state=seed.state or default_state
        )
    except ValidationError as error:
        # Problems found by the spec are reported under the seed's own field names.
        renamed = [
            ("cmd" if field.startswith("args") else field, message)
            for field, message in invalid_from(error).errors
        ]
        raise Invalid(renamed) from None
    return SeedCreate(name=seed.name, spec=spec)
