// The kiosk's idle time-out: after data-idle-seconds without a touch or a key, the screen
// is blanked at once and the reset form is posted (the server forgets the person).
(function () {
  "use strict";
  var body = document.body;
  var seconds = parseInt(body.getAttribute("data-idle-seconds"), 10);
  var form = document.getElementById("kiosk-timeout");
  if (!seconds || !form) { return; }
  var timer = null;
  function expire() {
    var main = document.getElementById("main");
    if (main) { main.textContent = "长时间没有操作，正在清除信息……"; }
    form.submit();
  }
  function touch() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(expire, seconds * 1000);
  }
  ["pointerdown", "keydown", "input", "change", "touchstart"].forEach(function (name) {
    document.addEventListener(name, touch, true);
  });
  touch();
})();
