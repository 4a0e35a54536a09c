// The tablet offline: a step or a check-in tapped while the connection is down (or whose
// answer never came back) is kept in IndexedDB, marked "not saved yet" on its tile, and
// sent when the connection returns, oldest first, with the request key it was drawn with,
// so the server stores it once even if the first try did arrive. The supervisor then sees
// what was sent and what the server refused, with the server's own words.
//
// Only on a staff member's pages (body[data-offline-user]); every word shown comes from
// the page (data-msg-* on #offline-report, translated by the server). Also registers the
// service worker (static/js/sw.js) and asks it to keep the day, and forgets everything
// kept on the tablet when the supervisor signs out.
"use strict";

(() => {
  const DB_NAME = "movetrack-offline";
  const STORE = "queue";
  const RETRY_EVERY_MS = 20000;
  const SIGN_OUT_WAIT_MS = 5000;
  const ICONS = {
    pending: "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm1 5h-2v6l5 3 1-1.7-4-2.4z",
    sent: "M9 16.2 4.8 12l-1.4 1.4L9 19 21 7l-1.4-1.4z",
    refused: "M1 21h22L12 2zm12-3h-2v-2h2zm0-4h-2v-4h2z",
  };

  let database = null;
  let sending = null;

  const body = () => document.body;
  const owner = () => body().dataset.offlineUser;
  const report = () => document.getElementById("offline-report");

  // A message from the page, with {placeholders} filled in.
  function words(name, values = {}) {
    const template = report().dataset[name] || "";
    return template.replace(/\{(\w+)\}/g, (all, key) => (key in values ? values[key] : all));
  }

  // --- IndexedDB: one store, the queue, in the order of the taps ---
  function openDatabase() {
    if (database) return Promise.resolve(database);
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => {
        request.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
      };
      request.onsuccess = () => {
        database = request.result;
        database.onversionchange = () => { database.close(); database = null; };
        resolve(database);
      };
      request.onerror = () => reject(request.error);
    });
  }

  async function inStore(mode, work) {
    const db = await openDatabase();
    return new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = work(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = () => reject(transaction.error);
    });
  }

  const queued = () => inStore("readonly", (store) => store.getAll());
  const addToQueue = (item) => inStore("readwrite", (store) => store.add(item));
  const removeFromQueue = (id) => inStore("readwrite", (store) => store.delete(id));

  // --- keeping a tap for later ---
  function offlineForm(element) {
    return element instanceof Element ? element.closest("form[data-offline]") : null;
  }

  function newRequestKey() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function describe(form, data) {
    const name = form.dataset.offlineName;
    if (form.dataset.offline === "rating") return words("msgStep", { step: data.get("step"), name });
    const button = form.querySelector(`button[name="status"][value="${CSS.escape(data.get("status") || "")}"]`);
    return words("msgAttendance", { status: button ? ownWords(button) : "", name });
  }

  // A button's visible words, without the person's name added for screen readers.
  function ownWords(button) {
    return [...button.childNodes].filter((node) => node.nodeType === Node.TEXT_NODE)
      .map((node) => node.textContent).join(" ").replace(/\s+/g, " ").trim();
  }

  async function keepForLater(form, config) {
    const data = config.formData;
    const item = {
      owner: owner(),
      url: config.path,
      body: new URLSearchParams(data).toString(),
      what: describe(form, data),
      mark: form.dataset.offlineMark,
      // Where the answer goes when it is sent: the marked tile itself unless the form says.
      target: form.dataset.offlineTarget || form.dataset.offlineMark,
      created: Date.now(),
    };
    item.id = await addToQueue(item);
    // The kept tap owns the form's key; the next tap on this form is a new recording.
    const key = form.querySelector('input[name="request_key"]');
    if (key) key.value = newRequestKey();
    markPending(item);
  }

  // Offline: htmx would fail; keep the tap instead of sending it.
  document.addEventListener("htmx:beforeRequest", (event) => {
    const form = offlineForm(event.detail.elt);
    if (!form || !owner() || navigator.onLine) return;
    event.preventDefault();
    keepForLater(form, event.detail.requestConfig);
  });

  // Sent, but no answer came back (the connection dropped on the way, or on the way back):
  // keep it and send it again; the request key makes a second arrival "already saved".
  document.addEventListener("htmx:sendError", (event) => {
    const form = offlineForm(event.detail.elt);
    if (!form || !owner()) return;
    keepForLater(form, event.detail.requestConfig).then(() => {
      if (navigator.onLine) sendQueued();
    });
  });

  // --- marks and the report ---
  function icon(kind) {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "24");
    svg.setAttribute("height", "24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("class", "state-icon");
    const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("d", ICONS[kind]);
    svg.append(path);
    return svg;
  }

  function markPending(item) {
    if (!item.mark) return;
    document.querySelectorAll(item.mark).forEach((element) => {
      if (element.querySelector(`[data-offline-item="${item.id}"]`)) return;
      const mark = document.createElement("span");
      mark.className = "offline-pending";
      mark.setAttribute("role", "status");  // announced: nothing else changes on the screen
      mark.dataset.offlineItem = item.id;
      mark.append(icon("pending"), document.createTextNode(`${words("msgPending")}: ${item.what}`));
      if (element.matches(".rating-panel")) element.prepend(mark);
      else element.append(mark);
    });
  }

  function unmark(item) {
    document.querySelectorAll(`[data-offline-item="${item.id}"]`).forEach((mark) => mark.remove());
  }

  function tell(kind, text) {
    const results = report().querySelector("[data-offline-results]");
    const line = document.createElement("li");
    line.className = `offline-result offline-${kind}`;
    line.append(icon(kind), document.createTextNode(text));
    results.querySelector("ul").append(line);
    results.hidden = false;
  }

  function showConnection() {
    report().querySelector("[data-offline-banner]").hidden = navigator.onLine;
  }

  // --- sending what is kept ---
  function csrfToken() {
    return JSON.parse(body().getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
  }

  function send(item) {
    const token = csrfToken();  // the page's own: the kept one may be from another page
    const form = new URLSearchParams(item.body);
    form.set("csrf_token", token);
    return fetch(item.url, {
      method: "POST",
      body: form,
      credentials: "same-origin",
      redirect: "manual",  // a redirect to the sign-in page means the session has ended
      headers: { "HX-Request": "true", "X-CSRFToken": token },
    });
  }

  function reasonIn(html, response) {
    const page = new DOMParser().parseFromString(html, "text/html");
    const alert = page.querySelector('[role="alert"], h1');
    const text = alert ? (alert.querySelector("p") || alert).textContent : "";
    return text.replace(/\s+/g, " ").trim() || `${response.status} ${response.statusText}`.trim();
  }

  // The answer takes the place of what the tile or step picker showed, as a tap online would.
  function swapIn(item, html) {
    const target = item.target && document.querySelector(item.target);
    if (target && window.htmx) window.htmx.swap(target, html, { swapStyle: "outerHTML" });
  }

  function sendQueued() {
    if (!sending) sending = sendInOrder().finally(() => { sending = null; });
    return sending;
  }

  async function sendInOrder() {
    for (const item of await queued()) {
      let response;
      try {
        response = await send(item);
      } catch (error) {
        return;  // still no connection: try again later, in the same order
      }
      if (response.type === "opaqueredirect") {
        report().querySelector("[data-offline-sign-in]").hidden = false;
        return;
      }
      if (response.status >= 500 || response.status === 429) return;  // try again later
      const html = await response.text();
      await removeFromQueue(item.id);
      unmark(item);
      swapIn(item, html);
      if (response.ok) tell("sent", words("msgSent", { what: item.what }));
      else tell("refused", words("msgRefused", { what: item.what, reason: reasonIn(html, response) }));
    }
    (await queued()).forEach(markPending);  // a swapped-in tile may have lost a mark
  }

  // --- the service worker and the day it keeps ---
  function keepTheDay() {
    const day = document.getElementById("offline-day");
    if (!day || !navigator.onLine) return;
    const assets = [...document.querySelectorAll(
      'link[href^="/static/"], script[src^="/static/"], img[src^="/static/"]'
    )].map((element) => element.getAttribute("href") || element.getAttribute("src"));
    navigator.serviceWorker.ready.then((registration) => {
      registration.active.postMessage({
        type: "keep-day", key: day.dataset.key, pages: JSON.parse(day.dataset.pages), assets,
      });
    });
  }

  function startWorker() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.type === "day-kept") body().dataset.offlineDayKept = event.data.key;
    });
    navigator.serviceWorker.register(body().dataset.offlineWorker, { scope: "/" }).then(() => {
      navigator.serviceWorker.ready.then((registration) => registration.active.postMessage({ type: "unlock" }));
      keepTheDay();
    }).catch(() => {});
  }

  // Handed to a participant: the worker shows none of the kept staff pages until a staff
  // page is loaded again.
  function lockTheTablet() {
    if ("serviceWorker" in navigator && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({ type: "lock" });
    }
  }

  // --- signing out: nothing of this person's day stays on a shared tablet ---
  async function forgetEverything() {
    if ("caches" in window) {
      for (const name of await caches.keys()) await caches.delete(name);
    }
    if (database) { database.close(); database = null; }
    await new Promise((resolve) => {
      const request = indexedDB.deleteDatabase(DB_NAME);
      request.onsuccess = request.onerror = request.onblocked = resolve;
    });
    if ("serviceWorker" in navigator) {
      for (const registration of await navigator.serviceWorker.getRegistrations()) {
        await registration.unregister();
      }
    }
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    // Offline the sign-out cannot reach the server: keep everything until it can.
    if (!form.matches("[data-offline-sign-out]") || form.dataset.cleared || !navigator.onLine) return;
    event.preventDefault();
    (async () => {
      try {
        // What can still be sent is sent first, but a slow server does not hold the tablet.
        if (owner()) await Promise.race([sendQueued(), new Promise((done) => setTimeout(done, SIGN_OUT_WAIT_MS))]);
        await forgetEverything();
      } finally {
        form.dataset.cleared = "true";
        form.submit();
      }
    })();
  });

  async function start() {
    if (body().dataset.offlineLock !== undefined) { lockTheTablet(); return; }
    if (!owner() || !("indexedDB" in window)) return;
    startWorker();
    // Never send anything as someone else: a tap kept under another account is dropped.
    for (const item of await queued()) {
      if (item.owner !== owner()) await removeFromQueue(item.id);
      else markPending(item);
    }
    report().querySelector("[data-offline-hide]").addEventListener("click", () => {
      const results = report().querySelector("[data-offline-results]");
      results.querySelector("ul").replaceChildren();
      results.hidden = true;
    });
    showConnection();
    window.addEventListener("offline", showConnection);
    window.addEventListener("online", () => { showConnection(); sendQueued(); });
    if (navigator.onLine) sendQueued();
    setInterval(() => { if (navigator.onLine) sendQueued(); }, RETRY_EVERY_MS);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
