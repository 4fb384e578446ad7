"""Where uploaded and generated files live: `STORAGES["default"]`, chosen by the environment.

- `STORAGE_BACKEND=filesystem` (the default): MEDIA_ROOT on this host's disk. `make run`
  needs nothing, but a second web or worker host would not see these files.
- `STORAGE_BACKEND=s3`: any S3-compatible service (AWS S3, MinIO, Ceph, ...) through
  django-storages, shared by every host.

Files are private either way: no public ACL is ever sent (objects get the bucket's own,
private, default) and nothing is served from MEDIA_URL; every download goes through a view
that checks the co-op's permissions and streams the file (`coop.storage`).

Read by config/settings.py only; kept apart so that tests build the same configuration
from a test environment.
"""

import environ
from django.core.exceptions import ImproperlyConfigured

BACKENDS = ("filesystem", "s3")
S3_BACKEND = "storages.backends.s3.S3Storage"
# An upload or a report of a few megabytes: a host that does not answer within these is down.
CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 60
# /healthz: one bounded attempt, never a retry (a probe that waits is itself a failure).
PROBE_TIMEOUT_SECONDS = 2


def s3_client_config(*, endpoint_url: str | None, timeout: float | None = None, retries: int = 3):
    """botocore's client settings: timeouts, retries, and path-style addressing for a
    self-hosted endpoint (MinIO and friends rarely have a DNS name per bucket)."""
    from botocore.config import Config

    return Config(
        connect_timeout=timeout or CONNECT_TIMEOUT_SECONDS,
        read_timeout=timeout or READ_TIMEOUT_SECONDS,
        retries={"mode": "standard", "total_max_attempts": 1 + retries},
        signature_version="s3v4",
        s3={"addressing_style": "path" if endpoint_url else "auto"},
    )


def s3_options(
    *,
    bucket: str,
    endpoint_url: str | None = None,
    access_key: str | None = None,
    secret_key: str | None = None,
    region: str | None = None,
) -> dict:
    """django-storages' S3Storage options for a private bucket."""
    return {
        "bucket_name": bucket,
        "endpoint_url": endpoint_url or None,
        # None: boto3 finds credentials itself (an instance role, ~/.aws, its own variables).
        "access_key": access_key or None,
        "secret_key": secret_key or None,
        "region_name": region or None,
        "default_acl": None,  # never "public-read"; objects inherit the private bucket default
        "querystring_auth": True,  # any URL the storage makes is signed...
        "querystring_expire": 60,  # ...and valid for a minute
        "file_overwrite": False,  # two reports with one name get two objects, like on disk
        # A file read for a download spills to a temporary file past this, not all into memory.
        "max_memory_size": 2 * 1024 * 1024,
        "client_config": s3_client_config(endpoint_url=endpoint_url),
    }


def default_storage_config(env: environ.Env) -> dict:
    """`STORAGES["default"]` from the environment; a bad value stops the start-up, named."""
    backend = env.str("STORAGE_BACKEND", default="filesystem").strip().lower()
    if backend not in BACKENDS:
        raise ImproperlyConfigured(f"STORAGE_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}.")
    if backend == "filesystem":
        # No location: FileSystemStorage follows MEDIA_ROOT (and tests that change it). Only the
        # application's user reads the files (static files keep their own, readable, modes).
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"file_permissions_mode": 0o600, "directory_permissions_mode": 0o700},
        }
    bucket = env.str("AWS_STORAGE_BUCKET_NAME", default="").strip()
    if not bucket:
        raise ImproperlyConfigured("AWS_STORAGE_BUCKET_NAME must be set when STORAGE_BACKEND is s3.")
    endpoint_url = env.str("AWS_S3_ENDPOINT_URL", default="").strip()
    if endpoint_url and not endpoint_url.startswith(("http://", "https://")):
        raise ImproperlyConfigured(
            f"AWS_S3_ENDPOINT_URL must start with http:// or https://, not {endpoint_url!r}."
        )
    return {
        "BACKEND": S3_BACKEND,
        "OPTIONS": s3_options(
            bucket=bucket,
            endpoint_url=endpoint_url,
            access_key=env.str("AWS_ACCESS_KEY_ID", default=""),
            secret_key=env.str("AWS_SECRET_ACCESS_KEY", default=""),
            region=env.str("AWS_S3_REGION_NAME", default=""),
        ),
    }
