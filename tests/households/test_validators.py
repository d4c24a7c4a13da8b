from datetime import date

import pytest
from django.core.exceptions import ValidationError

from households.validators import validate_id_number, validate_phone
from tests.factories import make_id_number, wrong_check_digit

# The example number printed in GB 11643 itself; its check character is X.
STANDARD_EXAMPLE = "11010519491231002X"


def error_code(func, value):
    with pytest.raises(ValidationError) as info:
        func(value)
    return info.value.code


def test_it_accepts_a_valid_number():
    number = make_id_number(birth=date(1949, 10, 1))
    assert validate_id_number(number) == number


def test_it_accepts_the_standard_example_ending_in_x():
    assert validate_id_number(STANDARD_EXAMPLE) == STANDARD_EXAMPLE


def test_it_accepts_a_county_code_younger_than_its_holder():
    # 崇州市 has had 510184 since 1994; its older residents' cards carry it all the same.
    number = make_id_number(region="510184", birth=date(1958, 3, 12))
    assert validate_id_number(number) == number


def test_it_normalises_a_lower_case_x_and_spaces():
    assert validate_id_number(" 110105 19491231 002x ") == STANDARD_EXAMPLE


def test_it_rejects_a_wrong_check_digit():
    number = wrong_check_digit(make_id_number())
    assert error_code(validate_id_number, number) == "id_checksum"


def test_it_rejects_a_birth_date_that_does_not_exist():
    # The check digit is right, so only the date can be wrong.
    number = make_id_number(birth="19900230")
    assert error_code(validate_id_number, number) == "id_birth_date"


def test_it_rejects_a_first_generation_15_digit_number():
    assert error_code(validate_id_number, "510184850601123") == "id_15_digits"


@pytest.mark.parametrize("value", ["51018419850601123", "5101841985060112345"])
def test_it_rejects_a_number_of_the_wrong_length(value):
    assert error_code(validate_id_number, value) == "id_length"


def test_it_rejects_letters_inside_the_number():
    assert error_code(validate_id_number, "5101841985O601123X") == "id_format"


@pytest.mark.parametrize(
    "phone",
    [
        "13908180001",
        "19912345678",
        "028-82281234",
        "02882281234",
        "0838-2281234",
        "028-82281234-801",
    ],
)
def test_it_accepts_mobiles_and_landlines(phone):
    validate_phone(phone)


@pytest.mark.parametrize(
    "phone",
    ["12345678901", "1390818000", "139081800012", "82281234", "28-82281234", "电话", ""],
)
def test_it_rejects_other_phone_numbers(phone):
    assert error_code(validate_phone, phone) == "phone"
