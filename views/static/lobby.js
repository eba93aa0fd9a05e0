// The results lobby counts down to the release moment. Without this script the page says the same, once, and
// its meta refresh (timed by the server) opens the results all the same; this only keeps the time left current.
// The count runs from the seconds the server gave, not from this device's clock, which may be wrong.
(function () {
  var timer = document.getElementById('lobby-time-left');
  if (!timer) return;
  var endsAt = performance.now() + Number(timer.getAttribute('data-seconds')) * 1000;
  function show() {
    var left = Math.ceil((endsAt - performance.now()) / 1000);
    if (left <= 0) {
      timer.textContent = timer.getAttribute('data-opening') || '';
      return;
    }
    var hours = Math.floor(left / 3600);
    var minutes = Math.floor((left % 3600) / 60);
    timer.textContent = (hours > 0 ? hours + ' h ' : '') + minutes + ' min ' + (left % 60) + ' s';
    setTimeout(show, 1000);
  }
  show();
})();
