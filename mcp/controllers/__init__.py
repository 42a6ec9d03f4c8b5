"""Controllers of Kubernetes objects: reconcile functions plugged into one loop (`loop`).

A controller's decisions are pure plans, tested by tables, and a thin actor reads the
cache, calls its plan and makes the writes: `namespaces`, `replicasets.plan` and
`deployments.plan`, with `ownership` (label selectors, adoption and release) shared.
"""
