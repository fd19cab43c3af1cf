// polychat web demo: draws GET /api/state as three phones and sends the customer's actions.
// Plain JavaScript, no build step, nothing loaded from elsewhere. Text from the bot is always
// set with textContent, never parsed as HTML.
"use strict";

(() => {
  const SUBTITLES = {
    whatsapp: "WhatsApp Business · simulated",
    messenger: "Messenger · simulated",
    apple: "Messages for Business · simulated",
  };
  const MEDIA_ICONS = {image: "🖼", video: "🎬", audio: "🎵", sticker: "🙂", file: "📄"};
  const panes = new Map();
  let businessName = "Your bot";

  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  async function api(path, body) {
    const options = body === undefined ? {} : {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify(body),
    };
    const response = await fetch(path, options);
    const payload = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(payload.error || `the demo answered HTTP ${response.status}`);
    return payload;
  }

  // -- the page ---------------------------------------------------------------------------------

  function apply(state) {
    businessName = state.business || businessName;
    document.getElementById("bot-name").textContent = state.bot;
    const c = state.counts;
    document.getElementById("counts").textContent =
      `${c.sent} messages sent · ${c.webhooks} signed webhooks · ${c.requests} API calls`;
    const phones = document.getElementById("phones");
    if (!panes.size) {
      phones.replaceChildren(
        ...state.channels.map(buildPane),
        ...state.unavailable.map((m) => el("section", {
          class: `phone phone--${m.name} phone--off`, "aria-label": m.title,
        }, el("div", {class: "off"}, el("h2", {text: m.title}), el("p", {text: m.reason})))),
      );
      phones.setAttribute("aria-busy", "false");
    }
    for (const channel of state.channels) renderChat(panes.get(channel.name), channel);
  }

  function buildPane(channel) {
    const name = channel.name;
    const input = el("input", {
      type: "text", class: "composer__input", placeholder: name === "apple" ? "iMessage" : "Message",
      "aria-label": `Message on ${channel.title}`, autocomplete: "off", maxlength: "4096",
    });
    const pane = {
      name, title: channel.title, input, busy: false,
      chat: el("div", {class: "chat", role: "log", "aria-live": "polite",
                       "aria-label": `${channel.title} conversation`}),
      sheet: el("div", {class: "sheet", hidden: true}),
      alert: el("p", {class: "alert", role: "alert"}),
      opener: null,
    };
    pane.form = el("form", {class: "composer", onsubmit: (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text || pane.busy) return;
      input.value = "";
      act(pane, "/api/say", {text}, {type: "text", text});
    }},
    el("button", {type: "button", class: "composer__photo", "aria-label": "Send a photo",
                  title: "Send a photo", text: "📷",
                  onclick: () => act(pane, "/api/photo", {},
                                     {type: "media", kind: "image", name: "photo.jpg"})}),
    input,
    el("button", {type: "submit", class: "composer__send", "aria-label": "Send", text: "➤"}));
    // The region is named after the platform, so screen readers (and tests) find it by that.
    pane.section = el("section", {
      class: `phone phone--${name}`, "aria-label": channel.title, "data-channel": name,
    },
    el("div", {class: "bar"},
      el("span", {class: "avatar", "aria-hidden": "true", text: businessName.slice(0, 1)}),
      el("div", {class: "bar__text"},
        el("h2", {class: "bar__title"},
          el("span", {class: "visually-hidden", text: `${channel.title}: `}), businessName),
        el("p", {class: "bar__sub", text: SUBTITLES[name] || `${channel.title} · simulated`}))),
    pane.chat, pane.alert, pane.form, pane.sheet);
    panes.set(name, pane);
    return pane.section;
  }

  async function act(pane, path, body, shown) {
    if (pane.busy) return;
    pane.busy = true;
    pane.section.classList.add("is-busy");
    pane.alert.textContent = "";
    closeSheet(pane, false);
    if (shown) pane.chat.append(pendingRow(shown));
    pane.chat.append(el("div", {class: "row row--in pending", "aria-label": "the bot is typing"},
      el("div", {class: "typing"}, el("span"), el("span"), el("span"))));
    scrollDown(pane);
    try {
      apply(await api(path, {channel: pane.name, ...body}));
    } catch (error) {
      for (const node of pane.chat.querySelectorAll(".pending")) node.remove();
      pane.alert.textContent = error.message;
    } finally {
      pane.busy = false;
      pane.section.classList.remove("is-busy");
    }
  }

  function tap(pane, entry, choice) {
    act(pane, "/api/tap", {message_id: entry.id, choice: choice.id},
        {type: "text", text: choice.title});
  }

  // -- one conversation -------------------------------------------------------------------------

  function renderChat(pane, channel) {
    const entries = channel.entries;
    const byId = new Map(entries.filter((e) => e.id).map((e) => [e.id, e]));
    const reactions = new Map();
    for (const e of entries) {
      if (e.widget && e.widget.type === "reaction") reactions.set(e.widget.target, e.widget.emoji);
    }
    const last = entries.length ? entries[entries.length - 1] : null;
    const nodes = [];
    if (!entries.length) {
      nodes.push(el("p", {class: "hint", text: "Say hi: the bot answers here."}));
    }
    for (const entry of entries) {
      if (entry.sender === "note") {
        nodes.push(renderNote(entry));
        continue;
      }
      const w = entry.widget;
      if (w.type === "reaction") {
        if (!byId.has(w.target)) {
          nodes.push(el("p", {class: "note", text: `reacted ${w.emoji || "(removed)"}`}));
        }
        continue;
      }
      const row = el("div", {class: `row row--${entry.sender === "customer" ? "out" : "in"}`,
                             "data-id": entry.id || ""});
      row.append(...renderWidget(pane, entry, byId, entry === last).filter(Boolean));
      const emoji = reactions.get(entry.id);
      if (emoji) {
        row.querySelector(".bubble, .card, .media")
          ?.append(el("span", {class: "reaction", "aria-label": `reaction ${emoji}`, text: emoji}));
      }
      nodes.push(row);
    }
    pane.chat.replaceChildren(...nodes);
    scrollDown(pane);
  }

  // A degrade note (or a bot error) is shown small; its explanation opens on demand.
  function renderNote(entry) {
    const label = entry.kind === "error" ? `⚠ error: ${entry.text}` : `↺ degraded: ${entry.text}`;
    const cls = entry.kind === "error" ? "note note--error" : "note";
    if (!entry.detail) return el("p", {class: cls, text: label});
    return el("details", {class: cls}, el("summary", {text: label}),
      el("span", {class: "note__detail", text: entry.detail}));
  }

  function scrollDown(pane) {
    pane.chat.scrollTop = pane.chat.scrollHeight;
  }

  function pendingRow(widget) {
    const row = el("div", {class: "row row--out pending"});
    row.append(...renderWidget(null, {sender: "customer", widget, time: ""}, new Map(), false)
      .filter(Boolean));
    return row;
  }

  function summary(entry) {
    const w = entry.widget || {};
    return w.text || w.title || w.caption || (w.name ? `${MEDIA_ICONS[w.kind] || "📎"} ${w.name}` : "a message");
  }

  function quote(pane, w, byId, entry) {
    if (!w.reply_to || !byId.has(w.reply_to)) return null;
    // WhatsApp quotes the message a button reply answers; other apps only show explicit quotes.
    if (entry.sender === "customer" && pane && pane.name !== "whatsapp") return null;
    const target = byId.get(w.reply_to);
    return el("div", {class: "quote"},
      el("span", {class: "quote__who", text: target.sender === "customer" ? "You" : businessName}),
      el("span", {class: "quote__text", text: summary(target).split("\n")[0]}));
  }

  function time(entry) {
    return entry.time ? el("span", {class: "time", text: entry.time}) : null;
  }

  function mediaTile(m) {
    return el("div", {class: `media media--${m.kind || "file"}`, role: "img",
                      "aria-label": `${m.kind || "file"}: ${m.name}`},
      el("span", {class: "media__icon", "aria-hidden": "true", text: MEDIA_ICONS[m.kind] || "📎"}),
      el("span", {class: "media__name", text: m.name}));
  }

  function choiceButton(pane, entry, choice, cls) {
    const live = pane && choice.id !== null && choice.id !== undefined;
    const icon = {url: "↗ ", call: "☎ ", location: "📍 "}[choice.action] || "";
    return el("button", {
      type: "button", class: cls, disabled: !live,
      title: live ? null : "not simulated: this would open a link or app",
      onclick: live ? () => tap(pane, entry, choice) : null,
    }, icon, choice.title);
  }

  function bubble(pane, entry, byId, ...children) {
    return el("div", {class: "bubble"}, quote(pane, entry.widget, byId, entry), children, time(entry));
  }

  function text(value, cls = "text") {
    return value ? el("p", {class: cls, text: value}) : null;
  }

  function renderWidget(pane, entry, byId, isLast) {
    const w = entry.widget;
    const buttons = (list) => (list && list.length ? el("div", {class: "actions"},
      list.map((b) => choiceButton(pane, entry, b, "action"))) : null);
    switch (w.type) {
      case "media":
        return [bubble(pane, entry, byId, mediaTile(w), text(w.caption))];
      case "buttons":
        return [el("div", {class: "card card--buttons"},
          bubble(pane, entry, byId, text(w.header, "header"), text(w.text), text(w.footer, "footer")),
          buttons(w.buttons))];
      case "list":
        return [el("div", {class: "card card--list"}, bubble(pane, entry, byId,
          text(w.header, "header"), text(w.text), text(w.subtitle, "footer"),
          text(w.footer, "footer"),
          el("button", {type: "button", class: "opener", "aria-haspopup": "dialog",
                        onclick: (event) => openSheet(pane, entry,
                          pane.name === "whatsapp" ? w.button : w.text || w.button,
                          w.sections.map((s) => ({title: s.title, items: s.rows})), event.currentTarget)},
            pane && pane.name === "apple" ? "" : "☰ ", w.button)))];
      case "time_picker":
        return [el("div", {class: "card card--time"}, bubble(pane, entry, byId,
          el("p", {class: "text"}, el("span", {class: "clock", "aria-hidden": "true", text: "🕒"}),
             w.title),
          text(w.subtitle, "footer"),
          el("button", {type: "button", class: "opener", "aria-haspopup": "dialog",
                        onclick: (event) => openSheet(pane, entry, w.title,
                          [{title: w.zone ? `Times in ${w.zone}` : null, items: w.slots}],
                          event.currentTarget)}, "Choose a time")))];
      case "quick_replies":
        return [bubble(pane, entry, byId, text(w.text)),
          isLast ? el("div", {class: "chips", role: "group", "aria-label": "Quick replies"},
            w.replies.map((r) => choiceButton(pane, entry, r, "chip"))) : null];
      case "carousel":
        return [el("div", {class: "carousel", role: "group", "aria-label": "Carousel"},
          w.cards.map((card) => el("div", {class: "card card--slide"},
            card.image ? mediaTile({kind: "image", name: card.image}) : el("div", {class: "slide__art", "aria-hidden": "true", text: "🛍"}),
            el("div", {class: "slide__body"}, text(card.title, "slide__title"), text(card.subtitle, "slide__sub")),
            buttons(card.buttons))))];
      default: // text, and anything new: its text and its choices
        return [el("div", {class: w.buttons && w.buttons.length ? "card card--buttons" : "plain"},
          bubble(pane, entry, byId, (w.media || []).map(mediaTile), text(w.text)),
          buttons(w.buttons))];
    }
  }

  // -- the sheet of a list or time picker ------------------------------------------------------

  function openSheet(pane, entry, title, groups, opener) {
    if (!pane || pane.busy) return;
    const titleId = `sheet-${pane.name}-title`;
    pane.opener = opener || null;
    pane.sheet.replaceChildren(el("div", {
      class: "sheet__panel", role: "dialog", "aria-modal": "true", "aria-labelledby": titleId,
      onkeydown: (event) => { if (event.key === "Escape") closeSheet(pane, true); },
    },
    el("div", {class: "sheet__head"},
      el("h3", {id: titleId, class: "sheet__title", text: title}),
      el("button", {type: "button", class: "sheet__close", "aria-label": "Close", text: "✕",
                    onclick: () => closeSheet(pane, true)})),
    groups.map((group) => el("div", {class: "sheet__group"},
      text(group.title, "sheet__group-title"),
      group.items.map((item) => el("button", {
        type: "button", class: "sheet__row", onclick: () => tap(pane, entry, item),
      }, el("span", {class: "sheet__row-title", text: item.title}),
      text(item.description, "sheet__row-sub")))))));
    pane.sheet.hidden = false;
    pane.sheet.querySelector(".sheet__row")?.focus();
  }

  function closeSheet(pane, restoreFocus) {
    if (pane.sheet.hidden) return;
    pane.sheet.hidden = true;
    pane.sheet.replaceChildren();
    if (restoreFocus && pane.opener && pane.opener.isConnected) pane.opener.focus();
    pane.opener = null;
  }

  // -- start ------------------------------------------------------------------------------------

  document.getElementById("restart").addEventListener("click", async () => {
    for (const pane of panes.values()) closeSheet(pane, false);
    try {
      apply(await api("/api/reset", {}));
    } catch (error) {
      document.getElementById("counts").textContent = error.message;
    }
  });

  api("/api/state").then(apply).catch((error) => {
    document.getElementById("phones").replaceChildren(
      el("p", {class: "loading", role: "alert", text: `The demo is not answering: ${error.message}`}));
  });
})();
