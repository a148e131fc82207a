/* Leaflet maps drawn from GeoJSON served by the app: they work offline (no tile server needed).
 * Usage: <div class="sdsf-map" data-geojson="URL" data-outlines="URL URL"></div>.
 * - data-geojson: the map's subject (points, or communes filled by a value).
 * - data-outlines: outlines drawn under the subject (communes, and the département's border);
 *   each feature's "level" property ("commune" or "departement") gives its style. Without a
 *   subject (or an empty one) the map frames the first outline listed.
 * - Optional data-value-property + data-breaks ("10,20,30") + data-colors: fill communes by a
 *   value (choropleth). The same figures are always given in a table next to the map.
 * - A point whose "approximate" property is true (placed at its commune's centre) is drawn
 *   hollow and its tooltip ends with data-approximate-label.
 * - data-pick-latitude / data-pick-longitude: ids of two inputs an agent fills by clicking the
 *   map (placing a structure); the marker shows the inputs' position.
 * A tile layer is drawn only when the installation sets one (#sdsf-map-config, see
 * sdsf/map_assets.html). Labels come from data typed by others (structure names): they are set
 * as text (textContent), never as HTML — Leaflet reads a string tooltip as HTML. */
(function () {
  "use strict";
  var config = (document.getElementById("sdsf-map-config") || { dataset: {} }).dataset;
  var OUTLINE_STYLES = {
    commune: { color: "#929292", weight: 0.8, fillColor: "#ffffff", fillOpacity: config.tilesUrl ? 0 : 1 },
    departement: { color: "#161616", weight: 2.5, fill: false }
  };

  function colorFor(value, breaks, colors) {
    if (value === null || value === undefined || value === "") { return "#e5e5e5"; }
    for (var i = 0; i < breaks.length; i++) {
      if (value < breaks[i]) { return colors[i]; }
    }
    return colors[colors.length - 1];
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error("map data " + response.status + " " + url); }
      return response.json();
    });
  }

  function textLabel(text) {
    var label = document.createElement("span");
    label.textContent = text;
    return label;
  }

  function baseMap(element) {
    var map = L.map(element, { zoomSnap: 0.25, attributionControl: true });
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution(element.dataset.attribution || "Contours : IGN, INSEE");
    if (config.tilesUrl) {
      L.tileLayer(config.tilesUrl, { attribution: config.tilesAttribution || "", maxZoom: 19 }).addTo(map);
    }
    // Communes under the subject, the département's border above it (it never hides a point).
    map.createPane("communes").style.zIndex = 350;
    map.createPane("border").style.zIndex = 450;
    map.getPane("border").style.pointerEvents = "none";
    return map;
  }

  function drawOutlines(map, urls) {
    return Promise.all(urls.map(function (url) {
      return getJSON(url).then(function (data) {
        return L.geoJSON(data, {
          interactive: false,
          style: function (feature) {
            var level = feature.properties.level === "departement" ? "departement" : "commune";
            return Object.assign({ pane: level === "departement" ? "border" : "communes" }, OUTLINE_STYLES[level]);
          }
        }).addTo(map);
      }).catch(function () { return null; });  // outlines help reading; the map works without
    }));
  }

  function drawSubject(map, element) {
    var labelProperty = element.dataset.labelProperty || "name";
    var valueProperty = element.dataset.valueProperty;
    var approximateLabel = element.dataset.approximateLabel || "";
    var breaks = (element.dataset.breaks || "").split(",").filter(Boolean).map(Number);
    var colors = (element.dataset.colors || "").split(",").filter(Boolean);
    return getJSON(element.dataset.geojson).then(function (data) {
      return L.geoJSON(data, {
        style: function (feature) {
          var fill = valueProperty ? colorFor(feature.properties[valueProperty], breaks, colors) : "#cacafb";
          return { color: "#000091", weight: 1, fillColor: fill, fillOpacity: 0.7 };
        },
        pointToLayer: function (feature, latlng) {
          var approximate = feature.properties.approximate;
          return L.circleMarker(latlng, {
            radius: 6, color: "#000091", weight: approximate ? 2 : 1, dashArray: approximate ? "2 2" : null,
            fillColor: approximate ? "#ffffff" : "#6a6af4", fillOpacity: 0.9
          });
        },
        onEachFeature: function (feature, featureLayer) {
          var props = feature.properties;
          var text = props[labelProperty] || "";
          if (valueProperty && props[valueProperty] !== undefined) {
            text += " : " + (props[valueProperty] === null ? "n.d." : props[valueProperty]);
          }
          if (props.approximate && approximateLabel) { text += " (" + approximateLabel + ")"; }
          featureLayer.bindTooltip(textLabel(text));
          if (props.url) {
            featureLayer.on("click", function () { window.location.href = props.url; });
          }
        }
      }).addTo(map);
    });
  }

  function pickPosition(map, element) {
    var latitude = document.getElementById(element.dataset.pickLatitude);
    var longitude = document.getElementById(element.dataset.pickLongitude);
    if (!latitude || !longitude) { return null; }
    var marker = null;
    function place(latlng) {
      if (marker) { marker.setLatLng(latlng); } else { marker = L.circleMarker(latlng, { radius: 8, color: "#000091", fillColor: "#6a6af4", fillOpacity: 1 }).addTo(map); }
    }
    if (latitude.value && longitude.value) { place([Number(latitude.value), Number(longitude.value)]); }
    map.on("click", function (event) {
      latitude.value = event.latlng.lat.toFixed(6);
      longitude.value = event.latlng.lng.toFixed(6);
      place(event.latlng);
    });
    return marker;
  }

  function fit(map, layers) {
    // The subject's bounds when they cover an area, else the outlines'. Places at one commune
    // centre share one point: the map then frames the communes around it.
    var found = null;
    for (var i = 0; i < layers.length; i++) {
      var bounds = layers[i] && layers[i].getBounds && layers[i].getBounds();
      if (!bounds || !bounds.isValid()) { continue; }
      found = found || bounds;
      if (!bounds.getNorthEast().equals(bounds.getSouthWest())) { found = bounds; break; }
    }
    if (found) { map.fitBounds(found, { maxZoom: 14 }); }
  }

  function draw(element) {
    var map = baseMap(element);
    var outlineUrls = (element.dataset.outlines || "").split(/\s+/).filter(Boolean);
    var outlines = drawOutlines(map, outlineUrls);
    var subject = element.dataset.geojson ? drawSubject(map, element) : Promise.resolve(null);
    var marker = element.dataset.pickLatitude ? pickPosition(map, element) : null;
    Promise.all([subject, outlines]).then(function (done) {
      // Without a subject, the map frames the first outline listed.
      var layers = [done[0]].concat(done[1]);
      function frame() {
        map.invalidateSize();
        if (marker) { map.setView(marker.getLatLng(), 16); } else { fit(map, layers); }
      }
      frame();
      // A map drawn hidden (the phone's collapsed map) is framed again once shown.
      element.addEventListener("sdsf:shown", frame);
    });
  }

  /* A button [data-map-toggle] (aria-controls: the panel holding a map) shows and hides the
   * map on small screens; its texts come from data-show and data-hide. */
  function toggle(button) {
    var panel = document.getElementById(button.getAttribute("aria-controls"));
    if (!panel) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      button.textContent = open ? button.dataset.hide : button.dataset.show;
      panel.classList.toggle("sdsf-map-panel--open", open);
      if (open) {
        panel.querySelectorAll(".sdsf-map").forEach(function (element) {
          element.dispatchEvent(new Event("sdsf:shown"));
        });
      }
    });
  }

  document.querySelectorAll(".sdsf-map").forEach(draw);
  document.querySelectorAll("[data-map-toggle]").forEach(toggle);
})();
