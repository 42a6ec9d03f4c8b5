"""The patch types the API accepts: pure functions over decoded JSON (no I/O, no mcp imports).

`json_patch` (RFC 6902), `merge_patch` (RFC 7396), `strategic` (Kubernetes' strategic merge
patch) with `schemas` (merge keys and strategies of the built-in kinds). Every function takes
decoded JSON (`dict`, `list`, `str`, `int`, `float`, `bool`, `None`), never mutates its
arguments, and fails only with `errors.PatchError` or its subclass `errors.MalformedPatch`.
"""
