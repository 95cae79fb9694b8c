// The upload page's progress bar (no inline script: the pages' CSP forbids it). A form with data-import-jobs
// sends its file to that import-jobs URL, then polls the page's job status (data-status + job: the API's status
// with its messages in the reader's language) and shows rows done / total, and the result or each bad row once.
// Without script the form posts to the page as before.
(function () {
  "use strict";
  function text(el, value) { el.textContent = value; }
  function element(tag, cls, content) {
    var el = document.createElement(tag);
    if (cls) { el.className = cls; }
    if (content !== undefined) { el.textContent = content; }
    return el;
  }
  // the same markup the page renders for a rejected upload without script
  function rejected(errors) {
    var box = document.getElementById("import-progress").dataset, section = element("section", "card"),
        table = element("table", "data"), head = element("tr"), body = element("tbody"), thead = element("thead");
    section.id = "upload-errors";
    var alert = element("p", "error", fill(box.rejected, {count: errors.length}));
    alert.setAttribute("role", "alert");
    [box.row, box.field, box.problem].forEach(function (v) { head.appendChild(element("th", "", v)); });
    thead.appendChild(head);
    errors.forEach(function (e) {
      var tr = element("tr", "problem");
      [e.row === null ? "" : e.row, e.field || "", e.message].forEach(function (v) {
        tr.appendChild(element("td", "", String(v)));
      });
      body.appendChild(tr);
    });
    table.appendChild(thead); table.appendChild(body);
    section.appendChild(alert); section.appendChild(table);
    return section;
  }
  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, key) { return String(values[key]); });
  }
  document.addEventListener("submit", function (event) {
    var form = event.target, url = form && form.getAttribute && form.getAttribute("data-import-jobs");
    if (!url || !window.fetch || !window.FormData) { return; }
    event.preventDefault();
    var box = document.getElementById("import-progress"), bar = box.querySelector("progress"),
        line = box.querySelector(".status"), msg = box.dataset;
    var data = new FormData(form), csrf = data.get("csrf_token");
    data.delete("csrf_token");
    ["upload-ok", "upload-errors"].forEach(function (id) {
      var old = document.getElementById(id);
      if (old) { old.parentNode.removeChild(old); }
    });
    box.hidden = false;
    bar.removeAttribute("value");
    text(line, msg.queued);
    var headers = {"X-CSRF-Token": csrf};
    function problem(body) { text(line, (body && body.message) || msg.failed); }
    function show(status) {
      if (status.rows_total) { bar.max = status.rows_total; bar.value = status.rows_done; }
      if (status.state === "queued" || status.state === "running") {
        text(line, fill(msg.running, {done: status.rows_done, total: status.rows_total || "?"}));
        window.setTimeout(function () { poll(status.job); }, 400);
      } else if (status.state === "done") {
        bar.max = 1; bar.value = 1;
        text(line, "");
        var ok = element("p", "ok", fill(msg.done, {rows: status.rows_done, inserted: status.inserted,
                                                    updated: status.updated, unchanged: status.unchanged}));
        ok.id = "upload-ok";
        box.parentNode.insertBefore(ok, box.nextSibling);
      } else if (status.state === "rejected") {
        text(line, "");
        box.parentNode.insertBefore(rejected(status.errors), box.nextSibling);
      } else { problem(status); }
    }
    function answer(response) {
      return response.json().then(function (body) {
        if (!response.ok) { problem(body); return; }
        if (response.url.indexOf(box.dataset.status) === -1) { poll(body.job); return; }  // the API's first answer
        show(body);
      });
    }
    function poll(job) {
      fetch(box.dataset.status + encodeURIComponent(job), {credentials: "same-origin"}).then(answer, problem);
    }
    fetch(url, {method: "POST", body: data, headers: headers, credentials: "same-origin"}).then(answer, problem);
  });
})();
