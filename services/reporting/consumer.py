"""``python -m services.reporting.consumer``: apply the events reporting consumes."""

from services.reporting.spec import SPEC
from shared.runtime import consumer_main

if __name__ == "__main__":
    consumer_main(SPEC)
