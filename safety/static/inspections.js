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

  // An answered item loses its "choose a result" mark; the red frame goes
  // once no other message is left on the item.
  document.querySelectorAll("fieldset.check-item").forEach(function (item) {
    item.querySelectorAll("input[type=radio]").forEach(function (radio) {
      radio.addEventListener("change", function () {
        var box = item.querySelector(".result-errors");
        if (box) box.textContent = "";
        if (!item.querySelector(".error")) item.classList.remove("has-error");
      });
    });
  });

  // "All pass" for long checklists: answers only the items left unanswered.
  var allPass = document.querySelector("[data-all-pass]");
  if (allPass) {
    allPass.hidden = false;
    var hint = document.getElementById(allPass.getAttribute("aria-describedby"));
    if (hint) hint.hidden = false;
    allPass.addEventListener("click", function () {
      document.querySelectorAll("fieldset.check-item").forEach(function (item) {
        if (item.querySelector("input[type=radio]:checked")) return;
        var pass = item.querySelector('input[type=radio][value="pass"]');
        if (!pass) return;
        pass.checked = true;
        pass.dispatchEvent(new Event("change", { bubbles: true }));
      });
      var status = document.querySelector("[data-all-pass-status]");
      if (status) status.textContent = status.getAttribute("data-message");
    });
  }

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
