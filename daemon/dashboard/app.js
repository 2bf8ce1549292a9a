/* The Office's dashboard (docs/control-api.md "Dashboard"). It reads loa's
   JSON endpoints and builds the page with DOM calls only: text that came
   from items, platforms or files is only ever set as text, never parsed as
   markup. Times arrive in the configured zone ("2026-12-03T08:00:00+07:00")
   and are shown as they are written, whatever the browser's own zone. */
"use strict";

(() => {
  const REFRESH_MS = 30000;
  const DAY_MS = 86400000;
  const RECENT_DAYS = 30;
  const TOKEN_WARNING_DAYS = 14;
  const MAX_ROWS = 300;
  const WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"];
  const STATE_LABELS = {
    scheduled: "Chờ đăng",
    sending: "Đang gửi",
    published: "Đã đăng",
    failed: "Thất bại",
    uncertain: "Chưa rõ kết quả",
    cancelled: "Đã hủy",
    retracted: "Đã gỡ",
  };
  /* Worst first: an entry shows the state of its worst delivery. */
  const SEVERITY = ["failed", "uncertain", "sending", "scheduled", "published", "retracted", "cancelled"];

  const view = { mode: "week", date: null, item: null };
  let data = null;

  /* ---- DOM helpers: text goes in as text nodes only. ---- */
  function el(tag, className, ...children) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }
  function table(headings, rows) {
    const head = el("tr", null, ...headings.map((h) => el("th", null, h)));
    return el("table", null, el("thead", null, head), el("tbody", null, ...rows));
  }
  function empty(text) {
    return el("p", "empty", text);
  }

  /* A link to a published post: only web addresses become links; any other
     address (a file channel's file:// path) is shown as plain text, as
     `plain`, or as itself when the caller has no other text for it. */
  function postLink(url, text, plain) {
    let href = null;
    try {
      const parsed = new URL(url);
      if (parsed.protocol === "https:" || parsed.protocol === "http:") href = parsed.href;
    } catch (e) {
      href = null;
    }
    if (!href) return el("span", null, plain === undefined ? url : plain);
    const a = el("a", null, text);
    a.setAttribute("href", href);
    a.setAttribute("target", "_blank");
    a.setAttribute("rel", "noopener noreferrer");
    return a;
  }
  /* The item's title, opening its details (revisions, channels) on this page. */
  function itemLink(item, title) {
    const a = el("a", "item", title || item);
    a.setAttribute("href", "#" + address({ item }));
    a.addEventListener("click", (event) => {
      event.preventDefault();
      view.item = item;
      showView();
    });
    return a;
  }
  function previewLink(item) {
    const a = el("a", "preview", "Xem trước");
    a.setAttribute("href", "/preview/" + encodeURIComponent(item));
    a.setAttribute("target", "_blank");
    a.setAttribute("rel", "noopener noreferrer");
    return a;
  }

  /* ---- Dates as "YYYY-MM-DD" strings of the configured zone. ---- */
  function dayNumber(date) {
    return Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10)) / DAY_MS;
  }
  function dateOf(day) {
    return new Date(day * DAY_MS).toISOString().slice(0, 10);
  }
  function weekday(date) {
    return (new Date(dayNumber(date) * DAY_MS).getUTCDay() + 6) % 7; /* 0: Monday */
  }
  function shownDate(date) {
    return date.slice(8, 10) + "/" + date.slice(5, 7) + "/" + date.slice(0, 4);
  }
  function shownTime(time) {
    return time ? shownDate(time.slice(0, 10)) + " " + time.slice(11, 16) : "—";
  }
  function isDate(text) {
    return /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(dayNumber(text));
  }

  /* The days the calendar shows: whole weeks, Monday first. */
  function period() {
    if (view.mode === "week") {
      const start = dayNumber(view.date) - weekday(view.date);
      return { start, end: start + 6 };
    }
    const first = view.date.slice(0, 7) + "-01";
    const nextMonth = dateOf(dayNumber(first) + 32).slice(0, 7) + "-01";
    const last = dateOf(dayNumber(nextMonth) - 1);
    return {
      start: dayNumber(first) - weekday(first),
      end: dayNumber(last) + 6 - weekday(last),
    };
  }

  function stateLabel(d) {
    if (d.state === "failed" && d.last_error && d.last_error.startsWith("missed:")) return "Bỏ lỡ";
    return STATE_LABELS[d.state] || d.state;
  }
  function stateBadge(d) {
    return el("span", "state " + d.state, stateLabel(d));
  }
  function worst(deliveries) {
    let rank = SEVERITY.length;
    for (const d of deliveries) {
      const r = SEVERITY.indexOf(d.state);
      if (r >= 0 && r < rank) rank = r;
    }
    return SEVERITY[rank] || "scheduled";
  }

  /* Deliveries of one item due at one time, together. */
  function groupByItem(deliveries) {
    const groups = new Map();
    for (const d of deliveries) {
      const key = d.item + "\u0000" + d.due_at;
      if (!groups.has(key)) groups.set(key, { item: d.item, title: d.title, due_at: d.due_at, deliveries: [] });
      groups.get(key).deliveries.push(d);
    }
    return [...groups.values()];
  }
  function titleCell(group) {
    return el("td", null, itemLink(group.item, group.title), el("span", "id", group.item));
  }
  function channelList(deliveries) {
    const list = el("span", "channels");
    deliveries.forEach((d, i) => {
      if (i > 0) list.append(", ");
      const url = d.state === "published" && d.url;
      list.append(url ? postLink(d.url, d.channel, d.channel) : d.channel);
      list.append(" (" + stateLabel(d) + ")");
    });
    return list;
  }

  /* ---- Sections ---- */
  function renderDecisions() {
    const box = document.getElementById("decisions");
    clear(box);
    const since = dateOf(dayNumber(data.today) - RECENT_DAYS);
    const open = data.failed
      .filter((d) => d.updated_at.slice(0, 10) >= since)
      .concat(data.unsettled.filter((d) => d.state === "uncertain"))
      .sort((a, b) => (a.due_at < b.due_at ? 1 : a.due_at > b.due_at ? -1 : 0));
    if (open.length === 0 && data.rejected.length === 0) {
      box.append(empty("Không có việc cần xử lý."));
      return;
    }
    if (open.length > 0) {
      box.append(el("h3", null, "Tin đăng chưa thành công (" + open.length + ")"));
      const rows = open.slice(0, MAX_ROWS).map((d) =>
        el("tr", "decision",
          el("td", "time", shownTime(d.due_at)),
          el("td", null, itemLink(d.item, d.title), el("span", "id", d.item)),
          el("td", null, d.channel),
          el("td", null, stateBadge(d)),
          el("td", null, el("p", "error", d.last_error || "—")),
          el("td", null, previewLink(d.item))));
      box.append(table(["Thời gian đăng", "Tiêu đề", "Kênh", "Tình trạng", "Lỗi", ""], rows));
    }
    if (data.rejected.length > 0) {
      box.append(el("h3", null, "Bị từ chối khi nhận (" + data.rejected.length + ")"));
      const rows = data.rejected.map((r) =>
        el("tr", "rejected",
          el("td", "time", shownTime(r.rejected_at)),
          el("td", null, r.name),
          el("td", null, el("pre", "report", r.report))));
      box.append(table(["Thời gian", "Tệp", "Lý do"], rows));
    }
  }

  function renderCalendar() {
    const box = document.getElementById("calendar");
    clear(box);
    box.className = "calendar " + view.mode;
    const { start, end } = period();
    const first = dateOf(start);
    const last = dateOf(end);
    const byDay = new Map();
    const shown = data.unsettled.concat(data.published, data.failed)
      .filter((d) => d.due_at.slice(0, 10) >= first && d.due_at.slice(0, 10) <= last);
    for (const group of groupByItem(shown)) {
      const day = group.due_at.slice(0, 10);
      if (!byDay.has(day)) byDay.set(day, []);
      byDay.get(day).push(group);
    }
    for (const name of WEEKDAYS) box.append(el("div", "head", name));
    const month = view.date.slice(0, 7);
    for (let day = start; day <= end; ++day) {
      const date = dateOf(day);
      const cell = el("div", "day", el("div", "date", shownDate(date)));
      if (view.mode === "month" && date.slice(0, 7) !== month) cell.classList.add("other");
      if (date === data.today) cell.classList.add("today");
      const groups = (byDay.get(date) || []).sort((a, b) => (a.due_at < b.due_at ? -1 : 1));
      for (const g of groups) {
        cell.append(el("div", "entry " + worst(g.deliveries),
          el("span", "when", g.due_at.slice(11, 16)),
          el("span", "title", itemLink(g.item, g.title)),
          channelList(g.deliveries),
          previewLink(g.item)));
      }
      box.append(cell);
    }
    document.getElementById("period").textContent = view.mode === "week"
      ? "Tuần " + shownDate(first) + " – " + shownDate(last)
      : "Tháng " + month.slice(5, 7) + "/" + month.slice(0, 4);
    document.getElementById("view-week").setAttribute("aria-pressed", String(view.mode === "week"));
    document.getElementById("view-month").setAttribute("aria-pressed", String(view.mode === "month"));
  }

  function renderQueue() {
    const box = document.getElementById("queue");
    clear(box);
    const groups = groupByItem(data.unsettled);
    if (groups.length === 0) {
      box.append(empty("Hàng đợi trống."));
      return;
    }
    const rows = groups.slice(0, MAX_ROWS).map((g) =>
      el("tr", "queued",
        el("td", "time", shownTime(g.due_at)),
        titleCell(g),
        el("td", null, channelList(g.deliveries)),
        el("td", null, stateBadge({ state: worst(g.deliveries) })),
        el("td", null, previewLink(g.item))));
    box.append(table(["Thời gian đăng", "Tiêu đề", "Kênh", "Tình trạng", ""], rows));
    if (groups.length > MAX_ROWS) box.append(empty("… và " + (groups.length - MAX_ROWS) + " tin nữa."));
  }

  function renderRecent() {
    const box = document.getElementById("recent");
    clear(box);
    const since = dateOf(dayNumber(data.today) - RECENT_DAYS);
    const recent = data.published
      .filter((d) => d.updated_at.slice(0, 10) >= since)
      .sort((a, b) => (a.updated_at < b.updated_at ? 1 : a.updated_at > b.updated_at ? -1 : 0));
    if (recent.length === 0) {
      box.append(empty("Chưa có tin nào được đăng trong 30 ngày qua."));
      return;
    }
    const rows = recent.slice(0, MAX_ROWS).map((d) =>
      el("tr", "published",
        el("td", "time", shownTime(d.updated_at)),
        el("td", null, itemLink(d.item, d.title), el("span", "id", d.item)),
        el("td", null, d.channel),
        el("td", null, d.url ? postLink(d.url, "Mở bài đăng") : "—")));
    box.append(table(["Thời gian đăng", "Tiêu đề", "Kênh", "Liên kết"], rows));
  }

  function renderChannels() {
    const box = document.getElementById("channels");
    clear(box);
    const rows = data.status.channels.map((c) => {
      const state = c.paused
        ? el("span", "bad", "Tạm dừng" + (c.paused_reason ? ": " + c.paused_reason : ""))
        : el("span", "good", "Hoạt động");
      const failure = c.last_failure
        ? el("div", null, shownTime(c.last_failure.at), el("p", "error", c.last_failure.error || ""))
        : "—";
      let token = "—";
      if (c.token_expires_at) {
        const left = dayNumber(c.token_expires_at.slice(0, 10)) - dayNumber(data.today);
        const text = shownTime(c.token_expires_at);
        token = left < 0 ? el("span", "bad", text + " (đã hết hạn)")
          : left <= TOKEN_WARNING_DAYS ? el("span", "warn", text + " (còn " + left + " ngày)")
          : text;
      }
      return el("tr", "channel",
        el("td", null, c.name),
        el("td", null, c.type),
        el("td", null, state),
        el("td", null, String(c.queue.scheduled)),
        el("td", "time", shownTime(c.next_due)),
        el("td", "time", shownTime(c.last_success)),
        el("td", null, failure),
        el("td", null, token));
    });
    box.append(table(["Kênh", "Loại", "Trạng thái", "Chờ đăng", "Lần đăng tới",
      "Thành công gần nhất", "Lỗi gần nhất", "Token hết hạn"], rows));
  }

  /* One item: every revision, and which channel carries which. */
  function renderDetail() {
    const section = document.getElementById("chi-tiet");
    const box = document.getElementById("detail");
    clear(box);
    section.hidden = !data.detail;
    if (!data.detail) return;
    const { item, revisions, deliveries } = data.detail;
    const close = el("button", "close", "Đóng");
    close.setAttribute("type", "button");
    close.addEventListener("click", () => {
      view.item = null;
      showView();
    });
    box.append(el("h3", null, item.title || item.id), el("p", "id", item.id),
      el("p", "controls", previewLink(item.id), " ", close));
    const carriedBy = (revision) => deliveries.filter((d) => d.revision === revision).map((d) => d.channel);
    const latest = revisions.length ? revisions[revisions.length - 1].revision : 0;
    box.append(table(["Bản", "Nhận lúc", "Tệp", "Người duyệt", "Tiêu đề", "Kênh mang bản này"],
      revisions.map((r) => el("tr", "revision",
        el("td", null, String(r.revision) + (r.revision === latest ? " (mới nhất)" : "")),
        el("td", "time", shownTime(r.accepted_at)),
        el("td", null, r.file || "—"),
        el("td", null, r.approved_by || "—"),
        el("td", null, r.title),
        el("td", null, carriedBy(r.revision).join(", ") || "—")))));
    const older = deliveries.filter((d) => d.revision !== latest &&
      (d.state === "published" || d.state === "sending" || d.state === "uncertain"));
    if (older.length > 0) {
      box.append(el("p", "warn", "Giữ bản cũ (loa không sửa bài đã đăng; cần sửa trực tiếp trên kênh): " +
        older.map((d) => d.channel + " (bản " + d.revision + ")").join(", ") + "."));
    }
    box.append(table(["Kênh", "Bản", "Tình trạng", "Thời gian đăng", "Liên kết / Lỗi"],
      deliveries.map((d) => el("tr", "delivery",
        el("td", null, d.channel),
        el("td", null, String(d.revision)),
        el("td", null, stateBadge(d)),
        el("td", "time", shownTime(d.due_at)),
        el("td", null, d.state === "published" && d.url ? postLink(d.url, "Mở bài đăng")
          : el("p", "error", d.last_error || "—"))))));
  }

  function render() {
    renderDetail();
    renderDecisions();
    renderCalendar();
    renderQueue();
    renderRecent();
    renderChannels();
  }

  /* ---- Loading ---- */
  async function getJson(path) {
    /* From the origin: a page opened with a user name and password in its
       address keeps them there, and fetch refuses a relative address
       resolved against it. The browser still sends the login it keeps. */
    const answer = await fetch(location.origin + path, { cache: "no-store", credentials: "same-origin" });
    let body = null;
    try {
      body = await answer.json();
    } catch (e) {
      body = null;
    }
    if (!answer.ok) {
      const message = body && body.error ? body.error.message : "HTTP " + answer.status;
      throw new Error(path.split("?")[0] + ": " + message);
    }
    return body;
  }

  /* Deliveries of several reads, each once. */
  function merged(...lists) {
    const byId = new Map();
    for (const list of lists) for (const d of list) byId.set(d.id, d);
    return [...byId.values()];
  }

  async function load() {
    const problem = document.getElementById("problem");
    try {
      const status = await getJson("/api/status");
      const today = status.now.slice(0, 10);
      if (!view.date) view.date = today;
      /* What came to its state in the last 30 days (the lists), and what
         was due in the calendar's period: each read bounded, so looking far
         back never asks for everything since. */
      const since = encodeURIComponent(dateOf(dayNumber(today) - RECENT_DAYS) + " 00:00");
      const { start, end } = period();
      const shown = "&from=" + encodeURIComponent(dateOf(start) + " 00:00") +
        "&to=" + encodeURIComponent(dateOf(end + 1) + " 00:00");
      const reads = [
        "/api/queue",
        "/api/queue?state=published&changed_from=" + since,
        "/api/queue?state=failed&changed_from=" + since,
        "/api/queue?state=published" + shown,
        "/api/queue?state=failed" + shown,
        "/api/rejected",
      ];
      /* A read that fails leaves its part empty and says so; the rest of
         the page is still shown. */
      const failures = [];
      const answers = (await Promise.allSettled(reads.map(getJson))).map((r) => {
        if (r.status === "fulfilled") return r.value;
        failures.push(r.reason.message);
        return null;
      });
      const deliveries = (a) => (a && a.deliveries) || [];
      const [unsettled, recentPublished, recentFailed, shownPublished, shownFailed, rejected] = answers;
      let detail = null;
      if (view.item) {
        try {
          detail = await getJson("/api/items/" + encodeURIComponent(view.item));
        } catch (e) {
          detail = null; /* an item gone (or never there) just closes the details */
        }
      }
      data = {
        status, today, detail,
        unsettled: deliveries(unsettled),
        published: merged(deliveries(recentPublished), deliveries(shownPublished)),
        failed: merged(deliveries(recentFailed), deliveries(shownFailed)),
        rejected: (rejected && rejected.rejected) || [],
      };
      render();
      problem.hidden = failures.length === 0;
      if (failures.length > 0) {
        problem.textContent = "Một phần dữ liệu không tải được, phần đó để trống: " +
          [...new Set(failures)].join("; ") + ". Trang sẽ thử lại sau 30 giây.";
      }
      document.getElementById("updated").textContent = "Cập nhật lúc " + shownTime(status.now) +
        status.now.slice(16, 19) + " (múi giờ " + status.timezone + ") · loa " + status.version;
    } catch (e) {
      problem.textContent = "Không tải được dữ liệu từ loa: " + e.message +
        ". Trang sẽ thử lại sau 30 giây.";
      problem.hidden = false;
    }
  }

  /* The calendar's view and date in the address ("#view=month&date=2026-12-01"),
     so a view can be bookmarked or printed again. */
  function address(change) {
    const params = new URLSearchParams();
    params.set("view", view.mode);
    if (view.date) params.set("date", view.date);
    const item = change && "item" in change ? change.item : view.item;
    if (item) params.set("tin", item);
    return params.toString();
  }
  function readAddress() {
    const params = new URLSearchParams(location.hash.slice(1));
    const item = params.get("tin");
    view.item = item && /^[a-z0-9][a-z0-9._-]{0,119}$/.test(item) ? item : null;
    if (params.get("view") === "week" || params.get("view") === "month") view.mode = params.get("view");
    const date = params.get("date");
    if (date && isDate(date)) view.date = date;
  }
  function showView() {
    history.replaceState(null, "", "#" + address());
    load().then(() => {
      if (view.item) document.getElementById("chi-tiet").scrollIntoView();
    });
  }
  function move(step) {
    if (!view.date) return;
    if (view.mode === "week") {
      view.date = dateOf(dayNumber(view.date) + 7 * step);
    } else {
      const first = dayNumber(view.date.slice(0, 7) + "-01");
      view.date = dateOf(step > 0 ? first + 32 : first - 1).slice(0, 7) + "-01";
    }
    showView();
  }

  document.addEventListener("DOMContentLoaded", () => {
    readAddress();
    document.getElementById("view-week").addEventListener("click", () => { view.mode = "week"; showView(); });
    document.getElementById("view-month").addEventListener("click", () => { view.mode = "month"; showView(); });
    document.getElementById("prev").addEventListener("click", () => move(-1));
    document.getElementById("next").addEventListener("click", () => move(1));
    document.getElementById("today").addEventListener("click", () => {
      view.date = data ? data.today : null;
      showView();
    });
    load();
    setInterval(load, REFRESH_MS);
  });
})();
