import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")
application = get_wsgi_application()

# Load at start what the first confirmations would otherwise wait for: Unicode's confusables
# table behind the lookalike check.
from undersigned.core.text import confusable_skeleton  # noqa: E402

confusable_skeleton("")
