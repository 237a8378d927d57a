// Inside Telegram: hand the page's initData (from the address Telegram opened) to the server,
// which checks its signature and signs the person in; then the home page.
(function () {
  var params = new URLSearchParams(window.location.hash.slice(1));
  var data = params.get("tgWebAppData");
  var status = document.getElementById("miniapp-status");
  if (!data) {
    if (status) status.hidden = false;
    return;
  }
  var body = new URLSearchParams({ init_data: data });
  fetch("/tg/signin", { method: "POST", body: body, credentials: "same-origin" })
    .then(function (answer) {
      if (answer.ok) {
        window.location.replace("/");
      } else {
        return answer.text().then(function (page) {
          document.open();
          document.write(page);
          document.close();
        });
      }
    });
})();
