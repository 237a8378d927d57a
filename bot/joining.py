"""How a person joins, on each network this deployment serves: a link to tap (Telegram, the
web page) or a short code to send (Zalo, where links into the bot cannot be tapped). One
sentence each, in the reader's language."""

from __future__ import annotations

from bot.context import BotConfig
from bot.i18n import t


def ways_in(config: BotConfig, lang: str, token: str, code: str) -> str:
    """The lines an invite shows, one per way in."""
    lines = []
    if config.web_url:
        lines.append(t(lang, "join.by_web", link=f"{config.web_url.rstrip('/')}/join/{token}"))
    if "telegram" in config.networks and config.bot_username:
        lines.append(
            t(lang, "join.by_telegram", link=f"https://t.me/{config.bot_username}?start={token}")
        )
    if "zalo" in config.networks:
        shown = f"{code[:4]}-{code[4:]}" if code else ""
        key = "join.by_zalo_link" if config.zalo_link else "join.by_zalo"
        lines.append(t(lang, key, code=shown, link=config.zalo_link or ""))
    return "\n".join(lines)
