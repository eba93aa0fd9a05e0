// The e-service's session lasts 15 minutes and cannot be extended from inside the frame. A few minutes before
// it ends, and when it has ended, the live region on the page says so and what to do; screen readers announce
// it. The page states the end time without this script too; nothing reloads by itself.
(function () {
  var WARN_BEFORE_MS = 3 * 60 * 1000;
  var region = document.getElementById('session-warning');
  if (!region) return;
  var endsAt = Date.parse(region.getAttribute('data-ends-at') || '');
  if (isNaN(endsAt)) return;
  function say(text) {
    region.textContent = text;
    region.classList.add('shown');
  }
  function after(ms, action) {
    // Timers may fire late in a background tab; the check is against the clock, not the timer.
    setTimeout(action, Math.max(0, ms));
  }
  after(endsAt - WARN_BEFORE_MS - Date.now(), function () {
    if (Date.now() < endsAt) say(region.getAttribute('data-warn-text') || '');
  });
  after(endsAt - Date.now(), function () {
    say(region.getAttribute('data-ended-text') || '');
  });
})();
