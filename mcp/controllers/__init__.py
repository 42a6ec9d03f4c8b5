"""Controllers of Kubernetes objects: reconcile functions plugged into one loop (`loop`)."""
