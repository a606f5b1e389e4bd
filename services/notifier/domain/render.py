"""Messages from Jinja2 templates (``templates/{zh,en}/<name>.txt``: the first line is the
subject, the rest the body), with the names of the people and places an event is about."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jinja2
import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.notifier.models import Person, Town, Trainee, Unit, Village
from shared.vocabulary import MENTOR_ROLES

LANGUAGES = ("zh", "en")
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

LABELS = {
    "zh": {
        **MENTOR_ROLES,
        "effectiveness": "基层锻炼工作成效表",
        "mentoring": "导师制落实情况（谈心谈话）表",
        "quarterly": "季度报告",
        "work": "工作",
        "life": "生活",
        "housing": "住房",
        "health": "健康",
        "thoughts": "思想",
        "other": "其他",
    },
    "en": {
        "integrity": "integrity mentor",
        "business": "business mentor",
        "responsible": "responsible mentor",
        "practical": "practical mentor",
        "effectiveness": "Effectiveness form",
        "mentoring": "Mentoring form",
        "quarterly": "Quarterly report",
        "work": "work",
        "life": "daily life",
        "housing": "housing",
        "health": "health",
        "thoughts": "thoughts",
        "other": "other matters",
    },
}

#: Between the names of several roles (``roles_label``).
ROLE_SEPARATOR = {"zh": "、", "en": " and "}


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # plain text for e-mail, SMS and the inbox; never HTML
        keep_trailing_newline=False,
    )


def render(template: str, language: str, context: dict) -> Message:
    """Render ``template`` in ``language`` (``zh`` unless ``en``)."""
    language = language if language in LANGUAGES else "zh"
    labels = LABELS[language]
    roles = [labels.get(role, role) for role in context.get("roles") or []]
    text = (
        _environment()
        .get_template(f"{language}/{template}.txt")
        .render(
            **context,
            role_label=labels.get(context.get("role") or "", ""),
            kind_label=labels.get(context.get("kind") or "", ""),
            category_label=labels.get(context.get("category") or "", ""),
            roles_label=ROLE_SEPARATOR[language].join(roles),
            label=lambda code: labels.get(code, code),
            separator=ROLE_SEPARATOR[language],
        )
    )
    subject, _, body = text.partition("\n")
    return Message(subject.strip()[:300], body.strip())


#: The names a template may use: context key, model, payload field.
NAMED = (
    ("trainee", Trainee, "trainee_id"),
    ("mentor", Person, "mentor_id"),
    ("unit", Unit, "unit_id"),
    ("town", Town, "town_id"),
    ("village", Village, "village_id"),
)


def event_context(session: Session, payload: dict) -> dict:
    """What every template may use: ``p`` (the payload) and the names it refers to."""
    return event_contexts(session, [payload])[0]


def event_contexts(session: Session, payloads: list[dict]) -> list[dict]:
    """``event_context`` of many payloads, every name they refer to read in one round trip
    (a UNION of one lookup per kind of name)."""
    names: dict[str, dict] = {label: {} for label, _, _ in NAMED}
    lookups = []
    for label, model, key in NAMED:
        wanted = sorted({p[key] for p in payloads if p.get(key)})
        if wanted:
            lookups.append(
                sa.select(sa.literal(label).label("kind"), model.id, model.name).where(
                    model.id.in_(wanted)
                )
            )
    if lookups:
        query = lookups[0] if len(lookups) == 1 else sa.union_all(*lookups)
        for kind, id_, name in session.execute(query):
            names[kind][id_] = name
    return [_context(payload, names) for payload in payloads]


def _context(payload: dict, found: dict[str, dict]) -> dict:
    names = {label: found[label].get(payload.get(key)) for label, _, key in NAMED}
    fee = payload.get("amount_fen")
    return {
        "p": payload,
        "trainee": names.get("trainee") or f"#{payload.get('trainee_id', '')}",
        "mentor": names.get("mentor") or "",
        "unit": names.get("unit") or "",
        "town": names.get("town") or "",
        "village": names.get("village") or "",
        "role": payload.get("role") or payload.get("mentor_role"),
        "kind": payload.get("kind"),
        "category": payload.get("category"),
        "roles": payload.get("roles") or [],
        # Integer fen shown as yuan without ever passing through a float.
        "amount": f"{fee // 100}.{fee % 100:02d}" if isinstance(fee, int) else "",
    }
