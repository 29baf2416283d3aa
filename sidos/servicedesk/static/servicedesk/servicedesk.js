// Countdowns tick once a minute; a canned response fills the reply box; "select all" in the list.
(function () {
  function text(ms) {
    var m = Math.floor(Math.abs(ms) / 60000), d = Math.floor(m / 1440), h = Math.floor((m % 1440) / 60);
    var mm = m % 60;
    var t = d ? d + " d " + h + " h" : h ? h + " h " + mm + " min" : mm + " min";
    return ms < 0 ? (document.documentElement.lang === "fi" ? "myöhässä " + t : "overdue by " + t)
                  : (document.documentElement.lang === "fi" ? t + " jäljellä" : t + " left");
  }
  function tick() {
    document.querySelectorAll("[data-due]:not([data-paused])").forEach(function (el) {
      var ms = new Date(el.dataset.due) - new Date();
      el.textContent = text(ms);
      el.classList.toggle("overdue", ms < 0);
    });
  }
  setInterval(tick, 60000);
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select.id === "canned") {
      var option = select.options[select.selectedIndex];
      if (option.dataset.body) { document.getElementById("id_text").value = option.dataset.body; }
    }
    if (select.id === "select-all") {
      document.querySelectorAll("input[name=tickets]").forEach(function (box) { box.checked = select.checked; });
    }
  });
})();
