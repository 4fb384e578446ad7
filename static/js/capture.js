/* The offline capture page (templates/coop/capture.html): a form that saves barrels and
   nut purchases into the outbox (outbox.js), the outbox's list, and its sync through the
   API. Everything it shows in words comes from the page's JSON (#capture-config), so the
   pt-BR catalogue translates it. */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("capture-config").textContent);
  const texts = config.texts;
  const outbox = window.MutiraoOutbox;
  const $ = (id) => document.getElementById(id);
  const page = $("capture");
  const form = $("capture-form");
  const pointSelect = $("capture-point");
  const familySearch = $("capture-family-search");
  const familySelect = $("capture-family");
  const productSelect = $("capture-product");
  const list = $("outbox-list");
  const status = $("capture-status");
  const MAX_FAMILIES_SHOWN = 100;
  const POINT_KEY = "mutirao:capture-point:" + config.cooperative;
  let correcting = null; // id of the refused record the form is correcting
  let needsLogin = false;

  // --- Numbers as Brazilians write them ------------------------------------------------

  /* "20,4", "1.234,56", "20.4" and "1234" are read; "1.234" (a thousand, or one and a
     bit?) and anything with letters are refused with a message rather than guessed.
     Returns {value} as a plain decimal string ("1234.56": never a float) or {error}. */
  function parseDecimal(raw) {
    const text = raw.trim();
    if (!text) return { error: texts.number_required };
    if (!/^[0-9.,]+$/.test(text)) {
      return { error: text.startsWith("-") ? texts.number_positive : texts.number_letters };
    }
    const malformed = { error: format(texts.number_malformed, { value: text }) };
    const grouped = /^\d{1,3}(\.\d{3})+$/; // 1.234 or 1.234.567: dots between thousands
    if (text.includes(",")) {
      const parts = text.split(",");
      if (parts.length !== 2 || !/^\d+$/.test(parts[1])) return malformed;
      if (!/^\d+$/.test(parts[0]) && !grouped.test(parts[0])) return malformed;
      return { value: parts[0].replace(/\./g, "") + "." + parts[1] };
    }
    const dots = text.split(".");
    if (dots.length === 1) return { value: text };
    if (dots.length === 2 && dots[0] && dots[1]) {
      if (dots[1].length === 3) {
        return {
          error: format(texts.number_ambiguous, {
            value: text,
            decimal: dots[0] + "," + dots[1],
            whole: dots.join(""),
          }),
        };
      }
      return { value: text };
    }
    return grouped.test(text) ? { value: text.replace(/\./g, "") } : malformed;
  }

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, (match, name) => (name in values ? values[name] : match));
  }

  function shown(decimal) {
    return decimal.replace(".", ",");
  }

  function localDate() {
    const now = new Date();
    const pad = (n) => String(n).padStart(2, "0");
    return now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
  }

  // --- The form ------------------------------------------------------------------------

  function kind() {
    return form.elements.kind.value;
  }

  function option(value, label, extra) {
    const element = document.createElement("option");
    element.value = value;
    element.textContent = label;
    Object.assign(element, extra || {});
    return element;
  }

  function fillPoints() {
    const remembered = localStorage.getItem(POINT_KEY);
    const points = config.choices.points.filter((point) => point.kinds.includes(kind()));
    pointSelect.replaceChildren(option("", "—"), ...points.map((p) => option(p.id, p.code + " · " + p.name)));
    if (points.some((p) => String(p.id) === remembered)) pointSelect.value = remembered;
    else if (points.length === 1) pointSelect.value = points[0].id;
    fillFamilies();
  }

  function fillFamilies() {
    const point = Number(pointSelect.value);
    const search = familySearch.value.trim().toLowerCase();
    const families = config.choices.families.filter(
      (f) =>
        f.point === point &&
        (!search || f.code.toLowerCase().includes(search) || f.name.toLowerCase().includes(search)),
    );
    const chosen = familySelect.value;
    familySelect.replaceChildren(
      ...families.slice(0, MAX_FAMILIES_SHOWN).map((f) => {
        const suspended = f.status !== "active";
        const label = f.code + " · " + f.name + (suspended ? " (" + texts.status_suspended + ")" : "");
        return option(f.id, label, { disabled: suspended });
      }),
    );
    if (families.some((f) => String(f.id) === chosen)) familySelect.value = chosen;
  }

  function fillProducts() {
    const preferred = config.choices.default_products[kind()];
    productSelect.replaceChildren(...config.choices.products.map((p) => option(p.id, p.code + " · " + p.name)));
    if (preferred) productSelect.value = preferred;
  }

  function showKindFields() {
    for (const field of form.querySelectorAll("[data-kind]")) field.hidden = field.dataset.kind !== kind();
  }

  function fieldError(id, message) {
    const element = $(id + "-error");
    const input = $(id);
    element.textContent = message || "";
    element.hidden = !message;
    input.setAttribute("aria-invalid", message ? "true" : "false");
    return !message;
  }

  function number(id) {
    const parsed = parseDecimal($(id).value);
    if (!parsed.error && Number(parsed.value) <= 0) parsed.error = texts.number_positive;
    fieldError(id, parsed.error);
    return parsed.value;
  }

  /* The form's values as the API's body, or null when something is missing (shown). */
  function readForm() {
    const family = config.choices.families.find((f) => String(f.id) === familySelect.value);
    let ok = fieldError("capture-family", !pointSelect.value ? texts.choose_point : !family ? texts.choose_family : "");
    const netKg = number("capture-net-kg");
    const body = {
      cooperative: config.cooperative,
      kind: kind(),
      product: Number(productSelect.value),
      family: family ? family.id : null,
      association: Number(pointSelect.value) || null,
      collected_on: localDate(),
      net_kg: netKg,
    };
    if (kind() === "barrel") body.moisture_pct = number("capture-moisture");
    else body.price_per_kg = number("capture-price");
    const code = $("capture-code").value.trim().toUpperCase();
    if (code) body.code = code;
    ok = ok && Object.values(body).every((value) => value !== undefined);
    if (!ok) return null;
    const point = config.choices.points.find((p) => p.id === body.association);
    const summary = {
      kind: texts["kind_" + body.kind],
      family: family.code + " · " + family.name,
      point: point ? point.name : "",
      kg: shown(netKg),
      code: code,
    };
    return { body, summary };
  }

  function resetForm() {
    for (const id of ["capture-net-kg", "capture-moisture", "capture-price", "capture-code"]) $(id).value = "";
    familySearch.value = "";
    familySelect.value = "";
    fillFamilies();
    correcting = null;
  }

  function loadIntoForm(record) {
    const body = record.body;
    form.elements.kind.value = body.kind;
    onKindChange();
    pointSelect.value = body.association || "";
    fillFamilies();
    familySelect.value = body.family || "";
    productSelect.value = body.product;
    $("capture-net-kg").value = shown(body.net_kg || "");
    $("capture-moisture").value = shown(body.moisture_pct || "");
    $("capture-price").value = shown(body.price_per_kg || "");
    $("capture-code").value = body.code || "";
    correcting = record.id;
    form.scrollIntoView();
    $("capture-net-kg").focus();
  }

  function onKindChange() {
    showKindFields();
    fillPoints();
    fillProducts();
  }

  form.addEventListener("change", (event) => {
    if (event.target.name === "kind") onKindChange();
  });
  pointSelect.addEventListener("change", () => {
    localStorage.setItem(POINT_KEY, pointSelect.value);
    fillFamilies();
  });
  familySearch.addEventListener("input", fillFamilies);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const read = readForm();
    if (!read) return;
    const corrected = correcting;
    resetForm(); // at once: a second tap on "save" finds an empty form, not a copy to add
    if (corrected !== null) await outbox.resubmit(corrected, read.body, read.summary);
    else await outbox.add({ cooperative: config.cooperative, user: config.user, ...read });
    say(texts.saved_locally);
    await render();
    syncNow();
  });

  // --- The outbox's list -----------------------------------------------------------------

  function reasons(record) {
    const errors = record.errors || {};
    if (typeof errors.detail === "string") return [errors.detail];
    const lines = [];
    for (const [field, messages] of Object.entries(errors)) {
      const label = texts.fields[field];
      for (const message of [].concat(messages)) {
        const text = typeof message === "string" ? message : JSON.stringify(message);
        lines.push(label ? label + ": " + text : text);
      }
    }
    return lines;
  }

  function button(label, action, primary) {
    const element = document.createElement("button");
    element.type = "button";
    element.textContent = label;
    element.dataset.action = action;
    if (primary) element.className = "primary";
    return element;
  }

  function recordItem(record) {
    const item = document.createElement("li");
    item.className = "outbox-record";
    item.dataset.state = record.state;
    item.dataset.id = record.id;
    const what = document.createElement("p");
    what.className = "outbox-what";
    const s = record.summary;
    what.textContent = [s.kind, s.family, s.kg + " kg", s.code].filter(Boolean).join(" · ");
    const state = document.createElement("p");
    state.className = "outbox-state";
    const actions = document.createElement("div");
    actions.className = "actions";
    if (record.state === "synced") {
      const lot = record.lot;
      state.textContent =
        lot.status === "rejected"
          ? format(texts.state_synced_rejected, { code: lot.code, reason: lot.rejection_reason })
          : format(texts.state_synced, { code: lot.code });
      const receipt = document.createElement("a");
      receipt.className = "button";
      receipt.href = config.saved_url.replace("{id}", lot.id);
      receipt.textContent = texts.receipt;
      actions.append(receipt);
      if (navigator.share) actions.append(button(texts.share, "share"));
    } else if (record.state === "refused") {
      state.textContent = texts.state_refused;
      const why = document.createElement("ul");
      why.className = "outbox-reasons";
      for (const line of reasons(record)) why.append(Object.assign(document.createElement("li"), { textContent: line }));
      item.append(what, state, why);
      if (record.errors && "confirm_unusual" in record.errors) actions.append(button(texts.confirm_unusual, "confirm", true));
      actions.append(button(texts.correct, "correct"), button(texts.discard, "discard"));
      item.append(actions);
      return item;
    } else {
      state.textContent = record.state === "sending" ? texts.state_sending : texts.state_pending;
      if (record.user !== config.user) state.textContent += " (" + record.user + ")";
    }
    item.append(what, state, actions);
    return item;
  }

  async function render() {
    const records = await outbox.list(config.cooperative);
    list.replaceChildren(...records.slice().reverse().map(recordItem));
    if (!records.length) list.append(Object.assign(document.createElement("li"), { textContent: texts.nothing_waiting }));
    page.dataset.pending = records.filter((r) => r.state === "pending" || r.state === "sending").length;
  }

  list.addEventListener("click", async (event) => {
    const action = event.target.dataset.action;
    const item = event.target.closest("[data-id]");
    if (!action || !item) return;
    const record = await outbox.get(Number(item.dataset.id));
    if (!record) return;
    if (action === "discard") {
      if (!window.confirm(texts.discard_confirm)) return;
      await outbox.discard(record.id);
    } else if (action === "correct") {
      loadIntoForm(record);
      return;
    } else if (action === "confirm") {
      await outbox.resubmit(record.id, { ...record.body, confirm_unusual: true });
      syncNow();
    } else if (action === "share") {
      const url = new URL(config.saved_url.replace("{id}", record.lot.id), location.href).href;
      navigator.share({ title: record.lot.code, text: format(texts.share_text, { code: record.lot.code }), url }).catch(() => {});
      return;
    }
    await render();
  });

  // --- Sync ------------------------------------------------------------------------------

  function say(message) {
    status.textContent = message;
  }

  function csrfToken() {
    const cookie = document.cookie.split("; ").find((part) => part.startsWith(config.csrf_cookie + "="));
    return cookie ? decodeURIComponent(cookie.slice(config.csrf_cookie.length + 1)) : "";
  }

  function showConnection() {
    $("capture-login").hidden = !needsLogin;
    status.dataset.tone = needsLogin || !navigator.onLine ? "warning" : "ok";
    if (needsLogin) say(texts.login_again);
    else say(navigator.onLine ? texts.online : texts.offline);
  }

  async function syncNow() {
    if (!navigator.onLine) return showConnection();
    page.dataset.syncing = "true";
    const result = await outbox.sync({
      cooperative: config.cooperative,
      user: config.user,
      url: config.api_lots,
      csrfToken,
      onChange: render,
    });
    needsLogin = result.outcome === "login";
    showConnection();
    if (result.outcome === "server" || result.outcome === "offline") {
      say(texts.server_down);
      status.dataset.tone = "warning";
    }
    await render();
    page.dataset.syncing = "false";
  }

  $("capture-sync").addEventListener("click", syncNow);
  window.addEventListener("online", syncNow);
  window.addEventListener("offline", showConnection);

  /* The first visit was not served through the worker: ask it to keep this page now. */
  async function keepForOffline() {
    if (!("serviceWorker" in navigator)) return;
    const registration = await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller && navigator.onLine) {
      await new Promise((resolve) => {
        const channel = new MessageChannel();
        channel.port1.onmessage = resolve;
        registration.active.postMessage({ type: "keep-page", url: location.pathname }, [channel.port2]);
      });
    }
    page.dataset.ready = "true";
  }

  /* Only the kinds the co-op has collection points for: a honey co-op records no nut purchase. */
  function offerKinds() {
    const offered = ["barrel", "nut_purchase"].filter((k) => config.choices.points.some((p) => p.kinds.includes(k)));
    for (const label of form.querySelectorAll("[data-kind-choice]")) label.hidden = !offered.includes(label.dataset.kindChoice);
    $("capture-kinds").hidden = offered.length < 2;
    if (offered.length && !offered.includes(kind())) form.elements.kind.value = offered[0];
  }

  async function start() {
    offerKinds();
    onKindChange();
    await outbox.recoverInterrupted(config.cooperative);
    await render();
    showConnection();
    keepForOffline();
    await syncNow();
  }

  start();
})();
