// Weak signal loses nothing: a visit that cannot be sent is kept in the phone's
// browser (IndexedDB, photos included) and sent again when the connection
// returns. Each form carries an idempotency key, so the server records a
// visit once however many times it arrives.
(function () {
  "use strict";
  var DB_NAME = "minqingtong-drafts";
  var STORE = "drafts";

  function openDb() {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "key" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { resolve(result && result.result !== undefined ? result.result : result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }

  function allDrafts() {
    return withStore("readonly", function (store) { return store.getAll(); });
  }

  function saveDraft(draft) {
    return withStore("readwrite", function (store) { store.put(draft); });
  }

  function deleteDraft(key) {
    return withStore("readwrite", function (store) { store.delete(key); });
  }

  function currentCsrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) { return input.value; }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function toEntries(formData) {
    var entries = [];
    formData.forEach(function (value, name) {
      if (value instanceof File) {
        if (value.size > 0) { entries.push([name, { file: value, filename: value.name }]); }
      } else {
        entries.push([name, value]);
      }
    });
    return entries;
  }

  function toFormData(entries) {
    var formData = new FormData();
    entries.forEach(function (entry) {
      var name = entry[0];
      var value = entry[1];
      if (name === "csrfmiddlewaretoken") { return; }
      if (value && value.file) { formData.append(name, value.file, value.filename); } else { formData.append(name, value); }
    });
    formData.append("csrfmiddlewaretoken", currentCsrfToken());
    return formData;
  }

  function isLoginPage(response) {
    return response.url.indexOf("/accounts/login/") !== -1;
  }

  // Resolves to "sent", "kept" (try again later) or the Response to show (validation errors).
  function send(url, formData) {
    return fetch(url, {
      method: "POST",
      body: formData,
      credentials: "same-origin",
      headers: { "X-CSRFToken": currentCsrfToken(), "X-Requested-With": "fetch" },
    }).then(function (response) {
      if (response.redirected && response.ok && !isLoginPage(response)) { return { status: "sent", url: response.url }; }
      if (response.status >= 500 || isLoginPage(response)) { return { status: "kept", response: response }; }
      return { status: "show", response: response };
    }, function () {
      return { status: "kept" };
    });
  }

  function renderOutbox() {
    var box = document.getElementById("draft-outbox");
    if (!box) { return Promise.resolve(); }
    return allDrafts().then(function (drafts) {
      var list = box.querySelector("[data-drafts-list]");
      list.textContent = "";
      drafts.forEach(function (draft) {
        var item = document.createElement("li");
        item.textContent = draft.label + " · " + new Date(draft.savedAt).toLocaleString();
        list.appendChild(item);
      });
      box.classList.toggle("d-none", drafts.length === 0);
    }).catch(function () {});
  }

  var flushing = false;
  function flush() {
    if (flushing || !navigator.onLine) { return Promise.resolve(); }
    flushing = true;
    return allDrafts().then(function (drafts) {
      return drafts.reduce(function (chain, draft) {
        return chain.then(function () {
          return send(draft.url, toFormData(draft.entries)).then(function (outcome) {
            // A draft the server refuses (400) stays so that nothing typed is lost;
            // opening it shows the errors.
            if (outcome.status === "sent") { return deleteDraft(draft.key); }
          });
        });
      }, Promise.resolve());
    }).catch(function () {}).then(function () {
      flushing = false;
      return renderOutbox();
    });
  }

  function showPage(response) {
    return response.text().then(function (html) {
      document.open();
      document.write(html);
      document.close();
    });
  }

  document.querySelectorAll("form[data-draft-form]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) { return; }
      event.preventDefault();
      var button = form.querySelector("[data-submit]");
      if (button) {
        if (button.disabled) { return; }
        button.disabled = true;
        button.dataset.label = button.textContent;
        button.textContent = form.getAttribute("data-sending-text") || "…";
      }
      // A field named "action" shadows form.action, so read the attribute.
      var url = form.getAttribute("action") || window.location.href;
      var formData = new FormData(form);
      var key = formData.get("idempotency_key");
      var draft = {
        key: key,
        url: url,
        label: form.getAttribute("data-draft-label") || "",
        savedAt: Date.now(),
        entries: toEntries(formData),
      };
      var attempt = navigator.onLine ? send(url, formData) : Promise.resolve({ status: "kept" });
      attempt.then(function (outcome) {
        if (outcome.status === "sent") {
          deleteDraft(key).catch(function () {}).then(function () { window.location.assign(outcome.url); });
          return;
        }
        if (outcome.status === "show") {
          showPage(outcome.response);
          return;
        }
        saveDraft(draft).then(function () {
          var notice = document.getElementById("draft-saved");
          if (notice) { notice.classList.remove("d-none"); notice.scrollIntoView(); }
          renderOutbox();
        }, function () {
          // No IndexedDB (private mode): fall back to an ordinary submit.
          form.submit();
        });
        if (button) { button.disabled = false; button.textContent = button.dataset.label; }
      });
    });
  });

  document.querySelectorAll("[data-drafts-send]").forEach(function (button) {
    button.addEventListener("click", flush);
  });
  window.addEventListener("online", flush);
  renderOutbox().then(flush);
})();
