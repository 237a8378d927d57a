"""The chat front: channel-neutral flows, the Telegram channel, the CLI and app wiring."""
