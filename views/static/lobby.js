// The results lobby. Without this script the page says the same, and a meta refresh inside <noscript> (timed by the
// server) opens the results all the same, reloading the page now and then to keep the sign-in alive. With it:
// - the time left counts down, from the seconds the server gave, not from this device's clock, which may be wrong;
// - the sign-in is kept alive by a small background request, so the page is never reloaded under a reader;
// - at this student's opening time (the moment plus their place in the spread, again in the server's seconds) the
//   results are fetched and put in place of the lobby, a short "your results are open" note above them takes the
//   focus, and a screen reader says it and reads on into the results. A reload would start reading again at the
//   top of the page, under the same title, without a word that anything changed.
// Anything but the results page (the sign-in ended, the waiting room, an error) is opened as a page instead, so
// the server's answer is shown as it would be without this script. Turned off (`?refresh=off`), nothing is opened.
(function () {
  var lobby = document.getElementById('lobby');
  var timer = document.getElementById('lobby-time-left');
  if (!lobby || !timer) return;
  var loaded = performance.now();
  var endsAt = loaded + Number(timer.getAttribute('data-seconds')) * 1000;

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

  if (!lobby.hasAttribute('data-opens-in')) return;
  var opensAt = loaded + Number(lobby.getAttribute('data-opens-in')) * 1000;
  var keepAliveMs = Number(lobby.getAttribute('data-keep-alive')) * 1000;
  var keepAliveTimer;
  var opening = false;

  function reload() {
    location.replace(location.href);
  }

  if (!window.fetch || !window.DOMParser) {
    // A browser too old for a background request does what the refresh in <noscript> does for one without script.
    setTimeout(reload, Math.min(opensAt - loaded, keepAliveMs));
    return;
  }

  function keepAlive(delay) {
    keepAliveTimer = setTimeout(function () {
      fetch(lobby.getAttribute('data-keep-alive-url'), {
        method: 'POST',
        headers: { 'X-CSRF-Token': lobby.getAttribute('data-csrf') || '' },
        credentials: 'same-origin',
        redirect: 'manual',
        cache: 'no-store',
      }).then(
        function (response) {
          if (opening) return;
          if (response.status === 204) keepAlive(keepAliveMs);
          // Busy: try again soon, at a random moment so that a crowd does not come back together.
          else if (response.status === 503) keepAlive(Math.min(keepAliveMs, 30000 + Math.random() * 60000));
          // The sign-in ended or changed: what the page without script would find at its next refresh.
          else reload();
        },
        function () {
          if (!opening) keepAlive(Math.min(keepAliveMs, 30000 + Math.random() * 60000));
        },
      );
    }, delay);
  }

  function putInPlace(results, title) {
    var main = document.querySelector('main');
    if (!main) throw new Error('no main');
    while (main.firstChild) main.removeChild(main.firstChild);
    while (results.firstChild) main.appendChild(document.adoptNode(results.firstChild));
    if (title) document.title = title;
    var note = document.createElement('p');
    note.className = 'notice success';
    note.tabIndex = -1;
    note.textContent = lobby.getAttribute('data-opened') || '';
    var heading = main.querySelector('h1');
    main.insertBefore(note, heading ? heading.nextSibling : main.firstChild);
    note.focus();
  }

  function open() {
    if (opening) return;
    opening = true;
    clearTimeout(keepAliveTimer);
    fetch(location.href, { credentials: 'same-origin', headers: { Accept: 'text/html' }, cache: 'no-store' })
      .then(function (response) {
        if (!response.ok || response.redirected) throw new Error('not the results page');
        return response.text();
      })
      .then(function (text) {
        var page = new DOMParser().parseFromString(text, 'text/html');
        var results = page.querySelector('main');
        // Still a lobby (this device's timer ran early, say): the page itself, timed again by the server.
        if (!results || page.getElementById('lobby')) throw new Error('not the results page');
        putInPlace(results, page.title);
      })
      .catch(reload);
  }

  setTimeout(open, Math.max(0, opensAt - performance.now()));
  // A tab in the background has its timers slowed down: on coming back, open at once if the time has come.
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible' && performance.now() >= opensAt) open();
  });
  if (keepAliveMs > 0) keepAlive(keepAliveMs);
})();
