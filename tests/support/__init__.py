"""Helpers shared by the test suite: real etcd, a local busybox image, a real `mcp run` process.

Nothing here imports `mcp`: the end-to-end tests drive the product from the outside, the way an
operator does, so these helpers only speak HTTP, signals, Docker and files.
"""
