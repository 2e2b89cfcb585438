variable "repository" {
  description = "The repository whose workflows may assume the role, as OWNER/REPO (case as on GitHub)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.repository))
    error_message = "The repository must be OWNER/REPO, like octo-org/octo-repo."
  }
}

variable "branch" {
  description = "The branch whose jobs may assume the role (sub repo:OWNER/REPO:ref:refs/heads/BRANCH). Ignored when environment is set. Wildcards * and ? are allowed, like release/*."
  type        = string
  default     = "main"
  nullable    = false
}

variable "environment" {
  description = "A GitHub environment instead of a branch: jobs with this environment may assume the role (sub repo:OWNER/REPO:environment:NAME). Empty to use branch."
  type        = string
  default     = ""
  nullable    = false
}

variable "audience" {
  description = "The token audience (aud) to accept: sts.amazonaws.com, the action's default (sts.amazonaws.com.cn in cn-* regions)."
  type        = string
  default     = "sts.amazonaws.com"
}

variable "create_oidc_provider" {
  description = "Create the account's IAM OIDC provider for token.actions.githubusercontent.com. An account has at most one: set false when it already exists (the role then trusts the existing one)."
  type        = bool
  default     = true
}

variable "role_name" {
  description = "Name of the role to create."
  type        = string
  default     = "github-actions-deploy"
}

variable "managed_policy_arns" {
  description = "Managed policy ARNs to attach to the role, like arn:aws:iam::aws:policy/ReadOnlyAccess."
  type        = list(string)
  default     = []
}

variable "max_session_duration" {
  description = "The longest session the role allows, in seconds (3600 to 43200); role-duration-seconds may not exceed it."
  type        = number
  default     = 3600

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200
    error_message = "The max_session_duration must be from 3600 to 43200 seconds."
  }
}
