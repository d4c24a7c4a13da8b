import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

from households.crypto import normalize_id_number

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


def validate_id_number(value: str) -> str:
    """GB 11643: 18 characters, a valid birth date, and the ISO 7064 check digit.

    Returns the normalised number (upper-case X). First-generation 15-digit
    numbers are refused: they have been invalid since 2013.
    """
    number = normalize_id_number(value)
    if len(number) == 15 and number.isdigit():
        raise ValidationError(
            _("15-digit ID numbers are no longer valid; enter the 18-digit number."),
            code="id_15_digits",
        )
    try:
        return ric.validate(number)
    except InvalidComponent:
        # stdnum also refuses a region code it dates after the birth year, but
        # the code records where the card was issued, not where its holder was
        # born: everyone registered in 崇州市 (510184 since 1994) who was born
        # before 1994 holds one. Only the birth date itself must exist.
        try:
            ric.get_birth_date(number)
        except InvalidComponent:
            raise ValidationError(
                _("The birth date in this ID number does not exist."), code="id_birth_date"
            ) from None
        return ric.compact(number)
    except InvalidLength:
        raise ValidationError(_("An ID number has 18 characters."), code="id_length") from None
    except InvalidFormat:
        raise ValidationError(
            _("An ID number has 17 digits followed by a digit or X."), code="id_format"
        ) from None
    except InvalidChecksum:
        raise ValidationError(
            _("The check digit of this ID number is wrong; please check it against the card."),
            code="id_checksum",
        ) from None


def validate_phone(value: str) -> None:
    """A mainland mobile (11 digits from 13x to 19x) or a landline with its area code."""
    value = (value or "").strip()
    if not (MOBILE_RE.match(value) or LANDLINE_RE.match(value)):
        raise ValidationError(
            _(
                "Enter an 11-digit mobile number or a landline with area code, such as 028-82281234."
            ),
            code="phone",
        )
