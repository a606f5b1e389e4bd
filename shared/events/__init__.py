"""Events: the envelope, the catalogue of payload schemas, and helpers to build and check them."""

from shared.events.catalogue import CATALOGUE, payload_schema
from shared.events.envelope import EventInvalid, build_event, validate_event

__all__ = ["CATALOGUE", "EventInvalid", "build_event", "payload_schema", "validate_event"]
