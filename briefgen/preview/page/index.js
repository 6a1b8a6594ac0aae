// Reload the index when a rebuild publishes a new state; the first state only records
// the version the page was made from.
new EventSource("/_preview/events").addEventListener("state", function (e) {
  var s = JSON.parse(e.data);
  if (window.bgv !== undefined && window.bgv !== s.version) location.reload();
  window.bgv = s.version;
});
