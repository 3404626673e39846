"""Which databases the tests run on (see conftest.py): one module, so that test files can
import it by a name no other directory's module shares."""

from __future__ import annotations

import os
import re

import pytest

PG_URL = os.environ.get("TEST_POSTGRES_URL", "").strip()


def _pg_test_url(url: str) -> str:
    # a throw-away database per test: tortoise fills "{}" with a random suffix
    return re.sub(r"/[^/?]*(\?|$)", r"/jy_test_{}\1", url, count=1)


USE_PG = os.environ.get("JY_TEST_DB", "sqlite") == "postgres"
if USE_PG and not PG_URL:
    raise RuntimeError("JY_TEST_DB=postgres needs TEST_POSTGRES_URL")
DB_URLS = ([pytest.param(_pg_test_url(PG_URL), id="postgres")] if USE_PG
           else [pytest.param("sqlite://:memory:", id="sqlite")])
