"""The web app's pages of one centre (mounted at /c/<division_code>/ by core.urls_centre)."""

from django.urls import include, path

from web.views import agent, custody, desk, supervision

app_name = "web"
urlpatterns = [
    path("", desk.centre_home, name="centre-home"),
    # The village register (agents) and the worklist (window staff).
    path("register/", agent.register, name="register"),
    path("worklist/", desk.worklist, name="worklist"),
    # Logging a request (the agent's wizard; window staff log at the desk too).
    path("cases/new/", agent.new_case, name="new-case"),
    path("cases/<str:tracking_no>/", desk.case, name="case"),
    path("cases/<str:tracking_no>/receipt/", desk.receipt, name="receipt"),
    path("cases/<str:tracking_no>/notice/", desk.notice, name="notice"),
    path("cases/<str:tracking_no>/decision/", desk.decision, name="decision"),
    # 材料交接 (before the catch-all of actions: "authorization" is not an action).
    path(
        "cases/<str:tracking_no>/authorization/",
        custody.authorization,
        name="custody-authorization",
    ),
    path("cases/<str:tracking_no>/custody/<str:step>/", custody.act, name="custody-act"),
    path("custody/", custody.overview, name="custody"),
    path("custody/agents/", custody.agents, name="custody-agents"),
    path("cases/<str:tracking_no>/<str:action>/", desk.act, name="act"),
    path("head/", include("web.urls_head")),
    path("supervision/<str:order_id>/", supervision.answer, name="supervision-answer"),
    path("ratings/", include("web.urls_ratings")),
    path("notifications/", include("web.urls_notifications")),
]
