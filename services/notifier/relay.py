"""``python -m services.notifier.relay``: publish notifier's outbox."""

from services.notifier.spec import SPEC
from shared.runtime import relay_main

if __name__ == "__main__":
    relay_main(SPEC)
