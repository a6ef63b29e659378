"""WSGI entry for gunicorn: ``gunicorn mederp.config.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mederp.config.settings")
application = get_wsgi_application()
