"""What every page's navbar needs: the bell's count of unread notifications."""

from contact.models import Notification


def notifications(request) -> dict:
    """`unread_notifications`: counted once per request, and only when a template reads it.

    Lazy and kept on the request, because fragments rendered with the
    request (the home page's panels) run the context processors again.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count() -> int:
        if not hasattr(request, "_unread_notifications"):
            request._unread_notifications = Notification.objects.visible_to(user).unread().count()
        return request._unread_notifications

    return {"unread_notifications": count}
