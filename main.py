"""Start the bot: `python main.py` (shell channel without a token), or a CLI subcommand."""

import os
import sys

from bot.cli import main

if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:
        # Whoever read our output stopped (`python main.py | head`): end quietly, as Unix
        # tools do; pointing stdout at /dev/null keeps the interpreter's final flush silent.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
