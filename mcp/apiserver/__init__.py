"""The Kubernetes API machinery: patch types now; discovery, storage and watch beside them later."""
