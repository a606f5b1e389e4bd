"""``python -m services.notifier.consumer``: apply the events notifier consumes."""

from services.notifier.spec import SPEC
from shared.runtime import consumer_main

if __name__ == "__main__":
    consumer_main(SPEC)
