"""Start the bot: `python main.py` (shell channel without a token), or a CLI subcommand."""

import sys

from bot.cli import main

if __name__ == "__main__":
    sys.exit(main())
