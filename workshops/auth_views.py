"""The moderators' login, with failed attempts throttled per address and per user name.

Django's ``login()`` already gives the session a new key (no session fixation); this adds
a limit on guessing: after ``LOGIN_FAILURES_PER_USERNAME`` failures for one user name, or
``LOGIN_FAILURES_PER_ADDRESS`` from one address, within 15 minutes, the form answers 429
without checking the password until the window has passed.
"""

from django.conf import settings
from django.contrib.auth.views import LoginView

from workshops import throttle

WINDOW = 15 * 60


class ThrottledLoginView(LoginView):
    def _keys(self):
        address = throttle.client_address(self.request)
        username = (self.request.POST.get("username") or "").strip().lower()[:150]
        return address, username

    def _blocked(self) -> bool:
        address, username = self._keys()
        by_address = settings.LOGIN_FAILURES_PER_ADDRESS
        by_name = settings.LOGIN_FAILURES_PER_USERNAME
        return bool(
            (by_address and throttle.count("login-address", address, WINDOW) >= by_address)
            or (by_name and username and throttle.count("login-user", username, WINDOW) >= by_name)
        )

    def post(self, request, *args, **kwargs):
        if self._blocked():
            form = self.get_form_class()(request)  # unbound: nothing is checked
            return self.render_to_response(
                self.get_context_data(form=form, throttled=True), status=429
            )
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        address, username = self._keys()
        throttle.hit("login-address", address, WINDOW)
        if username:
            throttle.hit("login-user", username, WINDOW)
        return super().form_invalid(form)
