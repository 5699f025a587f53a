(function () {
  function key(cell, kind) {
    var v = cell.getAttribute("data-sort");
    if (kind === "number") { var x = parseFloat(v); return isNaN(x) ? Infinity : x; }
    return v || "";
  }
  var tables = document.querySelectorAll("table.sortable");
  Array.prototype.forEach.call(tables, function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      th.addEventListener("click", function () {
        var kind = th.getAttribute("data-type");
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.forEach(function (r, i) { r.setAttribute("data-pos", i); });
        rows.sort(function (a, b) {
          var x = key(a.cells[col], kind), y = key(b.cells[col], kind);
          var c = kind === "number" ? (x < y ? -1 : x > y ? 1 : 0) : String(x).localeCompare(String(y));
          if (!asc) { c = -c; }
          return c || (a.getAttribute("data-pos") - b.getAttribute("data-pos"));
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
})();
