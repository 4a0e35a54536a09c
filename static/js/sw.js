// movetrack's service worker: keeps the day view and today's step pickers on the tablet, so
// they open while the workshop Wi-Fi is down. Served from /sw.js (scope "/") with the app's
// version as ?v=, so a release replaces it and its static cache.
//
// What is kept: static files (all users alike), and one "day" cache per user, unit and day
// (day-u<user>-unit<unit>-<date>) with the pages the day view asks for and their pictures.
// Keeping a new day drops every other day cache; signing out drops everything (the page's
// script and the Clear-Site-Data header of the sign-out response).
"use strict";

const VERSION = new URL(self.location.href).searchParams.get("v") || "dev";
const STATIC_CACHE = `static-${VERSION}`;
const DAY_PREFIX = "day-";
const STATE_CACHE = "state";
const LOCK = "/offline-lock";  // present while the tablet is handed to a participant

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("static-") && name !== STATIC_CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  const message = event.data || {};
  const work = {
    "keep-day": () => keepDay(message),
    "lock": () => caches.open(STATE_CACHE).then((cache) => cache.put(LOCK, new Response("1"))),
    "unlock": () => caches.open(STATE_CACHE).then((cache) => cache.delete(LOCK)),
    "forget": forgetEverything,
  }[message.type];
  if (work) event.waitUntil(work());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(cacheFirst(request));
  } else if (!request.headers.get("HX-Request")) {  // htmx fragments: network only
    event.respondWith(networkFirst(request, event));
  }
});

function todayOnThisTablet() {
  const now = new Date();
  const pad = (number) => String(number).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

async function dayCaches() {
  return (await caches.keys()).filter((name) => name.startsWith(DAY_PREFIX));
}

async function keepDay({ key, pages, assets }) {
  const name = DAY_PREFIX + key;
  for (const other of await dayCaches()) {
    if (other !== name) await caches.delete(other);
  }
  const day = await caches.open(name);
  const statics = await caches.open(STATIC_CACHE);
  await Promise.all((assets || []).map((url) => keep(statics, url)));
  await Promise.all((pages || []).map((url) => keepPage(day, statics, url)));
  for (const client of await self.clients.matchAll()) client.postMessage({ type: "day-kept", key });
}

// Fetched once a day (each fetch is a read in the audit log); a kept page visited online
// is refreshed then (networkFirst).
async function keepPage(day, statics, url) {
  if (await day.match(url)) return;
  const response = await fetchQuietly(url, { "X-Movetrack-Prefetch": "day" });
  if (!response) return;
  const html = await response.clone().text();
  await day.put(url, response);
  for (const picture of picturesIn(html)) {
    await keep(picture.startsWith("/static/") ? statics : day, picture);
  }
}

function picturesIn(html) {
  return [...html.matchAll(/<img[^>]+src="(\/[^"]+)"/g)].map((match) => match[1].replaceAll("&amp;", "&"));
}

async function keep(cache, url) {
  if (await cache.match(url)) return;
  const response = await fetchQuietly(url);
  if (response) await cache.put(url, response);
}

async function fetchQuietly(url, headers = {}) {
  try {
    const response = await fetch(url, { credentials: "same-origin", headers });
    return response.ok && !response.redirected ? response : null;
  } catch (error) {
    return null;
  }
}

async function cacheFirst(request) {
  const kept = await caches.match(request);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) (await caches.open(STATIC_CACHE)).put(request, response.clone());
  return response;
}

async function networkFirst(request, event) {
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected) event.waitUntil(refreshKept(request, response.clone()));
    return response;
  } catch (error) {
    const kept = await keptForToday(request);
    if (kept) return kept;
    throw error;
  }
}

// A kept page loaded again online replaces its kept copy (what else is loaded is not kept).
async function refreshKept(request, response) {
  for (const name of await dayCaches()) {
    const day = await caches.open(name);
    if (await day.match(request)) return day.put(request, response);
  }
}

async function keptForToday(request) {
  if (await (await caches.open(STATE_CACHE)).match(LOCK)) return null;
  for (const name of await dayCaches()) {
    if (!name.endsWith(todayOnThisTablet())) {
      await caches.delete(name);  // another day's pages are never shown
      continue;
    }
    const kept = await (await caches.open(name)).match(request);
    if (kept) return kept;
  }
  return null;
}

async function forgetEverything() {
  for (const name of await caches.keys()) await caches.delete(name);
}
