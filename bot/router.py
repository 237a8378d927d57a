"""Routes an Incoming to the flow that handles it: command, button, menu label or state."""

from __future__ import annotations

import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.context import Ctx
from bot.i18n import LANGUAGES, t

Handler = Callable[[Ctx], Awaitable[None]]


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().casefold()


@dataclass
class Router:
    commands: dict[str, Handler] = field(default_factory=dict)
    buttons: dict[str, Handler] = field(default_factory=dict)
    states: dict[str, Handler] = field(default_factory=dict)
    file_states: set[str] = field(default_factory=set)  # states that take a photo or file
    menu: dict[str, Handler] = field(default_factory=dict)  # label key -> handler
    fallback: Handler | None = None
    expired: Handler | None = None

    def command(self, *names: str) -> Callable[[Handler], Handler]:
        def add(handler: Handler) -> Handler:
            for name in names:
                self.commands[name] = handler
            return handler

        return add

    def button(self, prefix: str) -> Callable[[Handler], Handler]:
        def add(handler: Handler) -> Handler:
            self.buttons[prefix] = handler
            return handler

        return add

    def state(self, name: str, files: bool = False) -> Callable[[Handler], Handler]:
        def add(handler: Handler) -> Handler:
            self.states[name] = handler
            if files:
                self.file_states.add(name)
            return handler

        return add

    def menu_item(self, label_key: str) -> Callable[[Handler], Handler]:
        def add(handler: Handler) -> Handler:
            self.menu[label_key] = handler
            return handler

        return add

    def menu_handler(self, text: str) -> Handler | None:
        folded = _fold(text)
        for key, handler in self.menu.items():
            if any(_fold(t(lang, key)) == folded for lang in LANGUAGES):
                return handler
        return None

    def route(self, ctx: Ctx) -> Handler | None:
        incoming = ctx.incoming
        if incoming.command is not None:
            return self.commands.get(incoming.command.lower(), self.fallback)
        if incoming.callback is not None:
            prefix = incoming.callback.split(":", 1)[0]
            return self.buttons.get(prefix, self.expired)
        if incoming.text is not None:
            by_menu = self.menu_handler(incoming.text)
            if by_menu is not None:
                return _leaving_state(by_menu)
            if ctx.state is not None and ctx.state in self.states:
                return self.states[ctx.state]
        if incoming.content is not None and ctx.state in self.file_states:
            return self.states[ctx.state]
        return self.fallback


def _leaving_state(handler: Handler) -> Handler:
    """A menu button starts afresh: whatever dialogue was open is dropped."""

    async def run(ctx: Ctx) -> None:
        await ctx.clear_state()
        await handler(ctx)

    return run
