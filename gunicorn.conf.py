# PLACEHOLDER (helper `image`): helper `prodserver` owns this file; keep its version at merge.
# (gunicorn reads WEB_CONCURRENCY itself for the number of workers.)
bind = "0.0.0.0:8000"
accesslog = "-"
