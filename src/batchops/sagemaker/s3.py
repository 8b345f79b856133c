"""S3 as notebooks use it, on the artifact store: `S3Uploader`, `S3Downloader`, URL helpers.

Every `s3://bucket/key` goes through the store's one mapping (`resolve_sdk_s3`), so what a
notebook uploads here is what its pipeline's steps read, on this machine or on the store's
own S3. A location of the store itself (a step's output) is read as it is.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from batchops.errors import InvalidInput, NotFound
from batchops.store import artifacts

Uris = list[str]


def parse_s3_url(url: str) -> tuple[str, str]:
    """(bucket, key) of `s3://bucket/key`."""
    if not str(url).startswith("s3://"):
        raise InvalidInput(f"{url!r} is not an s3:// URL")
    bucket, _, key = str(url)[len("s3://") :].partition("/")
    return bucket, key


def s3_path_join(*args: str, with_end_slash: bool = False) -> str:
    """Join parts with single slashes, keeping a leading `s3://`."""
    parts = [str(a) for a in args if a is not None and str(a) != ""]
    if not parts:
        return ""
    head = "s3://" if parts[0].startswith("s3://") else ""
    if head:
        parts[0] = parts[0][len(head) :]
    joined = head + "/".join(p.strip("/") for p in parts if p.strip("/"))
    return joined + "/" if with_end_slash else joined


def location(uri: str) -> str:
    """The store location of an `s3://` URI (anything else is taken as a location)."""
    return artifacts.resolve_sdk_s3(str(uri))


def _missing(uri: str) -> NotFound:
    return NotFound(
        f"{uri} does not exist (batchops keeps SDK buckets in its artifact store under "
        f"{artifacts.join(artifacts.artifacts_root(), artifacts.SDK_BUCKETS)}; "
        "put files there with S3Uploader.upload)"
    )


def read(uri: str) -> bytes:
    found = location(uri)
    if not artifacts.exists(found):
        raise _missing(uri)
    return artifacts.read_bytes(found)


def write(uri: str, data: bytes) -> str:
    artifacts.write_bytes(location(uri), data)
    return uri


def upload(local_path: str | os.PathLike[str], desired_uri: str) -> str:
    """A file goes to `<desired_uri>/<its name>`, a folder's files below `desired_uri`; the
    URI of what was uploaded is returned, as the SDK's `upload_data` does."""
    source = Path(local_path)
    if source.is_file():
        target = s3_path_join(desired_uri, source.name)
        artifacts.write_bytes(location(target), source.read_bytes())
        return target
    if not source.is_dir():
        raise InvalidInput(f"{source} is neither a file nor a folder to upload")
    for file in sorted(p for p in source.rglob("*") if p.is_file()):
        relative = file.relative_to(source).as_posix()
        artifacts.write_bytes(location(s3_path_join(desired_uri, relative)), file.read_bytes())
    return s3_path_join(desired_uri)


def list_uris(uri: str) -> Uris:
    """The objects whose keys start with `uri`'s key, as `s3://` URIs, in key order."""
    bucket, prefix = parse_s3_url(uri)
    bucket_location = location(f"s3://{bucket}")
    fs, root = artifacts.filesystem(bucket_location)
    if not fs.exists(root):
        return []
    found = []
    for path in fs.find(root):
        key = str(path)[len(root.rstrip("/")) + 1 :]
        if key.startswith(prefix) and not Path(key).name.startswith("."):
            found.append(f"s3://{bucket}/{key}")
    return sorted(found)


def download(uri: str, local_path: str | os.PathLike[str]) -> Uris:
    """Copy the objects under `uri` into `local_path`, keeping their keys below it."""
    _, prefix = parse_s3_url(uri)
    target = Path(local_path)
    written = []
    for found in list_uris(uri):
        key = parse_s3_url(found)[1]
        relative = key[len(prefix) :].lstrip("/") or Path(key).name
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(read(found))
        written.append(str(destination))
    return written


class S3Uploader:
    """The SDK's uploads, into the artifact store's SDK buckets."""

    @staticmethod
    def upload(
        local_path: str,
        desired_s3_uri: str,
        kms_key: str | None = None,
        sagemaker_session: Any = None,
        callback: Any = None,
    ) -> str:
        return upload(local_path, desired_s3_uri)

    @staticmethod
    def upload_string_as_file_body(
        body: str,
        desired_s3_uri: str | None = None,
        kms_key: str | None = None,
        sagemaker_session: Any = None,
    ) -> str:
        if desired_s3_uri is None:
            raise InvalidInput("upload_string_as_file_body needs desired_s3_uri")
        return write(desired_s3_uri, body.encode("utf-8"))

    @staticmethod
    def upload_bytes(
        b: bytes, s3_uri: str, kms_key: str | None = None, sagemaker_session: Any = None
    ) -> str:
        return write(s3_uri, bytes(b))


class S3Downloader:
    """The SDK's downloads, from the artifact store's SDK buckets (or a store location)."""

    @staticmethod
    def download(
        s3_uri: str, local_path: str, kms_key: str | None = None, sagemaker_session: Any = None
    ) -> Uris:
        return download(s3_uri, local_path)

    @staticmethod
    def read_file(s3_uri: str, sagemaker_session: Any = None) -> str:
        return read(s3_uri).decode("utf-8")

    @staticmethod
    def read_bytes(s3_uri: str, sagemaker_session: Any = None) -> bytes:
        return read(s3_uri)

    @staticmethod
    def list(s3_uri: str, sagemaker_session: Any = None) -> Uris:
        return list_uris(s3_uri)
