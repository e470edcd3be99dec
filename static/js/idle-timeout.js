// Warn two minutes before the idle logout and offer to stay logged in.
(() => {
  const body = document.body;
  const timeout = Number(body.dataset.idleTimeout || 0) * 1000;
  const dialog = document.getElementById("idle-warning");
  if (!timeout || !dialog) return;
  const warnBefore = Math.min(120000, timeout / 2);
  let warnTimer;
  let logoutTimer;
  const schedule = () => {
    clearTimeout(warnTimer);
    clearTimeout(logoutTimer);
    warnTimer = setTimeout(() => {
      dialog.hidden = false;
      dialog.querySelector("button").focus();
    }, timeout - warnBefore);
    logoutTimer = setTimeout(() => window.location.reload(), timeout + 1000);
  };
  dialog.querySelector("button").addEventListener("click", async () => {
    const token = document.querySelector("[name=csrfmiddlewaretoken]").value;
    await fetch(body.dataset.keepaliveUrl, {
      method: "POST",
      headers: { "X-CSRFToken": token },
      credentials: "same-origin",
    });
    dialog.hidden = true;
    schedule();
  });
  schedule();
})();
