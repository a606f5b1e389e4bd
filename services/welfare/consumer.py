"""``python -m services.welfare.consumer``: apply the events welfare consumes."""

from services.welfare.spec import SPEC
from shared.runtime import consumer_main

if __name__ == "__main__":
    consumer_main(SPEC)
