"""Mail to delegates, sent by the task worker: the invitation with the sign-in link."""

from __future__ import annotations

from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_tasks import task

from undersigned.assembly.models import Delegate
from undersigned.signatures.tasks import absolute_url


@task()
def send_invitation(delegate_id: int) -> str:
    delegate = Delegate.objects.select_related("conference", "user").filter(pk=delegate_id).first()
    if delegate is None or not delegate.token:
        return "skipped: delegate gone"
    with translation.override(delegate.language):
        context = {
            "delegate": delegate,
            "conference": delegate.conference,
            "link": absolute_url(reverse("assembly:login_link", args=[delegate.token])),
        }
        subject = render_to_string("assembly/mail/invitation_subject.txt", context)
        body = render_to_string("assembly/mail/invitation.txt", context)
    EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        to=[delegate.user.email],
        headers={"Content-Language": delegate.language, "Auto-Submitted": "auto-generated"},
    ).send()
    return "sent"
