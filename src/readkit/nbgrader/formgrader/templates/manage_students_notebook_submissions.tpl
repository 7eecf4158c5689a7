{#- nbgrader's manage_students_notebook_submissions.tpl with its inline script as data for page.js (see base.tpl). -#}
{%- extends 'nbgrader/manage_students_notebook_submissions.tpl' -%}

{%- block head -%}
<script src="{{ base_url }}/readkit/formgrader/static/page.js" data-globals='{{ {"student_id": student_id, "assignment_id": assignment_id} | tojson }}'></script>
<script src="{{ base_url }}/formgrader/static/js/manage_students_notebook_submissions.js"></script>
{%- endblock head -%}
