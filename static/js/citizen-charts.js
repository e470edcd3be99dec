// Indicator charts and radars on the citizen page. The same numbers are in the tables
// next to each chart; series differ by line style and point shape, not only colour.
(() => {
  const dataEl = document.getElementById("chart-data");
  if (!dataEl || typeof Chart === "undefined") return;
  const data = JSON.parse(dataEl.textContent);
  const me = document.getElementById("citizen-charts");
  const labels = { caseworker: me.dataset.caseworkerLabel, citizen: me.dataset.citizenLabel };
  const blue = "#0b3d6b";
  const orange = "#a64b00";
  const scale = { min: 1, max: 5, ticks: { stepSize: 1 } };

  // x: days since 1970-01-01 on the axis shared with the intervention timeline
  const dayMs = 86400000;
  const fmt = (days) => {
    const d = new Date(days * dayMs);
    return `${String(d.getUTCDate()).padStart(2, "0")}.${String(d.getUTCMonth() + 1).padStart(2, "0")}.${d.getUTCFullYear()}`;
  };
  const points = (values) => values.map((y, i) => ({ x: data.xs[i], y }));
  const xScale = {
    type: "linear", min: data.axis.min, max: data.axis.max,
    ticks: { callback: (v) => fmt(v), maxTicksLimit: 5 },
  };
  document.querySelectorAll("canvas[data-indicator]").forEach((canvas) => {
    const ind = data.indicators[Number(canvas.dataset.indicator)];
    const sizes = data.changes.map((changed) => (changed ? 7 : 3));
    const datasets = [
      { label: labels.caseworker, data: points(ind.caseworker), borderColor: blue, backgroundColor: blue,
        pointStyle: "triangle", pointRadius: sizes, spanGaps: true },
    ];
    if (ind.has_citizen) {
      datasets.push({ label: labels.citizen, data: points(ind.citizen), borderColor: orange, backgroundColor: orange,
        borderDash: [6, 4], pointStyle: "circle", pointRadius: sizes, spanGaps: true });
    }
    new Chart(canvas, {
      type: "line",
      data: { datasets },
      options: {
        animation: false,
        parsing: false,
        scales: { x: xScale, y: scale },
        plugins: { tooltip: { callbacks: { title: (items) => fmt(items[0].parsed.x) } } },
      },
    });
  });

  document.querySelectorAll("canvas[data-probability]").forEach((canvas) => {
    new Chart(canvas, {
      type: "line",
      data: {
        datasets: [{ label: me.dataset.probabilityLabel, data: data.probability, borderColor: blue,
          backgroundColor: blue, pointStyle: "rectRot", pointRadius: 4 }],
      },
      options: {
        animation: false,
        parsing: false,
        scales: { x: xScale, y: { min: 0, suggestedMax: 30, ticks: { callback: (v) => `${v} %` } } },
        plugins: { tooltip: { callbacks: { title: (items) => fmt(items[0].parsed.x) } } },
      },
    });
  });

  document.querySelectorAll("canvas[data-radar]").forEach((canvas) => {
    const who = canvas.dataset.radar;
    const styles = [{ borderDash: [6, 4], color: "#6c757d" }, { borderDash: [], color: who === "citizen" ? orange : blue }];
    const rounds = data.radar.rounds;
    const datasets = rounds.map((r, i) => ({
      label: r.date,
      data: r[who],
      borderColor: styles[i + 2 - rounds.length].color,
      backgroundColor: "transparent",
      borderDash: styles[i + 2 - rounds.length].borderDash,
      pointStyle: i === rounds.length - 1 ? "rectRot" : "circle",
    }));
    new Chart(canvas, {
      type: "radar",
      data: { labels: data.radar.labels, datasets },
      options: {
        animation: false,
        aspectRatio: 1.3,
        scales: { r: { min: 1, max: 5, ticks: { stepSize: 1 }, pointLabels: { font: { size: 11 } } } },
      },
    });
  });
})();
