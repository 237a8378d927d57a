"""The Telegram channel: python-telegram-bot adapters around the channel-neutral flows."""

import os

# Durations from python-telegram-bot as timedelta (its coming default): RetryAfter otherwise
# warns about the change on every 429.
os.environ.setdefault("PTB_TIMEDELTA", "true")
