"""Confirmation before money moves or results are published.

An action button leads here (``GET /confirm/<action>?…``): the page states the exact
effect with names and amounts ("发放 12 笔补贴，共 ¥14,400.00（石龙镇 2026-11）") and its
form carries a fingerprint of that effect (count, total, state). Confirming
(``POST``) reads the effect again: if it changed in between, the answer is 409 with the
new effect to confirm again, and nothing is done; otherwise the action runs (a month's
batch with ``expected_count``/``expected_total_fen``, so the API refuses a batch that
changed even later) and the result is said counted ("已发放 12 笔，共 ¥14,400.00"). When
there is nothing to act on the page says so and why, and offers no button.

Each action is one :class:`Action` in :data:`ACTIONS`: how to read its effect and how to
carry it out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from services.console.client import ApiError
from services.console.i18n import N_, label
from services.console.i18n import gettext as _
from services.console.views.common import (
    api,
    places,
    role,
    scope_id,
    today,
    trainee_names,
    yuan_of,
)

bp = Blueprint("confirm", __name__, url_prefix="/confirm")


@dataclass
class Effect:
    """What confirming would do: ``count`` items of ``total_fen`` in all, said in
    ``text``; ``nothing`` says why nothing would be done (then ``count`` is 0)."""

    count: int
    total_fen: int
    text: str
    rows: list[list] = field(default_factory=list)
    nothing: str | None = None
    state: str = ""  # what else the effect depends on (a subsidy's status, …)
    facts: dict = field(default_factory=dict)  # what ``perform`` needs to say the result

    @property
    def fingerprint(self) -> str:
        return f"{self.count}:{self.total_fen}:{self.state}"


@dataclass
class Input:
    """A value the clerk types on the confirmation page."""

    name: str
    text: str
    type: str = "text"
    required: bool = True


@dataclass
class Action:
    roles: tuple[str, ...]
    title: str
    button: str
    params: tuple[str, ...]  # what names the object (kept from the button to the confirm)
    effect: Callable[[dict], Effect]
    perform: Callable[[dict, dict, Effect], str]  # does it; returns the counted result
    back: Callable[[dict], str]
    inputs: tuple[Input, ...] = ()
    columns: tuple[str, ...] = ()


def cny(fen) -> str:
    """An amount as the clerk reads it: ¥14,400.00."""
    return f"¥{yuan_of(fen)}"


def _int(value) -> int | None:
    value = str(value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def _month(value) -> str:
    try:
        dt.date.fromisoformat(f"{value}-01")
    except (TypeError, ValueError):
        abort(404)
    return value


def _trainee_name(trainee_id: int) -> str:
    known = trainee_names().get(trainee_id)  # one list for a whole batch
    if known:
        return known
    try:
        return api().get("roster", f"/trainees/{trainee_id}")["name"]
    except ApiError:
        return _("学员 {id}", id=trainee_id)


def _record(params, service: str, path: str) -> dict:
    """The record an action names (``id``; a 404 without one), as the API reads it."""
    id_ = _int(params.get("id"))
    if id_ is None:
        abort(404)
    return api().get(service, f"{path}/{id_}")


def _live(rows: list[dict]) -> list[dict]:
    return [s for s in rows if s.get("reverses_id") is None and not s.get("reversed")]


# -- a month of a town's subsidies ---------------------------------------------------------


def _month_batch(params: dict, status: str) -> tuple[list[dict], str, str]:
    month = _month(params.get("month"))
    town_id = scope_id() if role() == "town" else _int(params.get("town_id"))
    if town_id is None:
        abort(404)
    rows = _live(api().items("welfare", "/subsidies", month=month, town_id=town_id, status=status))
    return rows, places().name("towns", town_id), month


def _batch_effect(status: str, says: str, none: str):
    """The effect of acting on a month's batch of a town's subsidies in ``status``: said
    by ``says``, or why there is nothing to do by ``none``."""

    def effect(params: dict) -> Effect:
        rows, town, month = _month_batch(params, status)
        total = sum(s["amount_fen"] for s in rows)
        listed = [
            [_trainee_name(s["trainee_id"]), f"{s['days_stationed']}/{s['days_in_month']}",
             yuan_of(s["amount_fen"])]
            for s in rows
        ]  # fmt: skip
        return Effect(
            len(rows),
            total,
            _(says, n=len(rows), total=cny(total), town=town, month=month),
            listed,
            None if rows else _(none, town=town, month=month),
            facts={"town": town, "month": month},
        )

    return effect


def _batch_done(path: str, body: dict, effect: Effect, none: str, done: str, **more) -> str:
    """Act on the month's batch (``body`` with the count and total the clerk confirmed) and
    say the result counted, or ``none`` when the API found nothing to do."""
    expected = {"expected_count": effect.count, "expected_total_fen": effect.total_fen}
    answer = api().post("welfare", path, {**body, **expected})
    if not answer["count"]:
        return _(none, **effect.facts)
    return _(done, n=answer["count"], total=cny(answer["total_fen"]), **more, **effect.facts)


_pay_month_effect = _batch_effect(
    "approved",
    N_("发放 {n} 笔补贴，共 {total}（{town} {month}）"),
    N_("{town} {month} 没有已审核待发放的补贴。"),
)


def _pay_month(params, values, effect):
    body = {
        "month": effect.facts["month"],
        "town_id": _int(params.get("town_id")),
        "payment_ref": values["payment_ref"],
    }
    return _batch_done(
        "/subsidies/pay-month",
        body,
        effect,
        N_("没有发放任何补贴：{town} {month} 没有已审核待发放的补贴。"),
        N_("已发放 {n} 笔，共 {total}（{town} {month}，支付凭证 {ref}）。"),
        ref=values["payment_ref"],
    )


_approve_month_effect = _batch_effect(
    "generated",
    N_("审核通过 {n} 笔补贴，共 {total}（{town} {month}）"),
    N_("{town} {month} 没有待审核的补贴。"),
)


def _approve_month(params, values, effect):
    return _batch_done(
        "/subsidies/approve-month",
        {"month": effect.facts["month"]},
        effect,
        N_("没有审核任何补贴：{town} {month} 没有待审核的补贴。"),
        N_("已审核通过 {n} 笔，共 {total}（{town} {month}）。"),
    )


def _subsidies_page(params) -> str:
    return url_for("welfare.subsidies", month=params.get("month"))


# -- one subsidy -----------------------------------------------------------------------------


def _subsidy(params) -> dict:
    return _record(params, "welfare", "/subsidies")


def _about(s: dict) -> dict:
    return {
        "name": _trainee_name(s["trainee_id"]),
        "month": s["month"],
        "town": places().name("towns", s["town_id"]),
        "amount": cny(s["amount_fen"]),
    }


def _state(s: dict) -> str:
    return f"{s['status']}{'-reversed' if s.get('reversed') else ''}"


def _one_effect(params, wanted: str, says: str) -> Effect:
    s = _subsidy(params)
    about = _about(s)
    usable = s["status"] == wanted and s.get("reverses_id") is None and not s.get("reversed")
    nothing = None
    if not usable:
        now = _("已冲正") if s.get("reversed") else label("subsidy_status", s["status"])
        nothing = _("这笔补贴当前为“{state}”，无需此操作。", state=now)
    return Effect(
        1 if usable else 0,
        s["amount_fen"] if usable else 0,
        _(says, **about),
        nothing=nothing,
        state=_state(s),
        facts={**about, "id": s["id"]},
    )


def _approve_one_effect(params):
    return _one_effect(params, "generated", N_("审核通过{name} {month} 的补贴 {amount}（{town}）"))


def _approve_one(params, values, effect):
    api().post("welfare", f"/subsidies/{effect.facts['id']}/approve")
    return _("已审核通过 1 笔，共 {amount}（{name} {month}）。", **effect.facts)


def _pay_one_effect(params):
    return _one_effect(params, "approved", N_("发放{name} {month} 的补贴 {amount}（{town}）"))


def _pay_one(params, values, effect):
    body = {"payment_ref": values["payment_ref"]}
    api().post("welfare", f"/subsidies/{effect.facts['id']}/pay", body)
    return _(
        "已发放 1 笔，共 {amount}（{name} {month}，支付凭证 {ref}）。",
        ref=values["payment_ref"],
        **effect.facts,
    )


def _reverse_effect(params):
    s = _subsidy(params)
    about = _about(s)
    if s.get("reverses_id") is not None or s.get("reversed"):
        return Effect(
            0,
            0,
            _("冲正{name} {month} 的补贴 {amount}（{town}）", **about),
            nothing=_("这笔补贴已冲正或本身是冲正记录，不能再冲正。"),
            state=_state(s),
        )
    says = (
        N_("冲正{name} {month} 已发放的补贴 {amount}（{town}）：记一笔负数冲正分录")
        if s["status"] == "paid"
        else N_("作废{name} {month} 的补贴 {amount}（{town}）：此后不再审核或发放")
    )
    return Effect(
        1, s["amount_fen"], _(says, **about), state=_state(s), facts={**about, "id": s["id"]}
    )


def _reverse(params, values, effect):
    body = {"reason": values["reason"]}
    api().post("welfare", f"/subsidies/{effect.facts['id']}/reverse", body)
    return _("已冲正 1 笔，共 {amount}（{name} {month}）。", **effect.facts)


def _policy_amount(s: dict, days: int) -> int | None:
    """The amount a re-issue for ``days`` will have: the subsidy's policy, pro-rata and
    rounded half up to the fen, as welfare computes it."""
    policies = api().items("welfare", "/policies")
    policy = next((p for p in policies if p["id"] == s.get("policy_id")), None)
    if policy is None:
        return None
    monthly, month_days = policy["monthly_amount_fen"], s["days_in_month"]
    return (2 * monthly * days + month_days) // (2 * month_days)


def _policy_on(day: str) -> dict | None:
    """The subsidy policy in force on ``day`` (the latest that began by then)."""
    began = [p for p in api().items("welfare", "/policies") if p["effective_from"] <= day]
    return max(began, key=lambda p: p["effective_from"], default=None)


def _reissue_effect(params):
    s = _subsidy(params)
    about = _about(s)
    days = _int(params.get("days_stationed"))
    if s.get("reverses_id") is not None:
        return Effect(
            0, 0, _("重新核发{name} {month} 的补贴（{town}）", **about),
            nothing=_("冲正记录不能重新核发，请对原补贴操作。"), state=_state(s),
        )  # fmt: skip
    first = (
        _("原补贴 {amount} 已冲正", **about)
        if s.get("reversed")
        else _("先冲正原补贴 {amount}", **about)
    )
    if days is None:
        then = _("再按记录中的驻村天数重新生成一笔补贴（金额按补贴政策计算）")
        amount = 0
    else:
        amount = _policy_amount(s, days) or 0
        then = _(
            "再按驻村 {days}/{month_days} 天重新生成一笔 {new} 的补贴",
            days=days,
            month_days=s["days_in_month"],
            new=cny(amount),
        )
    return Effect(
        1,
        amount,
        _("重新核发{name} {month} 的补贴（{town}）：{first}，{then}，待审核后发放", first=first,
          then=then, **about),
        state=f"{_state(s)}:{days}",
        facts={**about, "id": s["id"], "days": days},
    )  # fmt: skip


def _reissue(params, values, effect):
    body = {"reason": values["reason"], "days_stationed": effect.facts["days"]}
    new = api().post("welfare", f"/subsidies/{effect.facts['id']}/reissue", body)
    return _(
        "已重新核发：{name} {month} 新补贴 {amount}（驻村 {days}/{month_days} 天），待审核后发放。",
        name=effect.facts["name"],
        month=effect.facts["month"],
        amount=cny(new["amount_fen"]),
        days=new["days_stationed"],
        month_days=new["days_in_month"],
    )


def _subsidy_page(params) -> str:
    id_ = _int(params.get("id"))
    return url_for("welfare.subsidy", id=id_) if id_ else url_for("welfare.subsidies")


# -- a placement fee -------------------------------------------------------------------------


def _fee_effect(params):
    f = _record(params, "welfare", "/placement-fees")
    about = {
        "name": _trainee_name(f["trainee_id"]),
        "town": places().name("towns", f["town_id"]),
        "amount": cny(f.get("amount_fen")),
        "start": f["placement_start"],
        "id": f["id"],
    }
    amount = f.get("amount_fen")
    if amount is None:
        # fixed on payment from the policy in force on the placement start, as welfare does
        policy = _policy_on(f["placement_start"])
        amount = policy and policy["placement_fee_fen"]
        about["amount"] = cny(amount)
    nothing = None
    if f["status"] == "paid":
        nothing = _("这笔安置费已于 {day} 发放。", day=f.get("paid_on") or "")
    elif amount is None:
        nothing = _("派驻日期没有适用的补贴政策，金额未定，暂不能发放。")
    usable = nothing is None
    return Effect(
        1 if usable else 0,
        amount if usable else 0,
        _("发放{name}的一次性安置费 {amount}（{town}，派驻日期 {start}）", **about),
        nothing=nothing,
        state=f["status"],
        facts=about,
    )


def _pay_fee(params, values, effect):
    body = {"payment_ref": values["payment_ref"], "paid_on": values["paid_on"]}
    api().post("welfare", f"/placement-fees/{effect.facts['id']}/pay", body)
    return _(
        "已发放 1 笔，共 {amount}（{name}的一次性安置费，支付凭证 {ref}）。",
        ref=values["payment_ref"],
        **effect.facts,
    )


# -- publishing an assessment ----------------------------------------------------------------


def _assessment_effect(params):
    a = _record(params, "reporting", "/assessments")
    about = {
        "period": a["period"],
        "kind": label("party_kind", a["party_kind"]),
        "n": len(a["scores"]),
        "id": a["id"],
    }
    rows = [[s["rank"], s["party_name"], s["score"]] for s in a["scores"]]
    nothing = None
    if a["status"] != "draft":
        nothing = _("这次考核已经发布。")
    elif not a["scores"]:
        nothing = _("这次考核没有任何得分，无可发布。")
    return Effect(
        0 if nothing else len(a["scores"]),
        0,
        _("发布 {period} {kind}考核结果：{n} 个对象的得分和排名，发布后各方可见", **about),
        rows,
        nothing,
        state=f"{a['status']}:{a.get('computed_at')}",
        facts=about,
    )


def _publish(params, values, effect):
    api().post("reporting", f"/assessments/{effect.facts['id']}/publish")
    return _("已发布 {period} {kind}考核结果（{n} 个对象）。", **effect.facts)


# -- publishing or declining a showcase story ----------------------------------------------------


def _showcase_effect(publish: bool):
    def effect(params):
        s = _record(params, "mentorship", "/showcases")
        about = {"title": s["title"], "trainee": _trainee_name(s["trainee_id"]), "id": s["id"]}
        nothing = None
        if s["status"] != "nominated":
            status = label("showcase_status", s["status"])
            nothing = _("这篇典型事迹已有结果：{status}。", status=status)
        says = (
            N_("发布“{title}”（{trainee}）：发布后所有人可见，不能撤回")
            if publish
            else N_("不予发布“{title}”（{trainee}）：推荐方会看到这个结果")
        )
        return Effect(
            0 if nothing else 1, 0, _(says, **about), [[s["story"]]], nothing,
            state=s["status"], facts=about,
        )  # fmt: skip

    return effect


def _decide_showcase(publish: bool):
    def perform(params, values, effect):
        facts = effect.facts
        verb = "publish" if publish else "decline"
        api().post("mentorship", f"/showcases/{facts['id']}/{verb}")
        if publish:
            return _("已发布“{title}”（{trainee}）。", **facts)
        return _("已决定不予发布“{title}”（{trainee}）。", **facts)

    return perform


def _showcase_page(params) -> str:
    return url_for("mentorship_showcases.show", id=_int(params.get("id")) or 0)


# -- a town's budget for a year ---------------------------------------------------------------


def _budget_effect(params):
    town_id, year, amount = (_int(params.get(k)) for k in ("town_id", "year", "amount_fen"))
    if town_id is None or amount is None or year is None or not 2000 <= year <= 2100:
        abort(404)
    use = api().get("welfare", "/fund-use", year=year)
    now = next((t for t in use.get("towns", []) if t["town_id"] == town_id), None)
    if now is None:
        abort(404)
    before = now.get("budget_fen")
    about = {
        "town": places().name("towns", town_id),
        "year": year,
        "before": cny(before) if before is not None else _("未设定"),
        "after": cny(amount),
        "used": cny(now.get("used_fen") or 0),
    }
    return Effect(
        1 if before != amount else 0,
        amount,
        _("将{town} {year} 年预算由 {before} 设为 {after}（已使用 {used}）", **about),
        nothing=_("{town} {year} 年预算已是 {after}。", **about) if before == amount else None,
        state=str(before),
        facts={**about, "town_id": town_id, "amount": amount},
    )


def _set_budget(params, values, effect):
    facts = effect.facts
    body = {"amount_fen": facts["amount"]}
    api().put("welfare", f"/budgets/{facts['town_id']}/{facts['year']}", body)
    return _("已将{town} {year} 年预算设为 {after}。", **facts)


# -- the actions -------------------------------------------------------------------------------

PAYMENT_REF = Input("payment_ref", N_("支付凭证号"))
REASON = Input("reason", N_("原因"), "textarea")

ACTIONS: dict[str, Action] = {
    "pay-month": Action(
        ("city",), N_("确认发放补贴"), N_("确认发放"), ("month", "town_id"),
        _pay_month_effect, _pay_month, _subsidies_page, (PAYMENT_REF,),
        (N_("学员"), N_("驻村天数"), N_("金额（元）")),
    ),
    "approve-month": Action(
        ("town",), N_("确认审核补贴"), N_("确认审核通过"), ("month",),
        _approve_month_effect, _approve_month, _subsidies_page,
        columns=(N_("学员"), N_("驻村天数"), N_("金额（元）")),
    ),
    "subsidy-approve": Action(
        ("town",), N_("确认审核补贴"), N_("确认审核通过"), ("id",),
        _approve_one_effect, _approve_one, _subsidy_page,
    ),
    "subsidy-pay": Action(
        ("city",), N_("确认发放补贴"), N_("确认发放"), ("id",),
        _pay_one_effect, _pay_one, _subsidy_page, (PAYMENT_REF,),
    ),
    "subsidy-reverse": Action(
        ("city",), N_("确认冲正补贴"), N_("确认冲正"), ("id",),
        _reverse_effect, _reverse, _subsidy_page, (REASON,),
    ),
    "subsidy-reissue": Action(
        ("city",), N_("确认重新核发补贴"), N_("确认重新核发"), ("id", "days_stationed"),
        _reissue_effect, _reissue, _subsidy_page, (REASON,),
    ),
    "fee-pay": Action(
        ("city",), N_("确认发放安置费"), N_("确认发放"), ("id",),
        _fee_effect, _pay_fee, lambda params: url_for("welfare.fees"),
        (Input("paid_on", N_("发放日期"), "date"), PAYMENT_REF),
    ),
    "budget": Action(
        ("city",), N_("确认设定预算"), N_("确认设定"), ("town_id", "year", "amount_fen"),
        _budget_effect, _set_budget, lambda params: url_for("welfare.index"),
    ),
    "assessment-publish": Action(
        ("city",), N_("确认发布考核结果"), N_("确认发布"), ("id",),
        _assessment_effect, _publish,
        lambda params: url_for("dashboard.assessment", id=_int(params.get("id")) or 0),
        columns=(N_("排名"), N_("名称"), N_("得分")),
    ),
    "showcase-publish": Action(
        ("city",), N_("确认发布典型事迹"), N_("确认发布"), ("id",),
        _showcase_effect(True), _decide_showcase(True), _showcase_page, columns=(N_("事迹"),),
    ),
    "showcase-decline": Action(
        ("city",), N_("确认不予发布典型事迹"), N_("确认不予发布"), ("id",),
        _showcase_effect(False), _decide_showcase(False), _showcase_page, columns=(N_("事迹"),),
    ),
}  # fmt: skip


def _render(name: str, action: Action, params, values, effect, status=200, stale=False,
            errors=None, problems=None):  # fmt: skip
    return render_template(
        "confirm.html",
        name=name,
        action=action,
        params=params,
        values=values,
        effect=effect,
        stale=stale,
        errors=errors or {},
        problems=problems or [],
        back=action.back(params),
    ), status


@bp.route("/<name>", methods=["GET", "POST"])
def page(name: str):
    """The confirmation page of an action (GET), and the confirmed action (POST)."""
    action = ACTIONS.get(name)
    if action is None:
        abort(404)
    if role() not in action.roles:
        abort(403)
    params = {k: request.values.get(k, "").strip() for k in action.params}
    values = {i.name: request.values.get(i.name, "").strip() for i in action.inputs}
    if "paid_on" in values and not values["paid_on"]:
        values["paid_on"] = today().isoformat()
    effect = action.effect(params)
    if request.method == "GET":
        return _render(name, action, params, values, effect)
    if request.form.get("fingerprint") != effect.fingerprint:
        return _render(name, action, params, values, effect, 409, stale=True)
    if effect.nothing:
        flash(effect.nothing, "error")
        return redirect(action.back(params))
    errors = {i.name: _("必填") for i in action.inputs if i.required and not values[i.name]}
    if errors:
        return _render(name, action, params, values, effect, 422, errors=errors)
    try:
        done = action.perform(params, values, effect)
    except ApiError as exc:
        if not exc.refused:
            raise
        if {"expected_count", "expected_total_fen"} & set(exc.errors or {}):
            # changed after this page read it: the API refused the whole batch
            return _render(name, action, params, values, action.effect(params), 409, stale=True)
        return _render(name, action, params, values, effect, exc.status, problems=exc.messages())
    flash(done, "ok")
    return redirect(action.back(params))


def confirm_url(name: str, **params) -> str:
    """Where an action's button leads: its confirmation page."""
    return url_for("confirm.page", name=name, **params)
