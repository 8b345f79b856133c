"""Settings from the environment, read when asked so tests can point each run elsewhere."""

from __future__ import annotations

import functools
import getpass
import os
from dataclasses import dataclass
from pathlib import Path

from batchops.errors import EnvironmentProblem, InvalidInput


@dataclass(frozen=True)
class Settings:
    home: Path
    db_url: str
    artifacts: str
    user: str
    heartbeat_timeout: float = 60.0
    lock_timeout: float = 60.0
    """BATCHOPS_LOCK_TIMEOUT: seconds a write waits for another writer's lock before it gives
    up (Busy); `batchops server`'s processes wait BATCHOPS_SERVER_LOCK_TIMEOUT instead."""
    dask_address: str | None = None
    """BATCHOPS_DASK_ADDRESS: the Dask scheduler data-heavy jobs run on (`local`: a cluster
    started for the job); unset, they run in this process."""


HOME_PLACEHOLDER = "${BATCHOPS_HOME}"
ARTIFACTS_PLACEHOLDER = "${BATCHOPS_ARTIFACTS}"


def expand_locations(value: str) -> str:
    """`${BATCHOPS_HOME}/…` or `${BATCHOPS_ARTIFACTS}/…` as a place under this home or this
    artifact store: how a stored definition names a place without naming a host (the
    example's default data), made concrete when an execution starts. Anything else as is."""
    settings = get_settings()
    for placeholder, root in (
        (HOME_PLACEHOLDER, str(settings.home)),
        (ARTIFACTS_PLACEHOLDER, settings.artifacts),
    ):
        if value == placeholder or value.startswith(f"{placeholder}/"):
            return root.rstrip("/") + value[len(placeholder) :]
    return value


def current_user() -> str:
    """Who is acting: BATCHOPS_USER, else the OS user."""
    explicit = os.environ.get("BATCHOPS_USER")
    if explicit:
        return explicit
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return "unknown"


