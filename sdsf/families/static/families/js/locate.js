/* "Around me" on the family search: fills the position fields from the browser's geolocation
 * and sends the form. The position is rounded to about 100 m: the radius is in km, and a
 * precise home position should not land in server logs. Progressive enhancement: the button
 * stays hidden without JavaScript or geolocation, and the search by commune works the same.
 * Texts come from data-* attributes (translated by the template). */
(function () {
  "use strict";
  var button = document.querySelector("button[data-locate]");
  if (!button || !("geolocation" in navigator)) { return; }
  var form = button.form;
  var status = document.getElementById(button.getAttribute("aria-describedby"));
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = button.dataset.waiting;
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        form.elements.latitude.value = position.coords.latitude.toFixed(3);
        form.elements.longitude.value = position.coords.longitude.toFixed(3);
        form.elements.commune.value = "";
        form.submit();
      },
      function () {
        status.textContent = button.dataset.failed;
        button.disabled = false;
      },
      { timeout: 15000, maximumAge: 600000 }
    );
  });
})();
