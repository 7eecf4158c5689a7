{#- nbgrader's gradebook_notebook_submissions.tpl with its inline script and handlers as data for page.js (see base.tpl). -#}
{%- extends 'nbgrader/gradebook_notebook_submissions.tpl' -%}

{%- block head -%}
<script src="{{ base_url }}/readkit/formgrader/static/page.js" data-globals='{{ {"assignment_id": assignment_id, "notebook_id": notebook_id} | tojson }}'></script>
<script src="{{ base_url }}/formgrader/static/js/gradebook_notebook_submissions.js"></script>
{%- endblock head -%}

{%- block messages -%}
<button id="toggle_names" data-readkit-action="toggleAllNames">Show All Names</button>
{%- endblock -%}
