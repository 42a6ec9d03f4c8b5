"""The Kubernetes API machinery: what lets kubectl and the client libraries talk to mcp
(version, kubeconfig, the patch types; discovery and generic storage to come)."""
