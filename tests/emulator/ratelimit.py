"""The API's request budget, as the live API enforces it (off unless the `rate_limit` setting is on).

Documented (developers.cloudflare.com fundamentals/api/reference/limits; changelog 2025-09-03):
1,200 requests per 5 minutes per user, counted across every client; past it, every call is
blocked for the next 5 minutes with HTTP 429. Every response carries
`Ratelimit: "default";r=<remaining>;t=<seconds until the window resets>` and
`Ratelimit-Policy: "default";q=<quota>;w=<window>`; a 429 adds `Retry-After` (seconds, rounded up).

The emulator's choices where the documents are silent: fixed windows that start with the first
request after the previous one ended; every API request counts (also failed and faulted ones)
and all credentials share one budget; the request that goes over is the first one refused and
starts a block of one window, during which every request is refused and not counted.
"""

import math
import time

POLICY = "default"


class RateLimiter:
    """A fixed-window request budget. Call `take()` with the state lock held."""

    def __init__(self, quota, window, clock=time.monotonic):
        self.quota = quota
        self.window = window
        self.clock = clock
        self.offset = 0.0  # time advanced by the control API, so tests need not wait
        self.window_end = None
        self.used = 0
        self.blocked_until = None

    def now(self):
        return self.clock() + self.offset

    def advance(self, seconds):
        self.offset += seconds

    def take(self):
        """Count one request; returns (allowed, headers), headers with Retry-After when refused."""
        now = self.now()
        if self.blocked_until is not None:
            if now < self.blocked_until:
                return False, self._headers(0, self.blocked_until - now, refused=True)
            self.blocked_until = None
            self.window_end = None
        if self.window_end is None or now >= self.window_end:
            self.window_end = now + self.window
            self.used = 0
        if self.used >= self.quota:
            self.blocked_until = now + self.window
            return False, self._headers(0, self.window, refused=True)
        self.used += 1
        return True, self._headers(self.quota - self.used, self.window_end - now)

    def status(self):
        """What a test may want to see: the budget left and when it comes back."""
        now = self.now()
        blocked = self.blocked_until is not None and now < self.blocked_until
        fresh = self.window_end is None or now >= self.window_end
        return {
            "quota": self.quota,
            "window": self.window,
            "remaining": 0 if blocked else (self.quota if fresh else self.quota - self.used),
            "reset": seconds(self.blocked_until - now) if blocked else (0 if fresh else seconds(self.window_end - now)),
            "blocked": blocked,
        }

    def _headers(self, remaining, reset, refused=False):
        headers = {
            "Ratelimit": '"%s";r=%d;t=%d' % (POLICY, remaining, seconds(reset)),
            "Ratelimit-Policy": '"%s";q=%d;w=%d' % (POLICY, self.quota, seconds(self.window)),
        }
        if refused:
            headers["Retry-After"] = str(seconds(reset))
        return headers


def seconds(value):
    """Whole seconds, rounded up, as the live headers give them."""
    return int(math.ceil(value - 1e-9))
