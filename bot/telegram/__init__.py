"""The Telegram channel: python-telegram-bot adapters around the channel-neutral flows."""
