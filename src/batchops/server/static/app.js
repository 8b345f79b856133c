// Live statuses: while an execution runs, poll its small JSON and recolour the DAG.
"use strict";
(function () {
  const dag = document.getElementById("dag");
  const url = dag && dag.dataset.live;
  if (!url) return;
  const paint = (element, status) => {
    element.className.baseVal !== undefined
      ? element.setAttribute("class", "node " + status.toLowerCase())
      : (element.className = "status " + status.toLowerCase());
  };
  const tick = async () => {
    let live;
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) return setTimeout(tick, 3000);
      live = await response.json();
    } catch (e) {
      return setTimeout(tick, 3000);
    }
    for (const [name, step] of Object.entries(live.steps)) {
      const node = dag.querySelector('g.node[data-step="' + CSS.escape(name) + '"]');
      if (node) {
        paint(node, step.status);
        const label = node.querySelector("tspan.st");
        if (label) label.textContent = " · " + step.status;
      }
      const badge = document.querySelector('.step-status[data-step="' + CSS.escape(name) + '"] .status');
      if (badge) { badge.textContent = step.status; paint(badge, step.status); }
    }
    const header = document.querySelector("#execution-status .status");
    if (header) { header.textContent = live.status; paint(header, live.status); }
    if (live.status === "Executing") setTimeout(tick, 1000);
    else setTimeout(() => window.location.reload(), 500);  // outputs and buttons are final now
  };
  setTimeout(tick, 1000);
})();
