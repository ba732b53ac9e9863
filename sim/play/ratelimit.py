"""Per-client limits on opening rooms and joining them: so many in a sliding window of time."""

import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass

#: The request header the server puts each client's address in, for the per-client limits.
CLIENT_HEADER = b"x-classroom-client"


@dataclass(frozen=True)
class Limit:
    """At most ``count`` actions per client in any ``seconds`` seconds."""

    count: int
    seconds: float


class RateLimiter:
    """Counts each client's recent actions; refuses one past its `Limit`."""

    def __init__(self, limit: Limit) -> None:
        self.limit = limit
        self._times: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, client: str, now: float | None = None) -> float:
        """Count one action of ``client``; 0 if allowed, else the seconds until it would be."""
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._times[client]
            while times and now - times[0] >= self.limit.seconds:
                times.popleft()
            if len(times) >= self.limit.count:
                return self.limit.seconds - (now - times[0])
            times.append(now)
            return 0.0

    def forget_idle(self, now: float | None = None) -> None:
        """Drop clients with no action in the window (keeps memory bounded)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            for client, times in list(self._times.items()):
                if not times or now - times[-1] >= self.limit.seconds:
                    del self._times[client]
