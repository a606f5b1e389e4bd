"""``python -m services.roster.manage``: migrate, create accounts, load the demo city."""

from __future__ import annotations

import sys

from services.roster.spec import SPEC
from shared.runtime import manage_main

if __name__ == "__main__":
    sys.exit(manage_main(SPEC))
