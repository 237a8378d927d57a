"""Settings: one typed object, read once from the environment and `.env`."""

from __future__ import annotations

import re
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from jobs.digests import ReportTime
from jobs.limits import Limits

TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{20,100}$")
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
LANGUAGES = ("vi", "en")


class Settings(BaseSettings):
    """Everything the bot reads from its environment."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str = Field(
        default="https://api.telegram.org/bot", alias="TELEGRAM_API_BASE_URL"
    )
    telegram_bot_username: str | None = Field(default=None, alias="TELEGRAM_BOT_USERNAME")
    database_url: str = Field(default="sqlite+aiosqlite:///neuguong.db", alias="DATABASE_URL")
    admin_telegram_ids: Annotated[tuple[int, ...], NoDecode] = Field(
        default=(), alias="ADMIN_TELEGRAM_IDS"
    )
    timezone: str = Field(default="Asia/Ho_Chi_Minh", alias="NEUGUONG_TIMEZONE")
    default_language: str = Field(default="vi", alias="NEUGUONG_DEFAULT_LANGUAGE")
    invite_days: int = Field(default=14, ge=1, le=365, alias="NEUGUONG_INVITE_DAYS")
    invite_uses: int = Field(default=100, ge=1, le=10_000, alias="NEUGUONG_INVITE_USES")
    log_level: str = Field(default="INFO", alias="NEUGUONG_LOG_LEVEL")
    webhook_url: str | None = Field(default=None, alias="WEBHOOK_URL")
    webhook_listen: str = Field(default="127.0.0.1", alias="WEBHOOK_LISTEN")
    webhook_port: int = Field(default=8443, ge=1, le=65535, alias="WEBHOOK_PORT")
    webhook_path: str = Field(default="telegram", alias="WEBHOOK_PATH")
    webhook_secret: SecretStr | None = Field(default=None, alias="WEBHOOK_SECRET")
    # The outbox's share of Telegram's ≈30 messages a second; the rest is kept for replies.
    rate_per_second: float = Field(default=25.0, ge=0, alias="NEUGUONG_RATE_PER_SECOND")
    rate_total_per_second: float = Field(default=30.0, ge=0, alias="NEUGUONG_RATE_TOTAL_PER_SECOND")
    rate_per_chat_seconds: float = Field(default=1.1, ge=0, alias="NEUGUONG_RATE_PER_CHAT_SECONDS")
    rate_group_per_minute: int = Field(default=20, ge=0, alias="NEUGUONG_RATE_GROUP_PER_MINUTE")
    escalate_after: int = Field(default=2, ge=1, le=52, alias="NEUGUONG_ESCALATE_AFTER")
    digest_enabled: bool = Field(default=True, alias="NEUGUONG_DIGEST_ENABLED")
    digest_weekday: int = Field(default=0, ge=0, le=6, alias="NEUGUONG_DIGEST_WEEKDAY")
    digest_time: str = Field(default="07:30", alias="NEUGUONG_DIGEST_TIME")
    planner_seconds: float = Field(default=30.0, gt=0, alias="NEUGUONG_PLANNER_SECONDS")
    sender_batch: int = Field(default=100, ge=1, le=5000, alias="NEUGUONG_SENDER_BATCH")
    zalo_bot_token: SecretStr | None = Field(default=None, alias="ZALO_BOT_TOKEN")
    zalo_api_base_url: str = Field(
        default="https://bot-api.zaloplatforms.com", alias="ZALO_API_BASE_URL"
    )
    zalo_webhook_url: str | None = Field(default=None, alias="ZALO_WEBHOOK_URL")
    # where members find the bot on Zalo (its zalo.me address), shown in invitations
    zalo_bot_link: str | None = Field(default=None, alias="ZALO_BOT_LINK")
    zalo_webhook_secret: SecretStr | None = Field(default=None, alias="ZALO_WEBHOOK_SECRET")
    zalo_webhook_port: int = Field(default=8444, ge=1, le=65535, alias="ZALO_WEBHOOK_PORT")
    # Zalo has published no rate limits yet: a conservative default (see README).
    zalo_rate_per_second: float = Field(default=5.0, ge=0, alias="ZALO_RATE_PER_SECOND")
    # The web app (bot/web/), served by `neuguong run` itself: where it listens, and the address
    # people open (behind a reverse proxy: https://…); without it, http://HOST:PORT.
    web_enabled: bool = Field(default=True, alias="NEUGUONG_WEB_ENABLED")
    web_host: str = Field(default="127.0.0.1", alias="NEUGUONG_WEB_HOST")
    web_port: int = Field(default=8080, ge=0, le=65535, alias="NEUGUONG_WEB_PORT")
    web_url: str | None = Field(default=None, alias="NEUGUONG_WEB_URL")
    sender_lease_seconds: float = Field(
        default=60.0, gt=0, le=3600, alias="NEUGUONG_SENDER_LEASE_SECONDS"
    )
    sender_retry_hours: float = Field(
        default=6.0, gt=0, le=168, alias="NEUGUONG_SENDER_RETRY_HOURS"
    )

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not SECRET_RE.match(value.get_secret_value()):
            raise ValueError("1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("zalo_webhook_secret")
    @classmethod
    def _zalo_secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        secret = value.get_secret_value() if value is not None else None
        if secret is not None and (len(secret) < 8 or not SECRET_RE.match(secret)):
            raise ValueError("8-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator(
        "telegram_bot_token",
        "telegram_bot_username",
        "zalo_bot_token",
        "zalo_webhook_url",
        "zalo_bot_link",
        "zalo_webhook_secret",
        "webhook_url",
        "webhook_secret",
        "web_url",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not TOKEN_RE.match(value.get_secret_value()):
            raise ValueError("expected the shape 123456789:ABC-def… given by @BotFather")
        return value

    @field_validator("web_url")
    @classmethod
    def _web_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("telegram_api_base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///FILE or postgresql+asyncpg://USER@HOST/DB")
        return value

    @field_validator("admin_telegram_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            for part in parts:
                if not part.isdigit():
                    raise ValueError(f"{part!r} is not a Telegram user id (digits only)")
            return tuple(int(p) for p in parts)
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("digest_time")
    @classmethod
    def _clock(cls, value: str) -> str:
        hours, _, minutes = value.partition(":")
        if not (hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60):
            raise ValueError("a time of day like 07:30")
        return value

    @field_validator("default_language")
    @classmethod
    def _language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
        return value

    def limits(self, channel: str) -> Limits:
        """A network's sending budget, shared by the outbox and the replies."""
        if channel == "zalo":
            rate = self.zalo_rate_per_second
            total = rate + max(1.0, rate / 5) if rate else 0.0  # a fifth kept for replies
            reserve = int(total - rate) if rate else 0
            return Limits(rate, self.rate_per_chat_seconds, 0, total, reserve)
        total = self.rate_total_per_second if self.rate_per_second else 0.0
        reserve = max(0, int(total - self.rate_per_second))
        return Limits(
            self.rate_per_second,
            self.rate_per_chat_seconds,
            self.rate_group_per_minute,
            total,
            reserve,
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def report_time(self) -> ReportTime | None:
        """When the weekly reports go out (day and time in NEUGUONG_TIMEZONE); None: never."""
        if not self.digest_enabled:
            return None
        hours, _, minutes = self.digest_time.partition(":")
        minute = int(hours) * 60 + int(minutes)
        return ReportTime(self.zone, self.digest_weekday, minute, self.file_channels())

    def file_channels(self) -> frozenset[str]:
        """Networks whose reports carry their chart and spreadsheets: Telegram takes files;
        Zalo takes them as links the bot serves (webhook mode). The same in every process, so
        a report planned by `neuguong jobs tick` is the same as one planned by `run`."""
        found = {"telegram"}
        if self.zalo_webhook_url:
            found.add("zalo")
        return frozenset(found)

    def webhook(self) -> tuple[str, str]:
        """The public URL and secret for webhook mode; both must be set."""
        if not self.webhook_url or self.webhook_secret is None:
            raise SettingsError("WEBHOOK_URL and WEBHOOK_SECRET: both are needed for --webhook")
        return self.webhook_url, self.webhook_secret.get_secret_value()

    def token(self) -> str:
        """The bot token; only commands that talk to Telegram need it."""
        if self.telegram_bot_token is None:
            raise SettingsError("TELEGRAM_BOT_TOKEN: missing (get one from @BotFather)")
        return self.telegram_bot_token.get_secret_value()

    def zalo_secret(self) -> str:
        """The webhook's secret token (8-256 characters), needed in webhook mode."""
        if self.zalo_webhook_secret is None:
            raise SettingsError("ZALO_WEBHOOK_SECRET: missing (8-256 letters, digits, _ or -)")
        return self.zalo_webhook_secret.get_secret_value()

    def zalo_token(self) -> str | None:
        return self.zalo_bot_token.get_secret_value() if self.zalo_bot_token else None

    def networks(self) -> tuple[str, ...]:
        """The networks invitations name: those with a token, Telegram also when only its bot
        name is set and Zalo when only its address is (a command run away from the bot)."""
        found = []
        if self.telegram_bot_token is not None or self.telegram_bot_username:
            found.append("telegram")
        if self.zalo_bot_token is not None or self.zalo_bot_link:
            found.append("zalo")
        return tuple(found)

    def site(self, port: int | None = None) -> str:
        """The web app's public address (links in messages); `port`: the one actually bound."""
        if self.web_url:
            return self.web_url.rstrip("/")
        host = f"[{self.web_host}]" if ":" in self.web_host else self.web_host
        return f"http://{host}:{port if port is not None else self.web_port}"

    def messengers(self) -> tuple[str, ...]:
        """The chat networks with a token (none: `neuguong run` serves the web app alone)."""
        return tuple(
            name
            for name, token in (
                ("telegram", self.telegram_bot_token),
                ("zalo", self.zalo_bot_token),
            )
            if token is not None
        )

    def channels(self) -> tuple[str, ...]:
        """The networks `neuguong run` starts: every one with a token. None is an error."""
        found = tuple(
            name
            for name, token in (
                ("telegram", self.telegram_bot_token),
                ("zalo", self.zalo_bot_token),
            )
            if token is not None
        )
        if not found:
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN: missing (get one from @BotFather), or set ZALO_BOT_TOKEN"
            )
        return found


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line for the operator."""


def describe(error: ValidationError) -> str:
    """Turn pydantic's report into one line naming the variables at fault."""
    parts = []
    for item in error.errors():
        name = str(item["loc"][0]) if item["loc"] else "?"
        field = Settings.model_fields.get(name)
        env = field.alias if field is not None and field.alias else name.upper()
        message = (
            "missing" if item["type"] == "missing" else item["msg"].removeprefix("Value error, ")
        )
        parts.append(f"{env}: {message}")
    return "; ".join(parts)


def load_settings(**overrides: object) -> Settings:
    """Build the settings or raise SettingsError with one clear line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(describe(exc)) from None
