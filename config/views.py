from django.db import connection
from django.http import JsonResponse

from config.celery import app as celery_app


def healthz(request):
    """Database and broker state, for the county's monitoring; 503 when either is down."""
    state = {"database": "ok", "broker": "ok"}
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure is a failed check
        state["database"] = f"error: {type(exc).__name__}"
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # noqa: BLE001
        state["broker"] = f"error: {type(exc).__name__}"
    ok = all(v == "ok" for v in state.values())
    return JsonResponse({"status": "ok" if ok else "error", **state}, status=200 if ok else 503)
