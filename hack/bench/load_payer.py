"""The benchmark's paying customers: each accepted order is paid as a customer would, by
following its `payment_url` (the payments service's local checkout, through the gateway)
and pressing Pay."""

import asyncio
import time
from dataclasses import dataclass, field

import aiohttp


@dataclass
class Payer:
    """Orders waiting to be paid, and a few coroutines paying them."""

    gateway: str
    paid: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    queue: asyncio.Queue = field(default_factory=asyncio.Queue)
    closed: bool = False

    def owe(self, order_id: str, token: str) -> None:
        """An order just accepted; pay it once its link exists."""
        self.queue.put_nowait((order_id, token))

    async def run(self, session: aiohttp.ClientSession, workers: int, until: float) -> None:
        """Pay every order owed (polling each until its link exists), up to time `until`."""
        await asyncio.gather(*(self._work(session, until) for _ in range(workers)))

    async def _work(self, session: aiohttp.ClientSession, until: float) -> None:
        while time.monotonic() < until:
            try:
                order_id, token = await asyncio.wait_for(self.queue.get(), 0.5)
            except TimeoutError:
                if self.queue.empty() and self.closed:
                    return
                continue
            try:
                await self._pay(session, order_id, token, until)
            except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
                kind = f"pay: {type(exc).__name__}"
                self.failures[kind] = self.failures.get(kind, 0) + 1

    def close(self) -> None:
        """No more orders will be owed: workers stop once the queue is empty."""
        self.closed = True

    async def _pay(
        self, session: aiohttp.ClientSession, order_id: str, token: str, until: float
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        url = f"{self.gateway}/api/orders/{order_id}"
        while time.monotonic() < until:
            async with session.get(url, headers=headers) as answer:
                order = await answer.json(content_type=None)
            if order.get("payment_url"):
                async with session.post(order["payment_url"] + "/pay") as pressed:
                    if pressed.status == 200:
                        self.paid += 1
                    else:
                        kind = f"pay: {pressed.status}"
                        self.failures[kind] = self.failures.get(kind, 0) + 1
                return
            if order.get("status") not in ("received", "awaiting_payment"):
                return  # rejected: nothing to pay
            await asyncio.sleep(0.2)
