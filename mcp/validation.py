"""Request validation: raw JSON in, model objects out, or `Invalid` naming every bad field.

Pure functions, no I/O. The v1 API validates with the pydantic models of
`mcp.model`; the seed API's flat body is checked here and becomes the same
`ContainerSpec`. Field paths use the JSON names (`spec.ports[0].containerPort`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import ErrorDetails

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


def _location(detail: ErrorDetails) -> tuple[int | str, ...]:
    # Without pydantic's internal tags (e.g. function-after[...]).
    return tuple(part for part in detail["loc"] if not str(part).startswith("function-"))


def invalid_from(error: ValidationError, *, prefix: str = "") -> Invalid:
    """One `Invalid` with a `(field, message)` per pydantic error."""
    problems = []
    for detail in error.errors():
        path = field_path(_location(detail))
        if prefix:
            path = f"{prefix}.{path}" if path != "body" else prefix
        message = str(detail["msg"]).removeprefix("Value error, ")
        if detail["type"] == "extra_forbidden":
            message = "unknown field"
        problems.append((path, message))
    return Invalid(problems)


def container(body: Any, *, drop_unknown: bool = False) -> ContainerIn:
    """Validate a v1 Container body (create or replace).

    Args:
        body: the decoded JSON.
        drop_unknown: leave out the fields a Container does not have (`unknown_fields`),
            as decoding under `fieldValidation=Warn` or `Ignore` does, rather than refuse
            them.

    Raises:
        Invalid: one entry per bad field.
    """
    if not isinstance(body, dict):
        raise Invalid([("body", "must be a JSON object")])
    try:
        return ContainerIn.model_validate(body)
    except ValidationError as error:
        unknown = _unknown_locations(error)
        if not drop_unknown or not unknown:
            raise invalid_from(error) from None
    try:
        return ContainerIn.model_validate(_without(body, unknown))
    except ValidationError as error:
        raise invalid_from(error) from None


def _unknown_locations(error: ValidationError) -> list[tuple[int | str, ...]]:
    return [_location(d) for d in error.errors() if d["type"] == "extra_forbidden"]


def unknown_fields(body: Any) -> list[str]:
    """The fields of a v1 Container body that a Container does not have, by path
    (`spec.bogus`, `spec.ports[0].bogus`), where validation reaches them."""
    try:
        ContainerIn.model_validate(body)
    except ValidationError as error:
        return [field_path(location) for location in _unknown_locations(error)]
    return []


def _without(body: Any, locations: list[tuple[int | str, ...]]) -> Any:
    """A copy of `body` without the fields at `locations` (which name keys and indexes
    that are there, as pydantic found them)."""
    copied = copy.deepcopy(body)
    for *parents, key in locations:
        node = copied
        for part in parents:
            node = node[part]
        del node[key]
    return copied


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
