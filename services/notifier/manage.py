"""``python -m services.notifier.manage``: migrate, parked list/replay, and notifier's own."""

import sys

from services.notifier.spec import SPEC
from shared.runtime import manage_main

if __name__ == "__main__":
    sys.exit(manage_main(SPEC))
