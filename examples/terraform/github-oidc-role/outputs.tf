output "role_arn" {
  description = "The role-to-assume for the action."
  value       = aws_iam_role.github.arn
}

output "role_name" {
  description = "The role's name, to attach more policies to."
  value       = aws_iam_role.github.name
}

output "oidc_provider_arn" {
  description = "The GitHub OIDC provider the role trusts."
  value       = local.provider_arn
}
