"""``python -m services.mentorship.relay``: publish mentorship's outbox."""

from services.mentorship.spec import SPEC
from shared.runtime import relay_main

if __name__ == "__main__":
    relay_main(SPEC)
