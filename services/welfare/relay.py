"""``python -m services.welfare.relay``: publish welfare's outbox."""

from services.welfare.spec import SPEC
from shared.runtime import relay_main

if __name__ == "__main__":
    relay_main(SPEC)
