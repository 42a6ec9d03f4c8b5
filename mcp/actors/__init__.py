"""The actor tasks: `api` (HTTP), `watch` (etcd -> cache), `controller` (one
`container` actor per object). Each has one entry point, `run(...)`."""
