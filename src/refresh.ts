// credential_process entry: prints credentials for the AWS SDK or CLI: for refresh-credentials new ones (or the
// ones it got last, while they last), or the exported ones for the profile that stands in for an earlier step's
// AWS_PROFILE (--from-environment).
import { environmentCredentials, refresh } from './refresh/process.js';

const args = process.argv.slice(2);
process.exit(
  args[0] === '--from-environment' ? environmentCredentials(process.env) : await refresh(args, process.env),
);
