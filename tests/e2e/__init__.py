"""End-to-end tests: a real `mcp run` process against a real etcd and the local Docker engine."""
