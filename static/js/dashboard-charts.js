// The dashboards' charts: the figures come from the page's JSON (json_script), the
// same numbers as the tables; clicking a bar opens the citizens behind it.
(() => {
  const el = document.getElementById("dashboard-data");
  if (!el || typeof Chart === "undefined") return;
  const charts = JSON.parse(el.textContent);
  const colours = ["#0b3d6b", "#b8860b", "#8b1e3f", "#2e7d32", "#5e35b1", "#00838f", "#6d4c41", "#37474f"];
  document.querySelectorAll("canvas[data-figure]").forEach((canvas) => {
    const spec = charts[canvas.dataset.figure];
    if (!spec) return;
    const chart = new Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map((d, i) => ({
          label: d.label,
          data: d.data,
          links: d.links,
          backgroundColor: colours[i % colours.length],
          borderColor: colours[i % colours.length],
          spanGaps: true,
        })),
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: {
          x: { stacked: spec.stacked },
          y: { stacked: spec.stacked, beginAtZero: true, max: spec.percent ? 100 : undefined },
        },
        onHover: (event, elements) => {
          const hit = elements.find((e) => chart.data.datasets[e.datasetIndex].links[e.index]);
          event.native.target.style.cursor = hit ? "pointer" : "default";
        },
        onClick: (event, elements) => {
          for (const e of elements) {
            const link = chart.data.datasets[e.datasetIndex].links[e.index];
            if (link) {
              window.location.href = link;
              return;
            }
          }
        },
      },
    });
    canvas.dashboardChart = chart;
  });
})();
