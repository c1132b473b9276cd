// Hazard register: live LEC score on the report form, a search box on long
// selects (posts, criteria). Progressive only: without JS the selects work.
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

(function () {
  const box = document.getElementById("lec");
  if (!box) return;
  const bands = JSON.parse(box.dataset.bands || "[]");
  const out = document.getElementById("lec-d");
  const base = out.textContent;
  const pick = (name) => box.querySelector(`select[name="${name}"]`);
  const selects = ["risk_l", "risk_e", "risk_c"].map(pick);
  function update() {
    const values = selects.map((s) => parseFloat(s && s.value));
    out.className = "";
    if (values.some((v) => Number.isNaN(v))) {
      out.textContent = base;
      return;
    }
    const d = Math.round(values[0] * values[1] * values[2] * 100) / 100;
    let band = bands[bands.length - 1];
    for (const b of bands) {
      if (d > b[2] || (b[2] <= 0 && d >= 0)) { band = b; break; }
    }
    out.textContent = `D = ${d}` + (band ? ` · ${band[1]}` : "");
    if (band) out.className = `badge risk-${band[0]}`;
  }
  selects.forEach((s) => s && s.addEventListener("change", update));
  update();
})();
