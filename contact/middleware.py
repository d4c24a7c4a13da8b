from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _


class PasswordPolicyMiddleware:
    """Send a user whose password is new (set by someone else) or too old to change it first."""

    EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz", "/i18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.EXEMPT_PREFIXES)
        ):
            cadre = getattr(user, "cadre", None)
            if cadre is not None:
                if cadre.must_change_password:
                    messages.warning(
                        request, _("Please set your own password before you continue.")
                    )
                    return redirect(reverse("password_change"))
                if cadre.password_expired():
                    messages.warning(
                        request,
                        _("Your password is older than the allowed period; please change it."),
                    )
                    return redirect(reverse("password_change"))
        return self.get_response(request)
