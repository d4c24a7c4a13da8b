class ContentSecurityPolicyMiddleware:
    """Everything from this server, nothing inline: intranet pages load no outside resource.

    Images may be data: URIs (QR codes, the signature pad's preview). The admin
    and the app alike run under it; Django 5.2 has no CSP setting of its own.
    """

    POLICY = (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
        "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.POLICY)
        return response
