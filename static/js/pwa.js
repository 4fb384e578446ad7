/* Registers the service worker (/sw.js, scope "/"), which keeps the capture page and its
   assets for the hours without signal. Included on every page by templates/pwa/_head.html. */
(function () {
  "use strict";
  const script = document.currentScript;
  if (!("serviceWorker" in navigator) || !script) return;
  navigator.serviceWorker.register(script.dataset.serviceWorker, { scope: "/" }).catch(function (error) {
    // No worker (private mode, an old phone): every page still works online.
    console.warn("Mutirão: no offline support:", error);
  });
})();
