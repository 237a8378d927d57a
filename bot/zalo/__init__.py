"""The Zalo Bot Platform channel: client, adapter, rendering, outbox channel."""
