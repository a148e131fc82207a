"""gunicorn's settings for SDSF (docs/deployment.md): ``gunicorn --config deploy/gunicorn.conf.py``.

Threaded workers (gthread): a page mostly waits on PostgreSQL, the htmx progress polls of imports
and commissions are short and frequent, and threads of one process share its memory (Django,
polars, WeasyPrint: about 200 MB a process). Each process keeps a pool of at most
``SDSF_DB_POOL_SIZE`` connections (settings/prod.py), as many as it has threads: the database
sees at most workers × threads connections from the web, plus one per task worker and command.
Long computations (commission runs, imports) go to the task worker, not to a request.
"""

import os

wsgi_app = "sdsf.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", os.environ.get("SDSF_DB_POOL_SIZE", "4")))
timeout = 120  # PDF letters and large exports are built within the request
graceful_timeout = 30
max_requests = 2000  # a process is replaced now and then: bounded memory growth
max_requests_jitter = 200

# Access log on standard output (journald), without query strings and referrers: searches carry
# people's names there. %(U)s is the path alone; %(M)s the duration in milliseconds.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
