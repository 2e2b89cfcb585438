# A role that GitHub Actions jobs of one repository may assume with GitHub OIDC (one branch, or one
# environment), and optionally the account's GitHub OIDC identity provider.

data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

locals {
  # The issuer's host: GitHub's public issuer, or an enterprise's own. It names the provider and starts every
  # condition key.
  oidc_host = var.enterprise_slug != "" ? "token.actions.githubusercontent.com/${var.enterprise_slug}" : "token.actions.githubusercontent.com"

  # What follows repo:<repository>: in GitHub's sub claim: the environment form for jobs with an environment,
  # the ref form otherwise.
  subject_context = var.environment != "" ? "environment:${var.environment}" : "ref:refs/heads/${var.branch}"

  # The repository without its @ids: OWNER@OWNER_ID/REPO@REPO_ID becomes OWNER/REPO (OWNER/REPO stays).
  repository_name_form = replace(var.repository, "/@[0-9]+/", "")

  # The sub the role admits: the repository as given, and with admit_name_form its name form too.
  subjects = distinct(concat(
    ["repo:${var.repository}:${local.subject_context}"],
    var.admit_name_form ? ["repo:${local.repository_name_form}:${local.subject_context}"] : [],
  ))

  provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:oidc-provider/${local.oidc_host}"
}

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 1 : 0

  url            = "https://${local.oidc_host}"
  client_id_list = [var.audience]
  # IAM verifies GitHub's certificate with its own trusted CAs and ignores these; older provider versions
  # require the list.
  thumbprint_list = [
    "6938fd4d98bab03faadb97b34396831e3780aea1",
    "1c58a3a8518e8759bf075b76b750d4f2df264fcd",
  ]
}

data "aws_iam_policy_document" "trust" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:aud"
      values   = [var.audience]
    }

    condition {
      test     = "StringLike"
      variable = "${local.oidc_host}:sub"
      values   = local.subjects
    }

    # The optional conditions: each one only when its variable is set.

    # Pins the repository by its id, which no other repository gets, whatever its name.
    dynamic "condition" {
      for_each = var.repository_id != "" ? [var.repository_id] : []
      content {
        test     = "StringEquals"
        variable = "${local.oidc_host}:repository_id"
        values   = [condition.value]
      }
    }

    dynamic "condition" {
      for_each = var.environment != "" ? [var.environment] : []
      content {
        test     = "StringEquals"
        variable = "${local.oidc_host}:environment"
        values   = [condition.value]
      }
    }

    dynamic "condition" {
      for_each = var.job_workflow_ref != "" ? [var.job_workflow_ref] : []
      content {
        test     = "StringLike"
        variable = "${local.oidc_host}:job_workflow_ref"
        values   = [condition.value]
      }
    }
  }
}

resource "aws_iam_role" "github" {
  name                 = var.role_name
  description          = "Assumed by GitHub Actions in ${var.repository} with GitHub OIDC"
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = var.max_session_duration

  lifecycle {
    # A precondition, not a validation of admit_name_form: before Terraform 1.9 a variable's validation may
    # refer to that variable only, and this module supports 1.3.
    precondition {
      condition     = !var.admit_name_form || var.repository_id != ""
      error_message = "The admit_name_form needs repository_id (the REPO_ID of repository): a repository name can pass to a new repository after a rename or a delete, and only the repository_id condition tells them apart."
    }
  }
}

resource "aws_iam_role_policy_attachment" "managed" {
  for_each = toset(var.managed_policy_arns)

  role       = aws_iam_role.github.name
  policy_arn = each.value
}
