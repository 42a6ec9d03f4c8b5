#!/usr/bin/env python3
"""Generate mcp/apiserver/protobuf/schemas.py from upstream Kubernetes sources.

The wire layout of every message (field numbers, types, repeated, maps) comes from the
`generated.proto` files of k8s.io/api and k8s.io/apimachinery. What those files do not say
is how Go's encoding/json prints the same object, which is the JSON a client would send:
the JSON name and `omitempty` of each field, whether the Go field is a pointer, which
embedded structs are inlined (`Volume`'s `VolumeSource`), and which Go types are slices
rather than structs (`ExtraValue`, `Verbs`). Those come from the Go struct tags of the
same packages, matched to the proto fields by field number (`protobuf:"bytes,1,..."`).

Usage, with clones of github.com/kubernetes/api and github.com/kubernetes/apimachinery:

    scripts/gen_protobuf_schemas.py --api ../api --apimachinery ../apimachinery \
        --ref v0.37.0-beta.0

The files are read with `git show REF:PATH`, so the clones' work trees do not matter.
The output is formatted with ruff (from PATH, or beside this interpreter).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent.parent / "mcp/apiserver/protobuf/schemas.py"

# Proto package -> (repository, directory, short name used in the schema, apiVersion).
# An apiVersion of None: the package holds no kinds of its own.
PACKAGES: dict[str, tuple[str, str, str, str | None]] = {
    "k8s.io.apimachinery.pkg.apis.meta.v1": ("apimachinery", "pkg/apis/meta/v1", "meta.v1", None),
    "k8s.io.apimachinery.pkg.runtime": ("apimachinery", "pkg/runtime", "runtime", None),
    "k8s.io.apimachinery.pkg.runtime.schema": (
        "apimachinery",
        "pkg/runtime/schema",
        "runtime.schema",
        None,
    ),
    "k8s.io.apimachinery.pkg.util.intstr": ("apimachinery", "pkg/util/intstr", "intstr", None),
    "k8s.io.apimachinery.pkg.api.resource": ("apimachinery", "pkg/api/resource", "resource", None),
    "k8s.io.api.core.v1": ("api", "core/v1", "core.v1", "v1"),
    "k8s.io.api.apps.v1": ("api", "apps/v1", "apps.v1", "apps/v1"),
    "k8s.io.api.batch.v1": ("api", "batch/v1", "batch.v1", "batch/v1"),
    # The `scale` subresource's Scale (of a Deployment, a ReplicaSet).
    "k8s.io.api.autoscaling.v1": ("api", "autoscaling/v1", "autoscaling.v1", "autoscaling/v1"),
    "k8s.io.api.rbac.v1": ("api", "rbac/v1", "rbac.v1", "rbac.authorization.k8s.io/v1"),
    "k8s.io.api.authorization.v1": (
        "api",
        "authorization/v1",
        "authorization.v1",
        "authorization.k8s.io/v1",
    ),
    "k8s.io.api.authentication.v1": (
        "api",
        "authentication/v1",
        "authentication.v1",
        "authentication.k8s.io/v1",
    ),
    "k8s.io.api.coordination.v1": (
        "api",
        "coordination/v1",
        "coordination.v1",
        "coordination.k8s.io/v1",
    ),
    "k8s.io.api.policy.v1": ("api", "policy/v1", "policy.v1", "policy/v1"),
    "k8s.io.api.networking.v1": ("api", "networking/v1", "networking.v1", "networking.k8s.io/v1"),
}
META = "k8s.io.apimachinery.pkg.apis.meta.v1"
META_API_VERSION = "meta.k8s.io/v1"
# metav1.AddToGroupVersion registers these in every group version (`optionsTypes`): a
# typed client's Delete sends DeleteOptions under the resource's own apiVersion.
OPTIONS_KINDS = (
    "CreateOptions",
    "DeleteOptions",
    "GetOptions",
    "ListOptions",
    "PatchOptions",
    "UpdateOptions",
)
# Go types whose MarshalJSON prints something other than their fields (read upstream:
# meta/v1 time.go, micro_time.go, duration.go, helpers.go (FieldsV1), runtime
# extension.go, util/intstr intstr.go, api/resource quantity.go).
CUSTOM = {
    "meta.v1.Time": "time",
    "meta.v1.MicroTime": "microtime",
    "meta.v1.Duration": "duration",
    "meta.v1.FieldsV1": "json",
    "runtime.RawExtension": "raw-extension",
    "intstr.IntOrString": "int-or-string",
    "resource.Quantity": "quantity",
    "resource.QuantityValue": "quantity",
}
# The envelope around every body: read by hand (`envelope.py`), never a field of a kind.
SKIPPED = frozenset({"runtime.Unknown"})
SCALARS = frozenset(
    {
        "string",
        "bytes",
        "bool",
        "int32",
        "int64",
        "uint32",
        "uint64",
        "sint32",
        "sint64",
        "fixed32",
        "fixed64",
        "sfixed32",
        "sfixed64",
        "double",
        "float",
    }
)

_MESSAGE = re.compile(r"^message (\w+) \{$")
_FIELD = re.compile(r"^(optional|repeated) ([\w.]+) (\w+) = (\d+);$")
_MAP = re.compile(r"^map<(\w+), ([\w.]+)> (\w+) = (\d+);$")
_GO_STRUCT = re.compile(r"^type (\w+) struct ?\{(\})?$", re.M)
_GO_SLICE = re.compile(r"^type (\w+) \[\](\w+)$", re.M)
_GO_META_TYPE = re.compile(r"^type (\w+) metav1\.(\w+)$", re.M)  # core/v1: `type List metav1.List`
_TAG = re.compile(r'(\w+):"([^"]*)"')


@dataclass(frozen=True)
class ProtoField:
    number: int
    name: str
    type: str  # a scalar, or a message's full proto name
    label: str  # "optional", "repeated" or "map" (then `type` is the value's)


@dataclass(frozen=True)
class GoField:
    # "" for an inlined struct, "-" for a field JSON never shows, "?Name" for a field
    # without a json tag (encoding/json would use the Go name; no generated one has it)
    json_name: str
    omitempty: bool
    omitzero: bool  # Go 1.24: omitted when it is its type's zero value (IsZero())
    pointer: bool


def git_show(repo: Path, ref: str, path: str) -> str:
    return subprocess.run(
        ["git", f"--git-dir={_git_dir(repo)}", "show", f"{ref}:{path}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _git_dir(repo: Path) -> Path:
    return repo / ".git" if (repo / ".git").exists() else repo


def git_list(repo: Path, ref: str, directory: str) -> list[str]:
    listed = subprocess.run(
        ["git", f"--git-dir={_git_dir(repo)}", "ls-tree", "--name-only", f"{ref}:{directory}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [f"{directory}/{name}" for name in listed.split()]


def commit_of(repo: Path, ref: str) -> str:
    return subprocess.run(
        ["git", f"--git-dir={_git_dir(repo)}", "rev-parse", f"{ref}^{{commit}}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def _qualified(name: str, package: str) -> str:
    """A scalar, or a message's full name: `.a.b.C` is absolute, `C` is in `package`."""
    if name in SCALARS:
        return name
    if name.startswith("."):
        return name[1:]
    if "." in name:
        raise SystemExit(f"{package}: a relative qualified name is not handled: {name}")
    return f"{package}.{name}"


