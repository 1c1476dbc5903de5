from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.urls import include, path

from workshops.auth_views import ThrottledLoginView
from workshops.languages import set_easy_language, set_language

urlpatterns = [
    # Every way to log in is the same throttled form (workshops/auth_views.py); the admin's
    # own login page would let a password be guessed without limit. Staff only there.
    path(
        "admin/login/",
        ThrottledLoginView.as_view(
            authentication_form=AdminAuthenticationForm, next_page="/admin/"
        ),
        name="admin_login",
    ),
    path("admin/", admin.site.urls),
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    # Only logging out of django.contrib.auth's pages: no password reset by e-mail (there is
    # no mail server to send it; an operator sets a password with manage.py changepassword).
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/easy/", set_easy_language, name="set_easy_language"),
    path("", include("workshops.urls")),
]

handler404 = "workshops.views.not_found"
