from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from undersigned.core.net import client_ip


class ClientIPMiddleware:
    """Sets request.client_ip from the peer address and, behind trusted proxies only,
    X-Forwarded-For."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.client_ip = client_ip(request)
        return self.get_response(request)
