/* Registers the service worker (/sw.js, scope "/"), which keeps the capture page and its
   assets for the hours without signal. Included on every page by templates/pwa/_head.html. */
(function () {
  "use strict";
  const script = document.currentScript;
  if (!("serviceWorker" in navigator) || !script) return;
  // Signed out (the login page): forget the capture pages kept for offline use, which
  // carry the last user's name and families; the outbox's records (IndexedDB) stay.
  if (script.dataset.signedOut === "true" && "caches" in window) caches.delete("mutirao-pages"); // PAGE_CACHE in sw.js
  navigator.serviceWorker.register(script.dataset.serviceWorker, { scope: "/" }).catch(function (error) {
    // No worker (private mode, an old phone): every page still works online.
    console.warn("Mutirão: no offline support:", error);
  });
})();
