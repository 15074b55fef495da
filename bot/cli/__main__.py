"""`python -m bot.cli …`, the same as the `tradechat` script."""

import sys

from bot.cli import main

sys.exit(main())