def parse_proto(text: str, package: str) -> dict[str, list[ProtoField]]:
    """Messages of one generated.proto, by full name. Refuses syntax it does not know."""
    messages: dict[str, list[ProtoField]] = {}
    current: list[ProtoField] | None = None
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)  # the licence header
    for raw in text.splitlines():
        line = raw.split("//", 1)[0].strip()
        if not line or line.startswith(("syntax ", "package ", "import ", "option ")):
            continue
        if current is None:
            match = _MESSAGE.match(line)
            if not match:
                raise SystemExit(f"{package}: unexpected line outside a message: {raw!r}")
            current = messages.setdefault(f"{package}.{match[1]}", [])
            continue
        if line == "}":
            current = None
        elif match := _FIELD.match(line):
            field_type = _qualified(match[2], package)
            current.append(ProtoField(int(match[4]), match[3], field_type, match[1]))
        elif match := _MAP.match(line):
            if match[1] != "string":
                raise SystemExit(f"{package}: a map keyed by {match[1]}: {raw!r}")
            field_type = _qualified(match[2], package)
            current.append(ProtoField(int(match[4]), match[3], field_type, "map"))
        else:
            raise SystemExit(f"{package}: unexpected line in a message: {raw!r}")
    return messages


@dataclass(frozen=True)
class GoPackage:
    structs: dict[str, dict[int, GoField]]  # proto-tagged fields by number
    kinds: set[str]  # the structs that embed TypeMeta
    slices: set[str]  # named slice types
    meta_types: dict[str, str]  # types defined as a meta/v1 type: their name there


