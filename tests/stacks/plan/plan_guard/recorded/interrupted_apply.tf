# How interrupted_apply.plan.json beside this file was made (Terraform 1.11.4, no
# provider needed: terraform_data is built in). The records have the stack's shape: for_each,
# create_before_destroy, a destroy-time provisioner on the schedule identity (see
# constructs_lib/oncall_schedule.py and constructs_lib/rotation_coverage.py).
#   terraform init && terraform apply -auto-approve
#   terraform apply -auto-approve -var fail=yes -var display_name=New  # fails: an interrupted apply
#   terraform taint 'terraform_data.coverage["business-hours"]'
#   terraform plan -out=tfplan -var display_name=New && terraform show -json tfplan
variable "fail" { default = "no" }
variable "display_name" { default = "App on-call" }
locals {
  arn = "arn:aws:ssm-contacts:us-east-1:111122223333:contact/app-oncall"
  identity = {
    kind = "ssm-contacts-oncall-schedule", arn = local.arn, alias = "app-oncall",
    region = "us-east-1", account_id = "111122223333"
  }
}
resource "terraform_data" "oncall_schedule" {
  for_each         = { "app-oncall" = local.identity }
  triggers_replace = { alias = each.value.alias, display = var.display_name }
  input            = each.value
  lifecycle { create_before_destroy = true }
  provisioner "local-exec" { command = "test ${var.fail} = no" }
  provisioner "local-exec" {
    when    = destroy
    command = "echo delete ${self.input.alias}"
  }
}
resource "terraform_data" "oncall_schedule_settings" {
  for_each = { "app-oncall" = local.identity }
  input = merge(each.value, {
    kind = "ssm-contacts-oncall-schedule-settings", display_name = var.display_name,
    rotation_ids = ["arn:aws:ssm-contacts:us-east-1:111122223333:rotation/business-hours"], tags = {}
  })
  triggers_replace = var.display_name
  depends_on       = [terraform_data.oncall_schedule]
  lifecycle { create_before_destroy = true }
  provisioner "local-exec" { command = "true" }
}
resource "terraform_data" "coverage" {
  for_each = toset(["business-hours"])
  input = {
    kind = "ssm-contacts-rotation-coverage", name = each.key, region = "us-east-1",
    arn = "arn:aws:ssm-contacts:us-east-1:111122223333:rotation/business-hours",
    account_id = "111122223333", shift_coverages = { MON = ["08:30-17:00"] }
  }
  lifecycle { create_before_destroy = true }
  provisioner "local-exec" { command = "true" }
}
