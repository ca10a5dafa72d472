/* The console's only script: follows an assessment job until it is done (no build step,
   no CDN). Without JavaScript the page refreshes itself instead. */
(function () {
  "use strict";
  var job = document.getElementById("job");
  if (!job || !window.fetch) { return; }
  var labels = { queued: "排队中", running: "计算中", retrying: "重试中", done: "已完成", failed: "失败" };
  function show(view) {
    document.getElementById("job-status").textContent = labels[view.status] || view.status;
    document.getElementById("job-progress").value = view.percent;
    document.getElementById("job-percent").textContent = view.percent;
    document.getElementById("job-replayed").textContent = view.replayed;
    document.getElementById("job-total").textContent = view.total;
    if (view.href) {
      var link = document.createElement("a");
      link.href = view.href;
      link.textContent = "查看考核结果";
      var result = document.getElementById("job-result");
      result.textContent = "";
      result.appendChild(link);
    }
  }
  function poll() {
    fetch(job.getAttribute("data-poll"), { credentials: "same-origin" })
      .then(function (answer) { return answer.json(); })
      .then(function (view) {
        show(view);
        if (view.status !== "done" && view.status !== "failed") { setTimeout(poll, 700); }
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  var status = job.getAttribute("data-status");
  if (status !== "done" && status !== "failed") { poll(); }
})();
