// The inline scripts of nbgrader's submission page (formgrade_macros.html.j2), as a file that
// readkit's Content-Security-Policy allows: showing and hiding the learner's name, the links
// to the live notebook and the tooltips. Loaded after nbgrader's utils.js (linkTo).
function toggle_name(on) {
  $(".name-shown").tooltip("hide");
  $(".name-hidden").tooltip("hide");
  if (on) {
    $(".name-shown").show();
    $(".name-hidden").hide();
  } else {
    $(".name-hidden").show();
    $(".name-shown").hide();
  }
}

$(document).ready(function () {
  $("[data-link]").each(function () {
    $(this).map(linkTo("notebook", $(this).data("link"))).removeAttr("data-link");
  });
  $("span.glyphicon.name-hidden").tooltip(
    {title: "Show student name", placement: "bottom", trigger: "hover"});
  $("span.glyphicon.name-shown").tooltip(
    {title: "Hide student name", placement: "bottom", trigger: "hover"});
});
