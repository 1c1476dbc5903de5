from django.contrib import admin
from django.urls import include, path

from workshops.auth_views import ThrottledLoginView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("workshops.urls")),
]

handler404 = "workshops.views.not_found"
