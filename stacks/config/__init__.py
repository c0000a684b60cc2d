"""The environment file: its model (pydantic), loader, checks and problems, and the JSON Schema
and reference page generated from the model.

Imports: the standard library, pydantic, ruamel.yaml, ``stacks.layout`` and
``constructs_lib.runbook_document`` (plain data, no cdktf). Never cdktf, ``stacks.stack``,
``stacks.plan`` or anything above them: ``main.py check`` and the paging preview load this
package without loading cdktf.
"""
