/* Draws a GeoJSON layer served by the app on an offline Leaflet map (no tile server).
 * Usage: <div class="sdsf-map" data-geojson="URL" data-label-property="name"></div>.
 * Optional data-value-property + data-legend: fill communes by a value (choropleth),
 * with class breaks in data-breaks ("10,20,30") and colours in data-colors.
 * The same figures are always given in a table next to the map (accessibility).
 * Labels come from data typed by others (structure names): they are set as text
 * (textContent), never as HTML — Leaflet reads a string tooltip as HTML. */
(function () {
  "use strict";
  function colorFor(value, breaks, colors) {
    if (value === null || value === undefined || value === "") { return "#e5e5e5"; }
    for (var i = 0; i < breaks.length; i++) {
      if (value < breaks[i]) { return colors[i]; }
    }
    return colors[colors.length - 1];
  }
  function draw(element) {
    var map = L.map(element, { zoomSnap: 0.25, attributionControl: true });
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution(element.dataset.attribution || "Contours : IGN, INSEE");
    var labelProperty = element.dataset.labelProperty || "name";
    var valueProperty = element.dataset.valueProperty;
    var breaks = (element.dataset.breaks || "").split(",").filter(Boolean).map(Number);
    var colors = (element.dataset.colors || "").split(",").filter(Boolean);
    fetch(element.dataset.geojson, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var layer = L.geoJSON(data, {
          style: function (feature) {
            var fill = valueProperty ? colorFor(feature.properties[valueProperty], breaks, colors) : "#cacafb";
            return { color: "#000091", weight: 1, fillColor: fill, fillOpacity: 0.7 };
          },
          pointToLayer: function (feature, latlng) {
            return L.circleMarker(latlng, { radius: 6, color: "#000091", fillColor: "#6a6af4", fillOpacity: 0.9, weight: 1 });
          },
          onEachFeature: function (feature, featureLayer) {
            var props = feature.properties;
            var text = props[labelProperty] || "";
            if (valueProperty && props[valueProperty] !== undefined) {
              text += " : " + (props[valueProperty] === null ? "n.d." : props[valueProperty]);
            }
            var label = document.createElement("span");
            label.textContent = text;
            featureLayer.bindTooltip(label);
            if (props.url) {
              featureLayer.on("click", function () { window.location.href = props.url; });
            }
          }
        }).addTo(map);
        // maxZoom: structures placed at their commune centre share one point; stay at town scale.
        if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds(), { maxZoom: 14 }); }
      });
  }
  document.querySelectorAll(".sdsf-map[data-geojson]").forEach(draw);
})();
