"""The host networking adapter: what mcp serves on the host's side of the pod network.

For now the cluster DNS server, in four pieces: `zone` (the cluster domain's names and
the shapes the Kubernetes DNS schema allows, pure), `resolver` (one query in, a reply or
"forward it" out, pure), `forwarder` (the host's resolvers, over UDP and TCP under a
deadline) and `clusterdns` (the server: sockets, concurrency, counters). The pure halves
import no trio and do no I/O, so every decision is tested by tables.

It talks to the network only; it never imports the Docker or etcd adapters. Who owns the
pod network (its bridge, its gateway address) hands this package the address to bind.
"""
