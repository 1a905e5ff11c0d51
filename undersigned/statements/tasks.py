"""Translation work run by the task worker, outside any request and any transaction."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django_tasks import task

from undersigned.statements.models import StatementVersion

logger = logging.getLogger(__name__)


@task()
def translation_machine_draft(version_id: int, language: str) -> str:
    """A machine draft of a version in a requested language: the blocks without a
    translation are filled as origin machine, state needs review (the translator screen's
    "machine" action, services.translation_machine_fill). Queued by
    services.translations_request when a provider is configured. A provider that fails
    (translation.TranslationError) fails the task, which the worker tries again later."""
    from undersigned.statements.services import MachineTranslationOff, translation_machine_fill

    version = StatementVersion.objects.filter(pk=version_id).first()
    if version is None:
        return "skipped: version gone"
    try:
        filled = translation_machine_fill(version=version, language=language)
    except MachineTranslationOff:
        return "skipped: machine translation is off"
    except ValidationError as exc:
        logger.warning("no machine draft of %s into %s: %s", version, language, exc.messages)
        return "skipped: not a language to translate into"
    return f"filled {filled}"
