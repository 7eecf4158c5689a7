{#- nbgrader's gradebook_notebooks.tpl with its inline script as data for page.js (see base.tpl). -#}
{%- extends 'nbgrader/gradebook_notebooks.tpl' -%}

{%- block head -%}
<script src="{{ base_url }}/readkit/formgrader/static/page.js" data-globals='{{ {"assignment_id": assignment_id} | tojson }}'></script>
<script src="{{ base_url }}/formgrader/static/js/gradebook_notebooks.js"></script>
{%- endblock head -%}
