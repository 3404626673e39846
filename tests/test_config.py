"""What the service refuses to start with: settings that would put people's data at risk."""

from __future__ import annotations

import pytest
from testdb import PG_URL

from service.config import ConfigError, Settings
from service.pii import new_key


def test_production_refuses_the_development_secret():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Settings.from_env({"JY_ENV": "production",
                           "PUBLIC_BASE_URL": "https://jy.example.cn"}).validate()
    env = {"JY_ENV": "production", "SECRET_KEY": "k" * 40,
           "PUBLIC_BASE_URL": "https://jy.example.cn"}
    with pytest.raises(ConfigError, match="DATA_KEYS"):
        Settings.from_env(env).validate()  # personal data needs its own keys
    with pytest.raises(ConfigError, match="not a Fernet key"):
        Settings.from_env({**env, "DATA_KEYS": "secret", "LOOKUP_KEY": "l" * 40}).validate()
    ok = Settings.from_env({**env, "DATA_KEYS": f"{new_key()}, {new_key()}",
                            "LOOKUP_KEY": "l" * 40}).validate()
    assert ok.production and len(ok.data_keys) == 2


def test_production_refuses_a_load_test_key():
    env = {"JY_ENV": "production", "SECRET_KEY": "s" * 40, "DATA_KEYS": new_key(),
           "LOOKUP_KEY": "l" * 40, "PUBLIC_BASE_URL": "https://jy.example.cn",
           "LOADTEST_KEY": "k" * 20}
    with pytest.raises(ConfigError, match="LOADTEST_KEY"):
        Settings.from_env(env).validate()


def test_production_needs_an_https_address_for_the_links_on_posters():
    env = {"JY_ENV": "production", "SECRET_KEY": "s" * 40, "DATA_KEYS": new_key(),
           "LOOKUP_KEY": "l" * 40, "PUBLIC_BASE_URL": "http://jy.example.cn"}
    with pytest.raises(ConfigError, match="https://"):
        Settings.from_env(env).validate()


@pytest.mark.parametrize("name, value", [
    ("RETENTION_DAYS", "两年"), ("RETENTION_DAYS", "730d"), ("RETENTION_DAYS", "0"),
    ("RETENTION_DAYS", "-1"), ("MAX_JSON_BODY", "64k"),
])
def test_a_mistyped_number_is_named_not_a_traceback(name, value):
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})


def test_numbers_and_limits_are_read_as_written():
    s = Settings.from_env({"RETENTION_DAYS": " 365 ", "SUBMIT_LIMIT": "60/300"}).validate()
    assert s.retention_days == 365 and s.submit_limit == "60/300"
    assert Settings.from_env({}).retention_days == 730  # the privacy notice's 2 years
    with pytest.raises(ConfigError, match="SUBMIT_LIMIT"):
        Settings.from_env({"SUBMIT_LIMIT": "120 per 10 minutes"}).validate()


def test_an_unknown_database_is_refused_before_anything_starts():
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        Settings.from_env({"DATABASE_URL": "mysql://root@localhost/jy"}).validate()


def test_sqlite_waits_for_the_disk_before_it_says_an_application_was_stored():
    url = Settings.from_env({"DATABASE_URL": "sqlite:///var/lib/jy/jy.sqlite3"}).tortoise_config()
    assert url["connections"]["default"] == "sqlite:///var/lib/jy/jy.sqlite3?synchronous=FULL"
    own = "sqlite:///tmp/x.sqlite3?synchronous=NORMAL"
    assert Settings.from_env({"DATABASE_URL": own}).tortoise_config()[
        "connections"]["default"] == own  # an explicit choice wins
    pg = "postgres://jy@10.0.0.5:5432/jy"
    assert Settings.from_env({"DATABASE_URL": pg}).tortoise_config()["connections"]["default"] == pg


def test_the_workers_pool_keeps_sessions_but_nothing_else_changes():
    from tortoise.backends.base.config_generator import expand_db_url

    from service.config import keep_session

    pg = "postgres://jy@10.0.0.5:5432/jy?maxsize=10"
    served = Settings.from_env({"DATABASE_URL": pg}).tortoise_config(serving=True)
    expanded = expand_db_url(pg)
    assert served["connections"]["default"]["engine"] == expanded["engine"]
    assert served["connections"]["default"]["credentials"] == {
        **expanded["credentials"], "reset": keep_session}
    assert {k: v for k, v in served.items() if k != "connections"} == {
        k: v for k, v in Settings.from_env({"DATABASE_URL": pg}).tortoise_config().items()
        if k != "connections"}
    lite = Settings.from_env({"DATABASE_URL": "sqlite:///var/lib/jy/jy.sqlite3"})
    assert lite.tortoise_config(serving=True) == lite.tortoise_config()


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (TEST_POSTGRES_URL)")
async def test_a_connection_back_in_the_pool_never_carries_an_open_transaction():
    """keep_session skips asyncpg's session reset query; asyncpg still rolls back whatever
    a connection left open before anyone else gets it."""
    import asyncpg

    from service.config import keep_session

    pool = await asyncpg.create_pool(PG_URL, min_size=1, max_size=1, reset=keep_session)
    try:
        async with pool.acquire() as con:
            await con.execute("BEGIN")
            await con.execute("CREATE TABLE jy_keep_session_probe (x int)")
        async with pool.acquire() as con:  # the same connection (max_size=1)
            assert not con.is_in_transaction()
            assert await con.fetchval(
                "SELECT count(*) FROM pg_tables WHERE tablename = 'jy_keep_session_probe'") == 0
    finally:
        await pool.close()
