"""The HTTP API's routes, split by generation: `seed` (the original Go program's calls)
and `v1` (the declarative resource API). `common` holds what both need; `schemas`
the response models that also generate the OpenAPI document; `problems` the one
mapping from errors to RFC 7807 answers. The actor that serves them is
`mcp.actors.api`."""
