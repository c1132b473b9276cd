// Hazard register: live LEC score on the report form. Progressive only.
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
