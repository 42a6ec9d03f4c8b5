"""The ReplicaSet controller's pure decisions: `plan` decides a pass (upstream's
syncReplicaSet), `pods` answers what it asks of a Pod (active, ready, available, which
goes first on a scale-down, the Pod its template makes)."""
