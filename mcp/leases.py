"""One etcd lease shared by the short-lived keys written within a window (Events).

kube-apiserver's etcd3 store does the same (its `leaseManager`): keys written with a
TTL within a short window share one lease, so a busy cluster does not create a lease per
event. The lease outlives its window by the TTL, so every key it carries lives at least
`ttl_s` after its last write; a key may live up to one window longer.

Used by the event recorder and by the generic write path for kinds whose objects expire.
Only `grant_lease` leaves the process, through the store (which sets its deadline).
"""

from __future__ import annotations

from dataclasses import dataclass

import trio

from mcp.store import Store


@dataclass
class SharedLease:
    """The lease for keys that must live `ttl_s` seconds after their last write."""

    store: Store
    ttl_s: int
    _lease: int = 0
    _lease_until: float = 0.0

    @property
    def reuse_window_s(self) -> float:
        """How long one lease is handed out: a tenth of the TTL, within 1 s to 60 s."""
        return max(1.0, min(60.0, self.ttl_s / 10))

    async def current(self) -> int:
        """The lease id for a write now, granting a new lease once the window is over.

        Raises:
            StoreUnavailable: etcd could not grant a lease.
        """
        now = trio.current_time()
        if now >= self._lease_until:
            self._lease = await self.store.grant_lease(int(self.ttl_s + self.reuse_window_s) + 1)
            self._lease_until = now + self.reuse_window_s
        return self._lease
