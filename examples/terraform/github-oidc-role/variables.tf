variable "repository" {
  description = "The repository whose workflows may assume the role, exactly as it appears in the token's sub: OWNER/REPO (the name form) or OWNER@OWNER_ID/REPO@REPO_ID (the immutable form, the default for repositories created or renamed since 2026-07-15)."
  type        = string

  validation {
    condition     = can(regex("^([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+|[A-Za-z0-9_.-]+@[0-9]+/[A-Za-z0-9_.-]+@[0-9]+)$", var.repository))
    error_message = "The repository must be OWNER/REPO, like octo-org/octo-repo, or OWNER@OWNER_ID/REPO@REPO_ID, like octo-org@5138171/octo-repo@690123456 (both ids or neither)."
  }
}

variable "admit_name_form" {
  description = "Also admit the name form repo:OWNER/REPO:... of the same repository (repository without its @ids), for a repository that switches forms (opted in, or renamed). Needs repository_id: the repository_id condition is what tells this repository from a newer one that took over its name."
  type        = bool
  default     = false
  nullable    = false
}

variable "repository_id" {
  description = "The repository's numeric id (the token's repository_id claim, the REPO_ID of the immutable form): when set, only tokens of that very repository are admitted. Empty for no repository_id condition."
  type        = string
  default     = ""
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]*$", var.repository_id))
    error_message = "The repository_id must be digits, like 690123456, or empty."
  }
}

# branch, environment, job_workflow_ref and audience refuse what GitHub never puts in those claims (quotes,
# backslashes; whitespace except in environment names), as the CloudFormation template does.

variable "branch" {
  description = "The branch whose jobs may assume the role (sub repo:<repository>:ref:refs/heads/BRANCH). Ignored when environment is set. Wildcards * and ? are allowed, like release/*."
  type        = string
  default     = "main"
  nullable    = false

  validation {
    condition     = can(regex("^[^\\s\"\\\\]+$", var.branch))
    error_message = "The branch must be a branch name or pattern, without whitespace, quotes or backslashes."
  }
}

variable "environment" {
  description = "A GitHub environment instead of a branch: jobs with this environment may assume the role (sub repo:<repository>:environment:NAME, and the environment claim equal to NAME). Empty to use branch."
  type        = string
  default     = ""
  nullable    = false

  validation {
    condition     = can(regex("^[^\"\\\\*?\\x00-\\x1F]*$", var.environment))
    error_message = "The environment must be an environment name, without quotes, backslashes, wildcards or control characters."
  }
}

variable "job_workflow_ref" {
  description = "Admit only jobs of this workflow (the token's job_workflow_ref, with * and ? wildcards), like octo-org/platform/.github/workflows/deploy.yml@refs/heads/main for the jobs of one reusable workflow. Empty for no job_workflow_ref condition."
  type        = string
  default     = ""
  nullable    = false

  validation {
    condition     = can(regex("^[^\\s\"\\\\]*$", var.job_workflow_ref))
    error_message = "The job_workflow_ref must be OWNER/REPO/PATH@REF, without whitespace, quotes or backslashes, or empty."
  }
}

variable "audience" {
  description = "The token audience (aud) to accept: sts.amazonaws.com, the action's default (sts.amazonaws.com.cn in cn-* regions)."
  type        = string
  default     = "sts.amazonaws.com"

  validation {
    condition     = can(regex("^[^\\s\"\\\\]+$", var.audience))
    error_message = "The audience must be an audience, without whitespace, quotes or backslashes."
  }
}

variable "enterprise_slug" {
  description = "For an enterprise with its own issuer, https://token.actions.githubusercontent.com/<slug>: its slug. The provider, and every condition key, then name token.actions.githubusercontent.com/<slug>. Empty for GitHub's public issuer."
  type        = string
  default     = ""
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9-]*$", var.enterprise_slug))
    error_message = "The enterprise_slug must be an enterprise slug (lowercase letters, digits and -), or empty."
  }
}

variable "create_oidc_provider" {
  description = "Create the account's IAM OIDC provider for the issuer. An account has at most one per issuer: set false when it already exists (the role then trusts the existing one)."
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
