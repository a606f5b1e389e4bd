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

LANGUAGES = ("zh", "en")
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

LABELS = {
    "zh": {
        "integrity": "廉政导师",
        "business": "业务导师",
        "responsible": "责任导师",
        "practical": "实践导师",
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
        "effectiveness": "effectiveness form",
        "mentoring": "mentoring form",
        "quarterly": "quarterly report",
        "work": "work",
        "life": "daily life",
        "housing": "housing",
        "health": "health",
        "thoughts": "thoughts",
        "other": "other matters",
    },
}


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
    text = (
        _environment()
        .get_template(f"{language}/{template}.txt")
        .render(
            **context,
            role_label=labels.get(context.get("role") or "", ""),
            kind_label=labels.get(context.get("kind") or "", ""),
            category_label=labels.get(context.get("category") or "", ""),
        )
    )
    subject, _, body = text.partition("\n")
    return Message(subject.strip()[:300], body.strip())


def event_context(session: Session, payload: dict) -> dict:
    """What every template may use: ``p`` (the payload) and the names it refers to (read
    in one round trip)."""
    keys = {
        "trainee": (Trainee, payload.get("trainee_id")),
        "mentor": (Person, payload.get("mentor_id")),
        "unit": (Unit, payload.get("unit_id")),
        "town": (Town, payload.get("town_id")),
        "village": (Village, payload.get("village_id")),
    }
    columns = [
        sa.select(model.name).where(model.id == key).scalar_subquery().label(label)
        for label, (model, key) in keys.items()
        if key
    ]
    names = dict(session.execute(sa.select(*columns)).mappings().one()) if columns else {}
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
        # Integer fen shown as yuan without ever passing through a float.
        "amount": f"{fee // 100}.{fee % 100:02d}" if isinstance(fee, int) else "",
    }
