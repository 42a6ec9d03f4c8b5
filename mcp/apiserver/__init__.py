"""The Kubernetes API machinery: what lets kubectl and the client libraries talk to mcp."""
