"""``python -m bot.cli``: the ``citybot`` command without the installed script."""

from bot.cli import main

main()