def parse_go(sources: list[str]) -> GoPackage:
    structs: dict[str, dict[int, GoField]] = {}
    kinds: set[str] = set()
    slices: set[str] = set()
    meta_types: dict[str, str] = {}
    for text in sources:
        slices.update(match[1] for match in _GO_SLICE.finditer(text))
        meta_types.update((match[1], match[2]) for match in _GO_META_TYPE.finditer(text))
        for match in _GO_STRUCT.finditer(text):
            name = match[1]
            fields: dict[int, GoField] = {}
            depth = 0
            body = "" if match[2] else text[match.end() :]  # `struct{}`: no fields
            for raw in body.splitlines()[1:]:
                line = raw.strip()
                if line.startswith("//") or not line:
                    continue
                if line == "}" and depth == 0:
                    break
                depth += line.count("{") - line.count("}")
                declaration, _, tag_text = line.partition("`")
                words = declaration.split()
                if words in (["metav1.TypeMeta"], ["TypeMeta"]):
                    kinds.add(name)
                tags = dict(_TAG.findall(tag_text))
                if tags.get("protobuf", "-") == "-":
                    continue  # not in the proto message
                go_type = words[-1]
                number = int(tags["protobuf"].split(",")[1])
                json_name, *options = tags.get("json", "").split(",")
                # encoding/json inlines an embedded struct without a JSON name ("inline"
                # is only a convention); an embedded struct with a name is a plain field.
                embedded = len(words) == 1
                fields[number] = GoField(
                    json_name if json_name or embedded else f"?{words[0]}",
                    "omitempty" in options,
                    "omitzero" in options,
                    go_type.startswith("*"),
                )
            structs[name] = fields
    return GoPackage(structs, kinds, slices, meta_types)


def short(full: str) -> str:
    package, _, message = full.rpartition(".")
    if package not in PACKAGES:
        raise SystemExit(f"a message of a package not generated: {full}")
    return f"{PACKAGES[package][2]}.{message}"


def policy(proto: ProtoField, go: GoField, customs: dict[str, str]) -> str:
    """What Go's encoding/json shows for a field: see `schemas.py`'s docstring."""
    if go.json_name == "":
        return "inline"
    kind = customs.get(short(proto.type)) if proto.type not in SCALARS else None
    if go.pointer:
        return "omit-absent" if go.omitempty or go.omitzero else "null-absent"
    if go.omitzero:
        return "omit-zero"
    if proto.label in ("repeated", "map") or proto.type == "bytes" or kind == "items":
        return "omit-empty" if go.omitempty else "null-absent"
    if proto.type in SCALARS:
        return "omit-empty" if go.omitempty else "zero-absent"
    return "zero-absent"  # a struct: encoding/json never omits one, omitempty or not


