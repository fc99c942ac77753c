"""Start the bot: `python main.py` (shell channel without a token), or a CLI subcommand."""

import os
import sys

from pydantic import ValidationError

from bot.cli import main
from bot.instance import AlreadyRunning, running_failure
from storage.failures import StoreError

if __name__ == "__main__":
    try:
        sys.exit(main())
    except StoreError as err:
        # A damaged or unwritable database, from whichever command met it first: one line
        # saying which file, what is wrong and what to do, instead of a traceback.
        from bot.ops import store_failure  # here: the shell's start-up does not need it

        print(store_failure(err), file=sys.stderr)
        sys.exit(2)
    except ValidationError as err:
        # A setting the bot cannot use (BOT_BACKUP_AT=25:00, a missing BOT_SAMPLE_PLAN file):
        # one line per setting, naming it, instead of a traceback.
        for problem in err.errors():
            name = ".".join(str(part) for part in problem["loc"]) or err.title
            print(f"{name}: {problem['msg']}", file=sys.stderr)
        sys.exit(2)
    except AlreadyRunning as err:
        # Another serve/telegram/wecom/shell holds this data folder: say which process.
        print(running_failure(err), file=sys.stderr)
        sys.exit(1)
    except BrokenPipeError:
        # Whoever read our output stopped (`python main.py | head`): end quietly, as Unix
        # tools do; pointing stdout at /dev/null keeps the interpreter's final flush silent.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
