// Poll a job until it finishes; texts come translated from data-* attributes.
document.querySelectorAll("[data-job-url]").forEach((el) => {
  const bar = el.querySelector("progress");
  const state = el.querySelector("[data-job-state]");
  const count = el.querySelector("[data-job-count]");
  const poll = async () => {
    let job;
    try {
      job = await (await fetch(el.dataset.jobUrl, { credentials: "same-origin" })).json();
    } catch (e) {
      return setTimeout(poll, 5000);
    }
    if (job.total) Object.assign(bar, { max: job.total, value: job.progress });
    state.textContent = job.state_label;
    count.textContent = `${job.progress} / ${job.total || "?"}`;
    if (job.state === "pending" || job.state === "running") return setTimeout(poll, 1000);
    if (el.dataset.reload) return window.location.reload();
    if (job.state === "done" && job.result_url) {
      const a = Object.assign(document.createElement("a"), { href: job.result_url, textContent: el.dataset.doneText });
      el.append(a);
    } else if (job.state === "failed") {
      const p = Object.assign(document.createElement("p"), { className: "text-danger", textContent: job.error || el.dataset.failedText });
      el.append(p);
    }
  };
  poll();
});
