"""Sessions without AWS: a stable region, pseudo-account and default bucket from the settings.

Nothing here calls a network: `default_bucket()` is `sagemaker-{region}-{account}`, and its
objects are folders of the artifact store (`batchops.sagemaker.s3`).
"""

from __future__ import annotations

from typing import Any

from batchops.runtime import arns
from batchops.sagemaker import s3
from batchops.sagemaker._unsupported import refuse
from batchops.settings import sagemaker_account

EXECUTION_ROLE = "role/service-role/AmazonSageMaker-ExecutionRole-batchops"


class _BotoSession:
    """What notebooks read of `session.boto_session`: the region; clients are refused."""

    def __init__(self, region_name: str) -> None:
        self.region_name = region_name

    def client(self, service_name: str, *args: Any, **kwargs: Any) -> Any:
        refuse(f"boto3 client {service_name!r}", "batchops.sagemaker makes no AWS calls")


class Session:
    """The SDK's Session, local: `boto_region_name`, `account_id()`, `default_bucket()`, and
    the S3 calls notebooks make, on the artifact store's SDK buckets."""

    def __init__(
        self,
        boto_session: Any = None,
        sagemaker_client: Any = None,
        sagemaker_runtime_client: Any = None,
        sagemaker_featurestore_runtime_client: Any = None,
        default_bucket: str | None = None,
        settings: Any = None,
        sagemaker_metrics_client: Any = None,
        sagemaker_config: dict[str, Any] | None = None,
        default_bucket_prefix: str | None = None,
    ) -> None:
        account = sagemaker_account()
        self._region = account.region
        self._account_id = account.account_id
        self._default_bucket = default_bucket
        self.default_bucket_prefix = default_bucket_prefix
        self.boto_session = _BotoSession(account.region)
        self.sagemaker_config = sagemaker_config
        self.local_mode = False

    @property
    def boto_region_name(self) -> str:
        return self._region

    def account_id(self) -> str:
        return self._account_id

    def default_bucket(self) -> str:
        return self._default_bucket or f"sagemaker-{self._region}-{self._account_id}"

    def get_caller_identity_arn(self) -> str:
        return get_execution_role(self)

    def upload_data(
        self,
        path: str,
        bucket: str | None = None,
        key_prefix: str = "data",
        extra_args: Any = None,
        callback: Any = None,
    ) -> str:
        return s3.upload(
            path, s3.s3_path_join("s3://", bucket or self.default_bucket(), key_prefix)
        )

    def upload_string_as_file_body(
        self, body: str, bucket: str, key: str, kms_key: str | None = None
    ) -> str:
        return s3.write(s3.s3_path_join("s3://", bucket, key), body.encode("utf-8"))

    def read_s3_file(self, bucket: str, key_prefix: str) -> str:
        return s3.read(s3.s3_path_join("s3://", bucket, key_prefix)).decode("utf-8")

    def download_data(
        self, path: str, bucket: str, key_prefix: str = "", extra_args: Any = None
    ) -> list[str]:
        return s3.download(s3.s3_path_join("s3://", bucket, key_prefix), path)

    def list_s3_files(self, bucket: str, key_prefix: str) -> list[str]:
        found = s3.list_uris(s3.s3_path_join("s3://", bucket, key_prefix))
        return [s3.parse_s3_url(uri)[1] for uri in found]


def get_execution_role(sagemaker_session: Session | None = None, use_default: bool = False) -> str:
    """A stable role ARN of the pseudo-account; batchops runs everything as the current user."""
    return arns.arn(EXECUTION_ROLE, service="iam", regional=False)


def resolve_session(session: Session | None) -> Session:
    return session if session is not None else Session()
