"""Key projects (中心工作/重点项目): the city's catalogue (e.g. the Hundred-Thousand-Ten-Thousand
Project, district brand creation, festival events) and each trainee's participation, role
and results. The city keeps the catalogue; the city, a town or a unit enrols its trainees."""

from __future__ import annotations

import sqlalchemy as sa

from services.mentorship.access import load_trainee, trainee_scope
from services.mentorship.domain import training as domain
from services.mentorship.models import Participation, Project
from services.mentorship.schemas.projects import (
    ParticipationIn,
    ParticipationOut,
    ParticipationPage,
    ParticipationPatch,
    ProjectIn,
    ProjectListArgs,
    ProjectOut,
    ProjectPage,
    ProjectPatch,
)
from shared.api import blueprint, endpoint
from shared.auth import STAFF, act, current_principal
from shared.db import session
from shared.http import ListArgs, get_or_404, paginate, problem
from shared.normalize import message

blp = blueprint(
    "projects", "/api/v1/mentorship", "Key projects (中心工作/重点项目) and trainees' participation"
)


def load_project(project_id: int) -> Project:
    """A project of the catalogue (everyone may read the catalogue), else 404."""
    return get_or_404(Project, project_id, detail=message("没有这个项目", "no such project"))


def participation_view(participation: Participation, project: Project) -> dict:
    """A participation with its project's name."""
    return {
        **{c.key: getattr(participation, c.key) for c in Participation.__table__.columns},
        "project_name": project.name,
    }


@endpoint(blp, "GET /projects", query=ProjectListArgs, out=ProjectPage)
def get_projects(args):
    """The catalogue of key projects; filter by name (``q``) and ``category``; sort by
    ``name``, ``id``."""
    query = sa.select(Project)
    if args.get("q"):
        query = query.where(Project.name.contains(args["q"], autoescape=True))
    if args.get("category"):
        query = query.where(Project.category == args["category"])
    return paginate(session(), query, args, (Project.name, Project.id))


@endpoint(blp, "POST /projects", "city", body=ProjectIn, out=ProjectOut, status=201)
def post_projects(data):
    """Add a key project to the catalogue (city only): its ``name`` (unique, 409), a
    ``category`` and a ``description``. It opens active: trainees may join it."""
    return act(domain.create_project, data)


@endpoint(blp, "GET /projects/<int:id>", out=ProjectOut)
def get_project_item(id):
    """One key project."""
    return load_project(id)


@endpoint(blp, "PATCH /projects/<int:id>", "city", body=ProjectPatch, out=ProjectOut)
def patch_project_item(data, id):
    """Change a project's ``name`` (unique, 409), ``category``, ``description`` or
    ``active`` (city only)."""
    return act(domain.update_project, load_project(id), data)


@endpoint(blp, "GET /projects/<int:id>/participants", query=ListArgs, out=ParticipationPage)
def get_project_participants(args, id):
    """The project's participants within the caller's scope."""
    project = load_project(id)
    query = sa.select(Participation).where(
        Participation.project_id == id,
        trainee_scope(current_principal(), Participation.trainee_id),
    )
    page = paginate(session(), query, args, (Participation.id, Participation.start_date))
    page["items"] = [participation_view(p, project) for p in page["items"]]
    return page


@endpoint(
    blp,
    "POST /projects/<int:id>/participants",
    *STAFF,
    body=ParticipationIn,
    out=ParticipationOut,
    status=201,
)
def post_project_participants(data, id):
    """Enrol a trainee of the caller's scope in the project with a ``role``,
    ``results`` so far and a ``start_date``; announced as ``project.joined``. A
    trainee takes part in a project once (409)."""
    project = load_project(id)
    trainee = load_trainee(data["trainee_id"])
    participation = act(domain.join_project, project, trainee, data)
    return participation_view(participation, project)


@endpoint(
    blp,
    "PATCH /projects/<int:id>/participants/<int:trainee_id>",
    "city",
    "town",
    "unit",
    body=ParticipationPatch,
    out=ParticipationOut,
)
def patch_project_participant(data, id, trainee_id):
    """Update a trainee's participation: ``role``, ``results``, ``start_date``,
    ``end_date``."""
    project = load_project(id)
    load_trainee(trainee_id)
    participation = session().scalar(
        sa.select(Participation).where(
            Participation.project_id == id, Participation.trainee_id == trainee_id
        )
    )
    if participation is None:
        raise problem(
            404,
            "Not found",
            message("该选调生未参加这个项目", "the trainee does not take part in this project"),
        )
    act(domain.update_participation, participation, data)
    return participation_view(participation, project)


def load_participation(participation_id: int) -> Participation:
    """A participation of a trainee in the caller's scope, else 404."""
    participation = get_or_404(
        Participation,
        participation_id,
        detail=message("没有这条参与记录", "no such participation"),
    )
    load_trainee(participation.trainee_id)  # 404 outside the caller's scope
    return participation


@endpoint(blp, "GET /participations/<int:id>", out=ParticipationOut)
def get_participation_item(id):
    """One participation (a trainee's part in a project), by its own id."""
    participation = load_participation(id)
    return participation_view(participation, load_project(participation.project_id))


@endpoint(
    blp,
    "PATCH /participations/<int:id>",
    "city",
    "town",
    "unit",
    body=ParticipationPatch,
    out=ParticipationOut,
)
def patch_participation_item(data, id):
    """Update a participation by its own id: ``role``, ``results``, ``start_date``,
    ``end_date`` (as ``PATCH /projects/{id}/participants/{trainee_id}``)."""
    participation = load_participation(id)
    act(domain.update_participation, participation, data)
    return participation_view(participation, load_project(participation.project_id))


@endpoint(blp, "GET /trainees/<int:id>/projects", out=ParticipationOut(many=True))
def get_trainee_projects(id):
    """The key projects a trainee takes part in, with role and results."""
    load_trainee(id)
    rows = session().execute(
        sa.select(Participation, Project)
        .join(Project, Project.id == Participation.project_id)
        .where(Participation.trainee_id == id)
        .order_by(Participation.id)
    )
    return [participation_view(participation, project) for participation, project in rows]
