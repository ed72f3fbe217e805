// Booking pages: choosing a day loads its times without reloading the page.
// Without this file the day buttons submit their form and the page reloads,
// which works just as well.
(function () {
  "use strict";
  var form = document.getElementById("days-form");
  if (!form || !window.fetch || !form.elements.service) return;
  form.addEventListener("click", function (event) {
    var button = event.target.closest("button[name=date]");
    if (!button || button.disabled) return;
    event.preventDefault();
    var query = new URLSearchParams(new FormData(form));
    query.set("date", button.value);
    fetch(form.dataset.slotsUrl + "?" + query, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        document.getElementById("slots").outerHTML = html;
        form.querySelectorAll("button[aria-current]").forEach(function (b) { b.removeAttribute("aria-current"); });
        button.setAttribute("aria-current", "date");
        history.pushState(null, "", location.pathname + "?" + query);
        var heading = document.getElementById("slots-heading");
        if (heading) heading.focus();
      })
      .catch(function () { form.requestSubmit ? form.requestSubmit(button) : form.submit(); });
  });
  window.addEventListener("popstate", function () { location.reload(); });
})();
