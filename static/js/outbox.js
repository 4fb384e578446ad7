/* The outbox: records captured on the phone, kept in IndexedDB until the server has them.

   A record is {id, key, cooperative, user, body, summary, state, errors, lot, createdAt}:
   `body` is what POST /api/v1/lots/ receives, `key` its Idempotency-Key (crypto.randomUUID,
   made once when the record is captured), so sending it twice records one lot: the server
   answers a retry with the first answer. States:
     pending  waiting for a connection (or for the user to log in again);
     sending  on its way (a page closed meanwhile finds it here and sends it again);
     synced   recorded: `lot` holds the server's id, code and status;
     refused  the server said no (400/422): `errors` holds its reasons, until the user
              corrects the record (back to pending) or discards it.
   Nothing leaves the outbox but by the user's "discard". Exposed as window.MutiraoOutbox. */
(function (global) {
  "use strict";

  const DB_NAME = "mutirao";
  const STORE = "outbox";
  const State = Object.freeze({ PENDING: "pending", SENDING: "sending", SYNCED: "synced", REFUSED: "refused" });
  let opened = null;
  let running = null;

  function db() {
    opened =
      opened ||
      global.idb.openDB(DB_NAME, 1, {
        upgrade(database) {
          const store = database.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
          store.createIndex("cooperative", "cooperative");
        },
      });
    return opened;
  }

  async function add({ cooperative, user, body, summary }) {
    const record = {
      key: global.crypto.randomUUID(),
      cooperative,
      user,
      body,
      summary,
      state: State.PENDING,
      errors: null,
      lot: null,
      createdAt: Date.now(),
    };
    record.id = await (await db()).add(STORE, record);
    return record;
  }

  async function list(cooperative) {
    const rows = await (await db()).getAllFromIndex(STORE, "cooperative", cooperative);
    return rows.sort((a, b) => a.createdAt - b.createdAt);
  }

  async function get(id) {
    return (await db()).get(STORE, id);
  }

  async function update(id, changes) {
    const tx = (await db()).transaction(STORE, "readwrite");
    const record = await tx.store.get(id);
    if (record) await tx.store.put({ ...record, ...changes });
    await tx.done;
  }

  async function discard(id) {
    await (await db()).delete(STORE, id);
  }

  /* A refused record, corrected: back to pending. A key the server already used for
     another body (422) is replaced, since this body was never recorded under it. */
  async function resubmit(id, body, summary) {
    const record = await get(id);
    if (!record) return;
    const key = record.status === 422 ? global.crypto.randomUUID() : record.key;
    await update(id, { body, summary: summary || record.summary, key, state: State.PENDING, errors: null, status: null });
  }

  /* A page closed while sending: send again (same key, so at most one lot). */
  async function recoverInterrupted(cooperative) {
    for (const record of await list(cooperative)) {
      if (record.state === State.SENDING) await update(record.id, { state: State.PENDING });
    }
  }

  /* Send the pending records of `user` in `cooperative`, oldest first, one at a time.
     Resolves to {outcome}: "done", "offline" (no answer), "login" (401/403: the session
     ended; the record waits), "server" (5xx, 429: try later). One run at a time per page. */
  function sync(options) {
    running = running || runSync(options).finally(() => (running = null));
    return running;
  }

  async function runSync({ cooperative, user, url, csrfToken, onChange }) {
    const notify = onChange || function () {};
    const pending = (await list(cooperative)).filter((r) => r.state === State.PENDING && r.user === user);
    for (const record of pending) {
      await update(record.id, { state: State.SENDING });
      notify();
      const result = await send(record, url, csrfToken());
      await update(record.id, result.changes);
      notify();
      if (result.stop) return { outcome: result.stop, detail: result.detail };
    }
    return { outcome: "done" };
  }

  async function send(record, url, csrfToken) {
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": csrfToken,
          "Idempotency-Key": record.key,
        },
        body: JSON.stringify(record.body),
      });
    } catch (error) {
      return { changes: { state: State.PENDING }, stop: "offline" };
    }
    const answer = await response.json().catch(() => ({}));
    if (response.ok) {
      const lot = { id: answer.id, code: answer.code, status: answer.status, rejection_reason: answer.rejection_reason };
      return { changes: { state: State.SYNCED, lot, errors: null, status: response.status } };
    }
    if (response.status === 401 || response.status === 403) {
      return { changes: { state: State.PENDING }, stop: "login", detail: answer.detail || "" };
    }
    if (response.status >= 500 || response.status === 429) {
      return { changes: { state: State.PENDING }, stop: "server" };
    }
    return { changes: { state: State.REFUSED, errors: answer, status: response.status } };
  }

  global.MutiraoOutbox = { State, add, list, get, update, discard, resubmit, recoverInterrupted, sync };
})(window);
