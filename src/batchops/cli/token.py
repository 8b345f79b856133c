"""`batchops token …`: API tokens for the server; a token is printed once, at creation."""

from __future__ import annotations

from typing import Annotated

import typer

from batchops.cli.output import JsonFlag, print_json, print_none_found, print_table, stdout

app = typer.Typer(help="API tokens for `batchops server`.", no_args_is_help=True)


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="token")


@app.command()
def create(
    user: Annotated[str, typer.Option("--user", help="Whose actions the token records.")],
    role: Annotated[str, typer.Option("--role", help="viewer, approver or admin.")] = "viewer",
    expires: Annotated[
        str | None, typer.Option("--expires", help="Lifetime such as 12h, 30d, 2w; none: never.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Create a token; it is shown once and only its digest is kept."""
    from batchops.store.tokens import create_token, parse_token_lifetime

    token, info = create_token(
        user, role, expires_in=parse_token_lifetime(expires) if expires is not None else None
    )
    if as_json:
        print_json({"token": token})
        return
    until = f", expires {info.expires_at.isoformat()}" if info.expires_at else ""
    stdout.print(token)
    stdout.print(f"(token {info.id} for {info.user} as {info.role.label}{until}; shown once)")


@app.command("list")
def list_(as_json: JsonFlag = False) -> None:
    """Tokens by id: user, role, state; never the tokens themselves."""
    from batchops.store.tokens import list_tokens

    found = list_tokens()
    if as_json:
        print_json(found)
        return
    if not found:
        print_none_found("tokens")
        return
    print_table(
        ("ID", "USER", "ROLE", "STATE", "EXPIRES"),
        [
            (str(t["id"]), t["user"], t["role"], t["state"], t["expires_at"] or "never")
            for t in found
        ],
        right=[0],
    )


@app.command()
def revoke(token_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """Revoke a token by its id (see `token list`); sessions signed in with it end too."""
    from batchops.store.tokens import revoke_token

    changed = revoke_token(token_id)
    stdout.print(f"revoked token {token_id}" if changed else f"token {token_id} already revoked")