def is_loopback(host: str) -> bool:
    """Whether `host` reaches this machine only: where a server may run without tokens."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_READ = (
    "BATCHOPS_HOME",
    "BATCHOPS_DB_URL",
    "BATCHOPS_ARTIFACTS",
    "BATCHOPS_USER",
    "BATCHOPS_HEARTBEAT_TIMEOUT",
    "BATCHOPS_LOCK_TIMEOUT",
    "BATCHOPS_DASK_ADDRESS",
    # getpass.getuser's own sources, so a change of user is seen too
    "LOGNAME",
    "USER",
    "LNAME",
    "USERNAME",
)


def get_settings() -> Settings:
    """The settings now; a home that cannot be a folder is refused here, before anything uses it.

    Read for every query, so the result is kept per environment and working folder: a server
    request then costs a dictionary look-up instead of path resolution and stat calls, and a
    test that points the environment elsewhere still gets the new settings at once."""
    try:
        folder = os.getcwd()
    except OSError:  # the working folder was deleted: only an absolute home still works
        folder = None
    return _settings_for((folder, *(os.environ.get(name) for name in _READ)))


@functools.lru_cache(maxsize=16)
def _settings_for(_key: tuple[str | None, ...]) -> Settings:
    home = Path(os.environ.get("BATCHOPS_HOME", ".batchops")).expanduser().resolve()
    if home.exists() and not home.is_dir():
        raise EnvironmentProblem(
            f"BATCHOPS_HOME {home} is a file; it must be a folder (or not exist)"
        )
    db_url = os.environ.get("BATCHOPS_DB_URL") or f"sqlite:///{home / 'batchops.db'}"
    artifacts = os.environ.get("BATCHOPS_ARTIFACTS") or str(home / "artifacts")
    if "://" not in artifacts:
        artifacts = str(Path(artifacts).expanduser().resolve())
    return Settings(
        home=home,
        db_url=db_url,
        artifacts=artifacts,
        user=current_user(),
        heartbeat_timeout=_seconds("BATCHOPS_HEARTBEAT_TIMEOUT", 60.0),
        lock_timeout=_seconds("BATCHOPS_LOCK_TIMEOUT", 60.0),
        dask_address=os.environ.get("BATCHOPS_DASK_ADDRESS", "").strip() or None,
    )


@dataclass(frozen=True)
class AutomationSettings:
    """The scheduler's knobs: how often it looks, how long its lease lasts, how far rules that
    trigger each other may go, and how webhooks are tried."""

    poll_seconds: float
    lease_seconds: float
    max_event_chain: int
    webhook_tries: int
    webhook_timeout: float
    webhook_backoff: float


def automation_settings() -> AutomationSettings:
    return AutomationSettings(
        poll_seconds=_seconds("BATCHOPS_SCHEDULER_POLL", 0.5),
        lease_seconds=_seconds("BATCHOPS_SCHEDULER_LEASE", 30.0),
        max_event_chain=_positive_int("BATCHOPS_MAX_EVENT_CHAIN", 3),
        webhook_tries=_positive_int("BATCHOPS_WEBHOOK_TRIES", 4),
        webhook_timeout=_seconds("BATCHOPS_WEBHOOK_TIMEOUT", 5.0),
        webhook_backoff=_seconds("BATCHOPS_WEBHOOK_BACKOFF", 1.0),
    )


@dataclass(frozen=True)
class SageMakerAccount:
    """The pseudo-account that `batchops.sagemaker` answers for, so default buckets and ARNs
    are the same in every session and process: BATCHOPS_SAGEMAKER_REGION (us-east-1),
    BATCHOPS_SAGEMAKER_ACCOUNT (twelve digits, 000000000000), and BATCHOPS_SAGEMAKER_ASYNC
    (1: `Pipeline.start()` runs in the background instead of to the end, as local mode does)."""

    region: str
    account_id: str
    run_in_background: bool


def sagemaker_account() -> SageMakerAccount:
    region = os.environ.get("BATCHOPS_SAGEMAKER_REGION", "").strip() or "us-east-1"
    if not all(c.isalnum() or c == "-" for c in region):
        raise EnvironmentProblem(f"BATCHOPS_SAGEMAKER_REGION={region!r} is not a region name")
    account = os.environ.get("BATCHOPS_SAGEMAKER_ACCOUNT", "").strip() or "000000000000"
    if not (account.isdigit() and len(account) == 12):
        raise EnvironmentProblem(f"BATCHOPS_SAGEMAKER_ACCOUNT={account!r} must be twelve digits")
    background = os.environ.get("BATCHOPS_SAGEMAKER_ASYNC", "").strip().lower()
    return SageMakerAccount(region, account, background in ("1", "true", "yes"))


@dataclass(frozen=True)
class ModelLimits:
    """Bounds on a model read from anywhere, so a hostile archive fails fast instead of
    exhausting memory: batch ML models are a few hundred MB at most."""

    max_bytes: int  # uncompressed bytes read from one archive, or one folder's files
    max_members: int  # members of one model.tar.gz
    max_features: int  # features a manifest or booster may declare


def model_limits() -> ModelLimits:
    return ModelLimits(
        max_bytes=_positive_int("BATCHOPS_MAX_MODEL_BYTES", 1 << 30),
        max_members=_positive_int("BATCHOPS_MAX_MODEL_MEMBERS", 1000),
        max_features=_positive_int("BATCHOPS_MAX_MODEL_FEATURES", 1 << 21),
    )


# Lengths of what people type or send (README, "Limits"). Beyond them a command exits 2 and
# the API answers 422 with one line naming the field, so one request cannot fill the database
# or every list that shows it; the message never repeats the value.
MAX_NAME_CHARS = 256  # a pipeline's or a parameter's name
MAX_PARAMETER_CHARS = 4096  # one parameter value, as text
MAX_DESCRIPTION_CHARS = 4096  # a pipeline's, a step's or a model version's description
MAX_REASON_CHARS = 2000  # why a version was approved or rejected
MAX_SHOWN_CHARS = 4096  # a text in a list or an event; a longer one stored earlier is cut
DEFAULT_MAX_REQUEST_BYTES = 1 << 20


def server_lock_timeout() -> float:
    """BATCHOPS_SERVER_LOCK_TIMEOUT: seconds a server's write waits for a lock (5 by default)
    before it answers 503 with Retry-After, so a long writer elsewhere never holds a server
    process (and every request queued behind it) for a minute."""
    return _seconds("BATCHOPS_SERVER_LOCK_TIMEOUT", 5.0)


def max_request_bytes() -> int:
    """BATCHOPS_MAX_REQUEST_BYTES: the largest request body the server reads (413 beyond)."""
    return _positive_int("BATCHOPS_MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES)


def check_length(text: str, limit: int, what: str) -> str:
    """`text` if it has at most `limit` characters; else InvalidInput naming `what`."""
    if len(text) > limit:
        raise InvalidInput(f"{what} is {len(text)} characters long; at most {limit} are accepted")
    return text


def _positive_int(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{name} must be a positive whole number, got {text[:40]!r}")
    return int(text)


def _seconds(name: str, default: float) -> float:
    """A positive number of seconds from the environment variable `name`."""
    text = os.environ.get(name)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise EnvironmentProblem(f"{name}={text!r} must be a positive number of seconds")
    return value


def environments_folder() -> Path:
    """Where framework environments are built once and reused (BATCHOPS_ENVIRONMENTS, default
    `<home>/environments`): point several homes, or a cluster's hosts, at one shared folder."""
    explicit = os.environ.get("BATCHOPS_ENVIRONMENTS", "").strip()
    if explicit:
        return Path(explicit).expanduser().resolve()
    return get_settings().home / "environments"
