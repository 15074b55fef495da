"""The broker over another tradechat's gateway (`[broker] kind = "remote"`): one HTTP request
per broker operation, signed orders with idempotency keys, ticks over the WebSocket."""

from broker.remote.client import RemoteBroker

__all__ = ["RemoteBroker"]
