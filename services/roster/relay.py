"""``python -m services.roster.relay``: publish roster's outbox."""

from services.roster.spec import SPEC
from shared.runtime import relay_main

if __name__ == "__main__":
    relay_main(SPEC)
