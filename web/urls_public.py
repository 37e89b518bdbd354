"""The web app's public side (mounted at / by core.urls)."""

from django.urls import include, path

from web.views import public, ratings

app_name = "web"
urlpatterns = [
    path("", public.home, name="home"),
    path("centres/<str:code>/", public.centre_children, name="centre"),
    path("track/", public.track, name="track"),
    path("track/rate/", ratings.rate_tracked, name="track-rate"),
    path("rate/<str:token>/", ratings.rate_link, name="rate-link"),
    path("login/", public.login, name="login"),
    path("logout/", public.logout, name="logout"),
    path("switch/", public.switch, name="switch"),
    path("assess/", include("web.urls_assess")),
    path("dictionary/", include("web.urls_dictionary")),
]
