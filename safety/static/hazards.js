// Hazard register: a search box on long selects (posts, criteria). Progressive only: without JS the selects work.
(function () {
  // A search field above each select[data-search]: typing hides options that
  // do not contain the text (post, unit or holder's name; criterion code or words).
  document.querySelectorAll("select[data-search]").forEach((select) => {
    const input = document.createElement("input");
    input.type = "search";
    input.className = "hz-search";
    input.setAttribute("aria-label", (select.labels[0] ? select.labels[0].textContent.trim() + " · " : "") + (document.documentElement.lang.startsWith("zh") ? "搜索" : "Search"));
    input.setAttribute("aria-controls", select.id);
    input.placeholder = document.documentElement.lang.startsWith("zh") ? "搜索…" : "Search…";
    select.parentNode.insertBefore(input, select);
    input.addEventListener("input", () => {
      const words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      let first = null;
      for (const option of select.options) {
        const text = option.textContent.toLowerCase();
        const show = !option.value || words.every((w) => text.includes(w));
        option.hidden = !show;
        if (show && option.value && !first) first = option;
      }
      if (first && select.selectedOptions[0] && select.selectedOptions[0].hidden) {
        select.value = first.value;
      }
    });
  });
})();
