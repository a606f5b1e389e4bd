"""``python -m services.mentorship.manage``: migrate, parked list/replay, load the demo."""

import sys

from services.mentorship.spec import SPEC
from shared.runtime import manage_main

if __name__ == "__main__":
    sys.exit(manage_main(SPEC))
