"""``python -m services.mentorship.consumer``: apply roster's events."""

from services.mentorship.spec import SPEC
from shared.runtime import consumer_main

if __name__ == "__main__":
    consumer_main(SPEC)
