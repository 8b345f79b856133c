"""`batchops registry …`: groups, versions, approval, lookup, lineage, events, export/import."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from batchops.cli.output import (
    JsonFlag,
    print_json,
    print_none_found,
    print_table,
    stdout,
    styled,
)

if TYPE_CHECKING:
    from batchops.registry import ModelVersion

app = typer.Typer(help="Model registry: versions, approval, lineage.", no_args_is_help=True)


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="registry")


Reason = Annotated[str, typer.Option("--reason", help="Why; kept in the approval history.")]
VersionRef = Annotated[str, typer.Argument(metavar="GROUP/VERSION")]


@app.command()
def groups(as_json: JsonFlag = False) -> None:
    """Model package groups, with how many versions of each status they hold."""
    from batchops import registry
    from batchops.registry.status import status_summary

    found = registry.list_groups()
    if as_json:
        print_json([group.to_json() for group in found])
        return
    if not found:
        print_none_found("model package groups")
        return
    print_table(
        ("GROUP", "VERSIONS"),
        [(group.name, status_summary(group.status_counts) or "empty") for group in found],
    )


@app.command("create-group")
def create_group(
    name: str,
    description: Annotated[str, typer.Option(help="What the group's models are for.")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Create an empty model package group (RegisterModel also creates missing ones)."""
    from batchops import registry

    group = registry.create_group(name, description)
    print_json(group.to_json()) if as_json else stdout.print(f"created group {group.name}")


@app.command("delete-group")
def delete_group(name: str) -> None:
    """Delete a group; refused while it holds any version."""
    from batchops import registry

    registry.delete_group(name)
    stdout.print(f"deleted group {name}")


@app.command("delete-version")
def delete_version(
    ref: VersionRef,
    force: Annotated[
        bool, typer.Option("--force", help="Delete it even if it is Approved.")
    ] = False,
) -> None:
    """Delete a version's record; an Approved one is refused unless --force. Files stay."""
    from batchops import registry
    from batchops.registry.versions import delete_version as delete

    deleted = delete(*registry.parse_version_ref(ref), force=force)
    stdout.print(f"deleted {deleted.ref} ({deleted.status})")


