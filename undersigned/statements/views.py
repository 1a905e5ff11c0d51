from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from undersigned.signatures.forms import SignForm
from undersigned.signatures.views import render_statement_page
from undersigned.statements.selectors import statement_get_visible, statement_list_public


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "statements/home.html", {"statements": statement_list_public()})


def detail(request: HttpRequest, slug: str) -> HttpResponse:
    statement = statement_get_visible(slug=slug, user=request.user)
    return render_statement_page(request, statement, SignForm())
