"""`python -m bot` is the same as the `neuguong` command."""

from bot.cli import main

main()
