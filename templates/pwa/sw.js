/* Mutirão's service worker (rendered by config/pwa.py; served at /sw.js, scope "/").

   It keeps two things for the hours without signal, and nothing else:
   - the assets every page and the capture page use (precached at install, cache first);
   - the capture pages a staff member opened with a connection (network first, falling
     back to the copy kept: the page carries its families and products as JSON).
   Every other request goes to the network untouched: no API answer, no other page with
   personal data is ever stored. The records themselves wait in IndexedDB (outbox.js). */

const ASSET_CACHE = "mutirao-assets-{{ version }}";
const PAGE_CACHE = "mutirao-pages";
const ASSETS = {{ assets|safe }};
const STATIC_URL = {{ static_url|safe }};
const REVALIDATE = {{ revalidate|safe }};
const CAPTURE_PAGE = /^\/c\/[\w-]+\/capture\/$/;
const NETWORK_TIMEOUT_MS = 6000; // one bar of signal: better the kept copy than a blank screen

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(ASSET_CACHE).then((cache) => cache.addAll(ASSETS)).then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      const old = names.filter((name) => name.startsWith("mutirao-assets-") && name !== ASSET_CACHE);
      await Promise.all(old.map((name) => caches.delete(name)));
      await self.clients.claim();
      // The kept pages name the old assets: fetch them again while there is a connection.
      if (old.length) await refreshPages();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && CAPTURE_PAGE.test(url.pathname)) {
    event.respondWith(pageNetworkFirst(request, url));
  } else if (url.pathname.startsWith(STATIC_URL) || ASSETS.includes(url.pathname)) {
    event.respondWith(assetCacheFirst(event, request));
  }
});

// The capture page asks to be kept when it was loaded before this worker controlled it
// (the very first visit); it waits for the answer before saying "ready offline".
self.addEventListener("message", (event) => {
  if (!event.data || event.data.type !== "keep-page") return;
  const url = new URL(event.data.url, self.location.origin);
  const reply = event.ports[0];
  if (url.origin !== self.location.origin || !CAPTURE_PAGE.test(url.pathname)) {
    reply?.postMessage({ kept: false });
    return;
  }
  event.waitUntil(
    keepPage(url)
      .then((kept) => reply?.postMessage({ kept }))
      .catch(() => reply?.postMessage({ kept: false })),
  );
});

async function pageNetworkFirst(request, url) {
  const cache = await caches.open(PAGE_CACHE);
  try {
    const response = await fetchWithTimeout(request);
    // A redirect (to the login page) or an error is shown, never kept as the page.
    if (response.ok && !response.redirected) await cache.put(url.pathname, response.clone());
    return response;
  } catch (error) {
    const kept = await cache.match(url.pathname);
    if (kept) return kept;
    throw error;
  }
}

async function assetCacheFirst(event, request) {
  const kept = await caches.match(request, { ignoreSearch: true });
  if (kept && !REVALIDATE) return kept;
  const fresh = fetch(request).then(async (response) => {
    if (response.ok) {
      const cache = await caches.open(ASSET_CACHE);
      await cache.put(request, response.clone());
    }
    return response;
  });
  if (!kept) return fresh;
  event.waitUntil(fresh.catch(() => undefined));
  return kept;
}

async function keepPage(url) {
  const response = await fetch(url.pathname, { credentials: "same-origin" });
  if (!response.ok || response.redirected) return false;
  const cache = await caches.open(PAGE_CACHE);
  await cache.put(url.pathname, response);
  return true;
}

async function refreshPages() {
  const cache = await caches.open(PAGE_CACHE);
  for (const request of await cache.keys()) {
    await keepPage(new URL(request.url)).catch(() => false);
  }
}

function fetchWithTimeout(request) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), NETWORK_TIMEOUT_MS);
    fetch(request).then(
      (response) => {
        clearTimeout(timer);
        resolve(response);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
