from django.contrib import admin
from django.urls import include, path

from workshops.auth_views import ThrottledLoginView
from workshops.languages import set_language

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("", include("workshops.urls")),
]

handler404 = "workshops.views.not_found"
