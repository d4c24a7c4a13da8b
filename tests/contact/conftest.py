import pytest

from tests.factories import build_personas


@pytest.fixture
def personas(db):
    """张丽, 王成龙, 李秀英, 陈建国 and 赵志刚 in 崇州市 (see tests/factories.py)."""
    return build_personas()
