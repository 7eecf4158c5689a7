{#- nbgrader's manage_assignments.tpl with its inline script and handlers as data for page.js (see base.tpl). -#}
{%- extends 'nbgrader/manage_assignments.tpl' -%}

{%- block head -%}
<script src="{{ base_url }}/readkit/formgrader/static/page.js" data-globals='{{ {"url_prefix": url_prefix, "default_timezone": default_timezone} | tojson }}'></script>
<script src="{{ base_url }}/formgrader/static/js/manage_assignments.js"></script>
{%- endblock head -%}

{%- block table_footer -%}
<tr>
  <td colspan="11">
    <span class="glyphicon glyphicon-plus" aria-hidden="true"></span>
    <a href="#" data-readkit-action="createAssignmentModal">Add new assignment...</a>
  </td>
</tr>
{%- endblock -%}
