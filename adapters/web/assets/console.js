// The officers' console: a little progressive enhancement, no inline script
// (the Content-Security-Policy forbids it). Everything works without it.
"use strict";

// A form's submit button is disabled once it is sent, so a double click
// does not post an action twice.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") {
    return;
  }
  window.setTimeout(function () {
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      button.disabled = true;
    });
  }, 0);
});

// After an action the page says so; move focus to the message so screen
// readers and keyboard users meet it first.
document.addEventListener("DOMContentLoaded", function () {
  var message = document.querySelector(
    "main .error[role=alert], main .warning[role=alert], main .notice[role=status]"
  );
  if (message) {
    message.setAttribute("tabindex", "-1");
    message.focus();
  }
});

// Live updates over the console's WebSocket (/admin/live, protocol
// sinmungo.v1): the queue reloads its table in place when a report of its
// department changes, the tab title counts the reports that changed since
// the officer last looked, and the bell counts unread notifications. The
// connection comes back by itself, more slowly each time, after a drop.
(function () {
  var endpoint = document.body && document.body.getAttribute("data-live");
  if (!endpoint || !("WebSocket" in window)) {
    return;
  }
  var baseTitle = document.title;
  var changed = {};
  var changedCount = 0;
  var retry = 1000;
  var refreshTimer = null;

  function announce(text) {
    var region = document.getElementById("live-announcer");
    if (region) {
      region.textContent = text;
    }
  }

  function showTitle() {
    document.title = changedCount > 0 ? "(" + changedCount + ") " + baseTitle : baseTitle;
  }

  // The officer has seen the changes once the tab is in view again.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && changedCount > 0) {
      window.setTimeout(function () {
        changed = {};
        changedCount = 0;
        showTitle();
      }, 3000);
    }
  });

  function markFresh() {
    showTitle();
    Object.keys(changed).forEach(function (id) {
      var row = document.querySelector('#queue tr[data-report="' + id + '"]');
      if (row) {
        row.classList.add("fresh");
      }
    });
  }

  function refreshQueue() {
    var queue = document.getElementById("queue");
    if (!queue || !window.htmx) {
      return;
    }
    var url = queue.getAttribute("data-refresh") || window.location.pathname;
    window.htmx
      .ajax("GET", url, { target: "#queue", select: "#queue", swap: "outerHTML" })
      .then(markFresh);
  }

  // Several changes in a burst reload the table once.
  function scheduleRefresh() {
    if (refreshTimer === null) {
      refreshTimer = window.setTimeout(function () {
        refreshTimer = null;
        refreshQueue();
      }, 250);
    }
  }

  // The announcements in the page's language (<html lang>).
  var english = document.documentElement.lang === "en";
  var TEXTS = {
    queueChanged: ["대기열의 신고가 바뀌었습니다: ", "A report in the queue changed: "],
    newNotification: ["새 알림: ", "New notification: "]
  };
  function text(name) {
    return TEXTS[name][english ? 1 : 0];
  }

  function reportChanged(message) {
    var report = message.report || {};
    var id = report.id;
    if (document.getElementById("queue")) {
      if (id && !changed[id]) {
        changed[id] = true;
        changedCount += 1;
      }
      showTitle();
      var number = report.number ? report.number + " " : "";
      announce(text("queueChanged") + number + (report.title || ""));
      scheduleRefresh();
    }
    // On a report's page, a newer version than the one shown (not the
    // officer's own change, which reloads the page anyway).
    var banner = document.getElementById("report-changed");
    if (banner && report.id && Number(report.version) > Number(banner.getAttribute("data-version"))) {
      banner.hidden = false;
    }
  }

  function setBell(count) {
    var bell = document.getElementById("bell-count");
    if (!bell) {
      return;
    }
    bell.textContent = String(count);
    bell.setAttribute("data-count", String(count));
  }

  function notified(message) {
    var bell = document.getElementById("bell-count");
    var count = bell ? parseInt(bell.getAttribute("data-count") || "0", 10) + 1 : 1;
    setBell(count);
    var notification = message.notification || {};
    announce(text("newNotification") + (notification.title || ""));
  }

  function topics() {
    var list = [];
    document.querySelectorAll("[data-live-topic]").forEach(function (element) {
      list.push(element.getAttribute("data-live-topic"));
    });
    return list;
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + endpoint, "sinmungo.v1");
    socket.addEventListener("open", function () {
      retry = 1000;
      topics().forEach(function (topic) {
        socket.send(JSON.stringify({ type: "subscribe", topic: topic }));
      });
    });
    socket.addEventListener("message", function (event) {
      var message;
      try {
        message = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      if (message.type === "subscribed") {
        // Following every topic of the page (tests wait for this).
        document.body.setAttribute("data-live-state", "following");
      } else if (message.type === "report") {
        reportChanged(message);
      } else if (message.type === "notification") {
        notified(message);
      } else if (message.type === "resync") {
        scheduleRefresh();
      } else if (message.type === "session_ended") {
        window.location.assign("/admin/login");
      }
    });
    socket.addEventListener("close", function (event) {
      document.body.setAttribute("data-live-state", "closed");
      if (event.code === 4001) {
        return;
      }
      window.setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    });
  }

  connect();
})();
