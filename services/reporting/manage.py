"""``python -m services.reporting.manage``: migrate, parked list/replay, and reporting's own."""

import sys

from services.reporting.spec import SPEC
from shared.runtime import manage_main

if __name__ == "__main__":
    sys.exit(manage_main(SPEC))
