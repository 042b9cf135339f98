"""Session pooling (poolMode = "session"): a client keeps one server connection for its whole
life, and what it changed there is reset (DISCARD ALL) before the next client gets it."""

import pytest

from clients import connect


@pytest.fixture(scope="module")
def session_pooled(nectar_factory, pg, tmp_path_factory, direct_mode):
    if direct_mode:
        pytest.skip("pool modes are nectar's; PostgreSQL itself has no pool")
    config = tmp_path_factory.mktemp("session-pool") / "nectar.toml"
    # One worker and one server connection: the second client must get the first one's.
    config.write_text(f'[services.app]\nurl = "{pg.service_url()}"\n\n'
                      '[services.app.pool]\npoolMode = "session"\nmaxConnections = 1\n')
    return nectar_factory(args=["--config", str(config), "--threads", "1"],
                          name="nectar-session-pool").endpoint(sslmode="disable")


def server_state(conn):
    cur = conn.cursor()
    cur.execute("select pg_backend_pid(), current_setting('application_name'), "
                "current_setting('search_path'), (select count(*) from pg_prepared_statements), "
                "(select count(*) from pg_listening_channels())")
    return cur.fetchone()


def test_state_is_reset_between_clients(session_pooled):
    with connect(session_pooled, application_name="first") as first:
        cur = first.cursor()
        cur.execute("set search_path = pg_catalog")
        cur.execute("prepare left_behind as select 1")
        cur.execute("listen left_behind")
        pid, app, path, prepared, listening = server_state(first)
        assert (app, path, prepared, listening) == ("first", "pg_catalog", 1, 1)
        # Session pooling: every transaction of this client runs on that one connection.
        for _ in range(3):
            assert server_state(first)[0] == pid
    with connect(session_pooled) as second:
        pid2, app2, path2, prepared2, listening2 = server_state(second)
    assert pid2 == pid, "the server connection was not reused"
    assert (app2, path2, prepared2, listening2) == ("", '"$user", public', 0, 0)
