// credential_process entry for refresh-credentials: prints new credentials for the AWS SDK or CLI.
import { refresh } from './refresh-process.js';

process.exit(await refresh(process.argv.slice(2), process.env));
