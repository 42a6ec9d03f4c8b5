"""The cluster's zone: which names mcp answers itself, and the shapes they may have.

A `ClusterZone` owns the cluster domain (`cluster.local` by default) and may own names
outside it (reverse zones, later). Its `lookup` answers records, `NXDOMAIN`, or None for
a name it does not own, which the resolver forwards to the host's resolvers; a name under
the cluster domain is never forwarded, whatever `lookup` says. The Services work
implements a zone over the cache; until then `EmptyZone` owns the domain and has no name
in it, so every cluster name is NXDOMAIN and every other name goes upstream.

`parse_name` reads a name under the domain in the Kubernetes DNS schema's parts, as
CoreDNS's kubernetes plugin does (`parseRequest`): `<svc>.<ns>.svc.<domain>`,
`<endpoint>.<svc>.<ns>.svc.<domain>`, `_<port>._<proto>.<svc>.<ns>.svc.<domain>`, and the
same under `pod`. Anything else (`example.com.cluster.local`, or a search-path artifact
too long for any shape) is NXDOMAIN before a lookup. Pure: no I/O, no trio.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal, Protocol

import dns.name
import dns.rdatatype
import dns.rrset

DEFAULT_DOMAIN = "cluster.local"
# CoreDNS's kubernetes plugin answers with a TTL of 5 s, and its SOA's minimum (how long
# a resolver may cache an NXDOMAIN, RFC 2308) is the same: a Service made a moment after
# a failed lookup resolves 5 s later at the most.
TTL_S = 5
# The SOA's refresh, retry and expire, as CoreDNS writes them (nothing transfers the zone).
SOA_TIMERS = "7200 1800 86400"
# The schema this zone follows (github.com/kubernetes/dns, docs/specification.md), which
# `dns-version.<domain>` TXT answers.
SCHEMA_VERSION = "1.1.0"
SCHEMA_VERSION_TTL_S = 28800


class NxDomain(enum.Enum):
    """The zone owns the name and it does not exist."""

    NXDOMAIN = "NXDOMAIN"


NXDOMAIN: Final = NxDomain.NXDOMAIN

# Records for the name (an empty list: the name exists without records of that type),
# NXDOMAIN, or None: not a name of this zone.
Lookup = Sequence[dns.rrset.RRset] | NxDomain | None


class ClusterZone(Protocol):
    """What the resolver asks of the cluster's names.

    `lookup` sees names under `domain` only in a shape `parse_name` accepts; it is called
    for names outside `domain` too, where None (the usual answer) forwards them. Owner
    names of the records it returns are the queried name as asked, in its case.
    """

    @property
    def domain(self) -> dns.name.Name: ...

    def soa(self) -> dns.rrset.RRset:
        """The zone's SOA, for its negative answers' authority section."""
        ...

    def lookup(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Lookup: ...


def domain_name(text: str) -> dns.name.Name:
    """`cluster.local` -> the absolute name `cluster.local.`."""
    return dns.name.from_text(text.strip().rstrip(".") + ".")


def soa_rrset(domain: dns.name.Name, serial: int) -> dns.rrset.RRset:
    """The SOA CoreDNS's kubernetes plugin gives its zone: `ns.dns.<domain>`,
    `hostmaster.<domain>`, the TTL and the minimum both `TTL_S`."""
    ns = dns.name.Name(("ns", "dns", *domain.labels))
    mbox = dns.name.Name(("hostmaster", *domain.labels))
    text = f"{ns} {mbox} {serial} {SOA_TIMERS} {TTL_S}"
    return dns.rrset.from_text(domain, TTL_S, "IN", "SOA", text)


CLUSTER_LOCAL: Final = domain_name(DEFAULT_DOMAIN)


@dataclass(frozen=True)
class EmptyZone:
    """The cluster domain with no name in it: NXDOMAIN for every cluster name, None
    (forward) for every other.

    `serial` is the SOA's; CoreDNS's is the time of the zone's last change, and an empty
    zone changes never, so the caller passes its start time.
    """

    domain: dns.name.Name = CLUSTER_LOCAL
    serial: int = 1

    def soa(self) -> dns.rrset.RRset:
        return soa_rrset(self.domain, self.serial)

    def lookup(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Lookup:
        return NXDOMAIN if name.is_subdomain(self.domain) else None


@dataclass(frozen=True)
class ClusterName:
    """A name under the cluster domain in the schema's parts, labels in lower case.

    `kind` is `svc` or `pod`; for a pod, `service` holds its dashed address
    (`10-244-0-5`). `port` and `protocol` (an SRV name's, underscores stripped) and
    `endpoint` are "" when the name has none.
    """

    kind: Literal["svc", "pod"]
    namespace: str
    service: str = ""
    endpoint: str = ""
    port: str = ""
    protocol: str = ""


def parse_name(name: dns.name.Name, domain: dns.name.Name) -> ClusterName | None:
    """The parts of `name`, which is under `domain` and below `svc.` or `pod.` there.

    Returns:
        None when no shape of the schema fits: not below `svc` or `pod`, more than two
        labels before the service, or a label that is not ASCII. A resolver answers
        those NXDOMAIN without a lookup, as CoreDNS does.
    """
    try:
        labels = [label.decode("ascii").lower() for label in name.relativize(domain).labels]
    except UnicodeDecodeError:
        return None
    if len(labels) < 2 or labels[-1] not in ("svc", "pod"):
        return None
    kind: Literal["svc", "pod"] = "svc" if labels[-1] == "svc" else "pod"
    namespace, *rest = reversed(labels[:-1])
    if not rest:
        return ClusterName(kind, namespace)
    service, *left = rest
    match left:
        case []:
            return ClusterName(kind, namespace, service)
        case [endpoint]:
            return ClusterName(kind, namespace, service, endpoint=endpoint)
        case [protocol, port]:
            # CoreDNS reads two labels as port and protocol with or without underscores.
            return ClusterName(
                kind,
                namespace,
                service,
                port=port.removeprefix("_"),
                protocol=protocol.removeprefix("_"),
            )
        case _:
            return None
