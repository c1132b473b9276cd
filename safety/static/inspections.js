// Progressive enhancement for the inspection pages; every page works without it.
(function () {
  // Show the "raise a hazard" part of an item only while "fail" is chosen.
  document.querySelectorAll("fieldset.check-item").forEach(function (item) {
    var offer = item.querySelector(".hazard-offer");
    if (!offer) return;
    function update() {
      var fail = item.querySelector('input[type=radio][value="fail"]');
      offer.hidden = !(fail && fail.checked);
    }
    item.querySelectorAll("input[type=radio]").forEach(function (radio) {
      radio.addEventListener("change", update);
    });
    update();
  });

  // Checklist editor: add blank rows on demand.
  var add = document.querySelector("[data-add-row]");
  var table = document.getElementById("checklist-rows");
  if (add && table) {
    add.hidden = false;
    add.addEventListener("click", function () {
      var rows = table.querySelectorAll("tr[data-row]");
      var last = rows[rows.length - 1];
      var clone = last.cloneNode(true);
      var n = rows.length;
      clone.querySelector("td").textContent = String(n + 1);
      clone.querySelectorAll("input, textarea").forEach(function (el) {
        el.name = el.name.replace(/-\d+$/, "-" + n);
        if (el.type === "checkbox") el.checked = false;
        else if (el.name.indexOf("section-") !== 0) el.value = "";
      });
      clone.querySelectorAll(".error").forEach(function (el) { el.remove(); });
      last.parentNode.appendChild(clone);
      var text = clone.querySelector("textarea");
      if (text) text.focus();
    });
  }
})();
