// Live updates by short polling: re-fetch this page and swap the regions marked
// data-live-region while something is still running. Everything works without this file.
(function () {
  "use strict";
  var POLL_MS = 2000;
  var timer = null;

  function schedule() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(refresh, POLL_MS);
  }

  function refresh() {
    timer = null;
    if (document.hidden) { schedule(); return; }
    fetch(window.location.href, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" })
      .then(function (response) {
        if (response.redirected || !response.ok) { throw new Error("stop"); }
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var regions = document.querySelectorAll("[data-live-region]");
        for (var i = 0; i < regions.length; i++) {
          var region = regions[i];
          if (!region.id) { continue; }
          var fresh = doc.getElementById(region.id);
          if (fresh && fresh.innerHTML !== region.innerHTML && !region.contains(document.activeElement)) {
            region.innerHTML = fresh.innerHTML;
          }
        }
        var poll = doc.body && doc.body.getAttribute("data-poll");
        document.body.setAttribute("data-poll", poll || "off");
        if (poll === "on") { schedule(); }
      })
      .catch(function () { /* network hiccup or logged out: stop quietly */ });
  }

  function formatDuration(seconds) {
    if (seconds < 60) { return Math.max(1, Math.round(seconds)) + "s"; }
    var m = Math.floor(seconds / 60), s = Math.round(seconds % 60);
    if (m < 60) { return m + "m " + (s < 10 ? "0" : "") + s + "s"; }
    return Math.floor(m / 60) + "h " + (m % 60) + "m";
  }

  function wireEstimate() {
    var out = document.getElementById("estimate");
    var count = document.getElementById("count");
    var batch = document.getElementById("batch_size");
    if (!out || !count || !batch) { return; }
    var perBatch = parseFloat(out.getAttribute("data-batch-seconds"));
    var parallel = parseInt(out.getAttribute("data-parallel"), 10) || 1;
    function update() {
      var n = parseInt(count.value, 10), size = parseInt(batch.value, 10);
      if (!(n > 0) || !(size > 0)) { out.textContent = "Enter how many personas you need."; return; }
      var calls = Math.ceil(n / size);
      var text = "≈ " + calls.toLocaleString("en") + " provider call" + (calls === 1 ? "" : "s");
      if (isNaN(perBatch)) { text += ", speed not measured yet"; }
      else { text += ", about " + formatDuration(Math.ceil(calls / parallel) * perBatch) + " at current speed"; }
      out.textContent = text;
    }
    count.addEventListener("input", update);
    batch.addEventListener("input", update);
  }

  document.addEventListener("DOMContentLoaded", function () {
    wireEstimate();
    if (document.body.getAttribute("data-poll") === "on") { schedule(); }
  });
})();
