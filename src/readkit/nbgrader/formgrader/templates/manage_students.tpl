{#- nbgrader's manage_students.tpl with its inline handler as data for page.js (see base.tpl). -#}
{%- extends 'nbgrader/manage_students.tpl' -%}

{%- block table_footer -%}
<tr>
  <td colspan="5">
    <span class="glyphicon glyphicon-plus" aria-hidden="true"></span>
    <a href="#" data-readkit-action="createStudentModal">Add new student...</a>
  </td>
</tr>
{%- endblock -%}
