/* convrec chat widget: a thin client of the REST channel (bot/channels/rest.py).
 *
 * Embed on any page:   <script src="https://HOST/widget.js" defer></script>
 * (a chat button appears bottom right), or give it a place: <div id="convrec-chat"></div>.
 * Options on the script tag: data-server="https://HOST" (default: where widget.js came from),
 * data-title="Movie picks". The session id lives in localStorage, so a reload shows the
 * conversation so far (GET /api/sessions/ID) and goes on with it.
 *
 * All text is set with textContent: nothing a user or the catalog says becomes HTML.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var server = (script && script.dataset.server) ||
    (script && script.src ? new URL(script.src, location.href).origin : location.origin);
  var title = (script && script.dataset.title) || "convrec";
  var STORAGE_KEY = "convrec.session";
  var ACTIONS = {
    accept: "Love it", seen: "Seen it", reject: "Not for me", refine: "More like",
    ask_more: "More", reset: "Start over", request_recommendation: "Surprise me"
  };

  var titles = {};        // item id -> title, for labelling buttons the user pressed
  var lastGroup = null;   // the newest card list: {el, items}
  var busy = false;
  var els = {};

  function h(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  var memory = {};  // where localStorage is not allowed (sandboxed pages): this page view only
  var storage = {
    get: function (k) { try { return localStorage.getItem(k); } catch (e) { return memory[k]; } },
    set: function (k, v) { try { localStorage.setItem(k, v); } catch (e) { memory[k] = v; } }
  };

  function sessionId(reset) {
    var id = reset ? null : storage.get(STORAGE_KEY);
    if (!id) {
      id = (window.crypto && crypto.randomUUID) ? crypto.randomUUID()
        : "w-" + Date.now().toString(36) + Math.random().toString(36).slice(2);
      storage.set(STORAGE_KEY, id);
    }
    return id;
  }

  function parsePayload(text) {
    var m = /^\/([A-Za-z_]\w*)(\{.*\})?\s*$/.exec(text || "");
    if (!m) return null;
    var slots = {};
    try { slots = m[2] ? JSON.parse(m[2]) : {}; } catch (e) { return null; }
    return {intent: m[1], slots: slots};
  }

  function label(text) {
    var p = parsePayload(text);
    if (!p) return text;
    var name = ACTIONS[p.intent] || p.intent.replace(/_/g, " ");
    var item = p.slots.item;
    return item && titles[item] ? name + ": " + titles[item] : name;
  }

  // -- rendering -----------------------------------------------------------------------------
  function scrollDown() {
    els.log.scrollTop = els.log.scrollHeight;
  }

  function say(who, text, extraClass) {
    var row = h("div", "cr-row cr-" + who + (extraClass ? " " + extraClass : ""));
    row.appendChild(h("div", "cr-bubble", text));
    els.log.appendChild(row);
    scrollDown();
    return row;
  }

  function hue(id) {
    var n = 0;
    for (var i = 0; i < id.length; i++) n = (n * 31 + id.charCodeAt(i)) % 360;
    return n;
  }

  function initials(name) {
    var words = name.replace(/[^A-Za-z0-9 ]/g, " ").split(/\s+/).filter(function (w) {
      return w && !/^(the|a|an|of|and)$/i.test(w);
    });
    return (words.slice(0, 2).map(function (w) { return w[0]; }).join("") || "?").toUpperCase();
  }

  function card(item, position) {
    titles[item.id] = item.title;
    var c = h("article", "cr-card");
    c.dataset.itemId = item.id;
    c.setAttribute("aria-label", item.title + (item.year ? " (" + item.year + ")" : ""));
    var poster = h("div", "cr-poster", initials(item.title));
    poster.style.background = "linear-gradient(135deg, hsl(" + hue(item.id) + ",55%,42%), hsl(" +
      ((hue(item.id) + 40) % 360) + ",60%,30%))";
    poster.setAttribute("aria-hidden", "true");
    c.appendChild(poster);
    var body = h("div", "cr-card-body");
    var head = h("h3", "cr-card-title");
    var name = h("button", "cr-title-link", item.title);  // the title asks about the movie
    name.type = "button";
    name.dataset.action = "about";
    name.title = "About this movie";
    name.setAttribute("aria-label", "About " + item.title);
    name.addEventListener("click", function () { send("tell me about " + item.title); });
    head.appendChild(name);
    if (item.year) head.appendChild(h("span", "cr-year", " " + item.year));
    body.appendChild(head);
    if (item.genres && item.genres.length) {
      body.appendChild(h("div", "cr-genres", item.genres.slice(0, 3).join(" · ")));
    }
    body.appendChild(h("p", "cr-reason", item.reason));
    var actions = h("div", "cr-actions");
    [["accept", "♥ Love it", "cr-love"], ["seen", "Seen it", ""],
     ["reject", "Not for me", "cr-reject"]].forEach(function (a) {
      var b = h("button", "cr-btn " + a[2], a[1]);
      b.type = "button";
      b.dataset.action = a[0];
      b.setAttribute("aria-label", a[1].replace("♥ ", "") + ": " + item.title);
      b.addEventListener("click", function () {
        send("/" + a[0] + JSON.stringify({item: item.id}));
      });
      actions.appendChild(b);
    });
    body.appendChild(actions);
    c.appendChild(body);
    return c;
  }

  // A reply that keeps most of the shown list in place (a rejected or seen movie swapped for a
  // new one) updates the cards where they are; any other list is a new set of cards.
  function isReplacement(items) {
    if (!lastGroup || !items.length || items.length !== lastGroup.items.length) return false;
    var same = items.filter(function (it, i) { return lastGroup.items[i].id === it.id; }).length;
    return same >= 1 && same >= items.length - 2 && same < items.length + 1;
  }

  function showCards(items) {
    if (isReplacement(items)) {
      // the same list, the replaced cards swapped in place, moved under the bot's answer
      var cards = lastGroup.el.children, fresh = null;
      Array.prototype.forEach.call(lastGroup.el.querySelectorAll(".cr-new"), function (c) {
        c.classList.remove("cr-new");
      });
      items.forEach(function (it, i) {
        if (lastGroup.items[i].id !== it.id) {
          fresh = card(it, i + 1);
          fresh.classList.add("cr-new");
          lastGroup.el.replaceChild(fresh, cards[i]);
        }
      });
      lastGroup.items = items;
      els.log.appendChild(lastGroup.el);
      return fresh;
    }
    var group = h("div", "cr-cards");
    items.forEach(function (it, i) { group.appendChild(card(it, i + 1)); });
    els.log.appendChild(group);
    lastGroup = {el: group, items: items};
    return null;
  }

  function showQuickReplies(replies) {
    els.chips.textContent = "";
    (replies || []).forEach(function (q) {
      var p = parsePayload(q.payload);
      if (p && p.slots.item && /^(accept|seen|reject)$/.test(p.intent)) return; // on the cards
      var b = h("button", "cr-chip", q.title);
      b.type = "button";
      b.addEventListener("click", function () { send(q.payload, q.title); });
      els.chips.appendChild(b);
    });
  }

  function showReply(reply) {
    var bubble = say("bot", reply.text);
    var fresh = reply.items && reply.items.length ? showCards(reply.items) : null;
    showQuickReplies(reply.quick_replies);
    scrollDown();
    if (fresh) bubble.scrollIntoView({block: "start"});  // the answer, then the new card
  }

  function showError(message) {
    say("bot", message, "cr-error");
  }

  // -- talking to the server -----------------------------------------------------------------
  function request(method, path, body) {
    return fetch(server + path, {
      method: method,
      headers: body ? {"Content-Type": "application/json"} : {},
      body: body ? JSON.stringify(body) : undefined
    }).then(function (r) {
      return r.json().catch(function () { return {error: "HTTP " + r.status}; })
        .then(function (data) {
          if (!r.ok) {
            var e = new Error(data.error || ("HTTP " + r.status));
            e.status = r.status;
            throw e;
          }
          return data;
        });
    });
  }

  function silent(text) {  // messages the widget sends on its own, not shown as the user's
    return text === "/greet";
  }

  function send(text, shown) {
    text = (text || "").trim();
    if (!text || busy) return;
    busy = true;
    els.form.classList.add("cr-busy");
    if (!silent(text)) say("user", shown || label(text));
    var typing = say("bot", "…", "cr-typing");
    typing.setAttribute("role", "status");
    typing.setAttribute("aria-label", title + " is typing");
    var attempt = function (retries) {
      return request("POST", "/api/message", {session: sessionId(), text: text})
        .catch(function (e) {
          if (e.status === 503 && retries > 0) {
            return new Promise(function (ok) { setTimeout(ok, 1000); })
              .then(function () { return attempt(retries - 1); });
          }
          throw e;
        });
    };
    attempt(2).then(function (reply) {
      typing.remove();
      showReply(reply);
    }).catch(function (e) {
      typing.remove();
      showError(e.message || "Something went wrong; please try again.");
    }).then(function () {
      busy = false;
      els.form.classList.remove("cr-busy");
      els.input.focus();
    });
  }

  function restore() {
    return request("GET", "/api/sessions/" + encodeURIComponent(sessionId())).catch(function (e) {
      if (e.status === 404) return {messages: []};  // a new session: nothing said yet
      throw e;
    }).then(function (data) {
      var messages = data.messages || [];
      if (!messages.length) {
        send("/greet");
        return;
      }
      // cards first, so user turns that pressed a card button get its title in their label
      messages.forEach(function (m) {
        (m.items || []).forEach(function (it) { titles[it.id] = it.title; });
      });
      messages.forEach(function (m) {
        if (m.from === "user") { if (!silent(m.text)) say("user", label(m.text)); }
        else showReply(m);
      });
    }).catch(function (e) { showError("Could not load the conversation: " + e.message); });
  }

  function newChat() {
    sessionId(true);
    els.log.textContent = "";
    els.chips.textContent = "";
    lastGroup = null;
    send("/greet");
  }

  // -- building the widget -------------------------------------------------------------------
  function logo() {  // a film frame, drawn (no emoji font needed)
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("class", "cr-logo");
    svg.setAttribute("aria-hidden", "true");
    [["rect", {x: 3, y: 5, width: 18, height: 14, rx: 2.5}],
     ["path", {d: "M7 5v14M17 5v14M3 9.5h4M3 14.5h4M17 9.5h4M17 14.5h4"}]]
      .forEach(function (shape) {
        var e = document.createElementNS(ns, shape[0]);
        Object.keys(shape[1]).forEach(function (k) { e.setAttribute(k, shape[1][k]); });
        svg.appendChild(e);
      });
    return svg;
  }

  function build(root, mode) {
    root.classList.add("cr-root", "cr-" + mode);
    var panel = h("section", "cr-panel");
    panel.setAttribute("aria-label", title + " chat");
    var header = h("header", "cr-header");
    var brand = h("div", "cr-brand");
    brand.appendChild(logo());
    var names = h("div");
    names.appendChild(h("div", "cr-title", title));
    names.appendChild(h("div", "cr-subtitle", "Movie picks, by chat"));
    brand.appendChild(names);
    header.appendChild(brand);
    var reset = h("button", "cr-new-chat", "New chat");
    reset.type = "button";
    reset.setAttribute("aria-label", "Start a new chat");
    reset.addEventListener("click", newChat);
    header.appendChild(reset);
    panel.appendChild(header);
    els.log = h("div", "cr-log");
    els.log.setAttribute("role", "log");
    els.log.setAttribute("aria-live", "polite");
    panel.appendChild(els.log);
    els.chips = h("div", "cr-chips");
    els.chips.setAttribute("role", "group");
    els.chips.setAttribute("aria-label", "Suggested replies");
    panel.appendChild(els.chips);
    els.form = h("form", "cr-form");
    els.input = h("input", "cr-input");
    els.input.type = "text";
    els.input.placeholder = "Ask for a movie…";
    els.input.setAttribute("aria-label", "Your message");
    els.input.maxLength = 2000;
    els.input.autocomplete = "off";
    var go = h("button", "cr-send", "Send");
    go.type = "submit";
    els.form.appendChild(els.input);
    els.form.appendChild(go);
    els.form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var text = els.input.value;
      els.input.value = "";
      send(text);
    });
    panel.appendChild(els.form);
    root.appendChild(panel);
    if (mode === "floating") {
      var open = h("button", "cr-launcher");
      open.appendChild(logo());
      open.type = "button";
      open.setAttribute("aria-label", "Open movie chat");
      open.setAttribute("aria-expanded", "false");
      open.addEventListener("click", function () {
        root.classList.toggle("cr-open");
        open.setAttribute("aria-expanded", String(root.classList.contains("cr-open")));
        if (root.classList.contains("cr-open")) els.input.focus();
      });
      root.appendChild(open);
    }
    restore();
  }

  function start() {
    if (!document.querySelector("link[data-convrec]") &&
        !document.querySelector('link[href$="/widget.css"]')) {
      var css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = server + "/widget.css";
      css.dataset.convrec = "1";
      document.head.appendChild(css);
    }
    var root = document.getElementById("convrec-chat");
    var mode = root ? (root.dataset.mode || "inline") : "floating";
    if (!root) {
      root = h("div");
      root.id = "convrec-chat";
      document.body.appendChild(root);
    }
    build(root, mode);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
