"""`batchops init DIR --template batch|regression`, `batchops plan [PROJECT]`,
`batchops apply [PROJECT]`: projects as code.

`plan` and `apply` act on this home, or on a server with `--server URL` (its token read from
the environment variable `--token-env` names, never from the command line). A project file
with problems exits 2 with one line per problem (`FILE:LINE: what`); an apply that fails
midway exits 1 and says what was applied and what was not.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from batchops.cli.output import JsonFlag, print_json, printable, stdout

if TYPE_CHECKING:
    from batchops.project.apply import ApplyResult
    from batchops.project.declared import Declared
    from batchops.project.plan import Plan
    from batchops.runtime.bundles import PipelineBundle

ProjectArgument = Annotated[
    str, typer.Argument(help="The project folder or its batchops.toml (default: here).")
]
ServerOption = Annotated[
    str | None,
    typer.Option("--server", help="A batchops server's URL; default: this home.", metavar="URL"),
]
TokenEnvOption = Annotated[
    str, typer.Option("--token-env", help="The environment variable holding the API token.")
]


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("plan")(plan)
    app.command("apply")(apply)


def init(
    directory: Annotated[str, typer.Argument(help="The new project's folder (new or empty).")],
    template: Annotated[
        str, typer.Option("--template", help="batch (classification) or regression.")
    ] = "batch",
    package: Annotated[
        str | None, typer.Option("--package", help="The Python package; default: from DIR.")
    ] = None,
    batchops_from: Annotated[
        str | None,
        typer.Option(
            "--batchops-from",
            help="Where the project installs batchops: a wheel path or a git URL "
            "(default: where this batchops was installed from).",
        ),
    ] = None,
) -> None:
    """Write a project: two pipelines as code, their scripts and tests, batchops.toml, a
    README and CI workflows (GitHub Actions and GitLab CI)."""
    from batchops.project.templates import init_project

    written = init_project(directory, template, package=package, batchops_from=batchops_from)
    stdout.print(f"wrote the {template} project {written.folder} ({len(written.files)} files)")
    stdout.print(f"next: cd {written.folder} && python -m pytest && batchops plan")


def plan(
    project: ProjectArgument = ".",
    server: ServerOption = None,
    token_env: TokenEnvOption = "BATCHOPS_TOKEN",
    as_json: JsonFlag = False,
) -> None:
    """Show what `apply` would change, as a diff; exit 2 on an invalid project file."""
    declared, _ = _declared(project, None)
    planned = _plan(declared, server, token_env)
    if planned.problems:
        _fail_with_problems(declared.file, planned)
    if as_json:
        print_json(planned.to_json())
        return
    for line in planned.diff(declared.file):
        _write(line)


def apply(
    project: ProjectArgument = ".",
    server: ServerOption = None,
    token_env: TokenEnvOption = "BATCHOPS_TOKEN",
    revision: Annotated[
        str | None,
        typer.Option("--revision", help="The commit being applied, shown with each object."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Make the home (or `--server`) match the project file: pipelines, schedules, rules,
    alarms. Objects the project did not make are left alone and listed."""
    declared, bundles = _declared(project, revision)
    result = _apply(declared, bundles, server, token_env)
    if as_json:
        print_json(result.to_json())
    else:
        _report(declared.file, result)
    if result.failed is not None:
        raise typer.Exit(1)


def _declared(project: str, revision: str | None) -> tuple[Declared, dict[str, PipelineBundle]]:
    from batchops.project.declared import declare
    from batchops.project.projectfile import InvalidProject, read_project_file

    try:
        return declare(read_project_file(project), revision)
    except InvalidProject as error:
        _problems_exit(str(error).splitlines())


def _plan(declared: Declared, server: str | None, token_env: str) -> Plan:
    if server is None:
        from batchops.project.plan import plan as plan_here

        return plan_here(declared)
    from batchops.project.remote import Server, remote_plan

    return remote_plan(Server.from_environment(server, token_env), declared)


def _apply(
    declared: Declared, bundles: dict[str, PipelineBundle], server: str | None, token_env: str
) -> ApplyResult:
    from batchops.project.projectfile import InvalidProject

    try:
        if server is None:
            from batchops.project.apply import apply as apply_here

            return apply_here(declared, bundles)
        from batchops.project.remote import Server, remote_apply

        return remote_apply(Server.from_environment(server, token_env), declared, bundles)
    except InvalidProject as error:
        _problems_exit(str(error).splitlines())


def _fail_with_problems(file: str, planned: Plan) -> None:
    _problems_exit([problem.told(file) for problem in planned.problems])


def _problems_exit(lines: list[str]) -> NoReturn:
    for line in lines:
        sys.stderr.write(f"error: {printable(line)}\n")
    raise typer.Exit(2)


def _report(file: str, result: ApplyResult) -> None:
    for change in result.applied:
        _write(f"applied: {change.diff(file)[0]}")
    if result.failed is not None:
        _write(f"failed: {result.failed.diff(file)[0]}: {result.error}")
        for change in result.not_applied:
            _write(f"not applied: {change.diff(file)[0]}")
    if result.plan.unmanaged:
        listed = ", ".join(f"{kind} {name}" for kind, name in result.plan.unmanaged)
        _write(f"not managed by a project file, left alone: {listed}")
    done = (
        "nothing to change"
        if not result.applied and result.failed is None
        else (
            f"{len(result.applied)} applied"
            + (
                ""
                if result.failed is None
                else f", 1 failed, {len(result.not_applied)} not applied"
            )
        )
    )
    _write(f"apply of project {result.plan.project}: {done}")


def _write(line: str) -> None:
    sys.stdout.write(printable(line) + "\n")
