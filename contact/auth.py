import re

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy


class UsernameOrPhoneBackend(ModelBackend):
    """Cadres sign in with their user name or the mobile number on their contact card."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        User = get_user_model()
        username = username.strip()
        user = User.objects.filter(username=username).first()
        if user is None and username.isdigit():
            user = User.objects.filter(cadre__phone=username).first()
        if user is None:
            # Spend the same time as a real check, so timing does not reveal accounts.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


class LettersAndDigitsValidator:
    """At least one letter and one digit, as county security assessments (等保) require."""

    def validate(self, password, user=None):
        if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
            raise ValidationError(
                _("The password must contain both letters and digits."),
                code="password_letters_digits",
            )

    def get_help_text(self):
        return _("Your password must contain both letters and digits.")


# Django 5.2's own Chinese catalogue lacks the newer wording of this message; keep it
# in ours so that `make catalogue` extracts it and a cadre reads it in Chinese.
_DJANGO_MESSAGES = (
    ngettext_lazy(
        "This password is too short. It must contain at least %(min_length)d character.",
        "This password is too short. It must contain at least %(min_length)d characters.",
        "min_length",
    ),
)


def axes_username(request, credentials=None) -> str:
    """The account a login attempt is for, so that failures count once per account.

    A cadre signs in with a user name or a mobile number; without this, typing
    both in turn would allow twice the attempts before the lockout.
    """
    typed = ((credentials or {}).get("username") or request.POST.get("username") or "").strip()
    if typed.isdigit():
        from django.contrib.auth import get_user_model

        username = (
            get_user_model()
            .objects.filter(cadre__phone=typed)
            .values_list("username", flat=True)
            .first()
        )
        if username:
            return username
    return typed
