# A role that GitHub Actions jobs of one repository may assume with GitHub OIDC (one branch, or one
# environment), and optionally the account's GitHub OIDC identity provider.

data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

locals {
  oidc_host = "token.actions.githubusercontent.com"

  # GitHub's sub claim: the environment form for jobs with an environment, the ref form otherwise.
  subject = var.environment != "" ? "repo:${var.repository}:environment:${var.environment}" : "repo:${var.repository}:ref:refs/heads/${var.branch}"

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
      values   = [local.subject]
    }
  }
}

resource "aws_iam_role" "github" {
  name                 = var.role_name
  description          = "Assumed by GitHub Actions in ${var.repository} with GitHub OIDC"
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = var.max_session_duration
}

resource "aws_iam_role_policy_attachment" "managed" {
  for_each = toset(var.managed_policy_arns)

  role       = aws_iam_role.github.name
  policy_arn = each.value
}
