/* The staff calendar, enhanced: a click on an empty time books at the
   grid step under the pointer (without this script, at the hour), and a
   block dragged to another time asks the server to move it through the
   booking rules (without it, each block's "move" link does the same).
   In the week, a click on a worked hour books there too.
   Each column lists its hours as "minutes from the top=local time", so
   the clocks' changes need no arithmetic here. */
(function () {
  "use strict";

  function marks(column) {
    return (column.dataset.marks || "").split(",").filter(Boolean).map(function (pair) {
      var parts = pair.split("=");
      return { top: Number(parts[0]), local: parts[1] };
    });
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  /* The local wall-clock reading "YYYY-MM-DDTHH:MM" at `minutes` from the column's top. */
  function localAt(column, minutes) {
    var found = null;
    marks(column).forEach(function (mark) { if (mark.top <= minutes) { found = mark; } });
    if (!found) { return null; }
    var extra = minutes - found.top;
    var hh = Number(found.local.slice(11, 13)), mm = Number(found.local.slice(14, 16)) + extra;
    hh += Math.floor(mm / 60);
    mm = mm % 60;
    if (hh > 23) { return null; }
    return found.local.slice(0, 11) + pad(hh) + ":" + pad(mm);
  }

  function scale(grid) {
    var probe = grid.querySelector(".calendar-column");
    var length = Number(probe.style.getPropertyValue("--length"));
    return probe.getBoundingClientRect().height / length;
  }

  function snap(minutes, step) { return Math.max(0, Math.round(minutes / step) * step); }

  function say(text, ok) {
    var box = document.querySelector("[data-testid=calendar-message]");
    if (!box) { return; }
    box.textContent = text;
    box.classList.toggle("ok", !!ok);
    box.hidden = false;
  }

  function setUp(grid) {
    var step = Number(grid.dataset.gridMinutes) || 15;
    var byRoom = grid.classList.contains("rooms");
    var token = document.querySelector(".calendar-move-form input[name=csrfmiddlewaretoken]");

    /* An empty time: the hour's link, refined to the step under the pointer. */
    grid.addEventListener("click", function (event) {
      var slot = event.target.closest("a.slot");
      if (!slot || event.detail === 0) { return; }  /* keyboard: the hour itself */
      var column = slot.closest(".calendar-column");
      var y = event.clientY - column.getBoundingClientRect().top;
      var minutes = Math.floor(y / scale(grid) / step) * step;
      var start = localAt(column, minutes);
      if (!start) { return; }
      var url = new URL(slot.href, window.location.href);
      url.searchParams.set("start", start);
      event.preventDefault();
      window.location.assign(url.toString());
    });

    /* The week has no link per hour (seventy columns): a column that may be
       booked names the form once (data-book), and a click on an hour its
       practitioner works books there. Without the script, the column's day
       opens the day view, whose hours are links. */
    grid.addEventListener("click", function (event) {
      var column = event.target.closest(".calendar-column[data-book]");
      if (!column || event.target.closest(".block, a")) { return; }
      var minutes = Math.floor((event.clientY - column.getBoundingClientRect().top) / scale(grid) / step) * step;
      var worked = Array.prototype.some.call(column.querySelectorAll(".shade.work, .shade.dated"), function (shade) {
        var top = Number(shade.style.getPropertyValue("--top")), height = Number(shade.style.getPropertyValue("--height"));
        return top <= minutes && minutes < top + height;
      });
      var start = worked && localAt(column, minutes);
      if (!start) { return; }
      var url = new URL(column.dataset.book, window.location.href);
      url.searchParams.set("start", start);
      window.location.assign(url.toString());
    });

    var drag = null;

    /* The browser's own dragging of a link or of text would take the pointer away. */
    grid.addEventListener("dragstart", function (event) {
      if (event.target.closest && event.target.closest(".block.movable")) { event.preventDefault(); }
    });

    grid.addEventListener("pointerdown", function (event) {
      var block = event.target.closest(".block.movable");
      /* On a touch screen a finger on a block scrolls the grid; its "move" link moves it. */
      if (!block || event.button !== 0 || event.pointerType === "touch") { return; }
      var rect = block.getBoundingClientRect();
      drag = { block: block, x: event.clientX, y: event.clientY, grabY: event.clientY - rect.top, moved: false,
               pointer: event.pointerId };
    });

    grid.addEventListener("pointermove", function (event) {
      if (!drag || event.pointerId !== drag.pointer) { return; }
      var dx = event.clientX - drag.x, dy = event.clientY - drag.y;
      if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 6) { return; }
      if (!drag.moved) {
        drag.moved = true;
        drag.block.classList.add("dragging");
        drag.block.setPointerCapture(event.pointerId);
      }
      event.preventDefault();
      drag.block.style.transform = "translate(" + (byRoom ? 0 : dx) + "px," + dy + "px)";
    });

    function drop(event) {
      if (!drag || event.pointerId !== drag.pointer) { return; }
      var current = drag;
      drag = null;
      if (!current.moved) { return; }
      var block = current.block;
      block.classList.remove("dragging");
      var column = block.parentElement;
      if (!byRoom) {  /* by room, the rules choose the room: only the time changes */
        block.style.visibility = "hidden";
        var under = document.elementFromPoint(event.clientX, event.clientY);
        block.style.visibility = "";
        var target = under && under.closest(".calendar-column");
        if (target && grid.contains(target)) { column = target; }
      }
      block.style.transform = "";
      var top = event.clientY - current.grabY - column.getBoundingClientRect().top;
      var start = localAt(column, snap(top / scale(grid), step));
      if (!start) { say(grid.dataset.outside, false); return; }
      move(block, column, start);
    }
    grid.addEventListener("pointerup", drop);
    grid.addEventListener("pointercancel", function () {
      if (drag) { drag.block.classList.remove("dragging"); drag.block.style.transform = ""; drag = null; }
    });
    /* A click that ended a drag must not open the appointment. */
    grid.addEventListener("click", function (event) {
      var block = event.target.closest(".block");
      if (block && block.dataset.justDragged) { event.preventDefault(); delete block.dataset.justDragged; }
    }, true);

    function move(block, column, start) {
      block.dataset.justDragged = "1";
      window.setTimeout(function () { delete block.dataset.justDragged; }, 400);
      var body = new FormData();
      body.append("csrfmiddlewaretoken", token ? token.value : "");
      body.append("appointment", block.dataset.appointment);
      body.append("start", start);
      if (column.dataset.practitioner) { body.append("practitioner", column.dataset.practitioner); }
      block.classList.add("dragging");
      fetch(grid.dataset.moveUrl, { method: "POST", body: body, credentials: "same-origin",
                                    headers: { "Accept": "application/json" } })
        .then(function (response) {
          return response.json().catch(function () { return { ok: false, detail: response.statusText }; });
        })
        .then(function (answer) {
          block.classList.remove("dragging");
          if (answer.ok) {
            say(answer.detail, true);
            window.location.reload();
          } else {
            say(answer.detail, false);
          }
        })
        .catch(function () {
          block.classList.remove("dragging");
          say(grid.dataset.unsent, false);
        });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-testid=calendar-grid]").forEach(setUp);
  });
})();
