"""The ReplicaSet controller: `plan` decides a pass (pure), `pods` answers what it asks of a Pod."""
