// The console's map page (지도): starts Leaflet on #map from its data-
// attributes and draws one circle per report in view, coloured by status
// (console.css), fetched from /admin/map/reports.json. No inline script and
// no HTML strings: popups and tooltips are built from DOM nodes, so a
// report's title is always text. The table under the map lists the same
// reports for those who cannot use the map.
"use strict";

(function () {
  var element = document.getElementById("map");
  if (!element || typeof window.L === "undefined") {
    return;
  }
  var L = window.L;
  var status = document.getElementById("map-status-text");
  // The page's texts in its language (data- attributes of #map).
  var t = function (name, korean) {
    return element.dataset[name] || korean;
  };
  var say = function (text) {
    if (status) {
      status.textContent = text;
    }
  };

  var fallback = element.querySelector(".map-fallback");
  if (fallback) {
    fallback.remove();
  }
  var map = L.map(element, { preferCanvas: false }).setView(
    [Number(element.dataset.lat), Number(element.dataset.lng)],
    Number(element.dataset.zoom)
  );
  // The attribution is plain text: Leaflet writes it as HTML, so escape it.
  var attribution = document.createElement("span");
  attribution.textContent = element.dataset.attribution || "";
  L.tileLayer(element.dataset.tiles, {
    maxZoom: 19,
    attribution: attribution.innerHTML
  }).addTo(map);

  var markers = L.layerGroup().addTo(map);

  var text = function (tag, content, className) {
    var node = document.createElement(tag);
    node.textContent = content;
    if (className) {
      node.className = className;
    }
    return node;
  };

  var popup = function (report) {
    var box = document.createElement("div");
    box.className = "map-popup";
    box.appendChild(text("strong", report.number));
    box.appendChild(text("p", report.title));
    var state = text("p", report.status_label, "status");
    state.dataset.status = report.status;
    if (report.overdue) {
      state.appendChild(document.createTextNode(" "));
      state.appendChild(text("span", t("late", "기한 초과"), "late"));
    }
    box.appendChild(state);
    var link = text("a", t("viewReport", "신고 보기"));
    link.href = report.url;
    box.appendChild(link);
    return box;
  };

  var request = 0;
  var load = function () {
    var bounds = map.getBounds();
    var bbox = [
      Math.max(bounds.getWest(), -180), Math.max(bounds.getSouth(), -90),
      Math.min(bounds.getEast(), 180), Math.min(bounds.getNorth(), 90)
    ].map(function (n) { return n.toFixed(5); }).join(",");
    var url = new URL(element.dataset.reports, window.location.href);
    url.searchParams.set("bbox", bbox);
    var mine = ++request;
    say(t("loading", "신고를 불러오는 중입니다…"));
    fetch(url.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) {
          return { ok: response.ok, body: body };
        });
      })
      .then(function (answer) {
        if (mine !== request) {
          return;
        }
        if (!answer.ok) {
          say((answer.body.errors || [t("loadFailed", "신고를 불러오지 못했습니다.")]).join(" "));
          return;
        }
        markers.clearLayers();
        answer.body.reports.forEach(function (report) {
          var circle = L.circleMarker([report.lat, report.lng], {
            radius: 8,
            weight: 2,
            className: "map-marker status-" + report.status + (report.overdue ? " overdue" : "")
          });
          circle.bindTooltip(text("span", report.number + " " + report.title));
          circle.bindPopup(popup(report));
          markers.addLayer(circle);
        });
        var count = answer.body.reports.length;
        say(answer.body.truncated
          ? t("shownMore", "지도에 신고 {n}건을 표시했습니다 (더 있음: 지도를 확대하세요).").replace("{n}", count)
          : t("shown", "지도에 신고 {n}건을 표시했습니다.").replace("{n}", count));
        element.dataset.loaded = String(count);
      })
      .catch(function () {
        if (mine === request) {
          say(t("loadFailedList", "신고를 불러오지 못했습니다. 아래 목록을 이용하세요."));
        }
      });
  };
  map.on("moveend", load);
  load();
})();
