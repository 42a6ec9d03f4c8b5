"""mcp, the mini control plane: declare Docker containers over HTTP, keep them in etcd,
make Docker match."""

__version__ = "0.1.0"
