// The submission page loads no MathJax (it came from a CDN, which the page's policy does not
// allow and a classroom without internet cannot reach). nbgrader's formgrade.js still calls it
// once while it sets the page up (wait for typesetting to end, then select the last cell): with
// no MathJax that call threw, and the keyboard shortcuts after it (Tab between scores, ...) were
// never registered. This stand-in answers the call at once, as MathJax did when it finished.
window.MathJax = window.MathJax || {
  Hub: {Startup: {signal: {Interest: function (callback) {
    setTimeout(function () { callback("End"); }, 0);
  }}}}
};
