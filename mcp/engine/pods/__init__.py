"""A Pod's environment and volume files, computed as the kubelet computes them."""
