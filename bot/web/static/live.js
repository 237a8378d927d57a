// A delivery page that follows itself: every 5 seconds the figures and the list of who was
// not reached are read again and put in place, until the announcement is finished. Without
// JavaScript the page has a link that does the same by hand.
(function () {
  var live = document.querySelector("[data-live]");
  if (!live) return;
  function again() {
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (answer) { return answer.ok ? answer.text() : null; })
      .then(function (page) {
        if (!page) return;
        var fresh = new DOMParser().parseFromString(page, "text/html").querySelector("[data-live]");
        if (!fresh) return;
        live.innerHTML = fresh.innerHTML;
        if (fresh.hasAttribute("data-finished")) live.setAttribute("data-finished", "");
        else window.setTimeout(again, 5000);
      })
      .catch(function () { window.setTimeout(again, 10000); });
  }
  if (!live.hasAttribute("data-finished")) window.setTimeout(again, 5000);
})();
