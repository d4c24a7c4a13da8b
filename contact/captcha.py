"""A small arithmetic question ("3 加 4 等于几?") for forms anyone may post without an account.

The question travels with the form as a signed, timestamped token, so the
server keeps no session for it. The token is single-use: once a form carrying
it has been accepted, the token's hash is kept in the cache for as long as
the token is valid, which is also what makes a retried POST harmless — the
view sees the token was used and answers as it did the first time.

The operands are in the token in clear (signed, not encrypted): they are on
the page anyway. It keeps out form-filling scripts, not a determined person;
the rate limits of the resident page do the rest.
"""

import hashlib
import secrets
from dataclasses import dataclass

from django import forms
from django.core import signing
from django.core.cache import cache
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

MAX_AGE_SECONDS = 60 * 60
_SALT = "contact.captcha"
_USED = "captcha-used:"
# Values kept under a used token's key: accepted (a retry shows the same
# result), or spent on a wrong answer (a retry must answer a new question).
ACCEPTED = "accepted"
FAILED = "failed"


@dataclass(frozen=True)
class Challenge:
    question: str
    token: str


def _question(a: int, b: int) -> str:
    return gettext("What is %(a)d plus %(b)d?") % {"a": a, "b": b}


def new_challenge(purpose: str) -> Challenge:
    """A fresh question; `purpose` binds its token to one form (a card's token, say)."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    token = signing.dumps({"a": a, "b": b, "n": secrets.token_hex(8)}, salt=f"{_SALT}:{purpose}")
    return Challenge(question=_question(a, b), token=token)


def _operands(token: str, purpose: str) -> tuple[int, int] | None:
    try:
        data = signing.loads(token, salt=f"{_SALT}:{purpose}", max_age=MAX_AGE_SECONDS)
        return int(data["a"]), int(data["b"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def _used_key(token: str) -> str:
    return _USED + hashlib.sha256(token.encode()).hexdigest()


def used_state(token: str) -> str | None:
    """ACCEPTED, FAILED, or None for a token no form has used yet."""
    return cache.get(_used_key(token)) if token else None


def claim(token: str) -> bool:
    """Mark the token accepted; False if another request used it first (cache.add is atomic)."""
    return cache.add(_used_key(token), ACCEPTED, MAX_AGE_SECONDS)


def release(token: str) -> None:
    """Undo a claim whose form could not be saved."""
    cache.delete(_used_key(token))


def spend(token: str) -> None:
    """A wrong answer uses the question up: one guess per question."""
    cache.add(_used_key(token), FAILED, MAX_AGE_SECONDS)


class CaptchaForm(forms.Form):
    """A form with the arithmetic question; subclasses add their own fields.

    Pass `purpose` to bind the question to one page. An unbound form, or a
    bound one whose answer failed, carries a new question (`challenge`).
    Whether a posted token was already accepted is for the view to ask
    (`used_state`) before validating: a retry gets the first answer again,
    not an error.
    """

    captcha_token = forms.CharField(widget=forms.HiddenInput, max_length=200)
    captcha_answer = forms.IntegerField(
        label=_("Your answer"),
        min_value=0,
        max_value=99,
        error_messages={"required": _("Please answer the question.")},
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args, purpose: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.purpose = purpose
        self.posted_token = ""
        operands = None
        if self.is_bound:
            self.posted_token = self.data.get(self.add_prefix("captcha_token"), "")
            operands = _operands(self.posted_token, purpose)
        if operands:
            self.challenge = Challenge(question=_question(*operands), token=self.posted_token)
            self.fields["captcha_answer"].label = self.challenge.question
        else:
            self._renew()

    def _renew(self) -> None:
        self.challenge = new_challenge(self.purpose)
        self.fields["captcha_answer"].label = self.challenge.question
        self._bound_fields_cache.pop("captcha_answer", None)  # it holds the old label
        self.initial["captcha_token"] = self.challenge.token
        if self.is_bound:
            # The page shows the new question: the form must carry its token, not the old one.
            self.data = self.data.copy()
            self.data[self.add_prefix("captcha_token")] = self.challenge.token
            self.data[self.add_prefix("captcha_answer")] = ""

    @property
    def question(self) -> str:
        return self.challenge.question

    def clean(self):
        cleaned = super().clean()
        token = self.posted_token
        operands = _operands(token, self.purpose)
        if operands is None or used_state(token) == FAILED:
            self._renew()
            raise forms.ValidationError(
                _("The question has expired; please answer the new one."), code="captcha_expired"
            )
        answer = cleaned.get("captcha_answer")
        if answer is not None and answer != sum(operands):
            spend(token)
            self._renew()
            self.add_error(
                "captcha_answer",
                forms.ValidationError(
                    _("That is not the right answer; please try the new question."),
                    code="captcha_wrong",
                ),
            )
        cleaned["captcha_token"] = token
        return cleaned
