// Predicted against observed by decile; the diagonal is perfect calibration.
(() => {
  const el = document.getElementById("calibration-data");
  const canvas = document.getElementById("calibration-chart");
  if (!el || !canvas || typeof Chart === "undefined") return;
  const rows = JSON.parse(el.textContent).deciles;
  const max = Math.max(...rows.map((r) => Math.max(r.predicted, r.observed)), 0.01);
  new Chart(canvas, {
    type: "scatter",
    data: {
      datasets: [
        { label: `${canvas.dataset.predictedLabel} / ${canvas.dataset.observedLabel}`, data: rows.map((r) => ({ x: r.predicted, y: r.observed })), pointStyle: "rectRot", pointRadius: 5, backgroundColor: "#0b3d6b" },
        { type: "line", label: "y = x", data: [{ x: 0, y: 0 }, { x: max, y: max }], borderDash: [6, 4], borderColor: "#6c757d", pointRadius: 0 },
      ],
    },
    options: { animation: false, aspectRatio: 1.6, scales: { x: { min: 0, max }, y: { min: 0, max } } },
  });
})();
