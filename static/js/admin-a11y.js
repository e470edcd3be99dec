// Django admin: names for controls that Django's own scripts build without one.
// - the filter boxes of a two-list selector: their icon carries the label as aria-label,
//   which a <span> may only have with a role
// - autocomplete boxes (select2): the combobox and its text take the select's name,
//   from its label, or (in a table row, where select2 drops the select's aria-label)
//   from the same select in the inline's empty template row
(() => {
  const nameOf = (select) => {
    const label = select.id && document.querySelector(`label[for="${select.id}"]`);
    if (label) return label.textContent.replace(/:\s*$/, "").trim();
    const twin = document.querySelector(`select[name="${select.name.replace(/-\d+-/, "-__prefix__-")}"]`);
    return select.getAttribute("aria-label") || (twin && twin.getAttribute("aria-label")) || "";
  };
  const fix = () => {
    document.querySelectorAll("span.help-tooltip[aria-label]:not([role])").forEach((icon) => {
      icon.setAttribute("role", "img");
    });
    document.querySelectorAll("select.admin-autocomplete").forEach((select) => {
      const name = nameOf(select);
      const box = select.parentElement.querySelector(".select2-selection[role=combobox]");
      if (!box || !name) return;
      // its own name, not the selected value's text (empty while nothing is chosen)
      box.removeAttribute("aria-labelledby");
      box.setAttribute("aria-label", name);
      box.querySelectorAll("[role=textbox]").forEach((text) => text.setAttribute("aria-label", name));
    });
  };
  // Django builds these when the page is ready or loaded, and for each row added to an
  // inline: fix whatever appears, whenever it appears
  let pending = false;
  const soon = () => {
    if (pending) return;
    pending = true;
    setTimeout(() => { pending = false; fix(); });
  };
  document.addEventListener("DOMContentLoaded", () => {
    fix();
    new MutationObserver(soon).observe(document.body, { childList: true, subtree: true });
  });
  window.addEventListener("load", fix);
})();
