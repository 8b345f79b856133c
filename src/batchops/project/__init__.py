"""Projects as code: a project file declares pipelines (as Python), schedules, rules and
alarms; `plan` says what `apply` would change on a home or a server, and `apply` makes it so.

`projectfile.py` reads and checks the file (every problem with its line), `declared.py` turns
it into what is declared (the pipelines' definitions and code bundles), `plan.py` compares
that with a home, `apply.py` changes the home object by object, `remote.py` does both against
a server through its API, and `templates.py` writes a new project (`batchops init`).
"""
