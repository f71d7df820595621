// The script of a rendered notebook page (landscape.report.notebooks).
//
// - The "Show code" button: the code cells are hidden by CSS unless <body> has
//   the class landscape-show-code; the button adds or removes that class and
//   says which state it is in (label and aria-pressed).
// - Tables in a scrolling box: text columns are aligned left (JupyterLab aligns
//   every cell right, which suits numbers only), and a box that scrolls gets a
//   line under it saying so, since many browsers hide scroll bars.
(function () {
  "use strict";

  var SHOWN = "landscape-show-code";
  // A number as pandas prints it: 12, -0.25, 1.2e-05, 31%, 2.5x, "–" for none.
  var NUMBER = /^([-+\u2212]?[\d.,]+(e[-+]?\d+)?\s*(%|x)?|[\u2013-]|nan|)$/i;

  function setUpToggle() {
    var button = document.querySelector(".landscape-code-toggle");
    if (!button) {
      return;
    }
    function show(visible) {
      document.body.classList.toggle(SHOWN, visible);
      button.setAttribute("aria-pressed", visible ? "true" : "false");
      button.textContent = visible ? "Hide code" : "Show code";
    }
    button.addEventListener("click", function () {
      show(!document.body.classList.contains(SHOWN));
    });
    show(false);
  }

  // Marks the cells of every column holding text (not only numbers) with the
  // class landscape-text. Tables with merged cells are left as they are.
  function alignColumns(table) {
    if (table.querySelector("[colspan]:not([colspan='1']), [rowspan]:not([rowspan='1'])")) {
      return;
    }
    var rows = Array.prototype.slice.call(table.rows);
    var text = [];
    rows.forEach(function (row) {
      if (row.parentElement.tagName !== "THEAD") {
        Array.prototype.forEach.call(row.cells, function (cell, i) {
          if (!NUMBER.test(cell.textContent.trim())) {
            text[i] = true;
          }
        });
      }
    });
    rows.forEach(function (row) {
      Array.prototype.forEach.call(row.cells, function (cell, i) {
        if (text[i]) {
          cell.classList.add("landscape-text");
        }
      });
    });
  }

  function noteScrolling(box) {
    var down = box.scrollHeight > box.clientHeight + 1;
    var across = box.scrollWidth > box.clientWidth + 1;
    if (!down && !across) {
      return;
    }
    var rows = box.querySelectorAll("tbody tr").length;
    var note = document.createElement("p");
    note.className = "landscape-table-note";
    note.textContent = down
      ? rows + " rows: scroll within the table to see them all."
      : "Scroll sideways within the table to see every column.";
    box.insertAdjacentElement("afterend", note);
  }

  function setUpTables() {
    var boxes = document.querySelectorAll(".landscape-table-box");
    Array.prototype.forEach.call(boxes, function (box) {
      Array.prototype.forEach.call(box.querySelectorAll("table"), alignColumns);
      noteScrolling(box);
    });
  }

  function setUp() {
    setUpToggle();
    setUpTables();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
