"""One router module per resource; `ROUTERS` is what the app includes (a new resource is one
module and one line here)."""

from batchops.server.routes import (
    automation,
    executions,
    health,
    monitoring,
    pipelines,
    project,
    registry,
)

ROUTERS = [
    health.router,
    pipelines.router,
    executions.router,
    registry.router,
    monitoring.router,
    automation.router,
    project.router,
]
