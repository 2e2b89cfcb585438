// credential_process entry: prints credentials for the AWS SDK or CLI, new ones for refresh-credentials, or the
// exported ones for the profile that stands in for an earlier step's AWS_PROFILE (--from-environment).
import { environmentCredentials, refresh } from './refresh/process.js';

const args = process.argv.slice(2);
process.exit(
  args[0] === '--from-environment' ? environmentCredentials(process.env) : await refresh(args, process.env),
);
