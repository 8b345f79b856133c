"""The model registry: where a team decides which model version runs in production.

Groups hold numbered versions (model data, inference spec, metrics, drift-check baselines,
custom metadata, the execution that made them), each in a folder of its own whose files are
checked against their recorded digests before use; versions move between
PendingManualApproval, Approved and Rejected with who, when and why; every change appends an
event that schedules and rules read in order. Heavy modules import nothing at start-up.
"""

from batchops.registry.groups import create_group, delete_group, get_group, list_groups
from batchops.registry.lineage import execution_lineage, record_usage, version_lineage
from batchops.registry.lookup import (
    Champion,
    approved_version,
    champion,
    model_data_uri,
    verified_version,
    verify_versions,
)
from batchops.registry.refs import parse_version_ref
from batchops.registry.status import APPROVED, PENDING, REJECTED, STATUSES
from batchops.registry.transfer import export_version, import_version
from batchops.registry.values import ApprovalChange, ModelGroup, ModelVersion
from batchops.registry.version_files import VersionFilesChanged
from batchops.registry.versions import (
    approve,
    get_version,
    latest_version,
    list_versions,
    register_version,
    reject,
    update_description,
    update_status,
)
from batchops.store.events import Event, commit_position, consume, poll, read_events

# The log is the store's; registry users met its entries under this name first.
RegistryEvent = Event

__all__ = [
    "APPROVED",
    "PENDING",
    "REJECTED",
    "STATUSES",
    "ApprovalChange",
    "Champion",
    "Event",
    "ModelGroup",
    "ModelVersion",
    "RegistryEvent",
    "VersionFilesChanged",
    "approve",
    "approved_version",
    "champion",
    "commit_position",
    "consume",
    "create_group",
    "delete_group",
    "execution_lineage",
    "export_version",
    "get_group",
    "get_version",
    "import_version",
    "latest_version",
    "list_groups",
    "list_versions",
    "model_data_uri",
    "parse_version_ref",
    "poll",
    "read_events",
    "record_usage",
    "register_version",
    "reject",
    "update_description",
    "update_status",
    "verified_version",
    "verify_versions",
    "version_lineage",
]
