"""Key projects (中心工作/重点项目): the city's catalogue (e.g. the Hundred-Thousand-Ten-Thousand
Project, district brand creation, festival events) and each trainee's participation, role
and results. The city keeps the catalogue; the city, a town or a unit enrols its trainees."""

from __future__ import annotations

import sqlalchemy as sa
from flask.views import MethodView
from flask_smorest import Blueprint

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
from shared.auth import current_principal, protect, require
from shared.db import session
from shared.http import ListArgs, get_or_404, paginate, problem
from shared.normalize import message

blp = Blueprint(
    "projects",
    __name__,
    url_prefix="/api/v1/mentorship",
    description="Key projects (中心工作/重点项目) and trainees' participation",
)
protect(blp)


def load_project(project_id: int) -> Project:
    """A project of the catalogue (everyone may read the catalogue), else 404."""
    return get_or_404(Project, project_id, detail=message("没有这个项目", "no such project"))


def participation_view(participation: Participation, project: Project) -> dict:
    """A participation with its project's name."""
    return {
        **{c.key: getattr(participation, c.key) for c in Participation.__table__.columns},
        "project_name": project.name,
    }


@blp.route("/projects")
class Projects(MethodView):
    @blp.arguments(ProjectListArgs, location="query")
    @blp.response(200, ProjectPage)
    def get(self, args):
        """The catalogue of key projects; filter by name (``q``) and ``category``; sort by
        ``name``, ``id``."""
        query = sa.select(Project)
        if args.get("q"):
            query = query.where(Project.name.contains(args["q"], autoescape=True))
        if args.get("category"):
            query = query.where(Project.category == args["category"])
        return paginate(session(), query, args, {"name": Project.name, "id": Project.id})

    @require("city")
    @blp.arguments(ProjectIn)
    @blp.response(201, ProjectOut)
    def post(self, data):
        """Add a key project to the catalogue (city only; names are unique, 409)."""
        project = domain.create_project(session(), data)
        session().commit()
        return project


@blp.route("/projects/<int:id>")
class ProjectItem(MethodView):
    @blp.response(200, ProjectOut)
    def get(self, id):
        """One key project."""
        return load_project(id)

    @require("city")
    @blp.arguments(ProjectPatch)
    @blp.response(200, ProjectOut)
    def patch(self, data, id):
        """Change a project's ``name`` (unique, 409), ``category``, ``description`` or
        ``active`` (city only)."""
        project = domain.update_project(session(), load_project(id), data)
        session().commit()
        return project


@blp.route("/projects/<int:id>/participants")
class ProjectParticipants(MethodView):
    @blp.arguments(ListArgs, location="query")
    @blp.response(200, ParticipationPage)
    def get(self, args, id):
        """The project's participants within the caller's scope."""
        project = load_project(id)
        query = sa.select(Participation).where(
            Participation.project_id == id,
            trainee_scope(current_principal(), Participation.trainee_id),
        )
        page = paginate(
            session(),
            query,
            args,
            {"id": Participation.id, "start_date": Participation.start_date},
        )
        page["items"] = [participation_view(p, project) for p in page["items"]]
        return page

    @require("city", "town", "unit")
    @blp.arguments(ParticipationIn)
    @blp.response(201, ParticipationOut)
    def post(self, data, id):
        """Enrol a trainee of the caller's scope in the project with a ``role``,
        ``results`` so far and a ``start_date``; announced as ``project.joined``. A
        trainee takes part in a project once (409)."""
        project = load_project(id)
        trainee = load_trainee(data["trainee_id"])
        participation = domain.join_project(session(), project, trainee, data)
        session().commit()
        return participation_view(participation, project)


@blp.route("/projects/<int:id>/participants/<int:trainee_id>")
class ProjectParticipant(MethodView):
    @require("city", "town", "unit")
    @blp.arguments(ParticipationPatch)
    @blp.response(200, ParticipationOut)
    def patch(self, data, id, trainee_id):
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
        domain.update_participation(session(), participation, data)
        session().commit()
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


@blp.route("/participations/<int:id>")
class ParticipationItem(MethodView):
    @blp.response(200, ParticipationOut)
    def get(self, id):
        """One participation (a trainee's part in a project), by its own id."""
        participation = load_participation(id)
        return participation_view(participation, load_project(participation.project_id))

    @require("city", "town", "unit")
    @blp.arguments(ParticipationPatch)
    @blp.response(200, ParticipationOut)
    def patch(self, data, id):
        """Update a participation by its own id: ``role``, ``results``, ``start_date``,
        ``end_date`` (as ``PATCH /projects/{id}/participants/{trainee_id}``)."""
        participation = load_participation(id)
        domain.update_participation(session(), participation, data)
        session().commit()
        return participation_view(participation, load_project(participation.project_id))


@blp.route("/trainees/<int:id>/projects")
class TraineeProjects(MethodView):
    @blp.response(200, ParticipationOut(many=True))
    def get(self, id):
        """The key projects a trainee takes part in, with role and results."""
        load_trainee(id)
        rows = session().execute(
            sa.select(Participation, Project)
            .join(Project, Project.id == Participation.project_id)
            .where(Participation.trainee_id == id)
            .order_by(Participation.id)
        )
        return [participation_view(participation, project) for participation, project in rows]
