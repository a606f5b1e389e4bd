"""``python -m services.welfare.manage``: migrate, parked list/replay, and welfare's own."""

import sys

from services.welfare.spec import SPEC
from shared.runtime import manage_main

if __name__ == "__main__":
    sys.exit(manage_main(SPEC))
