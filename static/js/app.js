// Reports htmx requests whose outcome is not swapped into the page: 5xx responses (the
// layout's htmx config sets noSwap for them) and requests that failed or timed out. 4xx
// errors arrive as fragments retargeted into the same #htmx-alerts region by the server.
// Loaded with the page's CSP nonce; builds DOM nodes with textContent only.
(() => {
  'use strict';

  const region = () => document.getElementById('htmx-alerts');

  function show(text) {
    const target = region();
    if (!target) return;
    const alert = document.createElement('div');
    alert.className = 'alert alert--error';
    const message = document.createElement('p');
    message.className = 'alert__message';
    message.textContent = text;
    alert.append(message);
    target.replaceChildren(alert);
  }

  // A new request makes the previous request's error stale.
  // htmx builds a request's body when it is triggered, before it waits its turn behind the element's
  // previous request; the portal's autosave names the answer revision it saw (`_rev.<key>`), so a
  // queued save takes the revision the previous save's answer swapped in, not the one from before it.
  document.addEventListener('htmx:before:request', (event) => {
    region()?.replaceChildren();
    const body = event.detail?.ctx?.request?.body;
    if (!(body instanceof URLSearchParams)) return;
    for (const name of [...body.keys()]) {
      if (!name.startsWith('_rev.')) continue;
      const input = document.getElementsByName(name)[0];
      if (input) body.set(name, input.value);
    }
  });

  document.addEventListener('htmx:response:error', (event) => {
    const response = event.detail?.ctx?.response;
    if (!response || response.status < 500) return;
    const id = response.headers?.get('X-Request-Id');
    show(
      'Something went wrong on our side, so your last change may not have been saved. Try again in a moment.' +
        (id ? ` If it keeps happening, quote reference ${id}.` : ''),
    );
  });

  document.addEventListener('htmx:error', () => {
    show('Your last change could not be sent, so it may not have been saved. Check your connection and try again.');
  });
})();
