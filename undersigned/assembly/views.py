"""Conference pages: public, for delegates (amendments, votes) and for the chair. Who may
do what is checked in services; these views parse, call and render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth.forms import SetPasswordForm
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from undersigned.assembly import selectors, services
from undersigned.assembly.forms import (
    AmendmentForm,
    BallotForm,
    DecisionForm,
    DelegateLoginForm,
    PresentForm,
    RebaseForm,
    RecordForm,
    SubAmendmentForm,
    _fraction,
)
from undersigned.assembly.models import Amendment, Ballot, Conference, Delegate
from undersigned.assembly.services import ConferenceError
from undersigned.core.audit import audit_record
from undersigned.statements import diff
from undersigned.statements.selectors import (
    series_timeline,
    translations_requested,
    versions_compare,
)


def _forbidden(request: HttpRequest) -> HttpResponse:
    return HttpResponseForbidden(
        render(request, "assembly/forbidden.html").content, content_type="text/html"
    )


def _context(request: HttpRequest, conference: Conference, **extra) -> dict:
    delegate = selectors.delegate_of(conference=conference, user=request.user)
    return {"conference": conference, "delegate": delegate, **extra}


@require_http_methods(["GET", "POST"])
def conference(request: HttpRequest, slug: str) -> HttpResponse:
    conference = selectors.conference_get(slug=slug)
    context = _context(request, conference)
    delegate: Delegate | None = context["delegate"]
    if request.method == "POST":
        # A document submitted by a delegation, or the secretariat's review of one.
        if delegate is None:
            return _forbidden(request)
        try:
            if request.POST.get("action") in {"publish", "reject"}:
                document = selectors.document_get(
                    conference=conference,
                    pk=int(request.POST.get("document", 0)),
                    delegate=delegate,
                )
                services.document_review(
                    document=document, by=delegate, publish=request.POST["action"] == "publish"
                )
            else:
                upload = request.FILES.get("file")
                if upload is None:
                    raise ConferenceError(_("Choose a file."))
                services.document_submit(
                    delegate=delegate, title=request.POST.get("title", ""), upload=upload
                )
                messages.success(request, _("The document is submitted for review."))
        except (ConferenceError, ValueError) as exc:
            messages.error(request, str(exc))
        return redirect("assembly:conference", slug=slug)
    context.update(
        decisions=selectors.decisions(conference=conference),
        ballots=selectors.ballots_list(conference=conference),
        participants=conference.participants.order_by("name"),
        agenda=conference.agenda.all(),
        sessions=conference.sessions.all(),
        documents=selectors.documents_visible(conference=conference, delegate=delegate),
        referred=conference.referred_amendments.select_related("conference", "proposer"),
        series=conference.series,
        timeline=series_timeline(series=conference.series, current=conference),
        translations=_translations(request, conference, delegate),
    )
    return render(request, "assembly/conference.html", context)


def _translations(request: HttpRequest, conference: Conference, delegate: Delegate | None):
    """The adopted declaration's requested translations and their progress, for the
    secretariat (and organizers); None for everyone else, and before adoption."""
    statement = conference.statement
    if statement is None or not statement.is_public:
        return None
    if not (delegate is not None and delegate.chairs) and not request.user.is_staff:
        return None
    return translations_requested(statement=statement)


def document(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    """A document as a download (never shown inline: it is a participant's file)."""
    conference = selectors.conference_get(slug=slug)
    delegate = selectors.delegate_of(conference=conference, user=request.user)
    item = selectors.document_get(conference=conference, pk=pk, delegate=delegate)
    response = FileResponse(
        item.file.open("rb"),
        as_attachment=True,
        filename=item.filename,
        content_type=item.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def record(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """The record of decisions, as HTML or as Markdown."""
    conference = selectors.conference_get(slug=slug)
    context = {"record": selectors.conference_record(conference=conference)}
    if fmt == "md":
        text = render_to_string("assembly/record.md", context, request=request)
        response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{conference.slug}-record.md"'
        return response
    return render(request, "assembly/record.html", {**context, "conference": conference})


@require_http_methods(["GET", "POST"])
def login_link(request: HttpRequest, token: str) -> HttpResponse:
    """The link of an invitation. GET shows a button (mail scanners open links); POST
    signs the delegate in."""
    delegate = services.delegate_for_token(token=token)
    if delegate is None:
        return render(request, "signatures/link_dead.html", status=404)
    if request.method == "POST":
        login(request, delegate.user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(delegate.conference.get_absolute_url())
    return render(request, "assembly/login.html", {"delegate": delegate})


@require_http_methods(["GET", "POST"])
def amendments(request: HttpRequest, slug: str) -> HttpResponse:
    """The draft with the amendments under its blocks, and the amendments referred to
    this conference by earlier ones, which the secretariat takes up here (POST)."""
    conference = selectors.conference_get(slug=slug)
    context = _context(request, conference)
    delegate: Delegate | None = context["delegate"]
    if delegate is None:
        return _forbidden(request)
    if request.method == "POST":
        referred = selectors.referred_get(conference=conference, pk=request.POST.get("referred"))
        try:
            carried = services.amendment_take_up(
                amendment=referred, by=delegate, block_key=request.POST.get("block", "")
            )
        except ConferenceError as exc:
            messages.error(request, str(exc))
            return redirect("assembly:amendments", slug=slug)
        messages.success(
            request, _("Taken up as amendment %(number)d.") % {"number": carried.number}
        )
        return redirect("assembly:amendment", slug=slug, number=carried.number)
    version = selectors.draft_version(conference=conference)
    context["rows"] = selectors.draft_with_amendments(conference=conference)
    context["version"] = version
    context["referrals"] = selectors.referred_pending(conference=conference)
    context["blocks"] = (
        [b for b in version.blocks.order_by("position") if b.text] if version is not None else []
    )
    return render(request, "assembly/amendments.html", context)


@require_http_methods(["GET", "POST"])
def amendment_new(request: HttpRequest, slug: str) -> HttpResponse:
    conference = selectors.conference_get(slug=slug)
    context = _context(request, conference)
    delegate: Delegate | None = context["delegate"]
    version = selectors.draft_version(conference=conference)
    if delegate is None or version is None:
        return _forbidden(request)
    blocks = [b for b in version.blocks.order_by("position") if b.text]
    form = AmendmentForm(
        request.POST or None, blocks=blocks, initial={"block": request.GET.get("block")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            amendment = services.amendment_submit(
                delegate=delegate,
                version=version,
                block_key=data["block"],
                action=data["action"],
                text=data["text"],
                justification=data["justification"],
            )
        except ConferenceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("Amendment %(number)d submitted.") % {"number": amendment.number}
            )
            return redirect("assembly:amendments", slug=slug)
    context["form"] = form
    return render(
        request, "assembly/amendment_form.html", context, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
def amendment(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    conference = selectors.conference_get(slug=slug)
    context = _context(request, conference)
    delegate: Delegate | None = context["delegate"]
    if delegate is None:
        return _forbidden(request)
    item = selectors.amendment_get(conference=conference, number=number)
    form = DecisionForm(
        request.POST if request.POST.get("action") == "decide" else None, conference=conference
    )
    sub_form = SubAmendmentForm(request.POST if request.POST.get("action") == "amend" else None)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "amend" and sub_form.is_valid() and item.action != "delete":
                sub = services.amendment_submit(
                    delegate=delegate,
                    version=item.version,
                    block_key=item.block_key,
                    action=item.action,
                    parent=item,
                    **sub_form.cleaned_data,
                )
                messages.success(
                    request, _("Amendment %(number)d submitted.") % {"number": sub.number}
                )
                return redirect("assembly:amendment", slug=slug, number=sub.number)
            if action == "cosign":
                services.amendment_cosign(amendment=item, delegate=delegate)
            elif action == "withdraw":
                services.amendment_decide(amendment=item, status="withdrawn", by=delegate)
            elif action == "decide" and form.is_valid():
                services.amendment_decide(amendment=item, by=delegate, **form.cleaned_data)
            else:
                raise ConferenceError(_("Check the form."))
        except ConferenceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Saved."))
        return redirect("assembly:amendment", slug=slug, number=number)
    block = item.version.blocks.filter(key=item.block_key).first()
    context.update(
        amendment=item,
        target=block,  # not "block": templates give that name to the {% block %} itself
        redline=mark_safe(selectors.amendment_redline(item, block)),  # noqa: S308 - escaped
        form=form,
        sub_form=sub_form,
        sub_amendments=item.sub_amendments.order_by("number"),
        ballots=item.ballots.all(),
        history=selectors.amendment_history(amendment=item) if item.carried_from_id else [],
        carried_over=item.carried_over.select_related("conference").order_by("pk"),
        may_rebase=item.status == Amendment.Status.NEEDS_REBASE
        and selectors.can_rework(amendment=item, delegate=delegate),
    )
    return render(request, "assembly/amendment.html", context)


@require_http_methods(["GET", "POST"])
def amendment_rebase(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """The proposer or the secretariat rewrites an amendment that needs a rebase against
    the block's current text, seeing that text and the amendment's redline against it."""
    conference = selectors.conference_get(slug=slug)
    context = _context(request, conference)
    delegate: Delegate | None = context["delegate"]
    item = selectors.amendment_get(conference=conference, number=number)
    if not selectors.can_rework(amendment=item, delegate=delegate):
        return _forbidden(request)
    form = RebaseForm(
        request.POST or None, initial={"text": item.text, "justification": item.justification}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.amendment_rebase(amendment=item, by=delegate, **form.cleaned_data)
        except ConferenceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The amendment is rebased on the current text."))
            return redirect("assembly:amendment", slug=slug, number=number)
    current = selectors.block_text_now(
        conference=conference, version=item.version, block_key=item.block_key, exclude=item.pk
    )
    block = item.version.blocks.filter(key=item.block_key).first()
    redline = ""
    if current is not None:
        # Escaped texts with <ins> and <del> only: see diff.render_html.
        redline = mark_safe(selectors.amendment_redline(item, block, against=current))  # noqa: S308
    context.update(
        amendment=item,
        target=block,
        current=current,
        redline=redline,
        adopted=selectors.adopted_on_block(amendment=item),
        form=form,
        needs_rebase=item.status == Amendment.Status.NEEDS_REBASE,
    )
    return render(
        request, "assembly/amendment_rebase.html", context, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
def ballot(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    if request.method == "POST":
        item, delegate = selectors.ballot_for_voting(slug=slug, pk=pk, user=request.user)
        if delegate is None:
            return _forbidden(request)
        try:
            yes, no, abstain = _choice(request, delegate)
            services.vote_cast(ballot=item, delegate=delegate, yes=yes, no=no, abstain=abstain)
        except ConferenceError as exc:
            messages.error(request, str(exc))
        # The ballot page says that the vote is counted: it finds the vote. (A message
        # would cost a signed cookie, more than the vote itself.)
        return redirect("assembly:ballot", slug=slug, pk=pk)
    conference = selectors.conference_get(slug=slug)
    context = _context(request, conference)
    delegate: Delegate | None = context["delegate"]
    item = selectors.ballot_get(conference=conference, pk=pk)
    context.update(_ballot_context(item, delegate))
    context["vote"] = selectors.vote_of(ballot=item, delegate=delegate)
    return render(request, "assembly/ballot.html", context)


def _choice(request: HttpRequest, delegate: Delegate) -> tuple[int, int, int]:
    """One answer for a single vote; a split (three numbers) for a delegation."""
    if delegate.weight == 1 or request.POST.get("choice"):
        choice = request.POST.get("choice")
        if choice not in {"yes", "no", "abstain"}:
            raise ConferenceError(_("Choose an answer."))
        weight = delegate.weight
        return tuple(weight if choice == option else 0 for option in ("yes", "no", "abstain"))
    try:
        return tuple(int(request.POST.get(name) or 0) for name in ("yes", "no", "abstain"))
    except ValueError as exc:
        raise ConferenceError(_("Enter whole numbers.")) from exc


def _ballot_context(item: Ballot, delegate: Delegate | None) -> dict:
    visible = selectors.results_visible(ballot=item, delegate=delegate)
    return {
        "ballot": item,
        "roll_call": selectors.roll_call(ballot=item) if visible else [],
        "results_visible": visible,
        "verdict": services.ballot_verdict(item) if visible and item.yes + item.no else None,
    }


def ballot_results(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The results box alone, which the ballot page asks for every two seconds."""
    conference = selectors.conference_get(slug=slug)
    delegate = selectors.delegate_of(conference=conference, user=request.user)
    item = selectors.ballot_get(conference=conference, pk=pk)
    context = {"conference": conference, **_ballot_context(item, delegate)}
    return render(request, "assembly/_results.html", context)


@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, slug: str) -> HttpResponse:
    """The chair's desk: ballots (create, open, close, record, publish), consolidation
    and the adoption of the text."""
    conference = selectors.conference_get(slug=slug)
    context = _context(request, conference)
    delegate: Delegate | None = context["delegate"]
    if delegate is None or not delegate.chairs:
        return _forbidden(request)
    version = selectors.draft_version(conference=conference)
    latest = (
        conference.statement.versions.order_by("-number").first() if conference.statement else None
    )
    subjects = [
        (f"a{a.pk}", f"A{a.number}")
        for a in conference.amendments.filter(status__in=Amendment.OPEN).order_by("number")
    ]
    if latest is not None:
        subjects.append(
            (f"v{latest.pk}", _("the whole text, version %(n)d") % {"n": latest.number})
        )
    form = BallotForm(
        request.POST if request.POST.get("action") == "create" else None,
        subjects=subjects,
        initial={"abstain_allowed": True, "strict": True},
    )
    if request.method == "POST":
        try:
            _manage_action(request, conference, delegate, form)
        except ConferenceError as exc:
            messages.error(request, str(exc))
        else:
            return redirect("assembly:manage", slug=slug)
    context.update(
        form=form,
        ballots=selectors.ballots_list(conference=conference),
        record_form=RecordForm(),
        present_form=PresentForm(),
        version=version,
        latest=latest,
    )
    if version is not None and latest is not None and latest.pk != version.pk:
        comparison = versions_compare(old=version, new=latest)
        context["comparison"] = comparison
        context["redline"] = _redline(conference, comparison.changes)
    return render(request, "assembly/manage.html", context)


def _redline(conference: Conference, changes: list) -> list[dict]:
    """The consolidated text against the draft, each change labelled with the adopted
    amendments that made it (an inserted block with the amendment that inserted it)."""
    changed: dict[str, list[str]] = {}
    inserted: dict[str, list[str]] = {}
    for adopted in conference.amendments.filter(status__in=Amendment.ADOPTED_STATES):
        target = inserted if adopted.action == Amendment.Action.INSERT else changed
        target.setdefault(adopted.block_key, []).append(f"A{adopted.number}")
    rows, pending = [], []
    for change in changes:
        labels = list(changed.get(change.block_id, []))
        if change.status == "added" and pending:
            labels, pending = labels + pending[:1], pending[1:]
        rows.append(
            {
                "change": change,
                # Escaped texts with <ins> and <del> only: see diff.render_html.
                "html": mark_safe(diff.render_html(change)),  # noqa: S308
                "amendments": labels,
            }
        )
        pending += inserted.get(change.block_id, [])
    return rows


def _manage_action(request: HttpRequest, conference, delegate, form: BallotForm) -> None:
    action = request.POST.get("action")
    ballot = None
    if request.POST.get("ballot"):
        ballot = selectors.ballot_get(conference=conference, pk=int(request.POST["ballot"]))
    if action == "create":
        if not form.is_valid():
            raise ConferenceError(_("Check the form."))
        data = form.cleaned_data
        subject = data["subject"]
        amendment = version = None
        if subject.startswith("a"):
            amendment = conference.amendments.get(pk=int(subject[1:]))
        elif subject.startswith("v"):
            version = conference.statement.versions.get(pk=int(subject[1:]))
        services.ballot_create(
            conference=conference,
            by=delegate,
            title=data["title"],
            amendment=amendment,
            version=version,
            mode=data["mode"],
            secret=data["secret"],
            abstain_allowed=data["abstain_allowed"],
            fraction=_fraction(data["fraction"]),
            strict=data["strict"],
            base=data["base"],
            quorum=_fraction(data["quorum"]) if data["quorum"] else None,
            quorum_of=data["quorum_of"] if data["quorum"] else "",
        )
        messages.success(request, _("Ballot created."))
    elif action == "open" and ballot:
        services.ballot_open(ballot=ballot, by=delegate)
    elif action == "close" and ballot:
        services.ballot_close(ballot=ballot, by=delegate)
    elif action == "publish" and ballot:
        services.ballot_publish_results(ballot=ballot, by=delegate)
    elif action == "present" and ballot:
        present = PresentForm(request.POST)
        if not present.is_valid():
            raise ConferenceError(_("Enter the number present."))
        services.ballot_set_present(
            ballot=ballot, by=delegate, present=present.cleaned_data["present"]
        )
    elif action == "record" and ballot:
        record = RecordForm(request.POST)
        if not record.is_valid():
            raise ConferenceError(_("Check the form."))
        services.ballot_record(ballot=ballot, by=delegate, **record.cleaned_data)
    elif action == "consolidate":
        version = services.conference_consolidate(conference=conference, by=delegate)
        messages.success(
            request, _("Version %(number)d of the text is ready.") % {"number": version.number}
        )
    elif action == "adopt" and ballot:
        services.conference_adopt(conference=conference, ballot=ballot, by=delegate)
        messages.success(request, _("The declaration is published and open for signatures."))
    else:
        raise ConferenceError(_("Check the form."))


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """Email and password, for delegates who set one; otherwise their invitation link."""
    form = DelegateLoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        target = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            return redirect(target)
        landing = selectors.conference_to_land_on(user=user)
        return redirect(landing.get_absolute_url() if landing else "/")
    return render(
        request, "assembly/sign_in.html", {"form": form, "next": request.GET.get("next", "")}
    )


@require_http_methods(["GET", "POST"])
def set_password(request: HttpRequest) -> HttpResponse:
    """A signed-in delegate chooses a password, to sign in without their link."""
    if not request.user.is_authenticated:
        return _forbidden(request)
    form = SetPasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        audit_record(action="delegate.set_password", target=user, actor=user, data={})
        messages.success(request, _("Your password is set."))
        return redirect("assembly:sign_in")
    return render(request, "assembly/set_password.html", {"form": form})
