"""Functions the churn pipelines call as FunctionSteps (the original's Lambda functions)."""

from __future__ import annotations

from batchops import registry


def get_approved_model(
    model_package_group: str, execution_id: str | None = None, shadow_pending: object = False
) -> dict[str, object]:
    """The newest Approved version of the group, and the baselines it was registered with:
    the prepared layout's, and the raw training data's ("" when the version has none).

    The original's Lambda sorted approved packages by creation time ascending and took the
    first, i.e. the oldest; this takes the highest version number with status Approved.
    """
    version = registry.approved_version(model_package_group)  # its files checked
    shadow = _shadow_version(model_package_group) if _asked(shadow_pending) else None
    if execution_id:
        if shadow is not None:  # first, so the approved version stays the execution's latest use
            registry.record_usage(execution_id, shadow.group, shadow.version, "ShadowScore")
        registry.record_usage(execution_id, version.group, version.version, "GetApprovedModel")
    return {
        "model_package": f"{version.group}/{version.version}",
        "model_version": version.version,
        "model_uri": version.model_data_uri,
        "statistics_uri": version.statistics_uri,
        "constraints_uri": version.constraints_uri,
        "raw_statistics_uri": version.raw_statistics_uri or "",
        "raw_constraints_uri": version.raw_constraints_uri or "",
        "shadow": shadow is not None,
        "shadow_model_package": shadow.ref if shadow else "",
        "shadow_model_uri": shadow.model_data_uri if shadow else "",
    }


def _asked(flag: object) -> bool:
    return flag is True or str(flag).strip().lower() in ("true", "1", "yes")


def _shadow_version(group: str) -> registry.ModelVersion | None:
    """The newest version waiting for approval, to score beside the approved one (its files
    checked); None when the group has none."""
    from batchops.errors import NotFound
    from batchops.registry.status import PENDING

    try:
        pending = registry.latest_version(group, PENDING)
    except NotFound:
        return None
    return registry.verified_version(pending.group, pending.version)


def get_champion_model(
    model_package_group: str, execution_id: str | None = None
) -> dict[str, object]:
    """The approved model a new one must beat, or an empty URI when the group has none yet or
    its files are unusable (`champion_problem` then says why; the step log shows it)."""
    found = registry.champion(model_package_group, execution_id=execution_id)
    version = found.version
    return {
        "model_uri": version.model_data_uri if version else "",
        "model_package": version.ref if version else "",
        "champion_problem": found.problem,
    }
