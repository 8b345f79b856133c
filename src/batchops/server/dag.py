"""A pipeline's DAG laid out for drawing: steps in layers by longest path from a root,
edges between them, a condition's two branches labelled. Computed here, drawn as inline SVG
by the template, so the page needs no script library."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from batchops.pipeline.graph import PipelineGraph

NODE_WIDTH, NODE_HEIGHT = 210, 44
GAP_X, GAP_Y = 70, 26
MARGIN = 14


@dataclass(frozen=True)
class Node:
    name: str
    type: str
    x: int
    y: int
    branch: str | None  # "if" / "else" for a step inside a condition's branch


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    path: str  # the SVG path, a gentle curve from source's right edge to target's left
    label: str | None  # "true" / "false" on a condition's branches
    label_x: int
    label_y: int


@dataclass
class Layout:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    width: int = 0
    height: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "nodes": [n.__dict__ for n in self.nodes],
            "edges": [e.__dict__ for e in self.edges],
            "width": self.width,
            "height": self.height,
        }


def layout(definition: dict[str, Any]) -> Layout:
    graph = PipelineGraph.from_definition(definition)
    depth: dict[str, int] = {}
    for name in graph.order():
        parents = graph.steps[name].depends_on
        depth[name] = 1 + max((depth[p] for p in parents), default=-1)
    layers: dict[int, list[str]] = {}
    for name in graph.order():
        layers.setdefault(depth[name], []).append(name)
    result = Layout()
    where: dict[str, tuple[int, int]] = {}
    for level, names in sorted(layers.items()):
        for row, name in enumerate(names):
            node = graph.steps[name]
            x = MARGIN + level * (NODE_WIDTH + GAP_X)
            y = MARGIN + row * (NODE_HEIGHT + GAP_Y)
            where[name] = (x, y)
            branch = None if node.branch is None else ("if" if node.branch[1] else "else")
            result.nodes.append(Node(name, node.type, x, y, branch))
    for name, node in graph.steps.items():
        for parent in sorted(node.depends_on):
            (x1, y1), (x2, y2) = where[parent], where[name]
            sx, sy = x1 + NODE_WIDTH, y1 + NODE_HEIGHT // 2
            tx, ty = x2, y2 + NODE_HEIGHT // 2
            bend = (tx - sx) // 2
            label = None
            if node.branch is not None and node.branch[0] == parent:
                label = "true" if node.branch[1] else "false"
            result.edges.append(
                Edge(
                    parent,
                    name,
                    f"M{sx},{sy} C{sx + bend},{sy} {tx - bend},{ty} {tx},{ty}",
                    label,
                    (sx + tx) // 2,
                    (sy + ty) // 2 - 4,
                )
            )
    columns = max(layers, default=0) + 1
    rows = max((len(v) for v in layers.values()), default=1)
    result.width = 2 * MARGIN + columns * NODE_WIDTH + (columns - 1) * GAP_X
    result.height = 2 * MARGIN + rows * NODE_HEIGHT + (rows - 1) * GAP_Y
    return result
