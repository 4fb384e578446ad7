#!/bin/sh
# One-shot set-up of the object storage (docker-compose.yml's `createbucket` service, run
# with MinIO's client image): the private bucket for uploads, reports and evidence packs,
# with versioning on (an overwritten or deleted file can be recovered), and an application
# user limited to read/write, so that the app never holds MinIO's root credentials.
# Safe to run again: every step accepts what is already there.
set -eu
mc alias set local "http://minio:9000" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD"
mc mb --ignore-existing "local/$AWS_STORAGE_BUCKET_NAME"
mc anonymous set none "local/$AWS_STORAGE_BUCKET_NAME"
mc version enable "local/$AWS_STORAGE_BUCKET_NAME"
mc admin user add local "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY"
# "readwrite" is MinIO's built-in policy; attaching it again is refused as "already
# attached", which is what a second run should see; any other refusal stops the set-up.
if ! output=$(mc admin policy attach local readwrite --user "$AWS_ACCESS_KEY_ID" 2>&1); then
    case "$output" in
        *"already"*) ;;
        *) echo "$output" >&2; exit 1 ;;
    esac
fi