def _go_fields(gos: dict[str, GoPackage], package: str, message: str) -> dict[int, GoField]:
    go = gos[package]
    if message in go.meta_types:
        go, message = gos[META], go.meta_types[message]
    if message not in go.structs:
        raise SystemExit(f"{package}.{message}: no Go struct of that name in the package")
    return go.structs[message]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api", type=Path, required=True, help="a clone of kubernetes/api")
    parser.add_argument(
        "--apimachinery", type=Path, required=True, help="a clone of kubernetes/apimachinery"
    )
    parser.add_argument("--ref", required=True, help="the tag (or commit) of both, e.g. v0.37.0")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    repos = {"api": args.api, "apimachinery": args.apimachinery}

    protos: dict[str, list[ProtoField]] = {}
    gos: dict[str, GoPackage] = {}
    for package, (repo, directory, _, _) in PACKAGES.items():
        protos.update(
            parse_proto(git_show(repos[repo], args.ref, f"{directory}/generated.proto"), package)
        )
        sources = [
            git_show(repos[repo], args.ref, path)
            for path in git_list(repos[repo], args.ref, directory)
            if path.endswith(".go") and not path.endswith("_test.go")
        ]
        gos[package] = parse_go(sources)

    customs = dict(CUSTOM)
    for full in protos:
        package, _, message = full.rpartition(".")
        if message in gos[package].slices:
            # `type ExtraValue []string`: a JSON array of its one repeated field.
            if protos[full] != [ProtoField(1, "items", "string", "repeated")]:
                raise SystemExit(f"{full}: a named slice of another shape than strings")
            customs[short(full)] = "items"

    messages: dict[str, dict[int, tuple[str, str, str, str]]] = {}
    renamed: list[str] = []
    for full, fields in sorted(protos.items(), key=lambda item: short(item[0])):
        package, _, message = full.rpartition(".")
        name = short(full)
        if name in customs or name in SKIPPED:
            continue
        go_fields = _go_fields(gos, package, message)
        entry: dict[int, tuple[str, str, str, str]] = {}
        for field in fields:
            go = go_fields.get(field.number)
            if go is None:
                raise SystemExit(f"{full}.{field.name}: no Go field with number {field.number}")
            if go.json_name == "-":
                continue
            if go.json_name.startswith("?"):
                raise SystemExit(f"{full}.{field.name}: the Go field has no json tag")
            if go.json_name not in ("", field.name):
                renamed.append(f"{name}.{field.name} -> {go.json_name}")
            field_type = field.type if field.type in SCALARS else short(field.type)
            label = "" if field.label == "optional" else field.label
            entry[field.number] = (go.json_name, field_type, label, policy(field, go, customs))
        messages[name] = entry

    kinds: dict[str, dict[str, str]] = {META_API_VERSION: {}}
    for full in protos:
        package, _, message = full.rpartition(".")
        api_version = PACKAGES[package][3] or (
            META_API_VERSION if package.endswith("meta.v1") else None
        )
        go_package = gos[package]
        if api_version is not None and (
            message in go_package.kinds or go_package.meta_types.get(message) in gos[META].kinds
        ):
            kinds.setdefault(api_version, {})[message] = short(full)
    for by_kind in kinds.values():
        for option in OPTIONS_KINDS:
            by_kind.setdefault(option, f"meta.v1.{option}")

    refs = {repo: commit_of(path, args.ref) for repo, path in repos.items()}
    header = [
        '"""Kubernetes protobuf message layouts, with how Go\'s encoding/json prints each field.',
        "",
        "GENERATED by scripts/gen_protobuf_schemas.py; do not edit, re-run it. From:",
        f"    k8s.io/api          {args.ref} ({refs['api']})",
        f"    k8s.io/apimachinery {args.ref} ({refs['apimachinery']})",
        "",
        "MESSAGES: message -> field number -> (JSON name, type, label, policy).",
        "    type: a proto scalar, or a message of MESSAGES or CUSTOM;",
        '    label: "" (one), "repeated" or "map" (string keys; `type` is the value\'s);',
        '    policy: what JSON shows: "omit-empty" (omitted when absent, zero or empty),',
        "    \"omit-zero\" (omitted when absent or its type's zero value: Go's omitzero),",
        '    "omit-absent" (a pointer: omitted only when absent), "null-absent" (null when',
        '    absent), "zero-absent" (always shown, the zero value when absent), "inline" (an',
        "    embedded struct: its fields are the parent's; the JSON name is empty).",
        "CUSTOM: messages whose JSON is their Go type's own (MarshalJSON, or a named slice).",
        "KINDS: apiVersion -> kind -> message, for a body's envelope.",
    ]
    if renamed:
        header += ["", "Fields whose JSON name differs from the proto name:"]
        header += [f"    {line}" for line in renamed]
    header += ['"""', "", "from __future__ import annotations", ""]
    body = [
        f"MESSAGES: dict[str, dict[int, tuple[str, str, str, str]]] = {messages!r}",
        "",
        f"CUSTOM: dict[str, str] = {dict(sorted(customs.items()))!r}",
        "",
        f"KINDS: dict[str, dict[str, str]] = "
        f"{ {v: dict(sorted(k.items())) for v, k in sorted(kinds.items())}!r}",
    ]
    args.output.write_text("\n".join(header + body) + "\n")
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    subprocess.run([ruff, "format", "--quiet", str(args.output)], check=True)
    print(f"wrote {args.output}: {len(messages)} messages, {len(customs)} custom types")


if __name__ == "__main__":
    main()
