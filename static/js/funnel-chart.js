// Funnel plot of the case-worker comparison: each case worker at (expected, O/E),
// the 95% and 99.8% limits around 1. The table under the chart has the same numbers.
(() => {
  if (typeof Chart === "undefined") return;
  for (const canvas of document.querySelectorAll("canvas.funnel-chart")) {
    const source = document.getElementById(canvas.dataset.source);
    if (!source) continue;
    const data = JSON.parse(source.textContent);
    const d = canvas.dataset;
    const line = (key, label, colour, dash) => ({
      type: "line",
      label,
      data: data.limits.filter((p) => p[key] !== null).map((p) => ({ x: p.x, y: p[key] })),
      borderColor: colour,
      borderDash: dash,
      borderWidth: 1.5,
      pointRadius: 0,
      fill: false,
    });
    const points = data.points.map((p) => ({ x: p.x, y: p.y, label: p.label }));
    const xs = points.map((p) => p.x).concat(data.limits.map((p) => p.x));
    new Chart(canvas, {
      type: "scatter",
      data: {
        datasets: [
          { label: d.caseworkersLabel, data: points, pointRadius: 6, backgroundColor: "#0b3d6b" },
          line("upper95", d.limit95Label, "#6c757d", [6, 4]),
          line("lower95", d.limit95Label, "#6c757d", [6, 4]),
          line("upper998", d.limit998Label, "#343a40", []),
          line("lower998", d.limit998Label, "#343a40", []),
          { type: "line", label: "1", data: [{ x: Math.min(...xs), y: 1 }, { x: Math.max(...xs), y: 1 }], borderColor: "#198754", borderWidth: 1, pointRadius: 0 },
        ],
      },
      options: {
        animation: false,
        aspectRatio: 1.8,
        locale: document.documentElement.lang || "da",
        scales: {
          x: { title: { display: true, text: d.expectedLabel } },
          y: { min: 0, title: { display: true, text: d.ratioLabel } },
        },
        plugins: {
          legend: { labels: { filter: (item, chart) => item.datasetIndex !== 2 && item.datasetIndex !== 4 && item.datasetIndex !== 5 } },
          tooltip: { callbacks: { label: (ctx) => (ctx.raw.label ? `${ctx.raw.label}: ${ctx.raw.y.toFixed(2)}` : "") } },
        },
      },
    });
  }
})();
