// readkit's stand-in for the inline scripts and handlers of nbgrader's formgrader pages, which
// readkit serves under a Content-Security-Policy that runs no inline script at all (nothing a
// learner slips into a page can run). Each <script src=".../page.js" data-globals='{...}'>
// defines the page's globals that nbgrader's inline script defined (base_url, student_id, ...);
// a click on an element with data-readkit-action runs one of nbgrader's own page functions.
(function () {
  "use strict";
  var script = document.currentScript;
  var globals = JSON.parse((script && script.getAttribute("data-globals")) || "{}");
  Object.keys(globals).forEach(function (name) {
    window[name] = globals[name];
  });
  if (window.readkitActionsInstalled) {
    return;
  }
  window.readkitActionsInstalled = true;
  // The only functions a data-readkit-action may name: nbgrader's, each called as its own
  // inline handler called it.
  var ACTIONS = {
    createAssignmentModal: function () { window.createAssignmentModal(); },
    createStudentModal: function () { window.createStudentModal(); },
    toggleAllNames: function () { window.toggleAllNames(); },
    showName: function () { window.toggle_name(true); },
    hideName: function () { window.toggle_name(false); }
  };
  document.addEventListener("click", function (event) {
    var target = event.target && event.target.closest
      ? event.target.closest("[data-readkit-action]") : null;
    var action = target && ACTIONS[target.getAttribute("data-readkit-action")];
    if (action) {
      event.preventDefault();
      action();
    }
  });
})();