@app.command()
def versions(
    group: str,
    status: Annotated[str | None, typer.Option(help="Only versions of this status.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """The group's versions, newest first."""
    from batchops import registry

    found = registry.list_versions(group, status)
    if as_json:
        print_json([version.to_json() for version in found])
        return
    if not found:
        print_none_found(f"{status + ' ' if status else ''}versions of group {group}")
        return
    print_table(("VERSION", "STATUS", "CREATED", "METRICS"), [_version_row(v) for v in found])


@app.command()
def compare(first: VersionRef, second: VersionRef, as_json: JsonFlag = False) -> None:
    """Two versions side by side: evaluation (and champion) figures, realised model quality."""
    from batchops.registry.version_comparison import REALISED, compare_versions

    table = compare_versions(first, second)
    if as_json:
        print_json(table)
        return
    headline = table.get("headline")
    if headline:
        direction = "lower" if headline["lower_is_better"] else "higher"
        better = headline["better"] or "neither"
        stdout.print(
            f"{headline['problem_type']}: compared on {headline['metric']} ({direction} is "
            f"better): {better}"
        )
    refs = [v["ref"] for v in table["versions"]]
    stdout.print(f"{'metric':<32} {refs[0]:>22} {refs[1]:>22}")
    for name, values in table["metrics"].items():
        cells = [f"{v:.4f}" if isinstance(v, float) else str(v) for v in values]
        stdout.print(f"{name:<32} {cells[0]:>22} {cells[1]:>22}")
    for name in REALISED:
        cells = [v["realised"].get(name) for v in table["versions"]]
        if any(c is not None for c in cells):
            shown = [f"{c:.4f}" if c is not None else "-" for c in cells]
            stdout.print(f"{'realised ' + name:<32} {shown[0]:>22} {shown[1]:>22}")
    for date, figures in table["realised_by_date"].items():
        for name, values in figures.items():
            if any(v is not None for v in values):
                shown = [f"{v:.4f}" if v is not None else "-" for v in values]
                label = f"{date} {name}"
                stdout.print(f"{label:<32} {shown[0]:>22} {shown[1]:>22}")


@app.command()
def describe(ref: VersionRef, as_json: JsonFlag = False) -> None:
    """One version: its model, metrics, baselines, metadata and approval history."""
    from batchops import registry

    version = registry.get_version(*registry.parse_version_ref(ref))
    print_json(version.to_json()) if as_json else _print_detail(version)


@app.command()
def latest(
    group: str,
    status: Annotated[str, typer.Option(help="Status to look for; 'any' for any.")] = "Approved",
    as_json: JsonFlag = False,
) -> None:
    """The highest-numbered version of the group with the status (Approved by default)."""
    from batchops import registry

    version = registry.latest_version(group, status)
    print_json(version.to_json()) if as_json else _print_detail(version)


@app.command()
def approve(ref: VersionRef, reason: Reason = "", as_json: JsonFlag = False) -> None:
    """Approve a version for production use."""
    _set_status(ref, "Approved", reason, as_json)


@app.command()
def reject(ref: VersionRef, reason: Reason = "", as_json: JsonFlag = False) -> None:
    """Reject a version."""
    _set_status(ref, "Rejected", reason, as_json)


@app.command("set-status")
def set_status(
    ref: VersionRef,
    status: Annotated[str, typer.Argument(help="PendingManualApproval, Approved or Rejected.")],
    reason: Reason = "",
    as_json: JsonFlag = False,
) -> None:
    """Move a version to any status, e.g. back to PendingManualApproval."""
    _set_status(ref, status, reason, as_json)


@app.command()
def lineage(
    ref: Annotated[str | None, typer.Argument(metavar="[GROUP/VERSION]")] = None,
    execution: Annotated[str | None, typer.Option(help="An execution's lineage instead.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Where a version came from (execution, parameters, input data) and which runs used it."""
    from batchops import registry
    from batchops.errors import InvalidInput

    if (ref is None) == (execution is None):
        raise InvalidInput("lineage: give either GROUP/VERSION or --execution ID")
    if execution is not None:
        found = registry.execution_lineage(execution)
    else:
        found = registry.version_lineage(*registry.parse_version_ref(str(ref)))
    if as_json:
        print_json(found)
        return
    _print_tree(found)


@app.command()
def events(
    after: Annotated[int, typer.Option(help="Start after this position.")] = 0,
    limit: int = 100,
    consumer: Annotated[
        str | None, typer.Option(help="Read from, and then advance, this consumer's position.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """The registry's event log, oldest first."""
    from batchops import registry

    found = registry.poll(consumer, limit) if consumer else registry.read_events(after, limit)
    if as_json:
        print_json([event.to_json() for event in found])
    elif not found:
        print_none_found(
            f"registry events after position {after}"
            if not consumer
            else f"new registry events for consumer {consumer}"
        )
    else:
        for event in found:
            where = f"{event.group}/{event.version}" if event.version else event.group
            change = f" {event.old_status or '-'} -> {event.new_status}" if event.new_status else ""
            stdout.print(
                f"{event.position:>6} {event.at:%Y-%m-%d %H:%M:%S} {event.type} {where}"
                f"{change} by {event.user}"
            )
    if consumer and found:
        registry.commit_position(consumer, found[-1].position)


@app.command("export")
def export(
    ref: VersionRef,
    directory: Annotated[str, typer.Argument(help="A new folder (local or an object store URL).")],
    sign_key_env: Annotated[
        str | None,
        typer.Option(
            help="Sign metadata.json (HMAC-SHA256) with the secret in this environment variable."
        ),
    ] = None,
) -> None:
    """Write a self-contained folder (model, evaluation, baseline, metadata with checksums)."""
    from batchops import registry
    from batchops.store.signing import secret_from_env

    key = secret_from_env(sign_key_env, "--sign-key-env") if sign_key_env is not None else None
    target = registry.export_version(*registry.parse_version_ref(ref), directory, sign_key=key)
    stdout.print(f"exported {ref} to {target}{' (signed)' if key is not None else ''}")


@app.command("import")
def import_(
    directory: Annotated[str, typer.Argument(help="An exported folder (local or a URL).")],
    group: Annotated[str, typer.Option("--group", help="Group to register into.")],
    verify_key_env: Annotated[
        str | None,
        typer.Option(
            help="Refuse the export unless it is signed with the secret in this environment "
            "variable."
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Register an exported folder as a new version, after verifying every checksum."""
    from batchops import registry
    from batchops.store.signing import secret_from_env

    key = None
    if verify_key_env is not None:
        key = secret_from_env(verify_key_env, "--verify-key-env")
    version = registry.import_version(directory, group, verify_key=key)
    if as_json:
        print_json(version.to_json())
    else:
        stdout.print(f"imported {directory} as {version.ref} ({version.status})")


@app.command()
def verify(
    ref: Annotated[
        str | None, typer.Argument(metavar="[GROUP[/VERSION]]", help="Default: every version.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Check versions' files against the digests recorded at registration; exit 1 on a mismatch."""
    from batchops import registry

    found = registry.verify_versions(ref)
    if as_json:
        print_json([{"version": v, "ok": not p, "problems": p} for v, p in found.items()])
    else:
        for version, problems in found.items():
            stdout.print(f"{version} {'; '.join(problems) if problems else 'ok'}")
    if any(found.values()):
        raise typer.Exit(1)


def _set_status(ref: str, status: str, reason: str, as_json: bool) -> None:
    from batchops import registry

    group, number = registry.parse_version_ref(ref)
    version = registry.update_status(group, number, status, reason=reason)
    if as_json:
        print_json(version.to_json())
    else:
        stdout.print(f"{version.ref}: {version.status}")


def _version_row(version: ModelVersion) -> tuple[str, str, str, str]:
    metrics = ", ".join(f"{k} {_figure(v)}" for k, v in sorted(version.metrics.items())[:3])
    return version.ref, version.status, f"{version.created_at:%Y-%m-%d %H:%M}", metrics


def _figure(value: object) -> str:
    """A metric in four significant digits; metrics registered through the API may be text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:.4g}"
    return str(value)


def _print_detail(version: ModelVersion) -> None:
    stdout.print(styled((version.ref, "bold"), f"  {version.status}"))
    stdout.print(f"  model data   {version.model_data_uri}")
    if version.metrics:
        stdout.print("  metrics (4 significant digits; --json gives them in full):")
        width = max(len(name) for name in version.metrics)
        for name, value in sorted(version.metrics.items()):
            stdout.print(f"    {name:<{width}}  {_figure(value)}")
    stdout.print(f"  statistics   {version.statistics_uri or '-'}")
    stdout.print(f"  constraints  {version.constraints_uri or '-'}")
    for key, value in sorted(version.custom_metadata.items()):
        stdout.print(f"  {key}: {value}")
    stdout.print(f"  made by      {version.execution_id or '-'} ({version.created_by})")
    stdout.print("  history:")
    for change in version.approval_history:
        why = f" - {change.reason}" if change.reason else ""
        stdout.print(
            f"    {change.at:%Y-%m-%d %H:%M:%S} {change.from_status or '-'} -> "
            f"{change.to_status} by {change.user}{why}"
        )


def _print_tree(found: dict[str, Any]) -> None:
    """Lineage for people: where it came from, then where it went."""
    if "version" in found:
        version = found["version"]
        ref = f"{version['group']}/{version['version']}"
        stdout.print(styled((ref, "bold"), f" {version['status']}"))
        made = found["produced_by"]
        if made is None:
            stdout.print("  made by: no execution recorded (registered by hand or imported)")
        else:
            _print_execution(made, "  made by ")
        used = found["used_by"] or []
        stdout.print(f"  used by: {len(used)} execution(s)")
        for use in used:
            stdout.print(f"    {use['execution_id']} in {use['step']} at {use['at']}")
        return
    _print_execution(found["execution"], "")
    for item in found["registered"]:
        stdout.print(f"  registered {item['group']}/{item['version']} ({item['status']})")
    for item in found["used"]:
        stdout.print(f"  used {item['group']}/{item['version']} in {item['step']}")


def _print_execution(execution: dict[str, Any], prefix: str) -> None:
    if not execution.get("known"):
        stdout.print(f"{prefix}execution {execution['id']} (not in this registry's database)")
        return
    stdout.print(
        f"{prefix}execution {execution['id']}: {execution['pipeline']} "
        f"v{execution['pipeline_version']}, {execution['status']}, {execution['started_at']}"
    )
    for name, value in sorted(execution["parameters"].items()):
        stdout.print(f"    parameter {name} = {value}")
    for item in execution["input_data"]:
        stdout.print(f"    input data of {item['step']}: {item['uri']}")
