"""The dictionary admin's pages: /dictionary/… (included by the web app's public URLs)."""

from django.urls import path, re_path

from web.views import dictionary

urlpatterns = [
    path("", dictionary.index, name="dictionary"),
    path("new/", dictionary.create, name="dictionary-new"),
    path("import/", dictionary.import_file, name="dictionary-import"),
    re_path(r"^export\.(?P<fmt>csv|xlsx)$", dictionary.export, name="dictionary-export"),
    path("items/<str:code>/", dictionary.item, name="dictionary-item"),
    path("items/<str:code>/adjust/", dictionary.adjust, name="dictionary-adjust"),
    path("items/<str:code>/retire/", dictionary.retire, name="dictionary-retire"),
    path("items/<str:code>/reinstate/", dictionary.reinstate, name="dictionary-reinstate"),
]
