// The navigation's menus are <details> (they open without JavaScript); this closes an
// open menu on Escape (focus back on its button) or on a click outside it.
(() => {
  const menus = [...document.querySelectorAll("[data-nav-menu]")];
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    menus.filter((m) => m.open).forEach((m) => {
      m.open = false;
      m.querySelector("summary").focus();
    });
  });
  document.addEventListener("click", (event) => {
    menus.filter((m) => m.open && !m.contains(event.target)).forEach((m) => { m.open = false; });
  });
})();
