#!/usr/bin/env python3
"""Generate mcp/apiserver/openapi_schemas.json from upstream's OpenAPI v3 document.

`/openapi/v3/api/v1` (`mcp.apiserver.openapi`) carries the component schemas of the
served core/v1 kinds exactly as kube-apiserver publishes them (descriptions for
`kubectl explain`, `x-kubernetes-group-version-kind`, the patch merge keys and
strategies, the list types): this script copies them, and every schema they reference,
out of upstream's `api__v1_openapi.json`, so that none is written by hand.

Usage, with a clone of github.com/kubernetes/client-go (its
`openapi/openapitest/testdata/api__v1_openapi.json` is upstream's published document,
`api/openapi-spec/v3/api__v1_openapi.json` in kubernetes/kubernetes; pass `--path` for
that one):

    scripts/gen_openapi_schemas.py --repo ../client-go --ref v0.37.0-beta.0

The file is read with `git show REF:PATH`, so the clone's work tree does not matter.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).resolve().parent.parent / "mcp/apiserver/openapi_schemas.json"
DEFAULT_PATH = "openapi/openapitest/testdata/api__v1_openapi.json"
CORE = "io.k8s.api.core.v1."
META = "io.k8s.apimachinery.pkg.apis.meta.v1."
# The served kinds (`mcp.kinds.core`), their lists, and what every operation answers
# or takes besides them.
ROOTS = (
    *(CORE + kind for kind in ("ConfigMap", "Secret", "ServiceAccount", "Namespace")),
    *(CORE + kind for kind in ("Event", "Node", "Pod")),
    *(CORE + kind + "List" for kind in ("ConfigMap", "Secret", "ServiceAccount", "Namespace")),
    *(CORE + kind + "List" for kind in ("Event", "Node", "Pod")),
    META + "Status",
    META + "DeleteOptions",
    META + "Patch",
    META + "WatchEvent",
)


def _references(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = set()
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.add(ref.rsplit("/", 1)[-1])
        for value in node.values():
            found |= _references(value)
        return found
    if isinstance(node, list):
        return set().union(*(_references(value) for value in node)) if node else set()
    return set()


def closure(schemas: dict[str, Any], roots: tuple[str, ...]) -> dict[str, Any]:
    """The schemas named by `roots` and every schema they reference, sorted by name."""
    wanted: set[str] = set()
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name in wanted:
            continue
        wanted.add(name)
        pending.extend(_references(schemas[name]) - wanted)
    return {name: schemas[name] for name in sorted(wanted)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, required=True, help="a clone of client-go")
    parser.add_argument("--ref", required=True, help="the tag to read, e.g. v0.37.0-beta.0")
    parser.add_argument("--path", default=DEFAULT_PATH, help="the document in that clone")
    args = parser.parse_args()
    text = subprocess.run(
        ["git", "-C", str(args.repo), "show", f"{args.ref}:{args.path}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    schemas = json.loads(text)["components"]["schemas"]
    document = {
        "source": f"k8s.io/client-go {args.ref}: {args.path}",
        "schemas": closure(schemas, ROOTS),
    }
    OUTPUT.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
    print(f"{OUTPUT}: {len(document['schemas'])} schemas from {document['source']}")


if __name__ == "__main__":
    main()
