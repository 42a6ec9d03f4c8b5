#!/usr/bin/env python3
"""Generate mcp/apiserver/openapi_schemas.json from upstream's OpenAPI v3 documents.

`/openapi/v3/api/v1`, `/openapi/v3/apis/apps/v1` and `/openapi/v3/apis/batch/v1`
(`mcp.apiserver.openapi`) carry the component schemas of the served kinds exactly as
kube-apiserver publishes them (descriptions for `kubectl explain`,
`x-kubernetes-group-version-kind`, the patch merge keys and strategies, the list types):
this script copies them, and every schema they reference, out of upstream's
`api__v1_openapi.json`, `apis__apps__v1_openapi.json` and `apis__batch__v1_openapi.json`,
so that none is written by hand. A schema two documents share (PodSpec) is the same in
both.

Usage, with a clone of github.com/kubernetes/client-go (its
`openapi/openapitest/testdata/*_openapi.json` are upstream's published documents,
`api/openapi-spec/v3/` in kubernetes/kubernetes; pass `--dir` for that one):

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
DEFAULT_DIR = "openapi/openapitest/testdata"
DOCUMENTS = ("api__v1_openapi.json", "apis__apps__v1_openapi.json", "apis__batch__v1_openapi.json")
CORE = "io.k8s.api.core.v1."
APPS = "io.k8s.api.apps.v1."
BATCH = "io.k8s.api.batch.v1."
META = "io.k8s.apimachinery.pkg.apis.meta.v1."
SERVED = (
    *(CORE + kind for kind in ("ConfigMap", "Secret", "ServiceAccount", "Namespace")),
    *(CORE + kind for kind in ("Event", "Node", "Pod")),
    *(APPS + kind for kind in ("Deployment", "ReplicaSet")),
    *(BATCH + kind for kind in ("Job", "CronJob")),
)
# The served kinds (`mcp.kinds.served`), their lists, the `scale` subresource's Scale, and
# what every operation answers or takes besides them.
ROOTS = (
    *SERVED,
    *(kind + "List" for kind in SERVED),
    "io.k8s.api.autoscaling.v1.Scale",
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
    parser.add_argument("--dir", default=DEFAULT_DIR, help="the documents' folder in that clone")
    args = parser.parse_args()
    schemas: dict[str, Any] = {}
    for name in DOCUMENTS:
        text = subprocess.run(
            ["git", "-C", str(args.repo), "show", f"{args.ref}:{args.dir}/{name}"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        for key, schema in json.loads(text)["components"]["schemas"].items():
            if schemas.setdefault(key, schema) != schema:
                raise SystemExit(f"{key} differs between the documents")
    document = {
        "source": f"k8s.io/client-go {args.ref}: {args.dir}/{{{','.join(DOCUMENTS)}}}",
        "schemas": closure(schemas, ROOTS),
    }
    OUTPUT.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
    print(f"{OUTPUT}: {len(document['schemas'])} schemas from {document['source']}")


if __name__ == "__main__":
    main()
