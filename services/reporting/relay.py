"""``python -m services.reporting.relay``: publish reporting's outbox."""

from services.reporting.spec import SPEC
from shared.runtime import relay_main

if __name__ == "__main__":
    relay_main(SPEC)
