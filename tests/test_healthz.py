from django.urls import reverse


def test_it_reports_the_database_and_the_broker_ok(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_it_needs_no_login(client, db):
    assert client.get("/healthz").status_code == 200


def test_a_dead_broker_is_a_503(client, db, monkeypatch):
    from config.celery import app

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError

    monkeypatch.setattr(app, "connection_for_write", refuse)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["broker"] == "error: ConnectionRefusedError"
    assert response.json()["database"] == "ok"
