"""What a flow sees while it handles one update: who, when, the session, the reply."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import t, tn
from bot.screens import Choice, Outcome, Screen
from domain.access import Actor
from domain.members import load_actor
from storage.dto import AccountDTO, ConversationDTO
from storage.repos import conversations
from storage.repos import outbox as outbox_repo
from storage.repos import users as user_repo


@dataclass(frozen=True)
class Incoming:
    """One update from any chat network, reduced to what the flows need."""

    channel: str
    update_id: int
    external_id: str
    chat_id: str
    display_name: str = ""
    text: str | None = None
    command: str | None = None
    args: str = ""
    callback: str | None = None
    content: str | None = None  # photo, document, sticker, voice… (no text)
    file_id: str | None = None  # the channel's id of a photo or document
    file_unique_id: str | None = None
    mime_type: str | None = None
    caption: str | None = None  # the text sent with a photo or document
    file_name: str | None = None
    file_data: bytes | None = None  # a spreadsheet the adapter fetched (imports)
    pending_choices: bool = False  # numbered choices are waiting for an answer (no buttons)


@dataclass
class BotConfig:
    bot_username: str  # Telegram's, known once the bot has connected
    default_language: str
    zone: ZoneInfo
    root_admins: frozenset[tuple[str, str]] = frozenset()  # (channel, external_id)
    invite_days: int = 14
    invite_uses: int = 100
    networks: tuple[str, ...] = ("telegram",)
    zalo_link: str | None = None  # where the bot is on Zalo (ZALO_BOT_LINK), if known
    web_url: str | None = None  # where invite links open a joining page, once it is served
    site: str | None = None  # the web app's public address, if served (sign-in, reminders)

    def link(self, token: str) -> str:
        """The invite's link to tap: the web page where it is served (any messenger opens
        it), else Telegram's."""
        if self.web_url:
            return f"{self.web_url.rstrip('/')}/join/{token}"
        if "telegram" in self.networks and self.bot_username:
            return f"https://t.me/{self.bot_username}?start={token}"
        return ""


@dataclass
class Ctx:
    session: AsyncSession
    incoming: Incoming
    account: AccountDTO
    actor: Actor
    now: datetime
    config: BotConfig
    conversation: ConversationDTO | None
    outcome: Outcome = field(default_factory=Outcome)
    notices: int = 0  # notices written while handling this update (their keys' sequence)

    @property
    def lang(self) -> str:
        return self.actor.language

    @property
    def state(self) -> str | None:
        return self.conversation.state if self.conversation else None

    @property
    def data(self) -> dict[str, object]:
        return dict(self.conversation.data) if self.conversation else {}

    def t(self, key: str, /, **params: object) -> str:
        return t(self.lang, key, **params)

    def tn(self, key: str, plural: str, n: int, /, **params: object) -> str:
        return tn(self.lang, key, plural, n, **params)

    def choice(self, key: str, data: str, **params: object) -> Choice:
        return Choice(self.t(key, **params), data)

    def reply(self, screen: Screen) -> None:
        self.outcome.replies.append(screen)

    def say(self, key: str, /, **params: object) -> None:
        self.reply(Screen(self.t(key, **params)))

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.config.zone)

    async def set_state(self, state: str, data: dict[str, object]) -> None:
        await conversations.save(
            self.session, self.account.id, self.conversation, state, data, self.now
        )
        version = self.conversation.version + 1 if self.conversation else 1
        self.conversation = ConversationDTO(state, dict(data), version)

    async def clear_state(self) -> None:
        if self.conversation is not None:
            await conversations.clear(self.session, self.account.id)
            self.conversation = None

    async def reload_actor(self) -> None:
        account = await user_repo.find_account(
            self.session, self.account.channel, self.account.external_id
        )
        assert account is not None
        self.account = account
        self.actor = await load_actor(self.session, account, self.actor.root_admin)

    async def notify(
        self,
        user_ids: list[int],
        key: str,
        /,
        buttons: tuple[tuple[str, str], ...] = (),
        **params: object,
    ) -> None:
        """A notice to other people, each in their own language (Lazy params included) on the
        network they chose; `buttons` are (label key, data) pairs, one to a row. Written to the
        outbox in this update's transaction: it goes if and only if the change is kept, with
        the outbox's retries, limits and unreachable handling."""
        found = await user_repo.reach(self.session, user_ids)
        others = [a for a in found if a.user_id != self.actor.user_id]
        await self._queue(others, key, buttons, params)

    async def notify_own_accounts(self, key: str, /, **params: object) -> None:
        """A notice to the person's other accounts (not the one writing now)."""
        found = await user_repo.accounts_of(self.session, self.actor.user_id)
        await self._queue([a for a in found if a.id != self.account.id], key, (), params)

    async def _queue(
        self,
        accounts: list[AccountDTO],
        key: str,
        buttons: tuple[tuple[str, str], ...],
        params: dict[str, object],
    ) -> None:
        self.notices += 1
        rows = []
        for account in accounts:
            if account.chat_id is None:
                continue
            lang = account.language
            markup = [[{"text": t(lang, label), "data": data}] for label, data in buttons]
            key_of = f"notice:{self.incoming.channel}:{self.incoming.update_id}"
            rows.append(
                outbox_repo.pending(
                    f"{key_of}:{self.notices}:{account.id}",
                    "notice",
                    (account.channel, account.chat_id, account.user_id),
                    self.now,
                    text=t(lang, key, **params),
                    markup=markup or None,
                )
            )
        await outbox_repo.add_many(self.session, rows)
