"""Channel-neutral conversations. Each module exposes `register(router)`."""
