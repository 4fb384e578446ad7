"""Downloads of stored files (reports, evidence, minutes), whatever the storage.

Files are streamed through the view that checked the co-op's permissions, never handed out
as a storage URL: the object store stays private and may sit on an internal network the
browser cannot reach (MinIO behind the proxy), and a link cannot outlive a revoked role.
"""

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404


def stored_file_response(
    field_file: FieldFile, *, filename: str, content_type: str | None = None
) -> FileResponse:
    """`field_file` as an attachment named `filename`; 404 if it has no file or it is gone."""
    if not field_file:
        raise Http404
    try:
        handle = field_file.storage.open(field_file.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    # Without a content type FileResponse guesses it from `filename`.
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
