"""The web app: a third surface beside `bot/telegram/` and `bot/zalo/`, served by the same
process (Starlette + Jinja2 inside the bot's own event loop, uvicorn without its own signals).

Pages are rendered on the server and work with JavaScript off; htmx (a pinned copy in
`static/`) only makes them quicker. Every read and write goes through `domain/`, one database
session per request, committed once at the boundary (`bot/web/boundary.py`)."""
